//! `$search` tests: the quoting rule, KQL structure, property restrictions and
//! the deliberately fuzzy word-prefix matching.

use super::Search;
use super::tests_filter::{full_message, sparse_message};

#[test]
fn search_matches_like_exchange_approximately() {
    let (full, sparse) = (full_message(), sparse_message());
    // (search, matches the full message, matches the sparse message)
    let cases: &[(&str, bool, bool)] = &[
        // free text: from, subject, body; prefixes of words; any case
        (r#""pizza""#, true, true),
        (r#""PIZZ""#, true, true),
        (r#""izza""#, false, false),
        (r#""quarterly""#, true, false),
        (r#""adele""#, true, false),
        (r#""contoso.com""#, true, false),
        (r#""megan""#, false, false),
        (r#""color""#, false, false),
        // accents and HTML entities fold away
        (r#""resume""#, true, false),
        (r#""Résumé""#, true, false),
        (r#""zoe""#, true, false),
        (r#""let's""#, true, false),
        // boolean structure
        (r#""pizza report""#, true, false),
        (r#""pizza AND report""#, true, false),
        (r#""pizza OR nothing""#, true, true),
        (r#""pizza NOT report""#, false, true),
        (r#""pizza -report""#, false, true),
        (r#""NOT pizza""#, false, false),
        (r#""(quarterly OR plain) AND pizza""#, true, true),
        (r#""pizza and report""#, false, false),
        (r#""pizza" AND "report""#, true, false),
        (r#""pizza" OR "report""#, true, true),
        (r#"NOT "report""#, false, true),
        // phrases: consecutive words
        (r#""'have pizza'""#, true, false),
        (r#""'pizza have'""#, false, false),
        (r#""\"talk about\"""#, true, false),
        (r#""'about pizz'""#, false, true),
        // property restrictions
        (r#""subject:quarterly""#, true, false),
        (r#""Subject:QUART""#, true, false),
        (r#""subject:pizza""#, false, false),
        (r#""subject:'report q1'""#, true, false),
        (r#""subject:(report OR plain)""#, true, false),
        (r#""body:pizza""#, true, true),
        (r#""body:quarterly""#, false, false),
        (r#""from:adele""#, true, false),
        (r#""from:adelev@contoso.com""#, true, false),
        (r#""from:vance""#, true, false),
        (r#""from:alex""#, false, false),
        (r#""to:megan""#, true, false),
        (r#""to:alex""#, true, true),
        (r#""to:alexw@contoso.com""#, true, true),
        (r#""cc:alex""#, false, false),
        (r#""bcc:alex""#, false, false),
        (r#""participants:adele""#, true, false),
        (r#""participants:alexw""#, true, true),
        (r#""from:alice subject:report""#, false, false),
        (r#""from:adele subject:report""#, true, false),
        (r#""attachment:budget""#, true, false),
        (r#""attachment:xlsx""#, true, false),
        (r#""attachment:notes.txt""#, true, false),
        (r#""hasattachments:true""#, true, false),
        (r#""hasAttachments:yes""#, true, false),
        (r#""hasattachments:no""#, false, true),
        (r#""hasattachments:maybe""#, false, false),
        (r#""received:2025-03-04""#, true, false),
        (r#""received:3/4/2025""#, true, false),
        (r#""received>=2025-01-01""#, true, false),
        (r#""received>2024-12-31""#, true, false),
        (r#""received<2025-01-01""#, false, true),
        (r#""received<=2024-12-31""#, false, true),
        (r#""received:2024-12-01..2025-01-01""#, false, true),
        (r#""received>=2024-01-01 received<2026-01-01""#, true, true),
        (r#""sent:2025-03-04""#, true, false),
        (r#""received:yesterday""#, false, false),
        // an unknown property is just text
        (r#""foo:pizza""#, false, false),
    ];
    for (query, f, s) in cases {
        let search = match Search::parse(query) {
            Ok(x) => x,
            Err(e) => panic!("{query}: {e:?}"),
        };
        assert_eq!(search.matches(&full), *f, "full message, search {query}");
        assert_eq!(
            search.matches(&sparse),
            *s,
            "sparse message, search {query}"
        );
    }
}

#[test]
fn search_must_be_quoted_and_well_formed() {
    let cases: &[(&str, &str)] = &[
        (
            "pizza",
            "Syntax error: character 'p' is not valid at position 0 in 'pizza'.",
        ),
        (
            "subject:pizza",
            "Syntax error: character 's' is not valid at position 0 in 'subject:pizza'.",
        ),
        (
            r#""pizza"#,
            "Syntax error: character '\"' is not valid at position 0 in '\"pizza'.",
        ),
        (
            r#""pizza" extra"#,
            "Syntax error: character 'e' is not valid at position 8",
        ),
        (
            r#""pizza\""#,
            "Syntax error: character '\"' is not valid at position 0",
        ),
        (
            r#""""#,
            "Syntax error: unexpected end of query at position 2",
        ),
        (r#""(pizza""#, "Syntax error: unexpected end of query"),
        (
            r#""pizza)""#,
            "Syntax error: character ')' is not valid at position 6",
        ),
        (r#""pizza AND""#, "Syntax error: unexpected end of query"),
        (
            r#""OR pizza""#,
            "Syntax error: character 'O' is not valid at position 1",
        ),
        (
            r#""subject:'open""#,
            "Syntax error: character 's' is not valid at position 1",
        ),
        ("", "Syntax error: unexpected end of query at position 0"),
        (r#""a" AND"#, "Syntax error: unexpected end of query"),
    ];
    for (query, message) in cases {
        match Search::parse(query) {
            Ok(s) => panic!("{query}: accepted as {s:?}"),
            Err(e) => {
                assert_eq!(e.code, "BadRequest", "{query}");
                assert!(e.message.starts_with(message), "{query}: {}", e.message);
            }
        }
    }
}
