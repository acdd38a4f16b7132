//! What other instances write (PostgreSQL): every folder write sends a
//! notification at commit (store/mail.rs, "Writing a folder"), and this
//! task, one per process, hands each to the folder it is about, which
//! catches up from the store and tells its sessions (IDLE hears of mail
//! another instance's poller found). Notifications sent while the
//! listening connection was down are lost, so after every (re)connection
//! each folder in memory catches up once.

use std::sync::Weak;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::service::MailService;
use crate::store::{FolderNotice, MAIL_CHANNEL, Store};

/// Wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Listen until `stop` closes (the mail service is gone).
pub(super) async fn listen(
    service: Weak<MailService>,
    store: Store,
    mut stop: watch::Receiver<()>,
) {
    loop {
        let connected = async {
            let mut listener = PgListener::connect(store.url()).await?;
            listener.listen(MAIL_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = stop.changed() => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                    tokio::select! {
                        _ = stop.changed() => return,
                        () = tokio::time::sleep(RETRY) => continue,
                    }
                }
            },
        };
        // Whatever was written while nobody here listened.
        match service.upgrade() {
            Some(service) => service.refresh_all(),
            None => return,
        }
        loop {
            let next = tokio::select! {
                _ = stop.changed() => return,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(n)) => {
                    let Some(notice) = FolderNotice::parse(n.payload()) else {
                        continue;
                    };
                    if notice.instance == store.instance() {
                        continue;
                    }
                    match service.upgrade() {
                        Some(service) => service.refresh_folder(&notice),
                        None => return,
                    }
                }
                Ok(None) => {
                    tracing::info!(
                        "lost the connection that hears of other instances' changes; reconnecting"
                    );
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other instances' changes failed; reconnecting");
                    break;
                }
            }
        }
    }
}
