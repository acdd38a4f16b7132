//! Grants changed in the console, written into the policy's file (the
//! configuration file, or `server.policy_file`) with toml_edit, so the
//! administrator's comments, order and layout stay as they were: only the
//! one list that changed is touched. The edited text is checked as a whole
//! configuration before it is written (atomically: a new file renamed over
//! the old one) and before the new policy applies.

use std::path::Path;

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

/// One of a shared mailbox's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Read,
    Write,
    SendAs,
    SendOnBehalf,
}

impl Right {
    pub const ALL: [Right; 4] = [
        Right::Read,
        Right::Write,
        Right::SendAs,
        Right::SendOnBehalf,
    ];

    /// Its key in `[[shared_mailbox]]`.
    pub fn key(self) -> &'static str {
        match self {
            Right::Read => "readers",
            Right::Write => "writers",
            Right::SendAs => "send_as",
            Right::SendOnBehalf => "send_on_behalf",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Right::Read => "read only",
            Right::Write => "read and change",
            Right::SendAs => "send as",
            Right::SendOnBehalf => "send on behalf",
        }
    }

    pub fn parse(key: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// A change to the policy's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Add `who` (a login or `@group`) to `mailbox`'s list.
    Grant {
        mailbox: String,
        who: String,
        right: Right,
    },
    /// Remove `who` from `mailbox`'s list.
    Revoke {
        mailbox: String,
        who: String,
        right: Right,
    },
    /// A new `[[shared_mailbox]]` with empty lists.
    AddMailbox { address: String },
    /// Remove the mailbox's table (its grants with it).
    RemoveMailbox { address: String },
}

impl Edit {
    /// The audit log's action for it.
    pub fn action(&self) -> &'static str {
        match self {
            Edit::Grant { .. } => "admin-grant",
            Edit::Revoke { .. } => "admin-revoke",
            Edit::AddMailbox { .. } => "admin-add-shared-mailbox",
            Edit::RemoveMailbox { .. } => "admin-remove-shared-mailbox",
        }
    }

    /// The mailbox it is about.
    pub fn mailbox(&self) -> &str {
        match self {
            Edit::Grant { mailbox, .. } | Edit::Revoke { mailbox, .. } => mailbox,
            Edit::AddMailbox { address } | Edit::RemoveMailbox { address } => address,
        }
    }

    /// In words, for the audit log and the page.
    pub fn describe(&self) -> String {
        match self {
            Edit::Grant {
                mailbox,
                who,
                right,
            } => format!("{who} may now {} {mailbox}", verb(*right)),
            Edit::Revoke {
                mailbox,
                who,
                right,
            } => {
                format!("{who} no longer listed to {} {mailbox}", verb(*right))
            }
            Edit::AddMailbox { address } => format!("shared mailbox {address} added"),
            Edit::RemoveMailbox { address } => format!("shared mailbox {address} removed"),
        }
    }
}

fn verb(right: Right) -> &'static str {
    match right {
        Right::Read => "read",
        Right::Write => "read and change",
        Right::SendAs => "send as",
        Right::SendOnBehalf => "send on behalf of",
    }
}

