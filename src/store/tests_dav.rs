//! The DAV tables from outside: revisions, tombstones, body-less and
//! named reads, resets.

use super::{DavChanges, DavItemRow, DavKey, Store};

fn key() -> DavKey {
    DavKey {
        mailbox: "alice@contoso.com".into(),
        kind: "calendar",
        collection: "AAMkCal=".into(),
    }
}

fn row(name: &str, id: &str, etag: &str) -> DavItemRow {
    DavItemRow {
        name: name.into(),
        graph_id: Some(id.into()),
        uid: Some(format!("uid-{name}")),
        etag: Some(etag.into()),
        body: Some("BEGIN:VCALENDAR".into()),
        ..DavItemRow::default()
    }
}

#[tokio::test]
async fn writes_are_revisions_and_removals_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    let k = key();
    let first = store.dav_collection(&k).await.unwrap();
    assert_eq!((first.revision, first.delta_link.clone()), (0, None));
    let one = DavChanges {
        upserts: vec![row("a.ics", "A", "\"1\""), row("b.ics", "B", "\"1\"")],
        delta_link: Some(Some("https://graph/delta?1".into())),
        members: vec![("occ-1".into(), "b.ics".into())],
        ..DavChanges::default()
    };
    let s1 = store.dav_write(&k, &one, 5).await.unwrap();
    assert_eq!(s1.revision, 1);
    assert_eq!(s1.sync_id, first.sync_id);
    assert_eq!(s1.delta_link.as_deref(), Some("https://graph/delta?1"));
    let two = DavChanges {
        upserts: vec![row("a.ics", "A", "\"2\"")],
        removed: vec!["b.ics".into()],
        members_gone: vec!["occ-1".into()],
        ..DavChanges::default()
    };
    let s2 = store.dav_write(&k, &two, 6).await.unwrap();
    assert_eq!(s2.revision, 2);
    // A round that brought nothing keeps the revision (the sync token).
    let nothing = DavChanges {
        delta_link: Some(Some("https://graph/delta?2".into())),
        ..DavChanges::default()
    };
    let same = store.dav_write(&k, &nothing, 7).await.unwrap();
    assert_eq!(same.revision, 2);
    assert_eq!(same.delta_link.as_deref(), Some("https://graph/delta?2"));
    // The delta link stays unless a write replaces it.
    assert_eq!(s2.delta_link.as_deref(), Some("https://graph/delta?1"));
    let live = store.dav_items(&k, true).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].etag.as_deref(), Some("\"2\""));
    assert_eq!(live[0].body.as_deref(), Some("BEGIN:VCALENDAR"));
    // A listing without bodies has the same rows and ETags, no body.
    let bare = store.dav_items(&k, false).await.unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!(
        (bare[0].etag.as_deref(), bare[0].body.as_deref()),
        (Some("\"2\""), None)
    );
    // Named reads: live ones only, tombstones and unknown names left out.
    let named = store
        .dav_items_named(&k, &["a.ics".into(), "b.ics".into(), "zz.ics".into()])
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(
        (named[0].name.as_str(), named[0].body.is_some()),
        ("a.ics", true)
    );
    let since = store.dav_items_since(&k, 1, true).await.unwrap();
    let names: Vec<_> = since
        .iter()
        .map(|i| (i.name.as_str(), i.graph_id.is_some()))
        .collect();
    assert_eq!(names, vec![("a.ics", true), ("b.ics", false)]);
    assert!(
        store
            .dav_items_since(&k, 2, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .dav_item_by_uid(&k, "uid-a.ics")
            .await
            .unwrap()
            .unwrap()
            .name,
        "a.ics"
    );
    assert!(
        store
            .dav_item_by_uid(&k, "uid-b.ics")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .dav_member_names(&k, &["occ-1".into()])
            .await
            .unwrap()
            .is_empty()
    );
    // A reset starts a new history: old tokens' revisions are gone.
    let reset = DavChanges {
        upserts: vec![row("c.ics", "C", "\"1\"")],
        reset: true,
        ..DavChanges::default()
    };
    let s3 = store.dav_write(&k, &reset, 7).await.unwrap();
    assert_ne!(s3.sync_id, s2.sync_id);
    assert_eq!(s3.oldest, s3.revision);
    let live: Vec<_> = store
        .dav_items(&k, false)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(live, vec!["c.ics"]);
    // Another collection is untouched by all of it.
    let other = DavKey {
        collection: "other".into(),
        ..key()
    };
    assert!(store.dav_items(&other, false).await.unwrap().is_empty());
}
