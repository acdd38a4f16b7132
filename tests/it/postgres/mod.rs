//! The store on PostgreSQL, from outside: each test gets a fresh database
//! on a real cluster (`common::pg`). The schema steps run once under the
//! migration lock however many instances start at once, and a schema newer
//! than this graphgate is refused; accounts and passwords, sealed refresh
//! tokens, the audit trail and the mail folder state work through the
//! store's public API; and the `graphgate` binary serves IMAP (LOGIN,
//! SELECT, APPEND, FETCH) with `[store] url` on PostgreSQL.

mod fixture;
mod migrations;
pub(crate) mod serve;
mod store;

use graphgate::store::Store;

use crate::common::pg;

/// A store on a fresh PostgreSQL database, and that database's URL.
async fn fresh_store() -> (String, Store) {
    let url = pg::database().await;
    let store = Store::open(&url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    (url, store)
}
