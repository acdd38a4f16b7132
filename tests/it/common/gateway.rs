//! A gateway assembled in the test process from its real parts (local
//! accounts in SQLite, the mail service over the Graph client, the IMAP
//! front) against an emulated tenant, with tokens minted through the
//! emulator's control API. Real clients then talk to it over loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use graphgate::accounts::{Account, Mode};
use graphgate::app::{App, Overrides};
use graphgate::auth::{self, BoxFuture, Credentials, Identity, TokenProvider};
use graphgate::config::{Cloud, Config, SharedMailbox, TrustedClient};
use graphgate::mailbox::{MailService, MailSettings};
use graphgate::secret::Secret;
use graphgate::server::Gateway;

use super::{ALICE, BOB, CAROL, ControlTokens, SALES, Tenant};

pub const PASSWORD: &str = "graphgate-test-pw";
/// An app-only account whose mailbox is carol's.
pub const APP_ONLY: &str = "sync@contoso.test";

/// Mail settings for tests: quick polling so IDLE tests finish fast, and
/// every SELECT and NOOP asks Graph (tests change the mailbox behind
/// graphgate's back and look at once; the sharing of delta rounds has its
/// own tests).
pub fn test_settings() -> MailSettings {
    MailSettings {
        poll_interval: Duration::from_millis(300),
        sync_fresh: Duration::ZERO,
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
    pub pop3: SocketAddr,
    pub pop3s: SocketAddr,
    /// CalDAV/CardDAV over HTTP and HTTPS.
    pub dav: SocketAddr,
    pub davs: SocketAddr,
    pub cert: std::path::PathBuf,
    pub mail: Arc<MailService>,
    gateway: Option<Gateway>,
    pub dir: tempfile::TempDir,
    settings: MailSettings,
    /// The local accounts (login counters, verification stats).
    pub accounts: Arc<graphgate::accounts::Accounts>,
    /// Changes a test made to the configuration (kept across `restart`).
    configure: fn(&mut Config),
    /// `[store] url`, when not the SQLite file in `dir`.
    store_url: Option<String>,
    /// Accounts get their Graph tokens from `[microsoft]` (sign-ins,
    /// refresh) as in `graphgate serve`, not minted by the control API.
    real_tokens: bool,
}

/// The demo's shared-mailbox policy: alice writes sales@, bob reads it.
pub fn demo_shared_mailboxes() -> Vec<SharedMailbox> {
    vec![SharedMailbox {
        address: SALES.into(),
        writers: vec![ALICE.into()],
        readers: vec![BOB.into()],
        send_as: vec![ALICE.into()],
        send_on_behalf: vec![BOB.into()],
    }]
}

/// The gateway's configuration in a test: every listener on an ephemeral
/// loopback port, state in `dir`, Graph at the emulated tenant, the demo's
/// policy, and a scanner at 127.0.0.2 that sends as carol without AUTH.
fn test_config(tenant: &Tenant, dir: &std::path::Path) -> Config {
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut config = Config::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.max_connections = 200;
    config.server.shutdown_grace_s = 2;
    for slot in [
        &mut config.imap.listen,
        &mut config.imap.listen_tls,
        &mut config.smtp.listen,
        &mut config.smtp.listen_tls,
        &mut config.pop3.listen,
        &mut config.pop3.listen_tls,
        &mut config.dav.listen,
        &mut config.dav.listen_tls,
    ] {
        *slot = Some(any_port);
    }
    let ms = &mut config.microsoft;
    ms.cloud = Cloud::Custom;
    ms.tenant = "contoso.test".into();
    ms.client_id = graphgate_emulator::seed::DEMO_CLIENT_ID.into();
    ms.login_url = tenant.base.clone();
    ms.graph_url = tenant.url("");
    config.mail.cache_max_mb = 256;
    config.smtp.trusted_clients = vec![TrustedClient {
        address: "127.0.0.2".into(),
        account: CAROL.into(),
    }];
    config.smtp.no_sent_copy = vec![CAROL.into()];
    config.shared_mailbox = demo_shared_mailboxes();
    config
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
        TestGateway::assemble(tenant, dir, settings, |_| {}, None, false).await
    }

    /// A gateway whose test configuration `configure` changes first.
    pub async fn start_configured(configure: fn(&mut Config)) -> TestGateway {
        graphgate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        TestGateway::assemble(
            Tenant::start().await,
            dir,
            test_settings(),
            configure,
            None,
            false,
        )
        .await
    }

    /// A gateway on `tenant` with `settings`, whose test configuration
    /// `configure` changes first.
    pub async fn start_on_configured(
        tenant: Tenant,
        settings: MailSettings,
        configure: fn(&mut Config),
    ) -> TestGateway {
        graphgate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        TestGateway::assemble(tenant, dir, settings, configure, None, false).await
    }

    /// A gateway whose accounts get Graph tokens only from `[microsoft]`
    /// (nobody has signed in yet), with `configure` applied.
    pub async fn start_real_tokens(configure: fn(&mut Config)) -> TestGateway {
        graphgate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let tenant = Tenant::start().await;
        TestGateway::assemble(tenant, dir, test_settings(), configure, None, true).await
    }

    /// One instance of several sharing the store at `store_url` (and the
    /// tenant behind `tenant`), as `graphgate serve` with `[store] url`.
    pub async fn start_instance(
        tenant: &Tenant,
        settings: MailSettings,
        store_url: &str,
    ) -> TestGateway {
        graphgate::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let tenant = Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        };
        TestGateway::assemble(
            tenant,
            dir,
            settings,
            |_| {},
            Some(store_url.to_string()),
            false,
        )
        .await
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
        let store_url = self.store_url.take();
        TestGateway::assemble(
            tenant,
            dir,
            settings,
            self.configure,
            store_url,
            self.real_tokens,
        )
        .await
    }

    /// The gateway as `graphgate serve` assembles it (`App::build`), with
    /// tokens minted through the tenant's control API and quick polling.
    async fn assemble(
        tenant: Tenant,
        dir: tempfile::TempDir,
        settings: MailSettings,
        configure: fn(&mut Config),
        store_url: Option<String>,
        real_tokens: bool,
    ) -> TestGateway {
        let mut config = test_config(&tenant, dir.path());
        configure(&mut config);
        if let Some(url) = &store_url {
            config.store.url = url.clone();
        }
        let credentials = Arc::new(TestCredentials {
            base: tenant.base.clone(),
            http: tenant.http.clone(),
            providers: Default::default(),
        });
        let overrides = Overrides {
            credentials: (!real_tokens).then_some(credentials as _),
            mail: Some(settings.clone()),
        };
        let app = App::build(&config, overrides).await.unwrap();
        let accounts = &app.accounts;
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
        let listening = app.listen(&config, |_| "test".into()).await.unwrap();
        let addr = |a: Option<SocketAddr>| a.expect("every listener is on");
        TestGateway {
            tenant,
            imap: addr(listening.addrs.imap),
            imaps: addr(listening.addrs.imaps),
            smtp: addr(listening.addrs.smtp),
            smtps: addr(listening.addrs.smtps),
            pop3: addr(listening.addrs.pop3),
            pop3s: addr(listening.addrs.pop3s),
            dav: addr(listening.addrs.dav),
            davs: addr(listening.addrs.davs),
            cert: app.cert.cert.clone(),
            mail: app.mail.clone(),
            gateway: Some(listening.gateway),
            dir,
            settings,
            accounts: app.accounts.clone(),
            configure,
            store_url,
            real_tokens,
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
        } else if script.starts_with("dav") {
            (self.dav, self.davs)
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
