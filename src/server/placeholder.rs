//! Stand-ins for the IMAP and SMTP fronts until they land: each listener
//! accepts, finishes TLS if it is an implicit-TLS listener, answers with the
//! protocol's "unavailable" greeting and closes, so clients get a clear
//! answer instead of a refused connection.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::{Connection, Protocol, Shutdown};

const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// IMAP's untagged BYE greeting (RFC 9051 §7.1.5) with [UNAVAILABLE].
pub struct ImapUnavailable;

/// SMTP's 421 greeting (RFC 5321 §3.1): service not available, try later.
pub struct SmtpUnavailable;

impl Protocol for ImapUnavailable {
    fn name(&self) -> &'static str {
        "imap"
    }

    async fn serve(&self, conn: Connection, shutdown: Shutdown) {
        say_and_close(
            conn,
            shutdown,
            b"* BYE [UNAVAILABLE] graphgate IMAP is not yet available in this build\r\n",
        )
        .await;
    }
}

impl Protocol for SmtpUnavailable {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn serve(&self, conn: Connection, shutdown: Shutdown) {
        say_and_close(
            conn,
            shutdown,
            b"421 4.3.2 graphgate SMTP is not yet available in this build\r\n",
        )
        .await;
    }
}

async fn say_and_close(mut conn: Connection, mut shutdown: Shutdown, line: &[u8]) {
    let say = async {
        conn.stream.write_all(line).await?;
        conn.stream.shutdown().await
    };
    tokio::select! {
        result = tokio::time::timeout(WRITE_TIMEOUT, say) => match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "could not send the greeting"),
            Err(_elapsed) => tracing::debug!("the client did not take the greeting in time"),
        },
        _ = shutdown.recv() => {}
    }
}
