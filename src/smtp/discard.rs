//! Data a client sends outside a transaction (BDAT before AUTH or MAIL
//! FROM) is dropped as it arrives, never kept: a small chunk is read and
//! thrown away so the session stays in step, a large one before AUTH ends
//! the connection. Refused commands count as errors, so a client that
//! keeps sending what is refused (a message body after a refused DATA,
//! read as commands) is cut off after `MAX_ERRORS`, as Postfix does.

use smtp_proto::request::receiver::DummyDataReceiver;

use super::Submitter;
use super::reply::Reply;
use super::session::{DATA_TIMEOUT, MAX_ERRORS, Session, Stop};

/// Largest chunk read (and dropped) from a client that has not logged in.
pub(super) const PRE_AUTH_DISCARD: usize = 64 * 1024;

impl<S: Submitter> Session<'_, S> {
    /// A BDAT chunk of `size` bytes that belongs to no transaction (its
    /// refusal was said): read and drop it, or close when it is larger
    /// than a client in this state may send.
    pub(super) async fn discard_chunk(&mut self, size: usize) -> Result<(), Stop> {
        let limit = if self.account.is_some() {
            self.proto.settings.max_message_bytes
        } else {
            PRE_AUTH_DISCARD
        };
        if size > limit {
            self.say(Reply::new(
                421,
                "4.7.0",
                "too much data outside a mail transaction; closing the connection",
            ));
            return Err(Stop::Done);
        }
        let mut receiver = DummyDataReceiver::new_bdat(size);
        loop {
            let done = {
                let mut bytes = self.input.iter();
                let before = bytes.len();
                let done = receiver.ingest(&mut bytes);
                let used = before - bytes.len();
                self.input.drain(..used);
                done
            };
            if done {
                return Ok(());
            }
            self.fill(DATA_TIMEOUT).await?;
        }
    }

    /// After a command: too many refused ones end the session.
    pub(super) fn too_many_errors(&mut self) -> bool {
        if self.errors <= MAX_ERRORS {
            return false;
        }
        self.say(Reply::new(
            421,
            "4.7.0",
            "too many errors; closing the connection",
        ));
        true
    }
}
