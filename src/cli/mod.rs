//! The `graphgate` command line: `serve`, `demo` and `emulator` (with the
//! default feature `emulator`), `cert generate`, `login`, `user`, `doctor`,
//! `policy`, `audit` and `admin`. This is the binary's edge, so errors here are `anyhow` with context, turned into a
//! message and an exit status in one place (`main`).

mod admin;
mod audit;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod demo_signin;
mod doctor;
mod gateway;
mod login;
mod pidfile;
mod policy;
mod service;
mod user;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use graphgate::config::{self, Config, ConfigError, LogFormat};
use graphgate::server::Signals;
use graphgate::tls;

/// Exit statuses (sysexits-style where one fits).
const EXIT_FAILURE: u8 = 1;
/// The configuration is wrong (EX_CONFIG).
const EXIT_CONFIG: u8 = 78;

#[derive(Debug, Parser)]
#[command(
    name = "graphgate",
    version,
    about = "IMAP and SMTP for Microsoft 365, through Microsoft Graph",
    long_about = "graphgate lets IMAP and SMTP mail clients use Microsoft 365 mailboxes through \
                  Microsoft Graph. Try it without a tenant: `graphgate demo`."
)]
pub struct Cli {
    /// Configuration file [default for serve: graphgate.toml]
    #[arg(long, global = true, value_name = "FILE", env = "GRAPHGATE_CONFIG")]
    config: Option<PathBuf>,
    /// Log filter, e.g. info, debug, warn,graphgate=debug [default: RUST_LOG, else log.level]
    #[arg(long, global = true, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Log line format [default: log.format]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway from the configuration file
    Serve,
    /// Run the emulated Microsoft 365 tenant and the gateway together on loopback
    #[cfg(feature = "emulator")]
    Demo(Box<demo::DemoArgs>),
    /// Run the emulated Microsoft 365 tenant alone
    #[cfg(feature = "emulator")]
    Emulator(demo::TenantArgs),
    /// TLS certificates
    #[command(subcommand)]
    Cert(CertCommand),
    /// Sign a user in to Microsoft 365 (device code, or --browser)
    Login(login::LoginArgs),
    /// Manage local users and their gateway passwords
    #[command(subcommand)]
    User(user::UserCommand),
    /// Check the configuration and the connection to Microsoft 365: what works, what not, and why
    Doctor,
    /// Who may use which mailbox: show it, or have the running server reload it
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Read the audit log: refusals, shared mailbox use, send-as and send-on-behalf
    Audit(audit::AuditArgs),
    /// Manage the administrators of the web console ([admin] listen)
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

#[derive(Debug, Subcommand)]
enum CertCommand {
    /// Make a self-signed certificate and key (ECDSA P-256) for testing and the demo
    Generate {
        /// Directory to write localhost.pem and localhost-key.pem into
        #[arg(long, value_name = "DIR", default_value = "certs")]
        out: PathBuf,
        /// A name or IP address the certificate is for (repeat for more)
        /// [default: localhost, 127.0.0.1, ::1]
        #[arg(long = "host", value_name = "NAME")]
        hosts: Vec<String>,
        /// Replace certificate files that are already there
        #[arg(long)]
        force: bool,
    },
}

/// Parse the command line, run the command, and turn the outcome into an
/// exit status with a message on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("graphgate: {}", describe(&error));
            let config_error = error.chain().any(|cause| cause.is::<ConfigError>());
            ExitCode::from(if config_error {
                EXIT_CONFIG
            } else {
                EXIT_FAILURE
            })
        }
    }
}

/// An error and its causes on one line, each cause once: many errors
/// already quote their source in their own message.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

