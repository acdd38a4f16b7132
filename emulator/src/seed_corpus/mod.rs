//! The demo tenant's mail: realistic messages for alice, bob, carol and
//! sales@ (multipart/alternative, attachments, RFC 2047 headers, 8-bit bodies,
//! nested message/rfc822, calendar invites, threads, a large message), and
//! generated filler for benchmarks. Everything is deterministic except the
//! dates, which follow `now` so the demo mailbox always looks recent.

mod alice_folders;
mod alice_inbox;
mod corpus;
mod encode;
mod filler;
mod others;
mod template;
#[cfg(test)]
mod tests;

pub(crate) use corpus::demo_corpus;
pub(crate) use filler::generated_message;
