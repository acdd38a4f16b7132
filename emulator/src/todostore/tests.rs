//! A To Do store: the two built-in lists, user lists that can be renamed
//! and deleted with their tasks, and the tombstones task delta relies on.

use chrono::Utc;

use super::store::TodoStore;
use super::task::{TaskFields, WellKnownList};

fn store() -> TodoStore {
    let mut s = TodoStore::default();
    s.ensure_built_in();
    s
}

#[test]
fn every_store_has_the_two_built_in_lists_first_and_once() {
    let mut s = store();
    let id = s.create_list("Projects");
    s.ensure_built_in();
    let names: Vec<(&str, &str)> = s
        .lists
        .iter()
        .map(|l| (l.display_name.as_str(), l.well_known.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Tasks", "defaultList"),
            ("Flagged email", "flaggedEmails"),
            ("Projects", "none")
        ]
    );
    assert_eq!(s.list(&id).unwrap().well_known, WellKnownList::None);
}

#[test]
fn built_in_lists_survive_a_delete_and_user_lists_take_their_tasks() {
    let mut s = store();
    let tasks = s.well_known(WellKnownList::DefaultList).unwrap().id.clone();
    s.delete_list(&tasks, 10);
    assert!(s.list(&tasks).is_some());
    let mine = s.create_list("Mine");
    let now = Utc::now();
    let t = s.insert_task(&mine, TaskFields::new(), Vec::new(), now);
    let kept = s.insert_task(&tasks, TaskFields::new(), Vec::new(), now);
    s.delete_list(&mine, 10);
    assert!(s.list(&mine).is_none());
    assert!(!s.tasks.contains_key(&t) && s.tasks.contains_key(&kept));
    assert_eq!(
        s.list_tombstones.back().map(|(_, id)| id.as_str()),
        Some(mine.as_str())
    );
}

#[test]
fn task_changes_take_new_change_keys_and_deletions_leave_tombstones() {
    let mut s = store();
    let tasks = s.well_known(WellKnownList::DefaultList).unwrap().id.clone();
    let now = Utc::now();
    let id = s.insert_task(&tasks, TaskFields::new(), Vec::new(), now);
    let before = s.tasks[&id].clone();
    s.touch_task(&id, now + chrono::Duration::seconds(5), false);
    let after = &s.tasks[&id];
    assert_ne!(after.change_key, before.change_key);
    assert!(after.changed_seq > before.changed_seq);
    assert_eq!(after.body_modified, before.body_modified, "body untouched");
    s.remove_task(&id, 1);
    let other = s.insert_task(&tasks, TaskFields::new(), Vec::new(), now);
    s.remove_task(&other, 1);
    let l = s.list(&tasks).unwrap();
    assert_eq!(l.tombstones.len(), 1);
    assert_eq!(l.tombstones[0].id, other);
    assert!(l.delta_floor > 0);
}
