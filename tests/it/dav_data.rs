//! What the DAV front returns as calendar-data and address-data, from
//! outside (tests/clients/dav_data.py): server-side expansion of the
//! seeded series with exact RECURRENCE-IDs and UTC times (raw REPORTs and
//! python caldav both ways), limit-recurrence-set, a selection, the bound
//! on instances, calendar-timezone, an event made in New York read back in
//! New York, and vCard 4.0 on request with the stored card's ETag.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB, SALES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_and_address_data_come_in_the_shape_and_version_asked() {
    let gw = TestGateway::start().await;
    let out = gw.python("dav_data.py", &[PASSWORD, ALICE, SALES]).await;
    assert!(out.trim_end().ends_with("OK"), "{out}");
}

/// What graphgate reads the mailbox's zone from, as Graph documents it
/// (learn.microsoft.com/graph/api/user-get-mailboxsettings): the zone
/// alone or in the whole settings, for the signed-in user's own mailbox
/// with MailboxSettings.Read, refused without it or for another user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_answers_mailbox_settings_as_graph_does() {
    let t = crate::common::Tenant::start().await;
    let get = |token: String, path: String| {
        let http = t.http.clone();
        let url = format!("{}/v1.0{path}", t.base);
        async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let own = t.token(ALICE, &["MailboxSettings.Read"]).await;
    let (s, v) = get(own.clone(), "/me/mailboxSettings/timeZone".into()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"], "W. Europe Standard Time", "{v}");
    let (s, v) = get(own.clone(), "/me/mailboxSettings".into()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["timeZone"], "W. Europe Standard Time", "{v}");
    assert_eq!(
        v["workingHours"]["timeZone"]["name"],
        "W. Europe Standard Time"
    );
    let (s, _) = get(own, format!("/users/{BOB}/mailboxSettings/timeZone")).await;
    assert_eq!(s, 403, "another user's settings");
    let no_scope = t.token(ALICE, &["Calendars.Read"]).await;
    let (s, v) = get(no_scope, "/me/mailboxSettings/timeZone".into()).await;
    assert_eq!(s, 403, "{v}");
}
