//! The IMAP front: IMAP4rev1 with the extensions desktop clients expect
//! (IDLE, UIDPLUS, MOVE, LITERAL+, SPECIAL-USE, LIST-STATUS, COMPRESS, ...) over the
//! protocol-neutral mailbox service. One session per connection keeps its own
//! sequence numbers and tells its client about changes made by anyone.
//!
//! Layout, bottom up: `wire` frames bytes with imap-codec; `state` is the
//! RFC 3501 state; `commands` is the table saying which state each command
//! needs and what may follow it; `session` runs the read loop and `dispatch`
//! admits each command and hands it to its own file, named after the command
//! (`fetch`, `store`, `copy_move`, `expunge`, ...); `reply` builds every
//! status reply. This file only declares the modules and re-exports.

mod acl;
mod acl_syntax;
mod append;
mod append_ext;
mod authenticate;
pub(crate) mod backend;
mod binary_origin;
mod capability;
mod catenate;
mod close;
mod collate;
mod commands;
mod compress;
mod conn;
mod copy_move;
mod create;
mod dispatch;
mod enable;
mod enabled;
mod esearch;
mod expunge;
mod fetch;
mod grammar;
mod id;
mod idle;
mod imap_url;
mod list;
mod list_ext;
mod login;
mod logout;
mod multiappend;
mod names;
mod namespace;
mod noop;
mod objectid;
mod objectid_search;
mod protocol;
mod ranges;
mod reply;
mod search;
mod search_eval;
mod search_return;
mod searchres;
mod select;
mod session;
mod settings;
mod sort;
mod starttls;
mod state;
mod status;
mod store;
mod subscribe;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_thread;
mod thread;
mod thread_refs;
mod thread_tree;
mod transport;
mod updates;
mod user_sessions;
mod utf8;
mod view;
mod wire;

#[cfg(test)]
pub(crate) use acl_syntax::response_len as acl_response_len;
pub(crate) use backend::GatewayBackend;
pub(crate) use protocol::ImapProtocol;
pub(crate) use settings::ImapSettings;
