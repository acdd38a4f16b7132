//! `graphgate demo` (the emulated tenant and the gateway together on
//! loopback, with a banner that tells a person everything needed to try it)
//! and `graphgate emulator` (the tenant alone). The CLI is the only part of
//! graphgate that starts the emulator; the gateway reaches it over HTTP.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use super::shut_down;
use graphgate::admin::Admins;
use graphgate::app::{App, ListenAddrs, Overrides};
use graphgate::config::{Cloud, Config, ConfigError};
use graphgate::secret::Secret;
use graphgate::server::Signals;
use graphgate_emulator::seed::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_SIGNIN_PASSWORD,
};
use graphgate_emulator::{EmulatorConfig, RunningEmulator, Settings};

/// Options of the emulated tenant, shared by `demo` and `emulator`.
#[derive(Debug, Args)]
pub(super) struct TenantArgs {
    /// Emulated tenant's HTTP address [default: 127.0.0.1:8787]
    #[arg(long, value_name = "ADDR")]
    emulator: Option<SocketAddr>,
    /// Where certificates and the tenant's state are kept [default: data]
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Fill alice's Inbox with N generated messages
    #[arg(long, value_name = "N")]
    seed_messages: Option<usize>,
    /// Added latency of every Graph call, in milliseconds
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
}

impl TenantArgs {
    pub(super) fn apply(&self, config: &mut Config) {
        if let Some(addr) = self.emulator {
            config.emulator.listen = addr;
        }
        if let Some(dir) = &self.data_dir {
            config.server.data_dir = dir.clone();
            // The tenant follows --data-dir, so demo and emulator share it.
            config.emulator.data_dir = None;
        }
        if let Some(n) = self.seed_messages {
            config.emulator.seed_messages = n;
        }
        if let Some(ms) = self.latency_ms {
            let ms = i64::try_from(ms).unwrap_or(i64::MAX);
            config
                .emulator
                .switches
                .insert("latency_ms".into(), toml::Value::Integer(ms));
        }
    }
}

#[derive(Debug, Args)]
pub(super) struct DemoArgs {
    /// IMAP address (plain and STARTTLS) [default: 127.0.0.1:1143]
    #[arg(long, value_name = "ADDR")]
    imap: Option<SocketAddr>,
    /// IMAP over implicit TLS [default: 127.0.0.1:1993]
    #[arg(long, value_name = "ADDR")]
    imaps: Option<SocketAddr>,
    /// SMTP submission (plain and STARTTLS) [default: 127.0.0.1:1587]
    #[arg(long, value_name = "ADDR")]
    smtp: Option<SocketAddr>,
    /// SMTP submission over implicit TLS [default: 127.0.0.1:1465]
    #[arg(long, value_name = "ADDR")]
    smtps: Option<SocketAddr>,
    /// POP3 (plain and STLS; "off" turns it off) [default: 127.0.0.1:1110]
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pop3: Option<ListenFlag>,
    /// POP3 over implicit TLS ("off" turns it off) [default: 127.0.0.1:1995]
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pop3s: Option<ListenFlag>,
    /// CalDAV and CardDAV over HTTP ("off" turns it off) [default: 127.0.0.1:1080]
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    dav: Option<ListenFlag>,
    /// CalDAV and CardDAV over HTTPS ("off" turns it off) [default: 127.0.0.1:1443]
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    davs: Option<ListenFlag>,
    /// The admin console, with /metrics and health ("off" turns it off) [default: 127.0.0.1:8788]
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    admin: Option<ListenFlag>,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// `--admin`, `--pop3`, `--pop3s`, `--dav`, `--davs`: an address, or off.
#[derive(Debug, Clone, Copy)]
pub(super) enum ListenFlag {
    Off,
    At(SocketAddr),
}

impl ListenFlag {
    /// Apply to `slot`: the flag if given, else `default` when the
    /// configuration leaves the listener off.
    fn apply(flag: Option<ListenFlag>, slot: &mut Option<SocketAddr>, default: SocketAddr) {
        match flag {
            Some(ListenFlag::Off) => *slot = None,
            Some(ListenFlag::At(addr)) => *slot = Some(addr),
            None if slot.is_none() => *slot = Some(default),
            None => {}
        }
    }
}

fn parse_listen(text: &str) -> Result<ListenFlag, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(ListenFlag::Off);
    }
    text.parse()
        .map(ListenFlag::At)
        .map_err(|_| format!("{text:?} is not host:port or \"off\""))
}

const fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::LOCALHOST,
        port,
    ))
}

/// The demo's POP3 addresses when neither a flag nor the configuration
/// sets them.
const DEMO_POP3: SocketAddr = loopback(1110);
const DEMO_POP3S: SocketAddr = loopback(1995);

/// The demo's CalDAV/CardDAV addresses when neither a flag nor the
/// configuration sets them.
const DEMO_DAV: SocketAddr = loopback(1080);
const DEMO_DAVS: SocketAddr = loopback(1443);

/// The demo's console address when neither `--admin` nor the
/// configuration sets one.
const DEMO_ADMIN: SocketAddr = loopback(8788);

impl DemoArgs {
    pub(super) fn apply(&self, config: &mut Config) {
        let slots = [
            (self.imap, &mut config.imap.listen),
            (self.imaps, &mut config.imap.listen_tls),
            (self.smtp, &mut config.smtp.listen),
            (self.smtps, &mut config.smtp.listen_tls),
        ];
        for (flag, slot) in slots {
            if flag.is_some() {
                *slot = flag;
            }
        }
        ListenFlag::apply(self.admin, &mut config.admin.listen, DEMO_ADMIN);
        ListenFlag::apply(self.pop3, &mut config.pop3.listen, DEMO_POP3);
        ListenFlag::apply(self.pop3s, &mut config.pop3.listen_tls, DEMO_POP3S);
        ListenFlag::apply(self.dav, &mut config.dav.listen, DEMO_DAV);
        ListenFlag::apply(self.davs, &mut config.dav.listen_tls, DEMO_DAVS);
        self.tenant.apply(config);
    }
}

/// The line tests (and scripts) wait for.
pub const DEMO_READY: &str = "graphgate demo is ready";
pub const EMULATOR_READY: &str = "graphgate emulator is ready";

/// Every demo user's gateway password (not their Microsoft one).
const DEMO_GATEWAY_PASSWORD: &str = "graphgate-demo";

/// `graphgate demo`.
pub(super) async fn demo(mut config: Config, switches: Settings) -> Result<()> {
    let mut signals = Signals::register().context("cannot watch for SIGTERM and Ctrl-C")?;
    let tenant = start_emulator(&config, switches).await?;
    point_at_emulator(&mut config, &tenant.base_url())?;
    // The listeners open only once the demo users can log in: a client
    // that connects at once is never told its password is wrong.
    let prepared = async {
        let app = App::build(&config, Overrides::default()).await?;
        let signed_in = super::demo_signin::prepare(
            &app.accounts,
            &app.tokens,
            &tenant.base_url(),
            DEMO_GATEWAY_PASSWORD,
        )
        .await
        .context("cannot prepare the demo users")?;
        let admins = Admins::new(app.store.clone(), (*app.accounts).clone());
        admins
            .set(DEMO_ADMIN_NAME, &Secret::new(DEMO_GATEWAY_PASSWORD))
            .await
            .context("cannot prepare the demo's administrator")?;
        let listening = app.listen(&config, flag_or_key).await?;
        anyhow::Ok((app, listening, signed_in))
    }
    .await;
    let (app, listening, signed_in) = match prepared {
        Ok(p) => p,
        Err(e) => {
            tenant.stop().await;
            return Err(e);
        }
    };
    if !signed_in.is_empty() {
        tracing::info!(users = ?signed_in, "signed the demo users in to the demo tenant");
    }
    let cert = CertNote {
        path: &app.cert.cert,
        self_signed: config.tls.cert.is_none(),
    };
    let banner = demo_banner(&tenant.base_url(), listening.addrs, cert);
    print_and_flush(&format!("{banner}{DEMO_READY}\n"))?;
    wait_for_signal(&mut signals).await;
    shut_down(&mut signals, async {
        listening.gateway.shutdown().await;
        tenant.stop().await;
    })
    .await;
    tracing::info!("graphgate demo stopped");
    Ok(())
}

/// `graphgate emulator`.
pub(super) async fn emulator(config: Config, switches: Settings) -> Result<()> {
    let mut signals = Signals::register().context("cannot watch for SIGTERM and Ctrl-C")?;
    let tenant = start_emulator(&config, switches).await?;
    let banner = tenant_banner(&tenant.base_url());
    print_and_flush(&format!("{banner}\nStop with Ctrl-C.\n{EMULATOR_READY}\n"))?;
    wait_for_signal(&mut signals).await;
    shut_down(&mut signals, tenant.stop()).await;
    tracing::info!("graphgate emulator stopped");
    Ok(())
}

