//! A gateway assembled in the test process from its real parts (local
//! accounts in SQLite, the mail service over the Graph client, the IMAP
//! front) against an emulated tenant, with tokens minted through the
//! emulator's control API. Real clients then talk to it over loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use graphgate::accounts::{Account, Accounts, LoginLimits, Mode};
use graphgate::auth::{self, BoxFuture, Credentials, Identity, TokenProvider};
use graphgate::graph::{GraphClient, GraphSettings};
use graphgate::imap::{GatewayBackend, ImapProtocol, ImapSettings};
use graphgate::mailbox::{MailService, MailSettings, cache::MimeCache};
use graphgate::policy::{Policy, SharedMailbox};
use graphgate::secret::Secret;
use graphgate::server::{Gateway, ListenSpec};
use graphgate::store::Store;

use super::{ALICE, BOB, CAROL, ControlTokens, SALES, Tenant};

pub const PASSWORD: &str = "graphgate-test-pw";
/// An app-only account whose mailbox is carol's.
pub const APP_ONLY: &str = "sync@contoso.test";

/// Mail settings for tests: quick polling so IDLE tests finish fast.
pub fn test_settings() -> MailSettings {
    MailSettings {
        poll_interval: Duration::from_millis(300),
        ..MailSettings::default()
    }
}

struct TestCredentials {
    base: String,
    http: reqwest::Client,
    providers: dashmap::DashMap<String, Arc<TokenProvider>>,
}

impl Credentials for TestCredentials {
    fn tokens_for<'a>(
        &'a self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<Arc<TokenProvider>, auth::Error>> {
        Box::pin(async move {
            let provider = self
                .providers
                .entry(account.login.clone())
                .or_insert_with(|| {
                    let body = if account.mode == Mode::AppOnly {
                        serde_json::json!({"app": true, "roles": ["Mail.ReadWrite", "Mail.Send"]})
                    } else {
                        serde_json::json!({"upn": account.microsoft_user, "scopes": super::ALL_SCOPES})
                    };
                    let tokens = ControlTokens {
                        base: self.base.clone(),
                        body,
                        http: self.http.clone(),
                        generation: Default::default(),
                        fetched: Default::default(),
                    };
                    tokens.provider(Identity::Delegated {
                        login: account.login.clone(),
                    })
                })
                .clone();
            Ok(provider)
        })
    }
}

pub struct TestGateway {
    pub tenant: Tenant,
    pub imap: SocketAddr,
    pub imaps: SocketAddr,
    pub smtp: SocketAddr,
    pub smtps: SocketAddr,
    pub cert: std::path::PathBuf,
    pub mail: Arc<MailService>,
    pub graph: GraphClient,
    gateway: Option<Gateway>,
    pub dir: tempfile::TempDir,
    settings: MailSettings,
}

/// The demo's shared-mailbox policy: alice writes sales@, bob reads it.
pub fn demo_policy() -> Policy {
    Policy::new(vec![SharedMailbox {
        address: SALES.into(),
        writers: vec![ALICE.into()],
        readers: vec![BOB.into()],
        send_as: vec![ALICE.into()],
        send_on_behalf: vec![BOB.into()],
    }])
}

impl TestGateway {
    pub async fn start() -> TestGateway {
        TestGateway::start_with(test_settings()).await
    }

    pub async fn start_with(settings: MailSettings) -> TestGateway {
        TestGateway::start_on(Tenant::start().await, settings).await
    }

    pub async fn start_on(tenant: Tenant, settings: MailSettings) -> TestGateway {
        graphgate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        TestGateway::assemble(tenant, dir, settings).await
    }

    /// Stop the gateway and start a new one on the same store and tenant,
    /// as a restart of the process would.
    pub async fn restart(mut self) -> TestGateway {
        if let Some(g) = self.gateway.take() {
            g.shutdown().await;
        }
        let settings = self.settings.clone();
        let tenant = std::mem::replace(&mut self.tenant, Tenant::detached());
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        TestGateway::assemble(tenant, dir, settings).await
    }

