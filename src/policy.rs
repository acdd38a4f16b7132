//! The one place that decides who may open which mailbox and send in whose
//! name. Opening a mailbox needs a `Grant` and sending from another address
//! needs a `SendGrant`; only this module can make them, so a path that skips
//! the check does not compile. Local rules can only narrow what Exchange
//! grants: Graph still refuses what Microsoft does not allow.

use serde::{Deserialize, Serialize};

use crate::accounts::normalise_login;
use crate::config::{Config, KeyError, SharedMailbox};

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

/// The decision point.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    shared: Vec<SharedMailbox>,
    /// Group name (without `@`) → member logins, lower-case.
    groups: std::collections::HashMap<String, Vec<String>>,
    /// Logins that may only read.
    read_only: std::collections::HashSet<String>,
}

impl Policy {
    pub fn new(shared: Vec<SharedMailbox>) -> Policy {
        Policy {
            shared,
            ..Policy::default()
        }
    }

    /// From the configuration: shared mailboxes whose lists may name groups
    /// as `@group`, the groups, and per-user settings. The error names the
    /// key that is wrong.
    pub fn from_config(config: &Config) -> Result<Policy, KeyError> {
        let (shared, groups) = (&config.shared_mailbox, &config.groups);
        for (i, s) in shared.iter().enumerate() {
            if !s.address.contains('@') {
                return Err(KeyError::new(
                    format!("shared_mailbox[{i}].address"),
                    format!("{:?} is not an email address", s.address),
                ));
            }
            for (key, list) in [
                ("readers", &s.readers),
                ("writers", &s.writers),
                ("send_as", &s.send_as),
                ("send_on_behalf", &s.send_on_behalf),
            ] {
                for entry in list {
                    if let Some(group) = entry.strip_prefix('@')
                        && !groups.contains_key(group)
                    {
                        return Err(KeyError::new(
                            format!("shared_mailbox[{i}].{key}"),
                            format!("there is no group {group:?} in [groups]"),
                        ));
                    }
                }
            }
        }
        Ok(Policy {
            shared: shared.to_vec(),
            groups: groups
                .iter()
                .map(|(g, m)| (g.clone(), m.iter().map(|l| normalise_login(l)).collect()))
                .collect(),
            read_only: config
                .users
                .iter()
                .filter(|(_, u)| u.read_only)
                .map(|(l, _)| normalise_login(l))
                .collect(),
        })
    }

    /// Is `login` in `list`, directly or through an `@group`? Both sides
    /// are compared in the one normalised form of logins.
    fn listed(&self, list: &[String], login: &str) -> bool {
        let login = normalise_login(login);
        list.iter().any(|entry| match entry.strip_prefix('@') {
            Some(group) => self
                .groups
                .get(group)
                .is_some_and(|members| members.contains(&login)),
            None => normalise_login(entry) == login,
        })
    }

    fn is_read_only(&self, login: &str) -> bool {
        self.read_only.contains(&normalise_login(login))
    }

    /// What policy, as it is now, grants in place of `grant` (made by an
    /// earlier policy): the same mailbox with the access allowed today, or
    /// `Denied` when it is withdrawn. Open sessions call this before every
    /// change, so a reload that makes a user read-only applies to the
    /// mailboxes they already have open, their own included.
    pub fn recheck(&self, grant: &Grant) -> Result<Grant, Denied> {
        let own = if grant.own {
            grant.mailbox.as_str()
        } else {
            ""
        };
        self.open(&grant.login, own, &grant.mailbox, Access::Read)
    }

    /// The shared mailboxes this policy names, with their lists as written.
    pub fn shared_mailboxes(&self) -> &[SharedMailbox] {
        &self.shared
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
        let ceiling = if self.is_read_only(login) {
            Access::Read
        } else {
            Access::ReadWrite
        };
        if mailbox.eq_ignore_ascii_case(own_mailbox) {
            if want > ceiling {
                return Err(Denied {
                    reason: format!("{login} may only read"),
                });
            }
            return Ok(Grant {
                login: normalise_login(login),
                mailbox,
                access: ceiling,
                own: true,
            });
        }
        let denied = || Denied {
            reason: format!("{login} may not open the mailbox {mailbox}"),
        };
        let s = self.shared(&mailbox).ok_or_else(denied)?;
        let access = if self.listed(&s.writers, login) {
            Access::ReadWrite
        } else if self.listed(&s.readers, login) {
            Access::Read
        } else {
            return Err(denied());
        }
        .min(ceiling);
        if want > access {
            return Err(Denied {
                reason: format!("{login} may only read the mailbox {mailbox}"),
            });
        }
        Ok(Grant {
            login: normalise_login(login),
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
                let access = if self.listed(&s.writers, login) {
                    Access::ReadWrite
                } else if self.listed(&s.readers, login) {
                    Access::Read
                } else {
                    return None;
                };
                let access = if self.is_read_only(login) {
                    Access::Read
                } else {
                    access
                };
                Some((s.address.to_ascii_lowercase(), access))
            })
            .collect()
    }

    /// Is `address` a shared mailbox this policy names? (A Reply-To naming
    /// one is checked like a From.)
    pub fn is_shared_mailbox(&self, address: &str) -> bool {
        self.shared(address).is_some()
    }

    /// May `login` send with From `from`?
    pub fn send(&self, login: &str, own_mailbox: &str, from: &str) -> Result<SendGrant, Denied> {
        let from_lc = from.to_ascii_lowercase();
        let grant = |mode| {
            Ok(SendGrant {
                login: normalise_login(login),
                from: from_lc.clone(),
                mode,
            })
        };
        if self.is_read_only(login) {
            return Err(Denied {
                reason: format!("{login} is read-only and may not send"),
            });
        }
        if from.eq_ignore_ascii_case(own_mailbox) {
            return grant(SendMode::Own);
        }
        match self.shared(from) {
            Some(s) if self.listed(&s.send_as, login) => grant(SendMode::As),
            Some(s) if self.listed(&s.send_on_behalf, login) => grant(SendMode::OnBehalf),
            _ => Err(Denied {
                reason: format!("{login} may not send as {from_lc}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
