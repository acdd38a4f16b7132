//! Calendars (the groundwork of CalDAV): the mailbox's calendars as Graph
//! lists them, one calendar by id, and the default one. Graph has no
//! change counter on a calendar; what changes inside one is learned from
//! its calendarView delta (to come with the CalDAV collections).

use serde::Deserialize;

use super::call::{Call, Target, encode};
use super::error::{BadAnswer, Error};
use super::mailbox::Mailbox;

const CALENDAR_FIELDS: &str = "id,name,color,hexColor,isDefaultCalendar,isRemovable,canEdit,canShare,\
     canViewPrivateItems,owner,changeKey";

/// A calendar as Graph describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calendar {
    /// Stable: container ids do not change.
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `auto`, `lightBlue`, …
    #[serde(default)]
    pub color: Option<String>,
    /// `#RRGGBB`, empty until the user picks a colour.
    #[serde(default)]
    pub hex_color: Option<String>,
    #[serde(default)]
    pub is_default_calendar: bool,
    /// Graph lets it be deleted (not the default calendar); absent means
    /// yes unless it is the default one.
    #[serde(default)]
    pub is_removable: Option<bool>,
    /// The identity may write to it (the owner, or a sharee with write).
    #[serde(default)]
    pub can_edit: bool,
    #[serde(default)]
    pub can_share: bool,
    #[serde(default)]
    pub can_view_private_items: bool,
    #[serde(default)]
    pub owner: Option<Owner>,
    /// Changes with every change of the calendar itself (not its events).
    #[serde(default)]
    pub change_key: Option<String>,
}

/// Who owns a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Owner {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    value: Vec<Calendar>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

impl Mailbox {
    /// Every calendar of the mailbox (`/calendars`, all groups).
    pub async fn calendars(&self) -> Result<Vec<Calendar>, Error> {
        let top = self.client.settings().page_size.min(1000).to_string();
        let mut call = Call::get("list calendars", "/calendars")
            .query("$select", CALENDAR_FIELDS)
            .query("$top", top);
        let mut out = Vec::new();
        for _ in 0..1000 {
            let page: Page = self.execute(&call).await?.parse()?;
            out.extend(page.value);
            match page.next_link {
                Some(link) => call.target = Target::Link(link),
                None => return Ok(out),
            }
        }
        Err(BadAnswer::Shape("calendar listing does not end").into())
    }

    /// One calendar by id.
    pub async fn calendar(&self, id: &str) -> Result<Calendar, Error> {
        let call = Call::get("get calendar", format!("/calendars/{}", encode(id)))
            .query("$select", CALENDAR_FIELDS);
        self.execute(&call).await?.parse()
    }

    /// The mailbox's time zone as Outlook names it (`mailboxSettings/timeZone`:
    /// a Windows name such as "W. Europe Standard Time", or an IANA name if
    /// the user picked one). Needs MailboxSettings.Read.
    pub async fn mailbox_time_zone(&self) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct Zone {
            value: String,
        }
        let call = Call::get("get mailbox time zone", "/mailboxSettings/timeZone");
        let zone: Zone = self.execute(&call).await?.parse()?;
        Ok(zone.value)
    }

    /// The default calendar (`/calendar`).
    pub async fn default_calendar(&self) -> Result<Calendar, Error> {
        let call = Call::get("get default calendar", "/calendar").query("$select", CALENDAR_FIELDS);
        self.execute(&call).await?.parse()
    }
}
