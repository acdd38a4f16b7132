//! An emulated tenant, a config file pointing at it, a data directory with
//! accounts, and helpers to drive `graphgate login` and the sign-in pages.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use graphgate::accounts::{Accounts, LoginLimits, Mode};
use graphgate::auth::{Oauth, RefreshTokens, TokenKey, Tokens};
use graphgate::config::Config;
use graphgate::store::Store;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{ALICE, BOB, SALES, Tenant};

pub const CLIENT_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const SECRET: &str = "graphgate-demo-secret";
pub const SIGNIN_PASSWORD: &str = "contoso-signin";

pub struct Setup {
    pub tenant: Tenant,
    pub dir: tempfile::TempDir,
    pub config_file: PathBuf,
}

impl Setup {
    /// A tenant, and a config for it; `shared` adds sales@ with alice
    /// allowed to send as it.
    pub async fn new(shared: bool) -> Setup {
        graphgate::tls::install_crypto_provider();
        let tenant = Tenant::start().await;
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup {
            config_file: dir.path().join("graphgate.toml"),
            tenant,
            dir,
        };
        setup.write_config(shared, "");
        let store = setup.store().await;
        let accounts = Accounts::new(store, LoginLimits::default());
        accounts.add(ALICE, ALICE, Mode::Delegated).await.unwrap();
        accounts.add(BOB, BOB, Mode::Delegated).await.unwrap();
        accounts
            .add("scanner@contoso.test", ALICE, Mode::AppOnly)
            .await
            .unwrap();
        setup
    }

    pub fn write_config(&self, shared: bool, extra_microsoft: &str) {
        let data = self.dir.path().join("data");
        let mut text = format!(
            "[server]\ndata_dir = {data:?}\n\n[microsoft]\ncloud = \"custom\"\ntenant = \"contoso.test\"\n\
             client_id = \"{CLIENT_ID}\"\nclient_secret = \"{SECRET}\"\nlogin_url = \"{base}\"\n\
             graph_url = \"{base}/v1.0\"\n{extra_microsoft}\n",
            base = self.tenant.base
        );
        if shared {
            text.push_str(&format!(
                "\n[[shared_mailbox]]\naddress = \"{SALES}\"\nwriters = [\"{ALICE}\"]\nsend_as = [\"{ALICE}\"]\n"
            ));
        }
        std::fs::write(&self.config_file, text).unwrap();
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub async fn store(&self) -> Store {
        Store::open_in(&self.data_dir()).await.unwrap()
    }

    pub fn config(&self) -> Config {
        Config::load(Some(&self.config_file), std::iter::empty()).unwrap()
    }

    /// The token registry the gateway would build from the config.
    pub async fn tokens(&self) -> Arc<Tokens> {
        let config = self.config();
        let oauth = Oauth::from_config(&config.microsoft).unwrap();
        let key = TokenKey::load(&self.data_dir()).unwrap();
        Arc::new(Tokens::new(
            oauth,
            RefreshTokens::new(self.store().await, key),
            !config.shared_mailbox.is_empty(),
        ))
    }

    pub fn graphgate(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graphgate"));
        cmd.arg("--config")
            .arg(&self.config_file)
            .args(args)
            .env("RUST_LOG", "trace")
            .env_remove("GRAPHGATE_TOKEN_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// `graphgate login USER` approved through the sign-in pages by plain
    /// form posts; returns (stdout, stderr).
    pub async fn login(&self, user: &str) -> (String, String) {
        let mut child = self.graphgate(&["login", user]).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut out = String::new();
        let code = loop {
            let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
                .await
                .expect("login prints the code")
                .unwrap()
                .expect("login prints the code");
            out.push_str(&line);
            out.push('\n');
            if let Some(at) = line.find("enter the code ") {
                break line[at + 15..].trim().to_string();
            }
        };
        approve(&self.tenant.base, &code, user).await;
        while let Ok(Some(line)) = lines.next_line().await {
            out.push_str(&line);
            out.push('\n');
        }
        let done = child.wait_with_output().await.unwrap();
        let err = String::from_utf8_lossy(&done.stderr).into_owned();
        assert!(done.status.success(), "login failed\n{out}\n{err}");
        (out, err)
    }
}

/// The value of a hidden input on the emulator's pages.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).expect(name) + marker.len();
    let end = html[at..].find('"').unwrap();
    html[at..at + end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// A person approving a device code: code, user name, password, consent.
pub async fn approve(base: &str, code: &str, user: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: &str, form: Vec<(&str, String)>| {
        let r = http.post(format!("{base}{path}")).form(&form).send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let html = post("/devicelogin", vec![("otc", code.to_string())]).await;
    let html = post(
        "/login",
        vec![("flow", hidden(&html, "flow")), ("loginfmt", user.into())],
    )
    .await;
    let html = post(
        "/login",
        vec![
            ("flow", hidden(&html, "flow")),
            ("passwd", SIGNIN_PASSWORD.into()),
        ],
    )
    .await;
    let done = post(
        "/login/consent",
        vec![
            ("flow", hidden(&html, "flow")),
            ("accept", "Continue".into()),
        ],
    )
    .await;
    assert!(done.contains("signed in"), "{done}");
}
