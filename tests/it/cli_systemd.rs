//! `graphgate serve` under a service manager, from outside: the test plays
//! systemd's side of sd_notify(3), a Unix datagram socket named by
//! NOTIFY_SOCKET, and checks what the real binary says at start (READY=1
//! once the listeners answer), at SIGHUP (RELOADING=1, then READY=1), at
//! SIGTERM (STOPPING=1), and in between (WATCHDOG=1 when WATCHDOG_USEC asks).
//! Also: the Debian package's configuration (packaging/graphgate.toml) is
//! the example configuration but for its opening comment and data_dir.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli_demo::{Running, graphgate};

const DEADLINE: Duration = Duration::from_secs(20);

/// The service manager's end of NOTIFY_SOCKET.
struct Manager {
    socket: UnixDatagram,
    watchdog_pings: usize,
}

impl Manager {
    fn bind(path: &Path) -> Manager {
        let socket = UnixDatagram::bind(path).expect("a notify socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Manager {
            socket,
            watchdog_pings: 0,
        }
    }

    /// The next message other than a watchdog ping (those are counted),
    /// within the deadline; `serve` is the process, for its log on failure.
    fn next_state(&mut self, serve: &Running, waiting_for: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        let mut buf = [0u8; 4096];
        loop {
            assert!(
                Instant::now() < deadline,
                "no {waiting_for} in time; stderr:\n{}",
                serve.stderr()
            );
            let Ok(n) = self.socket.recv(&mut buf) else {
                continue;
            };
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            if message == "WATCHDOG=1\n" {
                self.watchdog_pings += 1;
                continue;
            }
            return message;
        }
    }

    /// Wait until a watchdog ping has come.
    fn wait_for_watchdog(&mut self, serve: &Running) {
        let deadline = Instant::now() + DEADLINE;
        let mut buf = [0u8; 4096];
        while self.watchdog_pings == 0 {
            assert!(
                Instant::now() < deadline,
                "no WATCHDOG=1 in time; stderr:\n{}",
                serve.stderr()
            );
            if let Ok(n) = self.socket.recv(&mut buf) {
                let message = String::from_utf8_lossy(&buf[..n]);
                assert_eq!(message, "WATCHDOG=1\n", "only pings while serving");
                self.watchdog_pings += 1;
            }
        }
    }
}

/// The message's lines, e.g. ["READY=1", "STATUS=serving …"].
fn lines(message: &str) -> Vec<&str> {
    message.lines().collect()
}

#[test]
fn serve_tells_systemd_ready_reloading_and_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("graphgate.toml");
    std::fs::write(
        &file,
        format!(
            "[server]\ndata_dir = {:?}\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\
             [smtp]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let socket_path = dir.path().join("notify.sock");
    let mut manager = Manager::bind(&socket_path);
    let mut cmd = graphgate();
    cmd.arg("--config")
        .arg(&file)
        .arg("serve")
        .env("NOTIFY_SOCKET", &socket_path)
        // A one-second watchdog: a ping every half second.
        .env("WATCHDOG_USEC", "1000000")
        .env_remove("WATCHDOG_PID");
    let mut serve = Running::start(cmd);

    // READY=1 comes once, when the listeners it names already answer.
    let ready = manager.next_state(&serve, "READY=1");
    let ready = lines(&ready);
    assert_eq!(ready[0], "READY=1", "{ready:?}");
    let status = ready
        .iter()
        .find_map(|l| l.strip_prefix("STATUS="))
        .unwrap_or_else(|| panic!("a STATUS line in {ready:?}"));
    assert!(
        status.contains(" SMTP 127.0.0.1:") && !status.contains("IMAPS"),
        "{status}"
    );
    let imap = status
        .split(", ")
        .find_map(|part| part.strip_prefix("serving IMAP "))
        .unwrap_or_else(|| panic!("the IMAP address in {status:?}"));
    let stream = TcpStream::connect(imap).expect("IMAP answers once READY=1 is sent");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("* OK"), "{greeting}");

    // SIGHUP (what the unit's ExecReload sends): RELOADING=1, then READY=1.
    let pid = std::fs::read_to_string(data.join("graphgate.pid")).unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", pid.trim()])
        .status()
        .unwrap();
    assert!(hup.success());
    let reloading = manager.next_state(&serve, "RELOADING=1");
    assert_eq!(lines(&reloading), ["RELOADING=1"]);
    let ready_again = manager.next_state(&serve, "READY=1 after the reload");
    assert_eq!(lines(&ready_again)[0], "READY=1", "{ready_again}");
    assert!(
        lines(&ready_again).contains(&format!("STATUS={status}").as_str()),
        "{ready_again}"
    );

    manager.wait_for_watchdog(&serve);

    // SIGTERM: STOPPING=1, and a clean exit.
    let exit = serve.terminate();
    assert_eq!(exit.code(), Some(0), "stderr:\n{}", serve.stderr());
    let stopping = manager.next_state(&serve, "STOPPING=1");
    assert_eq!(lines(&stopping)[0], "STOPPING=1", "{stopping}");
}

/// A configuration file without its opening comment (up to the first
/// empty line), which says how the file is used.
fn body(text: &str) -> &str {
    let (_, body) = text
        .split_once("\n\n")
        .expect("an opening comment, then an empty line");
    body
}

#[test]
fn the_packaged_config_is_the_example_with_the_package_data_dir() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("config/graphgate.example.toml")).unwrap();
    let packaged = std::fs::read_to_string(root.join("packaging/graphgate.toml")).unwrap();
    let expected = body(&example).replacen(
        "\ndata_dir = \"data\"\n",
        "\ndata_dir = \"/var/lib/graphgate\"\n",
        1,
    );
    assert_ne!(expected, body(&example), "the example sets data_dir");
    assert!(
        body(&packaged) == expected,
        "packaging/graphgate.toml must be config/graphgate.example.toml apart from its \
         opening comment and server.data_dir = \"/var/lib/graphgate\"; copy the change over"
    );
    let config = graphgate::config::Config::load(
        Some(&root.join("packaging/graphgate.toml")),
        std::iter::empty(),
    )
    .expect("the packaged configuration loads");
    assert_eq!(config.server.data_dir, Path::new("/var/lib/graphgate"));
}