    async fn assemble(
        tenant: Tenant,
        dir: tempfile::TempDir,
        settings: MailSettings,
    ) -> TestGateway {
        let store = Store::open_in(dir.path()).await.unwrap();
        let accounts = Arc::new(Accounts::new(store.clone(), LoginLimits::default()));
        for user in [ALICE, BOB, CAROL] {
            if accounts.get(user).await.unwrap().is_none() {
                accounts.add(user, user, Mode::Delegated).await.unwrap();
                accounts
                    .set_password(user, "test", &Secret::new(PASSWORD))
                    .await
                    .unwrap();
            }
        }
        // An app-only service account on carol's mailbox (the app's own token).
        if accounts.get(APP_ONLY).await.unwrap().is_none() {
            accounts.add(APP_ONLY, CAROL, Mode::AppOnly).await.unwrap();
            accounts
                .set_password(APP_ONLY, "test", &Secret::new(PASSWORD))
                .await
                .unwrap();
        }
        let graph = GraphClient::new(GraphSettings::new(tenant.url("").parse().unwrap())).unwrap();
        let cache = MimeCache::open(&dir.path().join("cache"), 256 * 1024 * 1024).unwrap();
        let credentials = Arc::new(TestCredentials {
            base: tenant.base.clone(),
            http: tenant.http.clone(),
            providers: Default::default(),
        });
        let audit = graphgate::audit::Audit::new(store.clone(), Some(dir.path()));
        let mail = MailService::new(
            graph.clone(),
            store.clone(),
            Some(cache),
            Arc::new(parking_lot::RwLock::new(demo_policy())),
            credentials,
            settings.clone(),
            audit,
        );
        let (cert, _) = graphgate::tls::ensure_self_signed(dir.path()).unwrap();
        let acceptor = graphgate::tls::acceptor(&cert).unwrap();
        let mut gateway = Gateway::new(200, Duration::from_secs(2), Some(acceptor));
        let backend = GatewayBackend {
            accounts: accounts.clone(),
            mail: mail.clone(),
        };
        let submitter = graphgate::smtp::GatewaySubmitter {
            accounts,
            mail: mail.clone(),
            host: "graphgate.invalid".into(),
        };
        let smtp_protocol = Arc::new(graphgate::smtp::SmtpProtocol::new(
            graphgate::smtp::SmtpSettings::from_section(&graphgate::config::SmtpSection {
                trusted_clients: vec![graphgate::config::TrustedClient {
                    address: "127.0.0.2".into(),
                    account: CAROL.into(),
                }],
                no_sent_copy: vec![CAROL.into()],
                ..Default::default()
            })
            .unwrap(),
            submitter,
        ));
        let protocol = Arc::new(ImapProtocol::new(ImapSettings::default(), backend));
        let spec = |implicit_tls| ListenSpec {
            addr: "127.0.0.1:0".parse().unwrap(),
            implicit_tls,
            setting: "test".into(),
        };
        let imap = gateway.listen(spec(false), protocol.clone()).await.unwrap();
        let imaps = gateway.listen(spec(true), protocol).await.unwrap();
        let smtp = gateway
            .listen(spec(false), smtp_protocol.clone())
            .await
            .unwrap();
        let smtps = gateway.listen(spec(true), smtp_protocol).await.unwrap();
        TestGateway {
            tenant,
            imap,
            imaps,
            smtp,
            smtps,
            cert: cert.cert.clone(),
            mail,
            graph,
            gateway: Some(gateway),
            dir,
            settings,
        }
    }

    pub async fn stop(mut self) {
        if let Some(g) = self.gateway.take() {
            g.shutdown().await;
        }
        self.tenant.stop().await;
    }

    /// Run `tests/clients/<script>` with Python against the plain port;
    /// returns its standard output, failing the test if it fails.
    /// A folder's UIDVALIDITY, UIDNEXT and UID → Message-ID header, as
    /// imaplib sees them.
    pub async fn uids(&self, user: &str, folder: &str) -> serde_json::Value {
        let out = self
            .python("imap_uids.py", &[user, super::gateway::PASSWORD, folder])
            .await;
        serde_json::from_str(out.trim()).expect("JSON from imap_uids.py")
    }

    pub async fn python(&self, script: &str, args: &[&str]) -> String {
        let path = format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"));
        let smtp_script = script.starts_with("smtp");
        let (plain, tls) = if smtp_script {
            (self.smtp, self.smtps)
        } else {
            (self.imap, self.imaps)
        };
        let mut cmd = tokio::process::Command::new("python3");
        cmd.arg(&path)
            .arg(plain.port().to_string())
            .arg(tls.port().to_string())
            .arg(&self.cert)
            .args(args)
            .env("GRAPHGATE_EMULATOR", &self.tenant.base);
        let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
            .await
            .expect("client finishes in time")
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{script} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
        stdout
    }
}
