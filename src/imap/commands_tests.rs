//! Unit tests of `commands.rs`.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;

use super::*;

/// The state class of a routed command, for comparing.
fn class(command: &ByState) -> &'static str {
    match command {
        ByState::Any(_) => "any",
        ByState::NotAuthenticated(_) => "not authenticated",
        ByState::Authenticated(_) => "authenticated",
        ByState::Selected(_) => "selected",
    }
}

fn routed(line: &str) -> Route {
    let (rest, command) = CommandCodec::default()
        .decode(line.as_bytes())
        .unwrap_or_else(|e| panic!("{line}: {e:?}"));
    assert!(rest.is_empty(), "{line}");
    route(Body::Codec(command.into_static().body))
}

#[test]
fn every_command_has_its_state_updates_and_folder_use() {
    let held = Updates::After(Expunges::Held);
    let cases = [
        ("a CAPABILITY\r\n", "any", AFTER, Folder::Ignores),
        ("a NOOP\r\n", "any", OWN, Folder::Stays),
        ("a CHECK\r\n", "any", OWN, Folder::Stays),
        ("a LOGOUT\r\n", "any", OWN, Folder::Leaves),
        ("a ID NIL\r\n", "any", AFTER, Folder::Stays),
        ("a STARTTLS\r\n", "not authenticated", OWN, Folder::Stays),
        ("a LOGIN u p\r\n", "not authenticated", AFTER, Folder::Stays),
        (
            "a AUTHENTICATE PLAIN\r\n",
            "not authenticated",
            AFTER,
            Folder::Stays,
        ),
        (
            "a ENABLE UTF8=ACCEPT\r\n",
            "authenticated",
            AFTER,
            Folder::Stays,
        ),
        ("a NAMESPACE\r\n", "authenticated", AFTER, Folder::Stays),
        ("a SELECT INBOX\r\n", "authenticated", OWN, Folder::Leaves),
        ("a EXAMINE INBOX\r\n", "authenticated", OWN, Folder::Leaves),
        ("a CREATE x\r\n", "authenticated", AFTER, Folder::Stays),
        ("a DELETE x\r\n", "authenticated", AFTER, Folder::Stays),
        ("a RENAME x y\r\n", "authenticated", AFTER, Folder::Stays),
        ("a SUBSCRIBE x\r\n", "authenticated", AFTER, Folder::Stays),
        ("a UNSUBSCRIBE x\r\n", "authenticated", AFTER, Folder::Stays),
        ("a LIST \"\" *\r\n", "authenticated", AFTER, Folder::Stays),
        ("a LSUB \"\" *\r\n", "authenticated", AFTER, Folder::Stays),
        (
            "a STATUS x (MESSAGES)\r\n",
            "authenticated",
            AFTER,
            Folder::Stays,
        ),
        (
            "a APPEND x {1+}\r\nx\r\n",
            "authenticated",
            AFTER,
            Folder::Stays,
        ),
        ("a IDLE\r\n", "authenticated", OWN, Folder::Stays),
        (
            "a COMPRESS DEFLATE\r\n",
            "authenticated",
            OWN,
            Folder::Stays,
        ),
        ("a CLOSE\r\n", "selected", OWN, Folder::Leaves),
        ("a UNSELECT\r\n", "selected", OWN, Folder::Leaves),
        ("a EXPUNGE\r\n", "selected", AFTER, Folder::Stays),
        ("a UID EXPUNGE 1\r\n", "selected", AFTER, Folder::Stays),
        ("a SEARCH ALL\r\n", "selected", held, Folder::Stays),
        ("a UID SEARCH ALL\r\n", "selected", AFTER, Folder::Stays),
        ("a SORT (TO) UTF-8 1\r\n", "selected", held, Folder::Stays),
        (
            "a UID SORT (CC) UTF-8 1\r\n",
            "selected",
            AFTER,
            Folder::Stays,
        ),
        ("a THREAD X UTF-8 1\r\n", "selected", held, Folder::Stays),
        (
            "a UID THREAD X UTF-8 1\r\n",
            "selected",
            AFTER,
            Folder::Stays,
        ),
        ("a FETCH 1 FLAGS\r\n", "selected", held, Folder::Stays),
        ("a UID FETCH 1 FLAGS\r\n", "selected", AFTER, Folder::Stays),
        (
            "a STORE 1 +FLAGS (\\Seen)\r\n",
            "selected",
            held,
            Folder::Stays,
        ),
        (
            "a UID STORE 1 +FLAGS (\\Seen)\r\n",
            "selected",
            AFTER,
            Folder::Stays,
        ),
        ("a COPY 1 x\r\n", "selected", AFTER, Folder::Stays),
        ("a UID COPY 1 x\r\n", "selected", AFTER, Folder::Stays),
        ("a MOVE 1 x\r\n", "selected", AFTER, Folder::Stays),
        ("a UID MOVE 1 x\r\n", "selected", AFTER, Folder::Stays),
        ("a GETQUOTAROOT INBOX\r\n", "any", AFTER, Folder::Stays),
    ];
    for (line, want_class, want_updates, want_folder) in cases {
        let route = routed(line);
        assert_eq!(class(&route.command), want_class, "{line}");
        assert_eq!(route.updates, want_updates, "{line}");
        assert_eq!(route.folder, want_folder, "{line}");
    }
}

#[test]
fn unsupported_commands_are_named_and_uid_forms_spelled_out() {
    match routed("a GETQUOTAROOT INBOX\r\n").command {
        ByState::Any(AnyStateCommand::Unsupported { name }) => {
            assert_eq!(name, "GETQUOTAROOT");
        }
        other => panic!("{other:?}"),
    }
    let body = |line: &str| {
        CommandCodec::default()
            .decode(line.as_bytes())
            .unwrap()
            .1
            .body
            .into_static()
    };
    assert_eq!(command_name(&body("a UID FETCH 1 FLAGS\r\n")), "UID FETCH");
    assert_eq!(command_name(&body("a FETCH 1 FLAGS\r\n")), "FETCH");
    assert_eq!(command_name(&body("a UID MOVE 1 x\r\n")), "UID MOVE");
    assert_eq!(
        command_name(&body("a UID SORT (CC) UTF-8 1\r\n")),
        "UID SORT"
    );
    assert_eq!(
        command_name(&body("a UID THREAD X UTF-8 1\r\n")),
        "UID THREAD"
    );
    assert_eq!(command_name(&body("a THREAD X UTF-8 ALL\r\n")), "THREAD");
}

#[test]
fn select_and_delete_of_the_selected_folder_leave_it_first() {
    let leaves = |line: &str, selected: &str| match routed(line).command {
        ByState::Authenticated(command) => command.leaves_folder_first(|name| name == selected),
        other => panic!("{other:?}"),
    };
    assert!(leaves("a SELECT Archive\r\n", "INBOX"));
    assert!(leaves("a EXAMINE INBOX\r\n", "INBOX"));
    // A name that is not modified UTF-7 fails like any other (NO),
    // so the folder is left all the same (RFC 3501 §6.3.1).
    assert!(leaves("a SELECT &AGE-\r\n", "INBOX"));
    assert!(leaves("a DELETE Archive\r\n", "Archive"));
    assert!(!leaves("a DELETE Archive\r\n", "INBOX"));
    assert!(!leaves("a CREATE INBOX\r\n", "INBOX"));
}