/// How a person sets the listener at `key` in the demo: a flag, or the
/// configuration file.
fn flag_or_key(key: &'static str) -> String {
    let flag = match key {
        "imap.listen" => "--imap",
        "imap.listen_tls" => "--imaps",
        "smtp.listen" => "--smtp",
        "admin.listen" => "--admin",
        "pop3.listen" => "--pop3",
        "pop3.listen_tls" => "--pop3s",
        "dav.listen" => "--dav",
        "dav.listen_tls" => "--davs",
        "metrics.listen" => return format!("config key `{key}`"),
        _ => "--smtps",
    };
    format!("{flag} or config key `{key}`")
}

/// Wait for SIGTERM or Ctrl-C, and log which.
async fn wait_for_signal(signals: &mut Signals) {
    let signal = signals.recv().await;
    tracing::info!(signal, "shutting down");
}

fn print_and_flush(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// The gateway's `[microsoft]` for the demo tenant, and its policy: from
/// the configuration if it has one, else from `<data_dir>/demo-policy.toml`
/// (written with the demo's grants on first start; the console edits it).
fn point_at_emulator(config: &mut Config, base_url: &str) -> Result<()> {
    let ms = &mut config.microsoft;
    ms.cloud = Cloud::Custom;
    ms.tenant = DEMO_DOMAIN.into();
    ms.client_id = DEMO_CLIENT_ID.into();
    ms.client_secret = Secret::new(DEMO_CLIENT_SECRET);
    ms.login_url = base_url.into();
    ms.graph_url = format!("{base_url}/v1.0");
    // The demo app exposes api://{client id}/Mail.Gateway: clients that get
    // their own tokens can log in with XOAUTH2 or OAUTHBEARER.
    config.oauth.enabled = true;
    if config.shared_mailbox.is_empty() && config.server.policy_file.is_none() {
        let path = config.server.data_dir.join(DEMO_POLICY_FILE);
        if !path.exists() {
            std::fs::create_dir_all(&config.server.data_dir)
                .and_then(|()| std::fs::write(&path, demo_policy_text()))
                .with_context(|| {
                    format!("cannot write the demo's policy file {}", path.display())
                })?;
        }
        config.server.policy_file = Some(path);
        config.load_policy_file()?;
    }
    Ok(())
}

/// The demo's policy file in its data directory.
const DEMO_POLICY_FILE: &str = "demo-policy.toml";

/// The demo's administrator of the console (password: the demo password).
const DEMO_ADMIN_NAME: &str = "admin";

/// The demo's policy file, first written from `demo_shared_mailboxes`.
fn demo_policy_text() -> String {
    let mut out = String::from(
        "# Who may use which shared mailbox in `graphgate demo`. The admin\n\
         # console (Shared mailboxes) changes this file; delete it to start again.\n",
    );
    for s in demo_shared_mailboxes() {
        let list = |l: &[String]| {
            let quoted: Vec<String> = l.iter().map(|x| format!("{x:?}")).collect();
            format!("[{}]", quoted.join(", "))
        };
        out.push_str(&format!(
            "\n[[shared_mailbox]]\naddress = {:?}\n# read only\nreaders = {}\n# read and change\nwriters = {}\nsend_as = {}\nsend_on_behalf = {}\n",
            s.address,
            list(&s.readers),
            list(&s.writers),
            list(&s.send_as),
            list(&s.send_on_behalf)
        ));
    }
    out
}

/// The demo's policy for sales@: alice reads, changes and sends as it; bob
/// reads it and sends on its behalf; carol has nothing.
fn demo_shared_mailboxes() -> Vec<graphgate::config::SharedMailbox> {
    let alice = format!("alice@{DEMO_DOMAIN}");
    let bob = format!("bob@{DEMO_DOMAIN}");
    vec![graphgate::config::SharedMailbox {
        address: format!("sales@{DEMO_DOMAIN}"),
        readers: vec![bob.clone()],
        writers: vec![alice.clone()],
        send_as: vec![alice],
        send_on_behalf: vec![bob],
    }]
}

/// The tenant's switches, `[emulator.switches]`: latency, faults,
/// throttling and token lifetimes. The gateway keeps them as a plain table;
/// they are the emulator's settings, checked here before anything starts.
pub(super) fn switches(config: &Config) -> Result<Settings, ConfigError> {
    let key = "emulator.switches";
    let switches: Settings = config.decode(key, &config.emulator.switches)?;
    switches
        .validate()
        .map_err(|problem| config.key_error(key, format_args!("config key `{key}`: {problem}")))?;
    Ok(switches)
}

/// Start the tenant, saved under its data dir.
async fn start_emulator(config: &Config, switches: Settings) -> Result<RunningEmulator> {
    let data_dir = config.emulator_data_dir();
    let wanted = EmulatorConfig {
        listen: config.emulator.listen,
        data_dir: Some(data_dir.clone()),
        seed_messages: config.emulator.seed_messages,
        skip_large_seed: false,
        settings: switches,
    };
    graphgate_emulator::start(wanted)
        .await
        .context(emulator_context(config.emulator.listen))
}

fn emulator_context(addr: SocketAddr) -> String {
    format!(
        "cannot start the emulated tenant on {addr} (set by --emulator or config key `emulator.listen`)"
    )
}

/// What a person needs to use the tenant: where it is, how to sign in.
fn tenant_banner(base_url: &str) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "Emulated Microsoft 365 tenant");
    let _ = writeln!(b, "  URL            {base_url}  (Graph under /v1.0)");
    let _ = writeln!(b, "  sign-in page   {base_url}/devicelogin");
    let _ = writeln!(b, "  tenant         {DEMO_DOMAIN}");
    let _ = writeln!(b, "  app client id  {DEMO_CLIENT_ID}");
    let _ = writeln!(b, "  app secret     {DEMO_CLIENT_SECRET}");
    let _ = writeln!(
        b,
        "  Microsoft sign-in password of every user: {DEMO_SIGNIN_PASSWORD}"
    );
    b
}

