//! The calendars, task lists and address books one user sees, under the
//! same policy as mail: their own mailbox's, and those of the shared
//! mailboxes policy grants them (read-only grants give read-only
//! collections). Microsoft stays the judge of each request: a calendar
//! another person shared shows as writable only if Graph says `canEdit`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use dashmap::DashMap;
use sha2::{Digest, Sha256};

use super::error::PimError;
use crate::accounts::{Account, Mode};
use crate::graph::{self, Calendar, ContactFolder, TaskList};
use crate::mailbox::MailService;
use crate::policy::{Access, Grant};
use crate::store::Store;

/// What `[dav]` decides for the service.
#[derive(Debug, Clone)]
pub struct PimSettings {
    pub past_days: u32,
    pub future_days: u32,
    /// A collection asked for its changes less than this long ago is
    /// served as it is.
    pub fresh: Duration,
    /// The largest object a client may PUT, in bytes.
    pub max_resource_bytes: u64,
}

impl From<&crate::config::DavSection> for PimSettings {
    fn from(s: &crate::config::DavSection) -> Self {
        PimSettings {
            past_days: s.past_days,
            future_days: s.future_days,
            fresh: Duration::from_secs(s.fresh_s),
            max_resource_bytes: s.max_body_kb.saturating_mul(1024),
        }
    }
}

/// One lock per collection, so that two requests do not run the same
/// delta round at once.
pub(crate) type Gate = Arc<tokio::sync::Mutex<()>>;

/// A mailbox's contact folders, each with whether it is the default one.
pub(crate) type Folders = Arc<Vec<(ContactFolder, bool)>>;

/// The calendars/contacts/tasks service of the whole gateway.
pub struct PimService {
    pub(crate) mail: Arc<MailService>,
    pub(crate) store: Store,
    pub(crate) settings: PimSettings,
    pub(super) calendars: DashMap<String, (Instant, Arc<Vec<Calendar>>)>,
    pub(super) task_lists: DashMap<String, (Instant, Arc<Vec<TaskList>>)>,
    pub(super) folders: DashMap<String, (Instant, Folders)>,
    pub(super) zones: DashMap<String, (Instant, Tz)>,
    gates: DashMap<crate::store::DavKey, Gate>,
}

/// What kind of objects a collection holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A Graph calendar: VEVENTs.
    Events,
    /// A To Do list: VTODOs.
    Tasks,
    /// A contact folder: vCards.
    Contacts,
}

impl Kind {
    /// The store's name for it.
    pub fn store_name(self) -> &'static str {
        match self {
            Kind::Events => "calendar",
            Kind::Tasks => "tasks",
            Kind::Contacts => "contacts",
        }
    }
}

/// One collection a user may open.
#[derive(Debug, Clone)]
pub struct Collection {
    /// The URL segment under the user's home.
    pub slug: String,
    pub kind: Kind,
    /// The Microsoft 365 mailbox it belongs to.
    pub mailbox: String,
    /// The Graph id of the calendar, list or folder.
    pub graph_id: String,
    pub name: String,
    /// Policy and Microsoft both allow changes.
    pub writable: bool,
    /// `#RRGGBB`, when the user picked a colour.
    pub color: Option<String>,
    /// The mailbox's default calendar, list or folder.
    pub is_default: bool,
    /// The time zone of its mailbox (`mailboxSettings.timeZone`; UTC when
    /// unknown): events without a zone of their own are shown in it, and it
    /// is the calendar's CALDAV:calendar-timezone.
    pub zone: Tz,
    /// Microsoft keeps it: the default calendar, a built-in To Do list
    /// ("Tasks", "Flagged email"), the default contact folder. It cannot be
    /// deleted (and a built-in To Do list cannot be renamed either).
    pub built_in: bool,
    /// Which of the user's places it is in.
    pub(crate) place: usize,
}

impl Collection {
    pub fn key(&self) -> crate::store::DavKey {
        crate::store::DavKey {
            mailbox: self.mailbox.clone(),
            kind: self.kind.store_name(),
            collection: self.graph_id.clone(),
        }
    }
}

/// A mailbox the user may reach, with the grant policy gave.
pub(crate) struct Place {
    pub(crate) grant: Grant,
    pub(crate) graph: graph::Mailbox,
}

/// One user's view, for one request.
pub struct UserPim {
    pub(crate) service: Arc<PimService>,
    pub login: String,
    /// The user's own mailbox address.
    pub own: String,
    pub(crate) places: Vec<Place>,
}

impl PimService {
    pub fn new(mail: Arc<MailService>, store: Store, settings: PimSettings) -> Arc<PimService> {
        Arc::new(PimService {
            mail,
            store,
            settings,
            calendars: DashMap::new(),
            task_lists: DashMap::new(),
            folders: DashMap::new(),
            zones: DashMap::new(),
            gates: DashMap::new(),
        })
    }

