//! APPEND of several messages at once (MULTIAPPEND, RFC 3502), and of
//! messages made with CATENATE (RFC 4469), one or several. Every message is
//! checked and put together first (flags, emptiness, URLs, size); then they
//! are stored all or none (`UserFolders::append_all`: Graph has no
//! transaction, so those created before a failure are deleted again), and
//! the OK carries `[APPENDUID uidvalidity uid-set]` (RFC 4315) only once
//! Graph holds every one.

use chrono::Utc;
use imap_types::response::{Code, CodeOther};

use super::append::{flag_names, read_only_refusal};
use super::append_ext::{AppendCommand, Content};
use super::backend::UserFolders;
use super::catenate::{self, Sources};
use super::esearch::sequence_set;
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::state::{FolderOf, LoggedIn, Selected};
use super::updates::nz;
use crate::mailbox::NewMessage;

/// APPEND with several messages or CATENATE, for a logged-in user with
/// the folder selected now, if any; `limit` is APPENDLIMIT.
pub(super) async fn append_many<U: UserFolders>(
    user: &LoggedIn<U>,
    selected: Option<&Selected<FolderOf<U>>>,
    command: AppendCommand,
    limit: usize,
) -> Reply {
    let name = match from_wire(&command.mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    if let Some(refused) = read_only_refusal(selected, &name) {
        return refused;
    }
    let catenates = command
        .messages
        .iter()
        .any(|m| matches!(m.content, Content::Catenate(_)));
    // RFC 4469 §5: a missing destination is [TRYCREATE] whatever the URLs say.
    if catenates && let Err(e) = user.mail.check_append(&name).await {
        return reply::mail_error(&e, Role::Target);
    }
    let count = command.messages.len();
    let mut sources = Sources::default();
    let mut messages = Vec::with_capacity(count);
    for message in command.messages {
        let flags = match flag_names(&message.flags) {
            Ok(flags) => flags,
            Err(refused) => return refused,
        };
        let mime = match &message.content {
            Content::Literal(bytes) => bytes.clone(),
            Content::Catenate(parts) => {
                match catenate::build(user, &mut sources, parts, limit).await {
                    Ok(bytes) => bytes,
                    Err(refused) => return refused,
                }
            }
        };
        if mime.is_empty() {
            return Reply::no(format!(
                "message {} of {count} is empty; nothing was appended",
                messages.len() + 1
            ));
        }
        messages.push(NewMessage {
            flags,
            date: message.date.map(|d| d.as_ref().with_timezone(&Utc)),
            mime,
        });
    }
    // Read sources are no longer needed while Graph stores the messages.
    drop(sources);
    match user.mail.append_all(&name, messages).await {
        Ok((uidvalidity, uids)) => {
            let reply = Reply::ok("APPEND completed");
            match appenduid(uidvalidity, &uids) {
                Some(code) => reply.with(code),
                None => reply,
            }
        }
        Err(e) => {
            let mut refused = reply::mail_error(&e, Role::Upload);
            if count > 1 {
                refused.text.push_str("; none of the messages was appended");
            }
            refused
        }
    }
}

/// `APPENDUID uidvalidity uid-set` (RFC 4315): the UIDs in the order the
/// messages were given, runs of consecutive ones as `a:b`. `None` when a
/// number is unknown (0).
fn appenduid(uidvalidity: u32, uids: &[u32]) -> Option<Code<'static>> {
    if uidvalidity == 0 || uids.is_empty() || uids.contains(&0) {
        return None;
    }
    if let [uid] = uids {
        return Some(Code::AppendUid {
            uid_validity: nz(uidvalidity),
            uid: nz(*uid),
        });
    }
    Some(Code::Other(CodeOther::unvalidated(
        format!("APPENDUID {uidvalidity} {}", sequence_set(uids)).into_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::sequence_set as uid_set;

    #[test]
    fn uid_sets_keep_order_and_join_runs() {
        for (uids, set) in [
            (&[7][..], "7"),
            (&[1, 2, 3][..], "1:3"),
            (&[4, 6][..], "4,6"),
            (&[4, 5, 6, 2][..], "4:6,2"),
            (&[u32::MAX - 1, u32::MAX][..], "4294967294:4294967295"),
        ] {
            assert_eq!(uid_set(uids), set);
        }
    }
}
