//! COPY and MOVE. Within one mailbox Graph copies and moves itself (moves
//! keep the immutable id); between mailboxes (own ↔ shared) the message is
//! downloaded and stored again with its flags and date. A MOVE into the
//! folder the messages are in is a copy and a delete, so they get new UIDs
//! as from any other MOVE. Each new message is adopted into the
//! destination's UID map at once, for COPYUID.

use super::api::CopyResult;
use super::append::{StoreRequest, store_message};
use super::download::download;
use super::error::{About, MailError};
use super::flags::FlagName;
use super::folder::flags_of;
use super::namespace::Namespace;
use super::place::Place;
use super::remote::{RemoteChange, RemoteMessage};
use super::sync::FolderSync;
use crate::graph::{self, MessageItem};

/// The folder messages are copied or moved from.
pub(crate) struct Source<'a> {
    pub user: &'a Namespace,
    pub place: &'a Place,
    pub sync: &'a FolderSync,
}

pub(crate) async fn transfer(
    source: Source<'_>,
    uids: &[u32],
    dest: &str,
    is_move: bool,
) -> Result<CopyResult, MailError> {
    let Source { user, place, sync } = source;
    let mailbox = place.mailbox();
    let failed = |uid: u32, e: graph::Error| {
        let e = MailError::from_graph(mailbox, About::Message(uid), e);
        e.log(mailbox);
        e
    };
    let target = user.resolve(dest).await?;
    target.place.check_write()?;
    let same_mailbox = target.place.mailbox() == mailbox;
    let to_itself = same_mailbox && target.folder.id == sync.folder_id;
    let picked: Vec<(u32, String, Vec<FlagName>, i64)> = {
        let state = sync.state.lock().await;
        uids.iter()
            .filter_map(|u| state.get(*u))
            .map(|m| {
                (
                    m.uid,
                    m.message_id.clone(),
                    flags_of(m).names(),
                    m.internal_date,
                )
            })
            .collect()
    };
    let dest_sync = target.place.engine.folder(&target.folder.id).await?;
    let mut pairs = Vec::new();
    // The originals a MOVE took away (uid, Graph id).
    let mut moved_away: Vec<(u32, String)> = Vec::new();
    let mut first_error = None;
    if same_mailbox {
        let ids: Vec<String> = picked.iter().map(|(_, id, _, _)| id.clone()).collect();
        // A move into the folder a message is in gives no new message (the
        // emulated tenant keeps it, same id; Microsoft does not document
        // the case): a MOVE to the selected folder copies instead and
        // deletes the originals below, as IMAP's new UIDs require.
        let answers = if is_move && !to_itself {
            place.graph.move_messages(&ids, &target.folder.id).await
        } else {
            place.graph.copy_messages(&ids, &target.folder.id).await
        };
        for ((uid, id, _, _), answer) in picked.iter().zip(answers) {
            match answer.and_then(MessageItem::from_answer) {
                Ok(item) => {
                    let mut state = dest_sync.state.lock().await;
                    let write = dest_sync.begin(&mut state).await?;
                    let (new_uid, changes) = state.adopt(&RemoteMessage::from_item(&item));
                    dest_sync.finish(write, &mut state, &changes).await?;
                    dest_sync.notify();
                    pairs.push((*uid, new_uid));
                    if is_move {
                        moved_away.push((*uid, id.clone()));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(failed(*uid, e));
                }
            }
        }
    } else {
        for (uid, id, flags, date) in &picked {
            let stored = async {
                let mime = download(&user.context, place, *uid, id).await?;
                store_message(
                    &user.context,
                    &target,
                    &dest_sync,
                    StoreRequest {
                        flags,
                        date: chrono::DateTime::from_timestamp(*date, 0),
                        mime,
                    },
                )
                .await
            }
            .await;
            match stored {
                Ok(new_uid) => {
                    pairs.push((*uid, new_uid));
                    if is_move {
                        moved_away.push((*uid, id.clone()));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    if is_move && (to_itself || !same_mailbox) && !moved_away.is_empty() {
        // The copies are made: now the originals go (to Recoverable Items,
        // as EXPUNGE in Deleted Items does).
        let ids: Vec<String> = moved_away.iter().map(|(_, id)| id.clone()).collect();
        let results = place.graph.delete_messages(&ids).await;
        let mut kept = Vec::new();
        for ((uid, id), result) in moved_away.into_iter().zip(results) {
            match result {
                Ok(()) => kept.push((uid, id)),
                Err(e) => {
                    first_error.get_or_insert(failed(uid, e));
                }
            }
        }
        moved_away = kept;
    }
    if !moved_away.is_empty() {
        let removed: Vec<RemoteChange> = moved_away
            .into_iter()
            .map(|(_, id)| RemoteChange::Removed(id))
            .collect();
        let mut state = sync.state.lock().await;
        let write = sync.begin(&mut state).await?;
        let changes = state.apply(&removed);
        sync.finish(write, &mut state, &changes).await?;
    }
    if let Some(e) = first_error
        && pairs.is_empty()
    {
        return Err(e);
    }
    let uidvalidity = dest_sync.state.lock().await.uidvalidity;
    Ok(CopyResult { uidvalidity, pairs })
}
