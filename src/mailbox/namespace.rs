//! One user's namespace for one session: their own mailbox, and the shared
//! ones policy granted under `Shared/<address>/`. It turns a name into the
//! mailbox and folder it means, checks that a grant still holds after a
//! policy reload and that Exchange still lets the user into a shared
//! mailbox (`access`), and reads the user's subscriptions.

use std::collections::HashMap;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use super::context::MailContext;
use super::error::MailError;
use super::names::{DELIMITER, SHARED_PREFIX, canonical, split_shared};
use super::place::{Place, Resolved};

pub(crate) struct Namespace {
    pub context: Arc<MailContext>,
    pub login: String,
    pub own: Place,
    pub shared: Vec<Place>,
}

impl Namespace {
    /// Does policy (as it is now, after any reload) still grant `place`?
    /// A revoked grant ends access at the next command.
    pub fn still_granted(&self, place: &Place) -> Result<(), MailError> {
        if place.grant.is_own() {
            return Ok(());
        }
        let policy = self.context.policy.read();
        let own = self.own.grant.mailbox();
        match policy.open(
            &self.login,
            own,
            place.grant.mailbox(),
            place.grant.access(),
        ) {
            Ok(_) => Ok(()),
            Err(denied) => {
                drop(policy);
                place.audit.refused(
                    &self.login,
                    "open",
                    place.grant.mailbox(),
                    &format!("{} (revoked)", denied.reason),
                );
                Err(MailError::NoPermission(
                    format!("{} (the grant was withdrawn)", denied.reason).into(),
                ))
            }
        }
    }

    /// Exchange still lets this login into `place` (a shared mailbox): a
    /// fresh proof made with the login's own token, never another user's.
    /// A refusal is audited. The user's own mailbox needs no proof.
    pub async fn vouch(&self, place: &Place) -> Result<(), MailError> {
        if place.grant.is_own() {
            return Ok(());
        }
        place
            .engine
            .readers
            .vouch(&self.login, &place.graph)
            .await
            .inspect_err(|e| {
                if matches!(e, MailError::NoPermission(_)) {
                    place.audit.refused(
                        &self.login,
                        "open",
                        place.grant.mailbox(),
                        &format!("{e} (access withdrawn by Microsoft 365)"),
                    );
                }
            })
    }

    /// Policy and Exchange both still let this login into `place`.
    pub async fn check(&self, place: &Place) -> Result<(), MailError> {
        self.still_granted(place)?;
        self.vouch(place).await
    }

    /// A Graph request made for this login in `place` failed with `e`: a
    /// 403 withdraws the login's access there until it is proven again.
    pub fn saw(&self, place: &Place, e: &MailError) {
        if !place.grant.is_own() && matches!(e, MailError::NoPermission(_)) {
            place.engine.readers.withdraw(&self.login);
        }
    }

    /// The mailbox a name belongs to and the name inside it.
    pub fn place_of(&self, name: &str) -> Result<(&Place, String), MailError> {
        if name.eq_ignore_ascii_case(SHARED_PREFIX)
            || name
                .strip_suffix(DELIMITER)
                .is_some_and(|n| n.eq_ignore_ascii_case(SHARED_PREFIX))
        {
            return Err(MailError::CannotDo(
                format!("{SHARED_PREFIX} only holds the shared mailboxes; it is not a folder")
                    .into(),
            ));
        }
        let Some((address, inner)) = split_shared(name) else {
            // "Shared/" followed by something that names no mailbox
            // ("Shared//x"), or an encoded or back slash in its place
            // ("Shared%2Fx", "Shared\\x"), is a path trick, not a folder.
            // Compatibility-folded and lower-cased, so a look-alike of the
            // prefix (full-width `Ｓhared/`, `ＳＨＡＲＥＤ/`) is caught too.
            let lower: String = name.nfkc().collect::<String>().to_lowercase();
            let shared = SHARED_PREFIX.to_ascii_lowercase();
            if [
                format!("{shared}{DELIMITER}"),
                format!("{shared}%2f"),
                format!("{shared}\\"),
            ]
            .iter()
            .any(|p| lower.starts_with(p.as_str()))
            {
                let why = format!("{} may not open {name}", self.login);
                self.context.audit.refused(&self.login, "open", name, &why);
                return Err(MailError::NoPermission(why.into()));
            }
            return Ok((&self.own, canonical(name)));
        };
        let place = self
            .shared
            .iter()
            .find(|p| p.grant.mailbox() == address)
            .ok_or_else(|| {
                let why = format!("{} may not open the mailbox {address}", self.login);
                self.context.audit.refused(
                    &self.login,
                    "open",
                    &address,
                    &format!("{why} (asked for {name})"),
                );
                MailError::NoPermission(why.into())
            })?;
        self.still_granted(place)?;
        if inner.is_empty() {
            return Err(MailError::CannotDo(
                format!(
                    "{SHARED_PREFIX}/{address} holds that mailbox's folders; it is not a folder"
                )
                .into(),
            ));
        }
        Ok((place, inner))
    }

    pub async fn resolve(&self, name: &str) -> Result<Resolved, MailError> {
        let (place, inner) = self.place_of(name)?;
        self.vouch(place).await?;
        let tree = match place.engine.tree(&place.graph, false).await {
            Ok(t) => t,
            Err(e @ MailError::NoPermission(_)) => {
                // Exchange refused though local policy allows: audited too.
                place
                    .audit
                    .refused(&self.login, "open", place.grant.mailbox(), &e.to_string());
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let folder = match tree.names.find(&inner) {
            Some(f) => f.clone(),
            None => {
                // Someone may have just made it: look once more, fresh.
                let tree = place.engine.tree(&place.graph, true).await?;
                let folder = tree
                    .names
                    .find(&inner)
                    .cloned()
                    .ok_or_else(|| MailError::NoSuchFolder(name.into()))?;
                return Ok(Resolved {
                    place: place.clone(),
                    tree,
                    folder,
                });
            }
        };
        Ok(Resolved {
            place: place.clone(),
            tree,
            folder,
        })
    }

    pub async fn subscriptions(&self) -> Result<HashMap<String, bool>, MailError> {
        Ok(self
            .context
            .store
            .mail_subscriptions(&self.login)
            .await
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(self.own.mailbox()))?
            .into_iter()
            .collect())
    }
}