fn run(cli: Cli) -> Result<ExitCode> {
    // What graphgate writes (database, WAL, cache, audit log, keys) is its
    // user's only; `cert generate` writes a certificate meant to be shared.
    if !matches!(cli.command, Command::Cert(_)) {
        graphgate::files::private_umask();
    }
    match &cli.command {
        Command::Serve => {
            let path = cli
                .config
                .clone()
                .unwrap_or_else(|| PathBuf::from(config::DEFAULT_FILE));
            let config = Config::load(Some(&path), overrides()?)?;
            start_logging(&cli, &config)?;
            let reload = || Ok(Config::load(Some(&path), overrides()?)?);
            block_on(gateway::serve(config, reload))?;
        }
        #[cfg(feature = "emulator")]
        Command::Demo(args) => {
            let mut config = Config::load(cli.config.as_deref(), overrides()?)?;
            args.apply(&mut config);
            let switches = demo::switches(&config)?;
            start_logging(&cli, &config)?;
            block_on(demo::demo(config, switches))?;
        }
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => {
            let mut config = Config::load(cli.config.as_deref(), overrides()?)?;
            args.apply(&mut config);
            let switches = demo::switches(&config)?;
            start_logging(&cli, &config)?;
            block_on(demo::emulator(config, switches))?;
        }
        Command::Cert(CertCommand::Generate { out, hosts, force }) => {
            cert_generate(out, hosts, *force)?
        }
        Command::Login(args) => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            start_logging(&cli, &config)?;
            block_on(login::run(config, args))?;
        }
        Command::User(command) => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            start_logging(&cli, &config)?;
            block_on(user::run(config, command))?;
        }
        Command::Doctor => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            start_logging(&cli, &config)?;
            let mut healthy = false;
            block_on(async {
                healthy = doctor::run(config).await?;
                Ok(())
            })?;
            if !healthy {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Policy(command) => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            policy::run(config, command)?;
        }
        Command::Admin(command) => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            start_logging(&cli, &config)?;
            block_on(admin::run(config, command))?;
        }
        Command::Audit(args) => {
            let config = Config::load(user_config_file(&cli).as_deref(), overrides()?)?;
            start_logging(&cli, &config)?;
            block_on(audit::run(config, args))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The file the `user` commands read: `--config` (which must exist), else
/// graphgate.toml if there is one, else none (the defaults), so that
/// `graphgate user …` also works in a fresh directory.
fn user_config_file(cli: &Cli) -> Option<PathBuf> {
    match &cli.config {
        Some(path) => Some(path.clone()),
        None => {
            let default = PathBuf::from(config::DEFAULT_FILE);
            default.exists().then_some(default)
        }
    }
}

/// The `GRAPHGATE__…` environment variables (`std::env::vars` would panic
/// on a variable that is not UTF-8; those are refused here only if they
/// are ours).
fn overrides() -> Result<Vec<(String, String)>> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        if !name.to_string_lossy().starts_with(config::ENV_PREFIX) {
            continue;
        }
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => vars.push((name, value)),
            (name, _) => anyhow::bail!(
                "environment variable {}: its name or value is not UTF-8",
                name.unwrap_or_else(|n| n.to_string_lossy().into_owned())
            ),
        }
    }
    Ok(vars)
}

fn start_logging(cli: &Cli, config: &Config) -> Result<()> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = graphgate::observe::choose_filter(
        cli.log_level.as_deref(),
        rust_log.as_deref(),
        &config.log.level,
    );
    let format = cli.log_format.unwrap_or(config.log.format);
    graphgate::observe::init(&filter, format)
        .context("cannot set up logging (--log-level, RUST_LOG or log.level)")
}

/// Run a long-lived command on a multi-threaded runtime. Work still
/// running when it returns gets a moment to end, not an unbounded wait.
fn block_on(command: impl Future<Output = Result<()>>) -> Result<()> {
    tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(command);
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

/// Run the shutdown work, unless a second signal says not to wait for it.
async fn shut_down(signals: &mut Signals, work: impl Future<Output = ()>) {
    tokio::select! {
        () = work => {}
        signal = signals.recv() => {
            tracing::warn!(signal, "second signal: stopping without waiting for open sessions");
        }
    }
}

fn cert_generate(out: &Path, hosts: &[String], force: bool) -> Result<()> {
    let hosts: Vec<String> = if hosts.is_empty() {
        tls::DEFAULT_HOSTS.iter().map(|h| h.to_string()).collect()
    } else {
        hosts.to_vec()
    };
    let planned = tls::CertPaths::self_signed_in(out);
    if !force && (planned.cert.exists() || planned.key.exists()) {
        anyhow::bail!(
            "{} already holds a certificate ({}); pass --force to replace it, or --out to write elsewhere",
            out.display(),
            tls::CERT_FILE
        );
    }
    let paths = tls::generate_self_signed(out, &hosts)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "wrote {} (self-signed certificate for {})\nwrote {} (its private key, readable by you only)\n\n\
         To use them, put this in graphgate.toml:\n  [tls]\n  cert = {:?}\n  key = {:?}\n\
         Clients must be told to trust the certificate, e.g. curl --cacert {}",
        paths.cert.display(),
        hosts.join(", "),
        paths.key.display(),
        paths.cert.display().to_string(),
        paths.key.display().to_string(),
        paths.cert.display(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn an_error_chain_names_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use");
        let quoted = anyhow::Error::new(graphgate::tls::TlsError::Write {
            path: "certs/x.pem".into(),
            source: io,
        })
        .context("cannot make the certificate");
        assert_eq!(
            super::describe(&quoted),
            "cannot make the certificate: cannot write certs/x.pem: address in use"
        );
    }
}
