//! COPY and MOVE. Within one mailbox Graph copies and moves itself (moves
//! keep the immutable id); between mailboxes (own ↔ shared) the message is
//! downloaded and stored again with its flags and date. Each new message is
//! adopted into the destination's UID map at once, for COPYUID.

use serde_json::Value;

use super::api::{CopyResult, MailError};
use super::append::{StoreRequest, store_message};
use super::engine::graph_error;
use super::flags::FlagName;
use super::folder::{RemoteChange, flags_of};
use super::selected::{SelectedFolder, adopted, download};
use crate::graph::MessageItem;

pub(crate) async fn transfer(
    source: &SelectedFolder,
    uids: &[u32],
    dest: &str,
    is_move: bool,
) -> Result<CopyResult, MailError> {
    let inner = &source.inner;
    let target = inner.user.resolve(dest).await?;
    target.place.check_write()?;
    let same_mailbox = target.place.grant.mailbox() == inner.place.grant.mailbox();
    if is_move && same_mailbox && target.folder.id == inner.sync.folder_id {
        return Err(MailError::CannotDo(
            "the messages are already in that folder".into(),
        ));
    }
    let picked: Vec<(u32, String, Vec<FlagName>, i64)> = {
        let state = inner.sync.state.lock().await;
        uids.iter()
            .filter_map(|u| state.get(*u))
            .map(|m| {
                let f = flags_of(m);
                let mut names = Vec::new();
                for (on, name) in [
                    (f.seen, FlagName::Seen),
                    (f.flagged, FlagName::Flagged),
                    (f.answered, FlagName::Answered),
                    (f.forwarded, FlagName::Forwarded),
                    (f.draft, FlagName::Draft),
                ] {
                    if on {
                        names.push(name);
                    }
                }
                names.extend(f.keywords.iter().cloned().map(FlagName::Keyword));
                (m.uid, m.message_id.clone(), names, m.internal_date)
            })
            .collect()
    };
    let dest_sync = target.place.engine.folder(&target.folder.id).await?;
    let mut pairs = Vec::new();
    let mut moved_away = Vec::new();
    let mut first_error = None;
    if same_mailbox {
        let ids: Vec<String> = picked.iter().map(|(_, id, _, _)| id.clone()).collect();
        let graph = &inner.place.graph;
        let answers = if is_move {
            graph.move_messages(&ids, &target.folder.id).await
        } else {
            graph.copy_messages(&ids, &target.folder.id).await
        };
        for ((uid, id, _, _), answer) in picked.iter().zip(answers) {
            let item = answer.and_then(|v: Value| {
                serde_json::from_value::<MessageItem>(v)
                    .map_err(|e| crate::graph::Error::Protocol(e.to_string()))
            });
            match item {
                Ok(item) => {
                    let mut state = dest_sync.state.lock().await;
                    let (new_uid, changes) = state.adopt(&adopted(&item));
                    dest_sync.persist(&changes).await?;
                    dest_sync.notify();
                    pairs.push((*uid, new_uid));
                    if is_move {
                        moved_away.push(RemoteChange::Removed(id.clone()));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(graph_error(inner.place.grant.mailbox(), e));
                }
            }
        }
    } else {
        for (uid, id, flags, date) in &picked {
            let stored = async {
                let mime = download(inner, id).await?;
                store_message(
                    &inner.user.service,
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
                        moved_away.push(RemoteChange::Removed(id.clone()));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if is_move && !moved_away.is_empty() {
            let ids: Vec<String> = moved_away
                .iter()
                .filter_map(|c| match c {
                    RemoteChange::Removed(id) => Some(id.clone()),
                    RemoteChange::Present(_) => None,
                })
                .collect();
            let results = inner.place.graph.delete_messages(&ids).await;
            let mut kept = Vec::new();
            for (change, result) in moved_away.into_iter().zip(results) {
                match result {
                    Ok(()) => kept.push(change),
                    Err(e) => {
                        first_error.get_or_insert(graph_error(inner.place.grant.mailbox(), e));
                    }
                }
            }
            moved_away = kept;
        }
    }
    if !moved_away.is_empty() {
        let mut state = inner.sync.state.lock().await;
        let changes = state.apply(&moved_away);
        inner.sync.persist(&changes).await?;
    }
    if let Some(e) = first_error
        && pairs.is_empty()
    {
        return Err(e);
    }
    let uidvalidity = dest_sync.state.lock().await.uidvalidity;
    Ok(CopyResult { uidvalidity, pairs })
}