    /// What `account` may see now: policy is read at every request, so a
    /// withdrawn grant ends access at the next one.
    pub async fn open(self: &Arc<Self>, account: &Account) -> Result<UserPim, PimError> {
        let tokens = self
            .mail
            .credentials_for(account)
            .await
            .map_err(|e| PimError::Unavailable(e.to_string()))?;
        let own = account.microsoft_user.to_ascii_lowercase();
        let policy = self.mail.policy();
        let own_grant = policy
            .open(&account.login, &own, &own, Access::Read)
            .map_err(|d| PimError::Denied(d.reason))?;
        let graph = &self.mail.graph;
        let mut places = vec![Place {
            graph: graph.mailbox(tokens.clone(), &own, account.mode == Mode::Delegated),
            grant: own_grant,
        }];
        for (address, access) in policy.shared_for(&account.login) {
            if let Ok(grant) = policy.open(&account.login, &own, &address, access) {
                places.push(Place {
                    graph: graph.mailbox(tokens.clone(), &address, false),
                    grant,
                });
            }
        }
        Ok(UserPim {
            service: self.clone(),
            login: account.login.clone(),
            own,
            places,
        })
    }

    /// The lock of one collection's delta rounds.
    pub(crate) fn gate(&self, key: &crate::store::DavKey) -> Gate {
        self.gates.entry(key.clone()).or_default().clone()
    }
}

/// A collection's URL segment: the own mailbox's default ones have short
/// names (`calendar`, `tasks`, `contacts`); the rest a stable digest of
/// their Graph id, after the mailbox's address when it is not the user's.
pub(crate) fn slug(
    own: bool,
    mailbox: &str,
    kind: Kind,
    graph_id: &str,
    is_default: bool,
) -> String {
    let base = if is_default {
        kind_word(kind).to_string()
    } else {
        let digest = Sha256::digest(graph_id.as_bytes());
        format!("{}-{}", &kind_word(kind)[..1], hex::encode(&digest[..8]))
    };
    if own {
        base
    } else {
        format!("{mailbox}-{base}")
    }
}

/// Whether `place` is among the mailboxes `only` asks for: all (`None`),
/// the own one (`Some(None)`), or the one with that address.
fn in_scope(only: Option<Option<&str>>, place: &Place) -> bool {
    match only {
        None => true,
        Some(None) => place.grant.is_own(),
        Some(Some(address)) => place.grant.mailbox() == address,
    }
}

/// The shared mailbox a collection slug names (`slug` above), if any: own
/// collections' slugs never hold an `@`.
pub(crate) fn mailbox_of_slug(slug: &str) -> Option<String> {
    if !slug.contains('@') {
        return None;
    }
    let lower = slug.to_ascii_lowercase();
    for word in ["calendar", "tasks", "contacts"] {
        if let Some(m) = lower.strip_suffix(&format!("-{word}")) {
            return Some(m.to_string());
        }
    }
    // `{mailbox}-{c|t|a}-{16 hex digits}`.
    let (head, hash) = lower.rsplit_once('-')?;
    let (mailbox, letter) = head.rsplit_once('-')?;
    let hex = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && matches!(letter, "c" | "t" | "a")).then(|| mailbox.to_string())
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Events => "calendar",
        Kind::Tasks => "tasks",
        Kind::Contacts => "contacts",
    }
}

impl UserPim {
    pub(crate) fn place(&self, c: &Collection) -> &Place {
        &self.places[c.place]
    }

    /// The user's event calendars and task lists (the calendar home).
    pub async fn calendar_collections(&self) -> Result<Vec<Collection>, PimError> {
        self.calendars_in(None).await
    }

