//! The one place that decides who may open which mailbox and send in whose
//! name. Opening a mailbox needs a `Grant` and sending from another address
//! needs a `SendGrant`; only this module can make them, so a path that skips
//! the check does not compile. Local rules can only narrow what Exchange
//! grants: Graph still refuses what Microsoft does not allow.

use serde::{Deserialize, Serialize};

/// What a grant allows inside a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Read,
    ReadWrite,
}

/// Permission to open `mailbox` for `login`. Made only by `Policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    login: String,
    mailbox: String,
    access: Access,
    own: bool,
}

impl Grant {
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The Microsoft 365 mailbox address (lower-case).
    pub fn mailbox(&self) -> &str {
        &self.mailbox
    }
    pub fn access(&self) -> Access {
        self.access
    }
    pub fn can_write(&self) -> bool {
        self.access == Access::ReadWrite
    }
    /// The account's own mailbox (as opposed to a shared one).
    pub fn is_own(&self) -> bool {
        self.own
    }
}

/// How a message may be sent from another address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    /// From the account's own address.
    Own,
    /// From the other mailbox, looking as if it sent it.
    As,
    /// From the other mailbox, with the account as Sender.
    OnBehalf,
}

/// Permission to send with `from` as the From address. Made only by `Policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendGrant {
    login: String,
    from: String,
    mode: SendMode,
}

impl SendGrant {
    pub fn login(&self) -> &str {
        &self.login
    }
    pub fn from(&self) -> &str {
        &self.from
    }
    pub fn mode(&self) -> SendMode {
        self.mode
    }
}

/// Why policy said no, in a sentence for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    pub reason: String,
}

/// One shared mailbox and who may use it (`[[shared_mailbox]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SharedMailbox {
    /// Its address, e.g. `sales@contoso.com`.
    pub address: String,
    /// Gateway logins that may read it.
    pub readers: Vec<String>,
    /// Gateway logins that may read and change it.
    pub writers: Vec<String>,
    /// Gateway logins that may send as it.
    pub send_as: Vec<String>,
    /// Gateway logins that may send on its behalf.
    pub send_on_behalf: Vec<String>,
}

fn listed(list: &[String], login: &str) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(login))
}

/// The decision point.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    shared: Vec<SharedMailbox>,
}

impl Policy {
    pub fn new(shared: Vec<SharedMailbox>) -> Policy {
        Policy { shared }
    }

    fn shared(&self, address: &str) -> Option<&SharedMailbox> {
        self.shared
            .iter()
            .find(|s| s.address.eq_ignore_ascii_case(address))
    }

    /// May `login` (whose own mailbox is `own_mailbox`) open `mailbox` with `want`?
    pub fn open(
        &self,
        login: &str,
        own_mailbox: &str,
        mailbox: &str,
        want: Access,
    ) -> Result<Grant, Denied> {
        let mailbox = mailbox.to_ascii_lowercase();
        if mailbox.eq_ignore_ascii_case(own_mailbox) {
            return Ok(Grant {
                login: login.to_ascii_lowercase(),
                mailbox,
                access: Access::ReadWrite,
                own: true,
            });
        }
        let denied = || Denied {
            reason: format!("{login} may not open the mailbox {mailbox}"),
        };
        let s = self.shared(&mailbox).ok_or_else(denied)?;
        let access = if listed(&s.writers, login) {
            Access::ReadWrite
        } else if listed(&s.readers, login) {
            Access::Read
        } else {
            return Err(denied());
        };
        if want > access {
            return Err(Denied {
                reason: format!("{login} may only read the mailbox {mailbox}"),
            });
        }
        Ok(Grant {
            login: login.to_ascii_lowercase(),
            mailbox,
            access,
            own: false,
        })
    }

    /// The shared mailboxes `login` may open, with what access.
    pub fn shared_for(&self, login: &str) -> Vec<(String, Access)> {
        self.shared
            .iter()
            .filter_map(|s| {
                let access = if listed(&s.writers, login) {
                    Access::ReadWrite
                } else if listed(&s.readers, login) {
                    Access::Read
                } else {
                    return None;
                };
                Some((s.address.to_ascii_lowercase(), access))
            })
            .collect()
    }

    /// May `login` send with From `from`?
    pub fn send(&self, login: &str, own_mailbox: &str, from: &str) -> Result<SendGrant, Denied> {
        let from_lc = from.to_ascii_lowercase();
        let grant = |mode| {
            Ok(SendGrant {
                login: login.to_ascii_lowercase(),
                from: from_lc.clone(),
                mode,
            })
        };
        if from.eq_ignore_ascii_case(own_mailbox) {
            return grant(SendMode::Own);
        }
        match self.shared(from) {
            Some(s) if listed(&s.send_as, login) => grant(SendMode::As),
            Some(s) if listed(&s.send_on_behalf, login) => grant(SendMode::OnBehalf),
            _ => Err(Denied {
                reason: format!("{login} may not send as {from_lc}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::new(vec![SharedMailbox {
            address: "sales@contoso.test".into(),
            readers: vec!["carol@contoso.test".into()],
            writers: vec!["alice@contoso.test".into(), "bob@contoso.test".into()],
            send_as: vec!["alice@contoso.test".into()],
            send_on_behalf: vec!["bob@contoso.test".into()],
        }])
    }

    #[test]
    fn opening_mailboxes() {
        let p = policy();
        let own = p
            .open(
                "alice@contoso.test",
                "alice@contoso.test",
                "Alice@Contoso.test",
                Access::ReadWrite,
            )
            .unwrap();
        assert!(own.is_own() && own.can_write());
        let shared = p
            .open(
                "bob@contoso.test",
                "bob@contoso.test",
                "sales@contoso.test",
                Access::ReadWrite,
            )
            .unwrap();
        assert!(!shared.is_own());
        assert_eq!(
            p.open(
                "carol@contoso.test",
                "carol@contoso.test",
                "sales@contoso.test",
                Access::Read
            )
            .unwrap()
            .access(),
            Access::Read
        );
        assert!(
            p.open(
                "carol@contoso.test",
                "carol@contoso.test",
                "sales@contoso.test",
                Access::ReadWrite
            )
            .is_err()
        );
        assert!(
            p.open(
                "carol@contoso.test",
                "carol@contoso.test",
                "bob@contoso.test",
                Access::Read
            )
            .is_err()
        );
        assert_eq!(
            p.shared_for("ALICE@contoso.test"),
            vec![("sales@contoso.test".to_string(), Access::ReadWrite)]
        );
        assert!(p.shared_for("dave@contoso.test").is_empty());
    }

    #[test]
    fn sending() {
        let p = policy();
        assert_eq!(
            p.send(
                "alice@contoso.test",
                "alice@contoso.test",
                "alice@contoso.test"
            )
            .unwrap()
            .mode(),
            SendMode::Own
        );
        assert_eq!(
            p.send(
                "alice@contoso.test",
                "alice@contoso.test",
                "SALES@contoso.test"
            )
            .unwrap()
            .mode(),
            SendMode::As
        );
        assert_eq!(
            p.send("bob@contoso.test", "bob@contoso.test", "sales@contoso.test")
                .unwrap()
                .mode(),
            SendMode::OnBehalf
        );
        assert!(
            p.send(
                "carol@contoso.test",
                "carol@contoso.test",
                "sales@contoso.test"
            )
            .is_err()
        );
        assert!(
            p.send(
                "alice@contoso.test",
                "alice@contoso.test",
                "bob@contoso.test"
            )
            .is_err()
        );
    }
}
