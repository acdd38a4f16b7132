//! The demo tenant's contacts and To Do: alice's default "Contacts" folder
//! with four contacts (Maria Garcia has three e-mail addresses, a home and
//! a business address, phones, a birthday and a photo), her folder
//! "Partners" with one contact, one contact each for bob and sales@; every
//! mailbox's two built-in To Do lists, alice's "Tasks" with one task due
//! this week (with a reminder) and one completed, and her list "Projects"
//! with one task. Dates follow the week the tenant is seeded. These values
//! are documented in the README.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

use crate::calstore::{EmailAddr, resolve_zone, to_utc};
use crate::contactstore::{ContactFields, Photo, PhysicalAddress};
use crate::mailstore::Mailbox;
use crate::todostore::{ChecklistItem, TaskFields, TodoStore, WellKnownList};

/// The zone the demo's dates are in.
const ZONE: &str = "W. Europe Standard Time";

/// Maria Garcia's photo: a 4×4 PNG.
const PHOTO_PNG: [u8; 107] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
    0x29, 0x00, 0x00, 0x00, 0x32, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x0d, 0xc7, 0x31, 0x01, 0x00,
    0x30, 0x08, 0x03, 0x41, 0xe4, 0xa0, 0x29, 0x4a, 0x10, 0xc1, 0x1c, 0x25, 0xcc, 0x99, 0x5f, 0x56,
    0x7b, 0xdb, 0x55, 0x0b, 0x89, 0x15, 0x11, 0xd5, 0x83, 0x86, 0x1d, 0x32, 0x3f, 0x46, 0x66, 0x4d,
    0xfc, 0x73, 0xe8, 0xd8, 0x23, 0xc7, 0x03, 0xac, 0x12, 0x1c, 0x21, 0x8b, 0x39, 0x14, 0xce, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn email(name: &str, address: &str) -> EmailAddr {
    EmailAddr {
        name: name.into(),
        address: address.into(),
    }
}

fn person(given: &str, surname: &str, company: &str, address: &str) -> ContactFields {
    let display = format!("{given} {surname}");
    ContactFields {
        display_name: display.clone(),
        given_name: given.into(),
        surname: surname.into(),
        file_as: format!("{surname}, {given}"),
        company_name: company.into(),
        emails: vec![email(&display, address)],
        ..ContactFields::default()
    }
}

fn maria() -> ContactFields {
    let mut f = person("Maria", "Garcia", "Fabrikam", "maria.garcia@fabrikam.test");
    f.emails
        .push(email("Maria Garcia (home)", "maria@garcia-family.test"));
    f.emails
        .push(email("Maria Garcia (old)", "m.garcia@fabrikam-old.test"));
    f.job_title = "Purchasing Manager".into();
    f.department = "Purchasing".into();
    f.business_phones = vec!["+49 30 1234567".into(), "+49 30 1234568".into()];
    f.home_phones = vec!["+49 30 7654321".into()];
    f.mobile_phone = "+49 170 1234567".into();
    f.home_address = PhysicalAddress {
        street: "Lindenstraße 12".into(),
        city: "Berlin".into(),
        state: String::new(),
        postal_code: "10969".into(),
        country_or_region: "Germany".into(),
    };
    f.business_address = PhysicalAddress {
        street: "Friedrichstraße 100".into(),
        city: "Berlin".into(),
        state: "Berlin".into(),
        postal_code: "10117".into(),
        country_or_region: "Germany".into(),
    };
    f.birthday = NaiveDate::from_ymd_opt(1985, 4, 12).map(|d| d.and_time(NaiveTime::MIN).and_utc());
    f.categories = vec!["Customers".into()];
    f.personal_notes = "Met at the Fabrikam trade fair.".into();
    f
}

fn yuki() -> ContactFields {
    let mut f = person("Yuki", "Tanaka", "Adatum", "yuki.tanaka@adatum.test");
    f.yomi_given_name = "ユキ".into();
    f.yomi_surname = "タナカ".into();
    f.yomi_company_name = "アダタム".into();
    f
}

fn add_contacts(
    mb: &mut Mailbox,
    folder: &str,
    list: Vec<ContactFields>,
    now: DateTime<Utc>,
) -> Vec<String> {
    list.into_iter()
        .enumerate()
        .map(|(i, f)| {
            // A second apart, so the demo lists in a fixed order.
            let at = now + Duration::seconds(i64::try_from(i).unwrap_or(0));
            mb.contacts.insert(folder, f, at)
        })
        .collect()
}