/// `text` with `edit` made; an error in words when it cannot be.
pub fn apply(text: &str, edit: &Edit) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the policy's file is not valid TOML: {e}"))?;
    match edit {
        Edit::AddMailbox { address } => {
            let address = address.trim().to_ascii_lowercase();
            if !address.contains('@')
                || address.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!("{address:?} is not an email address"));
            }
            let tables = mailboxes(&mut doc)?;
            if find(tables, &address).is_some() {
                return Err(format!("{address} is already a shared mailbox"));
            }
            let mut table = Table::new();
            table.insert("address", value(address.as_str()));
            for right in Right::ALL {
                table.insert(right.key(), value(Array::new()));
            }
            tables.push(table);
        }
        Edit::RemoveMailbox { address } => {
            let tables = mailboxes(&mut doc)?;
            let i = find(tables, address)
                .ok_or_else(|| format!("{address} is not a shared mailbox"))?;
            tables.remove(i);
        }
        Edit::Grant {
            mailbox,
            who,
            right,
        }
        | Edit::Revoke {
            mailbox,
            who,
            right,
        } => {
            let who = who.trim().to_ascii_lowercase();
            if who.is_empty()
                || who.len() > 320
                || who.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!("{who:?} is not a login or @group"));
            }
            let tables = mailboxes(&mut doc)?;
            let i = find(tables, mailbox)
                .ok_or_else(|| format!("{mailbox} is not a shared mailbox"))?;
            let table = tables
                .get_mut(i)
                .ok_or_else(|| format!("{mailbox} is not a shared mailbox"))?;
            if !table.contains_key(right.key()) {
                table.insert(right.key(), value(Array::new()));
            }
            let list = table
                .get_mut(right.key())
                .and_then(Item::as_array_mut)
                .ok_or_else(|| format!("{}'s {} is not a list", mailbox, right.key()))?;
            let at = list
                .iter()
                .position(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&who)));
            match (edit, at) {
                (Edit::Grant { .. }, Some(_)) => {
                    return Err(format!(
                        "{who} is already listed to {} {mailbox}",
                        verb(*right)
                    ));
                }
                (Edit::Grant { .. }, None) => list.push(who.as_str()),
                (_, Some(i)) => {
                    list.remove(i);
                }
                (_, None) => {
                    return Err(format!("{who} is not listed to {} {mailbox}", verb(*right)));
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// The document's `[[shared_mailbox]]` tables (made if missing).
fn mailboxes(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, String> {
    if !doc.contains_key("shared_mailbox") {
        doc.insert("shared_mailbox", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc.get_mut("shared_mailbox")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| {
            "shared_mailbox in the policy's file is not a list of [[shared_mailbox]] tables".into()
        })
}

fn find(tables: &ArrayOfTables, address: &str) -> Option<usize> {
    tables.iter().position(|t| {
        t.get("address")
            .and_then(Item::as_str)
            .is_some_and(|a| a.trim().eq_ignore_ascii_case(address.trim()))
    })
}

/// Write `text` to `path` atomically: a new file beside it (with the old
/// one's permissions) renamed over it.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("edit-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::{Edit, Right, apply};

    const FILE: &str = r#"# graphgate's configuration
[server]
data_dir = "data"   # where state lives

# The firm's sales mailbox: ask Dana before changing.
[[shared_mailbox]]
address = "sales@contoso.test"
readers = ["bob"]   # bob reads only
writers = []

[[shared_mailbox]]
address = "support@contoso.test"
"#;

    #[test]
    fn a_grant_touches_one_list_and_keeps_every_comment() {
        let grant = Edit::Grant {
            mailbox: "SALES@contoso.test".into(),
            who: "Alice".into(),
            right: Right::SendAs,
        };
        let out = apply(FILE, &grant).unwrap();
        for kept in [
            "# graphgate's configuration",
            "data_dir = \"data\"   # where state lives",
            "# The firm's sales mailbox: ask Dana before changing.",
            "readers = [\"bob\"]   # bob reads only",
        ] {
            assert!(out.contains(kept), "{kept:?} lost:\n{out}");
        }
        assert!(out.contains("send_as = [\"alice\"]"), "{out}");
        let config = crate::config::Config::from_toml(&out).unwrap();
        assert_eq!(config.shared_mailbox[0].send_as, ["alice"]);
        assert!(apply(&out, &grant).unwrap_err().contains("already listed"));

        let revoke = Edit::Revoke {
            mailbox: "sales@contoso.test".into(),
            who: "bob".into(),
            right: Right::Read,
        };
        let out = apply(&out, &revoke).unwrap();
        let config = crate::config::Config::from_toml(&out).unwrap();
        assert!(config.shared_mailbox[0].readers.is_empty());
        assert!(
            out.contains("# bob reads only") || out.contains("readers = []"),
            "{out}"
        );
        assert!(apply(&out, &revoke).unwrap_err().contains("not listed"));
    }

    #[test]
    fn mailboxes_are_added_and_removed_by_address() {
        let out = apply(
            FILE,
            &Edit::AddMailbox {
                address: "Billing@Contoso.test".into(),
            },
        )
        .unwrap();
        let config = crate::config::Config::from_toml(&out).unwrap();
        assert_eq!(config.shared_mailbox.len(), 3);
        assert_eq!(config.shared_mailbox[2].address, "billing@contoso.test");
        assert!(
            apply(
                &out,
                &Edit::AddMailbox {
                    address: "billing@contoso.test".into()
                }
            )
            .is_err()
        );
        assert!(
            apply(
                &out,
                &Edit::AddMailbox {
                    address: "not an address".into()
                }
            )
            .is_err()
        );
        let out = apply(
            &out,
            &Edit::RemoveMailbox {
                address: "support@contoso.test".into(),
            },
        )
        .unwrap();
        let config = crate::config::Config::from_toml(&out).unwrap();
        assert_eq!(config.shared_mailbox.len(), 2);
        assert!(out.contains("# The firm's sales mailbox"));
        let grant = Edit::Grant {
            mailbox: "nobody@contoso.test".into(),
            who: "alice".into(),
            right: Right::Read,
        };
        assert!(
            apply(&out, &grant)
                .unwrap_err()
                .contains("not a shared mailbox")
        );
        let empty = apply(
            "",
            &Edit::AddMailbox {
                address: "a@b.test".into(),
            },
        )
        .unwrap();
        assert!(empty.contains("[[shared_mailbox]]"), "{empty}");
        assert!(
            apply("x = [", &grant)
                .unwrap_err()
                .contains("not valid TOML")
        );
    }
}