fn url(scheme: &str, addr: Option<SocketAddr>) -> String {
    match addr {
        Some(addr) => format!("{scheme}://{addr}"),
        None => "off".to_string(),
    }
}

/// The gateway's certificate, as the banner tells it.
struct CertNote<'a> {
    path: &'a Path,
    self_signed: bool,
}

/// The demo's banner, ready line excluded.
fn demo_banner(base_url: &str, addrs: ListenAddrs, cert: CertNote<'_>) -> String {
    let users = ["alice", "bob", "carol"].map(|u| format!("{u}@{DEMO_DOMAIN}"));
    let kind = if cert.self_signed {
        "self-signed; clients must trust it"
    } else {
        "from [tls]"
    };
    let cert = cert.path.display();
    let mut b = String::from(
        "\ngraphgate demo: an emulated Microsoft 365 tenant and the gateway, on loopback\n\n",
    );
    b.push_str(&tenant_banner(base_url));
    let _ = writeln!(
        b,
        "\nUsers (gateway password for each: {DEMO_GATEWAY_PASSWORD})"
    );
    for user in &users {
        let _ = writeln!(b, "  {user}");
    }
    let _ = writeln!(b, "\nShared mailbox sales@{DEMO_DOMAIN}");
    let _ = writeln!(b, "  alice  FullAccess + SendAs");
    let _ = writeln!(b, "  bob    FullAccess + SendOnBehalf");
    let _ = writeln!(b, "  carol  no access");
    let _ = writeln!(b, "\nGateway");
    let _ = writeln!(b, "  IMAP   {}  (plain, STARTTLS)", url("imap", addrs.imap));
    let _ = writeln!(b, "  IMAPS  {}  (implicit TLS)", url("imaps", addrs.imaps));
    let _ = writeln!(
        b,
        "  SMTP   {}  (submission, STARTTLS)",
        url("smtp", addrs.smtp)
    );
    let _ = writeln!(b, "  SMTPS  {}  (implicit TLS)", url("smtps", addrs.smtps));
    let _ = writeln!(b, "  POP3   {}  (plain, STLS)", url("pop3", addrs.pop3));
    let _ = writeln!(b, "  POP3S  {}  (implicit TLS)", url("pop3s", addrs.pop3s));
    let _ = writeln!(
        b,
        "  CalDAV/CardDAV  {}  (plain HTTP; clients start at /.well-known/caldav)",
        url("http", addrs.dav)
    );
    let _ = writeln!(b, "  CalDAV/CardDAV  {}  (HTTPS)", url("https", addrs.davs));
    match addrs.admin {
        Some(admin) => {
            let scheme = if addrs.admin_tls { "https" } else { "http" };
            let _ = writeln!(
                b,
                "  Admin  {scheme}://{admin}/  (console: user {DEMO_ADMIN_NAME}, password {DEMO_GATEWAY_PASSWORD}; \
                 /metrics, /livez, /readyz)"
            );
        }
        None => {
            let _ = writeln!(b, "  Admin  off");
        }
    }
    let _ = writeln!(
        b,
        "  OAuth  XOAUTH2 and OAUTHBEARER with tokens for api://{DEMO_CLIENT_ID}/Mail.Gateway \
         (docs/oauth-sasl.md)"
    );
    let _ = writeln!(b, "  TLS certificate  {cert}  ({kind})");
    let alice = &users[0];
    let _ = writeln!(b, "\nTry it");
    if let Some(imap) = addrs.imap {
        let _ = writeln!(
            b,
            "  curl -u {alice}:{DEMO_GATEWAY_PASSWORD} imap://{imap}/INBOX -X 'SEARCH ALL'"
        );
    }
    if let Some(smtps) = addrs.smtps {
        let _ = writeln!(
            b,
            "  printf 'Subject: hello\\r\\n\\r\\nHi Bob\\r\\n' | curl smtps://{smtps} --cacert {cert} \
             -u {alice}:{DEMO_GATEWAY_PASSWORD} --mail-from {alice} --mail-rcpt {} -T -",
            users[1]
        );
    }
    let _ = writeln!(b, "\nStop with Ctrl-C.");
    b
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use graphgate::config::Config;

    use super::{CertNote, ListenAddrs, demo_banner, switches};

    #[test]
    fn the_banner_names_everything_a_person_needs() {
        let addrs = ListenAddrs {
            imap: Some("127.0.0.1:1143".parse().unwrap()),
            imaps: Some("127.0.0.1:1993".parse().unwrap()),
            smtp: None,
            smtps: Some("127.0.0.1:1465".parse().unwrap()),
            pop3: Some("127.0.0.1:1110".parse().unwrap()),
            pop3s: None,
            dav: Some("127.0.0.1:1080".parse().unwrap()),
            davs: None,
            admin: Some("127.0.0.1:8788".parse().unwrap()),
            admin_tls: false,
            metrics: None,
        };
        let cert = CertNote {
            path: Path::new("data/certs/localhost.pem"),
            self_signed: true,
        };
        let banner = demo_banner("http://127.0.0.1:8787", addrs, cert);
        for needed in [
            "http://127.0.0.1:8787/devicelogin",
            "contoso.test",
            "00000000-0000-4000-8000-000000000001",
            "graphgate-demo-secret",
            "alice@contoso.test",
            "carol@contoso.test",
            "gateway password for each: graphgate-demo",
            "sales@contoso.test",
            "bob    FullAccess + SendOnBehalf",
            "imap://127.0.0.1:1143",
            "imaps://127.0.0.1:1993",
            "SMTP   off",
            "smtps://127.0.0.1:1465 --cacert data/certs/localhost.pem",
            "http://127.0.0.1:8788/  (console: user admin, password graphgate-demo",
            "pop3://127.0.0.1:1110",
            "POP3S  off",
            "http://127.0.0.1:1080  (plain HTTP; clients start at /.well-known/caldav)",
            "CalDAV/CardDAV  off",
        ] {
            assert!(banner.contains(needed), "missing {needed:?} in\n{banner}");
        }
    }

    #[test]
    fn the_switches_are_checked_and_errors_name_the_key() {
        let config = Config::from_toml("[emulator.switches]\nfault_rate = 2.0\n").unwrap();
        let err = switches(&config).unwrap_err();
        assert_eq!(err.key(), Some("emulator.switches"));
        assert!(
            err.to_string()
                .contains("fault_rate must be between 0 and 1"),
            "{err}"
        );

        let config = Config::from_toml("[emulator.switches]\nlatency_mss = 2\n").unwrap();
        let err = switches(&config).unwrap_err();
        assert_eq!(err.key(), Some("emulator.switches.latency_mss"));
        assert!(
            err.to_string().starts_with(
                "unknown key `emulator.switches.latency_mss` (known keys: latency_ms, "
            ),
            "{err}"
        );

        let vars = [(
            "GRAPHGATE__EMULATOR__SWITCHES__LATENCY_MS".to_string(),
            "20".to_string(),
        )];
        let config = Config::load(None, vars).unwrap();
        assert_eq!(switches(&config).unwrap().latency_ms, 20);
    }
}
