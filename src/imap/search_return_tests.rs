use imap_types::search::SearchKey;
use imap_types::sequence::SequenceSet;

use super::*;

fn parsed(line: &str) -> Option<Result<(Command<'static>, Extras), ExtendedError>> {
    parse(line.as_bytes())
}

fn ok(line: &str) -> (CommandBody<'static>, Extras) {
    let (command, extras) = parsed(line).unwrap().unwrap();
    (command.body, extras)
}

fn marker() -> SequenceSet {
    SequenceSet::try_from(MARKER).unwrap()
}

#[test]
fn return_options_are_read_in_any_case_and_order() {
    let table: [(&str, ReturnOptions); 5] = [
        (
            "",
            ReturnOptions {
                all: true,
                ..Default::default()
            },
        ),
        (
            "MIN",
            ReturnOptions {
                min: true,
                ..Default::default()
            },
        ),
        (
            "count max",
            ReturnOptions {
                max: true,
                count: true,
                ..Default::default()
            },
        ),
        (
            "SAVE",
            ReturnOptions {
                save: true,
                ..Default::default()
            },
        ),
        (
            "All Save Min",
            ReturnOptions {
                min: true,
                all: true,
                save: true,
                ..Default::default()
            },
        ),
    ];
    for (text, want) in table {
        assert_eq!(return_options(text.as_bytes()), Ok(want), "{text}");
    }
    assert!(!return_options(b"SAVE").unwrap().answers());
    assert!(return_options(b"MIN MAX").unwrap().only_ends());
    assert!(!return_options(b"MIN COUNT").unwrap().only_ends());
}

#[test]
fn unknown_or_malformed_options_are_refused_with_a_sentence() {
    assert_eq!(
        return_options(b"MIN PARTIAL"),
        Err(ExtendedError::UnknownOption("PARTIAL".into()))
    );
    assert_eq!(
        return_options(b"MINI"),
        Err(ExtendedError::UnknownOption("MINI".into()))
    );
    assert_eq!(return_options(b"MIN  MAX"), Err(ExtendedError::BadList));
    let why = parsed("a SEARCH RETURN (FOO) ALL\r\n")
        .unwrap()
        .unwrap_err();
    assert_eq!(
        why.to_string(),
        "unknown SEARCH RETURN option FOO (graphgate knows MIN MAX ALL COUNT SAVE)"
    );
    assert_eq!(
        parsed("a SEARCH RETURN MIN ALL\r\n").unwrap().unwrap_err(),
        ExtendedError::BadList
    );
    assert_eq!(
        parsed("a SEARCH RETURN (MIN ALL\r\n").unwrap().unwrap_err(),
        ExtendedError::BadList
    );
}

#[test]
fn return_is_cut_out_of_search_and_sort() {
    let (body, extras) = ok("a SEARCH RETURN (MIN COUNT) FLAGGED\r\n");
    assert!(matches!(
        body,
        CommandBody::Search { uid: false, ref criteria, .. }
            if criteria.as_ref() == [SearchKey::Flagged]
    ));
    assert_eq!(
        extras.returning,
        Some(ReturnOptions {
            min: true,
            count: true,
            ..Default::default()
        })
    );
    assert!(!extras.dollar);

    let (body, extras) = ok("a uid search return () charset utf-8 subject {3}\r\nabc\r\n");
    assert!(matches!(
        body,
        CommandBody::Search {
            uid: true,
            charset: Some(_),
            ..
        }
    ));
    assert!(extras.returning.unwrap().all);

    let (body, extras) = ok("a UID SORT RETURN (ALL) (ARRIVAL) US-ASCII ALL\r\n");
    assert!(matches!(body, CommandBody::Sort { uid: true, .. }));
    assert!(extras.returning.is_some());
}

#[test]
fn dollar_becomes_the_marker_where_a_set_may_stand() {
    let (body, extras) = ok("a FETCH $ (FLAGS)\r\n");
    assert!(extras.dollar);
    assert!(
        matches!(body, CommandBody::Fetch { ref sequence_set, uid: false, .. }
        if *sequence_set == marker())
    );

    for line in [
        "a UID FETCH $ FLAGS\r\n",
        "a STORE $ +FLAGS (\\Seen)\r\n",
        "a UID COPY $ Trash\r\n",
        "a MOVE $ Trash\r\n",
        "a UID EXPUNGE $\r\n",
        "a THREAD REFERENCES UTF-8 $\r\n",
    ] {
        assert!(ok(line).1.dollar, "{line}");
    }

    let (body, extras) = ok("a UID SEARCH OR $ 1:2 NOT UID $\r\n");
    assert!(extras.dollar);
    let CommandBody::Search { criteria, .. } = body else {
        panic!()
    };
    let want = [
        SearchKey::Or(
            Box::new(SearchKey::SequenceSet(marker())),
            Box::new(SearchKey::SequenceSet(
                SequenceSet::try_from("1:2").unwrap(),
            )),
        ),
        SearchKey::Not(Box::new(SearchKey::Uid(marker()))),
    ];
    assert_eq!(criteria.as_ref(), want);
}

#[test]
fn a_dollar_in_a_string_stays_a_string() {
    // Strings, literals, keywords and header values are not sets.
    let (body, _) = ok("a SEARCH RETURN () SUBJECT $ KEYWORD $ HEADER X-A $ SUBJECT \"$\"\r\n");
    let CommandBody::Search { criteria, .. } = body else {
        panic!()
    };
    let text = format!("{criteria:?}");
    assert!(!text.contains("4294967295"), "{text}");
    let (_, extras) = ok("a SEARCH RETURN () BODY {1}\r\n$ $\r\n");
    assert!(extras.dollar);
    // `$` outside the first argument of FETCH is not a set.
    assert!(parsed("a FETCH 1 $\r\n").is_none());
    assert!(parsed("a EXPUNGE $\r\n").is_none());
}

#[test]
fn commands_without_the_extensions_are_left_alone() {
    assert!(parsed("a SEARCH ALL\r\n").is_none());
    assert!(parsed("a LIST \"\" $\r\n").is_none());
    assert!(parsed("a SEARCH RETURN (MIN) NOSUCHKEY\r\n").is_none());
    assert!(parsed("a FETCH $,1 FLAGS\r\n").is_none());
}

#[test]
fn the_marker_written_next_to_a_dollar_is_refused() {
    let line = format!("a UID SEARCH $ UID {MARKER}\r\n");
    assert_eq!(
        parsed(&line).unwrap().unwrap_err(),
        ExtendedError::MarkerAndDollar
    );
    let many = format!("a SEARCH{}\r\n", " $".repeat(MAX_DOLLARS + 1));
    assert_eq!(
        parsed(&many).unwrap().unwrap_err(),
        ExtendedError::TooManyDollars
    );
}

/// The scan is one pass, whatever the line holds.
#[test]
fn a_long_line_is_scanned_in_linear_time() {
    use crate::mailbox::growth::{NOT_QUADRATIC, growth};
    let g = growth(2_000, |n| {
        let line = format!("a SEARCH RETURN (ALL){}\r\n", " OR 1 2".repeat(n));
        let _ = parsed(&line);
        let line = format!("a SEARCH{}\r\n", " \"$\"".repeat(n));
        assert!(parsed(&line).is_none());
    });
    assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
}
