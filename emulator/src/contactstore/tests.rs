//! A contact store: the default folder, folder names and cascading
//! deletes, default ids that change on a move while immutable ids stay,
//! and the tombstones and floors contact delta relies on.

use chrono::{Duration, Utc};

use super::fields::ContactFields;
use super::store::{ContactStore, FolderExists};

fn store() -> ContactStore {
    let mut s = ContactStore::default();
    s.ensure_default("ROOT");
    s
}

fn named(given: &str) -> ContactFields {
    ContactFields {
        given_name: given.into(),
        ..ContactFields::default()
    }
}

#[test]
fn a_store_has_one_default_folder_below_the_root() {
    let mut s = store();
    s.ensure_default("ROOT");
    let defaults: Vec<_> = s.folders.iter().filter(|f| f.is_default).collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0].display_name, "Contacts");
    assert_eq!(defaults[0].parent_id, "ROOT");
}

#[test]
fn sibling_folders_need_distinct_names_and_keep_their_ids_when_renamed() {
    let mut s = store();
    let top = s.default_folder().unwrap().id.clone();
    let a = s.create_folder(&top, "Partners").unwrap();
    assert_eq!(s.create_folder(&top, "partners"), Err(FolderExists));
    let b = s.create_folder(&a, "Partners").expect("another parent");
    let c = s.create_folder(&top, "Suppliers").unwrap();
    assert_eq!(s.rename_folder(&c, "PARTNERS"), Err(FolderExists));
    let before = s.folder(&c).unwrap().changed_seq;
    s.rename_folder(&c, "Vendors").unwrap();
    assert_eq!(s.folder(&c).unwrap().display_name, "Vendors");
    assert!(s.folder(&c).unwrap().changed_seq > before);
    assert_ne!(a, b);
}

#[test]
fn deleting_a_folder_takes_its_subfolders_and_contacts_along() {
    let mut s = store();
    let top = s.default_folder().unwrap().id.clone();
    let a = s.create_folder(&top, "A").unwrap();
    let b = s.create_folder(&a, "B").unwrap();
    let now = Utc::now();
    let in_a = s.insert(&a, named("Ann"), now);
    let in_b = s.insert(&b, named("Ben"), now);
    let kept = s.insert(&top, named("Kim"), now);
    s.delete_folder(&a, 100);
    assert!(s.folder(&a).is_none() && s.folder(&b).is_none());
    assert!(s.contact(&in_a).is_none() && s.contact(&in_b).is_none());
    assert!(s.contact(&kept).is_some());
    let gone: Vec<&str> = s
        .folder_tombstones
        .iter()
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(gone, [a.as_str(), b.as_str()]);
    // The default folder cannot go.
    s.delete_folder(&top, 100);
    assert!(s.default_folder().is_some());
}

#[test]
fn a_move_changes_the_default_id_and_leaves_a_tombstone_behind() {
    let mut s = store();
    let top = s.default_folder().unwrap().id.clone();
    let other = s.create_folder(&top, "Other").unwrap();
    let now = Utc::now();
    let key = s.insert(&top, named("Ann"), now);
    let old = s.contact(&key).unwrap().clone();
    assert_eq!(s.contact(&old.rest_id).unwrap().immutable_id, key);
    s.move_contact(&key, &other, now + Duration::seconds(1), 100);
    let new = s.contact(&key).unwrap();
    assert_eq!(new.folder_id, other);
    assert_ne!(new.rest_id, old.rest_id);
    assert_ne!(new.change_key, old.change_key);
    assert!(
        s.contact(&old.rest_id).is_none(),
        "the old default id is stale"
    );
    let t = &s.folder(&top).unwrap().tombstones;
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].id.as_str(), t[0].rest.as_str()),
        (key.as_str(), old.rest_id.as_str())
    );
}

#[test]
fn every_write_takes_a_new_sequence_and_change_key() {
    let mut s = store();
    let top = s.default_folder().unwrap().id.clone();
    let now = Utc::now();
    let key = s.insert(&top, named("Ann"), now);
    let first = s.contact(&key).unwrap().clone();
    s.touch(&key, now);
    let second = s.contact(&key).unwrap();
    assert!(second.changed_seq > first.changed_seq);
    assert_ne!(second.change_key, first.change_key);
    assert_eq!(s.contacts_in(&top).len(), 1);
}

#[test]
fn only_the_newest_removals_are_remembered_and_the_floor_moves_up() {
    let mut s = store();
    let top = s.default_folder().unwrap().id.clone();
    let now = Utc::now();
    let keys: Vec<String> = (0..5)
        .map(|i| s.insert(&top, named(&format!("C{i}")), now))
        .collect();
    for k in &keys {
        s.remove(k, 3);
    }
    let f = s.folder(&top).unwrap();
    assert_eq!(f.tombstones.len(), 3);
    assert!(f.delta_floor > 0);
    assert!(f.tombstones.iter().all(|t| t.seq > f.delta_floor));
    assert!(s.remove(&keys[0], 3).is_none(), "already gone");
}
