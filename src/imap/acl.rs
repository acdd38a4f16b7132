//! ACL (RFC 4314), read-only: MYRIGHTS, GETACL and LISTRIGHTS tell a user
//! what they may do with a folder; SETACL and DELETEACL are refused, since
//! rights are administered in graphgate's policy and in Microsoft 365, not
//! over IMAP. The rights come from the decision the commands enforce
//! (`UserFolders::rights`), so no right is shown that a command would
//! refuse.
//!
//! Rights graphgate honours: `l` `r` on every folder the user sees; `s`
//! `w` `i` `t` `e` where policy lets the user change the mailbox now; `k`
//! there too (and on `Shared/<address>` with a write grant); `x` where
//! changing is allowed and the folder is not INBOX or another of
//! Microsoft 365's own folders. Never `p` (no posting address) or `a`
//! (nothing is administered here). The obsolete RFC 2086 rights are added
//! for old clients only where both of their readings hold: `c` with `k`
//! and `x`, `d` with `x`, `t` and `e` (RFC 4314 §2.1.1).
//!
//! GETACL needs the `a` right by RFC 4314, which nobody has here; graphgate
//! answers it for any folder the user may see instead, with the user's own
//! entry only (other users' grants are the administrator's to know).
//! LISTRIGHTS likewise: for the user's own identifier, the rights held are
//! the required ones (IMAP cannot change them); for any other identifier,
//! `""` (nothing is granted over IMAP, and nothing about others is told).

use super::acl_syntax::{AclCommand, acl_response, listrights_response, myrights_response};
use super::backend::UserFolders;
use super::names::{from_wire, to_wire};
use super::reply::{self, Extra, Reply, Role};
use super::state::LoggedIn;
use super::wire::Wire;
use crate::accounts::normalise_login;
use crate::mailbox::FolderRights;

/// The RFC 4314 rights beyond RFC 2086's that graphgate uses, for the
/// `RIGHTS=` capability (RFC 4314 §2.1).
pub(super) const RIGHTS_CAPABILITY: &str = "RIGHTS=texk";

/// Why SETACL and DELETEACL are refused.
pub(super) const MANAGED_ELSEWHERE: &str = "rights are managed by the administrator in graphgate's policy and in Microsoft 365, not over IMAP";

/// The rights string of `rights`, in RFC 4314's order of letters.
pub(super) fn letters(rights: FolderRights) -> String {
    let see = true;
    let read = rights.read;
    let change = rights.read && rights.change;
    let table = [
        ('l', see),
        ('r', read),
        ('s', change),
        ('w', change),
        ('i', change),
        ('k', rights.create_children),
        ('x', rights.remove),
        ('t', change),
        ('e', change),
    ];
    let mut out: String = table
        .iter()
        .filter(|(_, on)| *on)
        .map(|(c, _)| *c)
        .collect();
    if rights.create_children && rights.remove {
        out.push('c');
    }
    if rights.remove && change {
        out.push('d');
    }
    out
}

/// Run one ACL command for `user`.
pub(super) async fn acl<U: UserFolders>(
    wire: &mut Wire,
    user: &LoggedIn<U>,
    command: AclCommand,
) -> Reply {
    let name = command.name();
    let (mailbox, identifier) = match command {
        AclCommand::SetAcl { .. } | AclCommand::DeleteAcl { .. } => {
            return Reply::no(MANAGED_ELSEWHERE).with_extra(Extra::NoPerm);
        }
        AclCommand::MyRights { mailbox } | AclCommand::GetAcl { mailbox } => (mailbox, None),
        AclCommand::ListRights {
            mailbox,
            identifier,
        } => (mailbox, Some(identifier)),
    };
    let folder = match from_wire(&mailbox) {
        Ok(folder) => folder,
        Err(why) => return why.into(),
    };
    let rights = match user.mail.rights(&folder).await {
        Ok(rights) => letters(rights),
        Err(e) => return reply::mail_error(&e, Role::Subject),
    };
    let shown = wire.mailbox_for_client(to_wire(&folder));
    let login = user.mail.login();
    let bytes = match (name, identifier) {
        ("MYRIGHTS", _) => myrights_response(&shown, &rights),
        ("GETACL", _) => acl_response(&shown, login.as_bytes(), &rights),
        (_, Some(identifier)) => {
            let asked = String::from_utf8_lossy(identifier.as_ref()).into_owned();
            let required = if normalise_login(&asked) == normalise_login(login) {
                rights.as_str()
            } else {
                ""
            };
            listrights_response(&shown, identifier.as_ref(), required, &[])
        }
        _ => return Reply::bad(format!("{name} needs an identifier")),
    };
    wire.raw(&bytes);
    Reply::ok(format!("{name} completed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rights(read: bool, change: bool, create_children: bool, remove: bool) -> FolderRights {
        FolderRights {
            read,
            change,
            create_children,
            remove,
        }
    }

    #[test]
    fn letters_claim_only_what_the_commands_allow() {
        let cases = [
            // Own folder or a write grant.
            (rights(true, true, true, true), "lrswikxtecd"),
            // INBOX, Sent Items...: not deleted or renamed.
            (rights(true, true, true, false), "lrswikte"),
            // A read grant, or a read-only user: not even \Seen.
            (rights(true, false, false, false), "lr"),
            // Shared/<address> with a write grant, and without.
            (rights(false, false, true, false), "lk"),
            (rights(false, false, false, false), "l"),
        ];
        for (r, want) in cases {
            assert_eq!(letters(r), want, "{r:?}");
        }
        for r in cases.map(|(r, _)| letters(r)) {
            assert!(!r.contains('a') && !r.contains('p'), "{r}");
        }
    }

    #[test]
    fn the_capability_names_the_rights_beyond_rfc_2086() {
        let extra = RIGHTS_CAPABILITY.strip_prefix("RIGHTS=").unwrap();
        let mut extra: Vec<char> = extra.chars().collect();
        extra.sort_unstable();
        assert_eq!(extra, vec!['e', 'k', 't', 'x']);
    }
}
