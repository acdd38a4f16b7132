//! What `graphgate serve` tells systemd (sd_notify(3)): ready once every
//! listener is bound, reloading while SIGHUP's policy reload runs, stopping
//! at shutdown, and watchdog pings when the unit sets `WatchdogSec=`.
//! Outside systemd (no `NOTIFY_SOCKET`) every call does nothing, and a
//! message that cannot be sent is logged at debug level and otherwise
//! ignored: the gateway serves the same either way.

use std::net::SocketAddr;
use std::time::Duration;

use graphgate::app::ListenAddrs;

/// One line of a notification: `READY=1`, `STATUS=…` and so on.
#[cfg_attr(not(unix), allow(dead_code))]
enum State<'a> {
    Ready,
    Reloading,
    Stopping,
    Watchdog,
    Status(&'a str),
}

/// READY=1, with a STATUS= line naming the listeners (`systemctl status`
/// shows it). Sent once at start and again after each reload.
pub(super) fn ready(addrs: &ListenAddrs) {
    let status = status_line(addrs);
    send(&[State::Ready, State::Status(&status)]);
}

/// RELOADING=1: a reload began. `ready` must follow when it has ended,
/// whether the new configuration was taken or refused.
pub(super) fn reloading() {
    send(&[State::Reloading]);
}

/// STOPPING=1: shutdown began (open sessions get `server.shutdown_grace_s`).
pub(super) fn stopping() {
    send(&[State::Stopping, State::Status("stopping")]);
}

/// If the unit asks for watchdog pings (`WatchdogSec=`), send WATCHDOG=1
/// at half the interval it gives, from a task on the runtime: the pings
/// stop, and systemd restarts the gateway, if the runtime stops running
/// tasks. The task ends with the runtime.
pub(super) fn start_watchdog() {
    let Some(interval) = watchdog_interval() else {
        return;
    };
    let every = interval / 2;
    tracing::debug!(
        every_ms = every.as_millis() as u64,
        "sending systemd watchdog pings"
    );
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            send(&[State::Watchdog]);
        }
    });
}

/// The watchdog interval systemd set for this process, if any; a zero one
/// is treated as none (it would make the ping loop spin).
#[cfg(unix)]
fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().filter(|d| !d.is_zero())
}

#[cfg(not(unix))]
fn watchdog_interval() -> Option<Duration> {
    None
}

/// Send one notification, if systemd listens (`NOTIFY_SOCKET` is set).
#[cfg(unix)]
fn send(states: &[State]) {
    use sd_notify::NotifyState;
    let states: Vec<NotifyState> = states
        .iter()
        .map(|state| match state {
            State::Ready => NotifyState::Ready,
            State::Reloading => NotifyState::Reloading,
            State::Stopping => NotifyState::Stopping,
            State::Watchdog => NotifyState::Watchdog,
            State::Status(text) => NotifyState::Status(text),
        })
        .collect();
    if let Err(e) = sd_notify::notify(&states) {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

/// systemd exists on Unix only.
#[cfg(not(unix))]
fn send(_states: &[State]) {}

/// "IMAP 127.0.0.1:1143, IMAPS 127.0.0.1:1993, …" for the listeners that
/// are on.
fn status_line(addrs: &ListenAddrs) -> String {
    let named: [(&str, Option<SocketAddr>); 10] = [
        ("IMAP", addrs.imap),
        ("IMAPS", addrs.imaps),
        ("SMTP", addrs.smtp),
        ("SMTPS", addrs.smtps),
        ("POP3", addrs.pop3),
        ("POP3S", addrs.pop3s),
        ("CalDAV/CardDAV", addrs.dav),
        ("CalDAV/CardDAV HTTPS", addrs.davs),
        ("admin console", addrs.admin),
        ("metrics", addrs.metrics),
    ];
    let on: Vec<String> = named
        .iter()
        .filter_map(|(name, addr)| addr.map(|a| format!("{name} {a}")))
        .collect();
    format!("serving {}", on.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_the_listeners_that_are_on() {
        let addrs = ListenAddrs {
            imap: Some("127.0.0.1:1143".parse().unwrap()),
            imaps: None,
            smtp: Some("[::1]:1587".parse().unwrap()),
            smtps: None,
            pop3: None,
            pop3s: None,
            dav: None,
            davs: Some("127.0.0.1:1443".parse().unwrap()),
            admin: Some("127.0.0.1:8788".parse().unwrap()),
            admin_tls: false,
            metrics: None,
        };
        assert_eq!(
            status_line(&addrs),
            "serving IMAP 127.0.0.1:1143, SMTP [::1]:1587, CalDAV/CardDAV HTTPS 127.0.0.1:1443, \
             admin console 127.0.0.1:8788"
        );
    }
}