    /// `calendar_collections` of one mailbox only (`Some(None)`: the own).
    async fn calendars_in(&self, only: Option<Option<&str>>) -> Result<Vec<Collection>, PimError> {
        let mut out = Vec::new();
        for (i, place) in self.places.iter().enumerate() {
            if !in_scope(only, place) {
                continue;
            }
            let own = place.grant.is_own();
            let calendars = match self.service.calendars_of(place).await {
                Ok(c) => c,
                // A shared mailbox Exchange does not let this user into is
                // left out; the own mailbox's trouble is the answer.
                Err(e) if !own => {
                    tracing::debug!(mailbox = place.grant.mailbox(), error = %e, "calendars not listed");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let zone = self.service.cached_zone(place);
            let names = self.chosen_names(place).await?;
            for cal in calendars.iter() {
                let mailbox = place.grant.mailbox().to_string();
                let name = if own {
                    cal.name.clone()
                } else {
                    format!("{} ({mailbox})", cal.name)
                };
                out.push(Collection {
                    slug: names.slug(
                        own,
                        &mailbox,
                        Kind::Events,
                        &cal.id,
                        cal.is_default_calendar,
                    ),
                    kind: Kind::Events,
                    graph_id: cal.id.clone(),
                    name,
                    writable: place.grant.can_write() && cal.can_edit,
                    color: cal.hex_color.clone().filter(|c| !c.is_empty()),
                    is_default: cal.is_default_calendar,
                    built_in: cal.is_default_calendar || cal.is_removable == Some(false),
                    mailbox,
                    zone,
                    place: i,
                });
            }
        }
        if matches!(only, None | Some(None)) {
            out.extend(self.task_collections().await?);
        }
        Ok(out)
    }

    /// The user's address books (the address-book home): the contact
    /// folders of their mailbox and of the shared mailboxes granted.
    pub async fn address_books(&self) -> Result<Vec<Collection>, PimError> {
        self.address_books_in(None).await
    }

    /// `address_books` of one mailbox only (`Some(None)`: the own).
    async fn address_books_in(
        &self,
        only: Option<Option<&str>>,
    ) -> Result<Vec<Collection>, PimError> {
        let mut out = Vec::new();
        for (i, place) in self.places.iter().enumerate() {
            if !in_scope(only, place) {
                continue;
            }
            let own = place.grant.is_own();
            let folders = match self.service.folders_of(place).await {
                Ok(f) => f,
                Err(e) if !own => {
                    tracing::debug!(mailbox = place.grant.mailbox(), error = %e, "contact folders not listed");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let mailbox = place.grant.mailbox().to_string();
            let names = self.chosen_names(place).await?;
            for (f, is_default) in folders.iter() {
                let name = if own {
                    f.display_name.clone()
                } else {
                    format!("{} ({mailbox})", f.display_name)
                };
                out.push(Collection {
                    slug: names.slug(own, &mailbox, Kind::Contacts, &f.id, *is_default),
                    kind: Kind::Contacts,
                    graph_id: f.id.clone(),
                    name,
                    writable: place.grant.can_write(),
                    color: None,
                    is_default: *is_default,
                    built_in: *is_default,
                    mailbox: mailbox.clone(),
                    zone: Tz::UTC,
                    place: i,
                });
            }
        }
        Ok(out)
    }

    /// The user's own To Do lists (To Do is each user's own: Graph lets
    /// no delegate into another's).
    async fn task_collections(&self) -> Result<Vec<Collection>, PimError> {
        let Some((i, place)) = self
            .places
            .iter()
            .enumerate()
            .find(|(_, p)| p.grant.is_own())
        else {
            return Ok(Vec::new());
        };
        let lists = match self.service.task_lists_of(place).await {
            Ok(l) => l,
            // Without To Do permission (an app registration consented for
            // calendars only), the calendars are still served.
            Err(graph::Error::Graph(f)) if f.status == 403 => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mailbox = place.grant.mailbox().to_string();
        let names = self.chosen_names(place).await?;
        Ok(lists
            .iter()
            .map(|l| Collection {
                slug: names.slug(true, &mailbox, Kind::Tasks, &l.id, l.is_default()),
                kind: Kind::Tasks,
                graph_id: l.id.clone(),
                name: l.display_name.clone(),
                writable: place.grant.can_write(),
                color: None,
                is_default: l.is_default(),
                built_in: l
                    .wellknown_list_name
                    .as_deref()
                    .is_some_and(|w| !w.is_empty() && w != "none"),
                mailbox: mailbox.clone(),
                zone: Tz::UTC,
                place: i,
            })
            .collect())
    }

    /// The collection at `slug` in the calendar home or the address-book
    /// home, if the user may see it.
    pub async fn find(&self, calendars: bool, slug: &str) -> Result<Option<Collection>, PimError> {
        // Only the mailbox the slug names is listed: the own mailbox's
        // collections never carry an address (see `slug`).
        let named = mailbox_of_slug(slug);
        let only = Some(named.as_deref());
        let all = if calendars {
            self.calendars_in(only).await?
        } else {
            self.address_books_in(only).await?
        };
        if let Some(c) = all.into_iter().find(|c| c.slug == slug) {
            return Ok(Some(c));
        }
        // A shared mailbox's collection the user may no longer open (the
        // grant was withdrawn): refused and audited, not just missing.
        if let Some(mailbox) = mailbox_of_slug(slug)
            && !self.places.iter().any(|p| p.grant.mailbox() == mailbox)
        {
            let reason = format!("{} may not open the mailbox {mailbox}", self.login);
            self.service
                .mail
                .audit()
                .refused(&self.login, "dav", &mailbox, &reason);
            return Err(PimError::Denied(reason));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_for_defaults_and_stable_otherwise() {
        assert_eq!(slug(true, "a@x", Kind::Events, "AAMk=", true), "calendar");
        assert_eq!(slug(true, "a@x", Kind::Contacts, "AAMk=", true), "contacts");
        let s = slug(true, "a@x", Kind::Events, "AAMk/1+=", false);
        assert_eq!(s, slug(true, "a@x", Kind::Events, "AAMk/1+=", false));
        assert!(s.starts_with("c-") && s.len() == 18, "{s}");
        assert_ne!(s, slug(true, "a@x", Kind::Events, "AAMk/2+=", false));
        assert_eq!(
            slug(false, "sales@x", Kind::Events, "id", true),
            "sales@x-calendar"
        );
        let other = slug(false, "help-desk@x-y.com", Kind::Events, "id", false);
        assert_eq!(
            mailbox_of_slug(&other).as_deref(),
            Some("help-desk@x-y.com")
        );
        assert_eq!(
            mailbox_of_slug("sales@x-calendar").as_deref(),
            Some("sales@x")
        );
        assert_eq!(mailbox_of_slug(&s), None);
        assert_eq!(mailbox_of_slug("calendar"), None);
    }
}