fn alice_contacts(mb: &mut Mailbox, now: DateTime<Utc>) {
    let Some(default) = mb.contacts.default_folder().map(|f| f.id.clone()) else {
        return;
    };
    let mut tom = person(
        "Tom",
        "Baker",
        "Northwind Traders",
        "tom.baker@northwind.test",
    );
    tom.mobile_phone = "+44 20 7946 0018".into();
    let mut bob = person("Bob", "Example", "Contoso", "bob@contoso.test");
    bob.business_phones = vec!["+49 30 5550102".into()];
    let keys = add_contacts(mb, &default, vec![maria(), tom, bob, yuki()], now);
    if let Some(key) = keys.first()
        && let Some(c) = mb.contacts.contacts.get_mut(key)
    {
        c.photo = Some(Photo {
            content_type: "image/png".into(),
            width: 4,
            height: 4,
            etag: "5EED0001".into(),
            bytes: PHOTO_PNG.to_vec(),
        });
    }
    if let Ok(partners) = mb.contacts.create_folder(&default, "Partners") {
        let mut priya = person(
            "Priya",
            "Shah",
            "Woodgrove Bank",
            "priya.shah@woodgrove.test",
        );
        priya.business_phones = vec!["+1 425 555 0100".into()];
        add_contacts(mb, &partners, vec![priya], now);
    }
}

fn one_contact(mb: &mut Mailbox, f: ContactFields, now: DateTime<Utc>) {
    if let Some(default) = mb.contacts.default_folder().map(|f| f.id.clone()) {
        add_contacts(mb, &default, vec![f], now);
    }
}

/// A wall-clock time in [`ZONE`].
fn at(d: NaiveDate, h: u32) -> DateTime<Utc> {
    let tz = resolve_zone(ZONE).unwrap_or(chrono_tz::Tz::UTC);
    to_utc(d.and_hms_opt(h, 0, 0).unwrap_or_default(), tz)
}

fn task(title: &str) -> TaskFields {
    TaskFields {
        title: title.into(),
        ..TaskFields::new()
    }
}

fn alice_todo(store: &mut TodoStore, monday: NaiveDate, now: DateTime<Utc>) {
    let Some(tasks) = store
        .well_known(WellKnownList::DefaultList)
        .map(|l| l.id.clone())
    else {
        return;
    };
    let friday = monday + Duration::days(4);
    let mut expenses = task("Submit expense report");
    expenses.body = "The receipts are in the Receipts folder.".into();
    expenses.due = Some(at(friday, 0));
    expenses.reminder = Some(at(friday, 9));
    expenses.is_reminder_on = true;
    store.insert_task(&tasks, expenses, Vec::new(), now);
    let mut flights = task("Book flights to Lisbon");
    flights.status = "completed".into();
    flights.completed = Some(monday.and_time(NaiveTime::MIN).and_utc());
    store.insert_task(&tasks, flights, Vec::new(), now + Duration::seconds(1));

    let projects = store.create_list("Projects");
    let mut plan = task("Draft the Phoenix project plan");
    plan.importance = "high".into();
    plan.categories = vec!["Phoenix".into()];
    let steps = ["Scope", "Timeline"]
        .iter()
        .map(|name| ChecklistItem {
            id: TodoStore::new_checklist_id(),
            display_name: (*name).into(),
            is_checked: false,
            checked: None,
            created: now,
        })
        .collect();
    store.insert_task(&projects, plan, steps, now);
}

/// The Monday of the week `now` falls in (in [`ZONE`]).
fn this_monday(now: DateTime<Utc>) -> NaiveDate {
    let tz = resolve_zone(ZONE).unwrap_or(chrono_tz::Tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

/// Fill the demo mailboxes' contacts and To Do (each already has its
/// default contact folder and built-in lists).
pub(crate) fn seed_pim(mailboxes: &mut [Mailbox], now: DateTime<Utc>) {
    let monday = this_monday(now);
    for mb in mailboxes.iter_mut() {
        match mb.upn.split('@').next().unwrap_or_default() {
            "alice" => {
                alice_contacts(mb, now);
                alice_todo(&mut mb.todo, monday, now);
            }
            "bob" => one_contact(
                mb,
                person("Alice", "Example", "Contoso", "alice@contoso.test"),
                now,
            ),
            "sales" => {
                let mut jordan = person(
                    "Jordan",
                    "Smith",
                    "Adventure Works",
                    "jordan.smith@adventure-works.test",
                );
                jordan.job_title = "Buyer".into();
                one_contact(mb, jordan, now);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contactstore::sniff_image;

    #[test]
    fn the_demo_photo_is_a_png_of_the_size_it_claims() {
        assert_eq!(sniff_image(&PHOTO_PNG), Some(("image/png", 4, 4)));
    }
}
