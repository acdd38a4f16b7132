//! Contact and To Do paths in the forms Graph accepts, with the endpoint
//! templates the stats report, and the forms it refuses.

use axum::http::Method;

use super::contact_route::ContactOp;
use super::route::{Op, parse};
use super::todo_route::TodoOp;

fn m(s: &str) -> Method {
    Method::from_bytes(s.as_bytes()).expect("method")
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn contact_paths_parse_with_their_templates() {
    let cases: Vec<(&str, &str, Op, &str)> = vec![
        (
            "GET",
            "/me/contacts",
            Op::Contact(ContactOp::List { folder: None }),
            "GET /users/{user-id}/contacts",
        ),
        (
            "GET",
            "/me/contactFolders",
            Op::Contact(ContactOp::ListFolders { parent: None }),
            "GET /users/{user-id}/contactFolders",
        ),
        (
            "POST",
            "/users/alice@contoso.test/contactFolders('f1')/childFolders",
            Op::Contact(ContactOp::CreateFolder { parent: some("f1") }),
            "POST /users/{user-id}/contactFolders/{contactFolder-id}/childFolders",
        ),
        (
            "PATCH",
            "/me/contactfolders/f1/childFolders/f2",
            Op::Contact(ContactOp::PatchFolder("f2".into())),
            "PATCH /users/{user-id}/contactFolders/{contactFolder-id}/childFolders/{contactFolder-id1}",
        ),
        (
            "GET",
            "/me/contactFolders/delta()",
            Op::Contact(ContactOp::FolderDelta),
            "GET /users/{user-id}/contactFolders/delta()",
        ),
        (
            "GET",
            "/me/contacts/delta",
            Op::Contact(ContactOp::Delta { folder: None }),
            "GET /users/{user-id}/contacts/delta()",
        ),
        (
            "GET",
            "/me/contactFolders/f1/contacts/delta",
            Op::Contact(ContactOp::Delta { folder: some("f1") }),
            "GET /users/{user-id}/contactFolders/{contactFolder-id}/contacts/delta()",
        ),
        (
            "DELETE",
            "/me/contactFolders/f1/contacts/c1",
            Op::Contact(ContactOp::Delete {
                folder: some("f1"),
                id: "c1".into(),
            }),
            "DELETE /users/{user-id}/contactFolders/{contactFolder-id}/contacts/{contact-id}",
        ),
        (
            "GET",
            "/me/contacts('c1')/photo",
            Op::Contact(ContactOp::GetPhoto {
                folder: None,
                id: "c1".into(),
            }),
            "GET /users/{user-id}/contacts/{contact-id}/photo",
        ),
        (
            "PATCH",
            "/me/contacts/c1/photo/$value",
            Op::Contact(ContactOp::PutPhotoValue {
                folder: None,
                id: "c1".into(),
            }),
            "PATCH /users/{user-id}/contacts/{contact-id}/photo/$value",
        ),
    ];
    for (method, path, op, tpl) in cases {
        let r = parse(&m(method), path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(r.op, op, "{path}");
        assert_eq!(r.template, tpl, "{path}");
    }
}

#[test]
fn todo_paths_parse_with_their_templates() {
    let cases: Vec<(&str, &str, Op, &str)> = vec![
        (
            "GET",
            "/me/todo/lists",
            Op::Todo(TodoOp::ListLists),
            "GET /users/{user-id}/todo/lists",
        ),
        (
            "GET",
            "/me/todo/lists/delta",
            Op::Todo(TodoOp::ListDelta),
            "GET /users/{user-id}/todo/lists/delta()",
        ),
        (
            "DELETE",
            "/users/bob@contoso.test/todo/lists('l1')",
            Op::Todo(TodoOp::DeleteList("l1".into())),
            "DELETE /users/{user-id}/todo/lists/{todoTaskList-id}",
        ),
        (
            "POST",
            "/me/todo/lists/l1/tasks",
            Op::Todo(TodoOp::CreateTask("l1".into())),
            "POST /users/{user-id}/todo/lists/{todoTaskList-id}/tasks",
        ),
        (
            "GET",
            "/me/todo/lists/l1/tasks/delta()",
            Op::Todo(TodoOp::TaskDelta("l1".into())),
            "GET /users/{user-id}/todo/lists/{todoTaskList-id}/tasks/delta()",
        ),
        (
            "PATCH",
            "/me/todo/lists/l1/tasks/t1",
            Op::Todo(TodoOp::PatchTask("l1".into(), "t1".into())),
            "PATCH /users/{user-id}/todo/lists/{todoTaskList-id}/tasks/{todoTask-id}",
        ),
        (
            "DELETE",
            "/me/todo/lists/l1/tasks/t1/checklistItems/c1",
            Op::Todo(TodoOp::DeleteChecklist(
                "l1".into(),
                "t1".into(),
                "c1".into(),
            )),
            "DELETE /users/{user-id}/todo/lists/{todoTaskList-id}/tasks/{todoTask-id}/checklistItems/{checklistItem-id}",
        ),
    ];
    for (method, path, op, tpl) in cases {
        let r = parse(&m(method), path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(r.op, op, "{path}");
        assert_eq!(r.template, tpl, "{path}");
    }
}

#[test]
fn unknown_segments_and_methods_are_refused() {
    for (method, path) in [
        ("PUT", "/me/contacts"),
        ("POST", "/me/contacts/c1"),
        ("GET", "/me/contacts/c1/bogus"),
        ("GET", "/me/contacts/c1/photo/bogus"),
        ("POST", "/me/contacts/c1/photo/$value"),
        ("POST", "/me/contactFolders/delta"),
        ("GET", "/me/contactFolders/f1/bogus"),
        ("GET", "/me/todo"),
        ("GET", "/me/todo/bogus"),
        ("PUT", "/me/todo/lists/l1"),
        ("POST", "/me/todo/lists/delta"),
        ("GET", "/me/todo/lists/l1/bogus"),
        ("GET", "/me/todo/lists/l1/tasks/t1/attachments"),
        ("GET", "/me/todo/lists/l1/tasks/t1/checklistItems/c1/x"),
    ] {
        assert!(parse(&m(method), path).is_err(), "{method} {path}");
    }
}
