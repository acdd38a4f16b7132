//! STATUS (RFC 3501 §6.3.10): message counts and UIDs of a folder without
//! selecting it. The STATUS response is built here for LIST-STATUS
//! (RFC 5819) too. RECENT counts the messages no session has seen as
//! `\Recent` yet; HIGHESTMODSEQ (RFC 7162) is the folder's counter; SIZE
//! (RFC 8438) and DELETED (RFC 9051) come from what the store knows, never
//! from a download.

use imap_types::mailbox::Mailbox;
use imap_types::response::Data;
use imap_types::status::{StatusDataItem, StatusDataItemName};

use super::backend::UserFolders;
use super::names::{from_wire, to_wire};
use super::objectid::{ObjectIdItems, mailbox_id_item};
use super::reply::{self, Reply, Role};
use super::state::LoggedIn;
use super::updates::nz;
use super::wire::Wire;
use crate::mailbox::FolderStatus;

/// STATUS of one folder.
pub(super) async fn status<U: UserFolders>(
    wire: &mut Wire,
    user: &LoggedIn<U>,
    mailbox: Mailbox<'static>,
    items: &[StatusDataItemName],
    object_ids: &ObjectIdItems,
) -> Reply {
    let name = match from_wire(&mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    match user.mail.status(&name).await {
        Ok(status) => {
            // Only MAILBOXID was asked: imap-codec was given a filler item.
            let items = if object_ids.filler { &[][..] } else { items };
            let data = status_data(&name, &status, items);
            match object_ids.mailbox {
                true => wire.data_with_items(data, mailbox_id_item(status.mailbox_id).as_bytes()),
                false => wire.data(data),
            }
            Reply::ok("STATUS completed")
        }
        Err(e) => reply::mail_error(&e, Role::Subject),
    }
}

/// `* STATUS name (...)` with the items asked for.
pub(super) fn status_data(
    name: &str,
    status: &FolderStatus,
    items: &[StatusDataItemName],
) -> Data<'static> {
    let items: Vec<StatusDataItem> = items
        .iter()
        .filter_map(|item| match item {
            StatusDataItemName::Messages => Some(StatusDataItem::Messages(status.messages)),
            StatusDataItemName::Recent => Some(StatusDataItem::Recent(status.recent)),
            StatusDataItemName::UidNext => Some(StatusDataItem::UidNext(nz(status.uidnext))),
            StatusDataItemName::UidValidity => {
                Some(StatusDataItem::UidValidity(nz(status.uidvalidity)))
            }
            StatusDataItemName::Unseen => Some(StatusDataItem::Unseen(status.unseen)),
            StatusDataItemName::HighestModSeq => {
                Some(StatusDataItem::HighestModSeq(status.highestmodseq))
            }
            StatusDataItemName::Size => Some(StatusDataItem::Size(status.size)),
            StatusDataItemName::Deleted => Some(StatusDataItem::Deleted(status.deleted)),
            _ => None,
        })
        .collect();
    Data::Status {
        mailbox: to_wire(name),
        items: items.into(),
    }
}
