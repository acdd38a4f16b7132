//! Tests of `$select`, `$orderby`, the InefficientFilter and delta rules,
//! `$expand`, extended property id normalisation, and garbage resistance.

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::propid::{is_multi_value_type, property_type};
use super::*;

fn err<T: std::fmt::Debug>(r: Result<T, QueryError>) -> (&'static str, String) {
    match r {
        Ok(v) => panic!("accepted: {v:?}"),
        Err(e) => (e.code, e.message),
    }
}

#[test]
fn select_returns_canonical_names_and_refuses_unknown_ones() {
    let ok: &[(&str, EntityType, &[&str])] = &[
        (
            "id,subject,isRead",
            EntityType::Message,
            &["id", "subject", "isRead"],
        ),
        (
            " Subject , ,RECEIVEDDATETIME,subject,",
            EntityType::Message,
            &["subject", "receivedDateTime"],
        ),
        (
            "internetMessageHeaders,singleValueExtendedProperties",
            EntityType::Message,
            &["internetMessageHeaders", "singleValueExtendedProperties"],
        ),
        (
            "createdDateTime,changeKey,categories,webLink,uniqueBody",
            EntityType::Message,
            &[
                "createdDateTime",
                "changeKey",
                "categories",
                "webLink",
                "uniqueBody",
            ],
        ),
        (
            "displayname,totalitemcount,ishidden",
            EntityType::MailFolder,
            &["displayName", "totalItemCount", "isHidden"],
        ),
        ("", EntityType::Message, &[]),
    ];
    for (text, ty, want) in ok {
        assert_eq!(
            parse_select(text, *ty),
            Ok(want.iter().map(|s| s.to_string()).collect()),
            "{text}"
        );
    }
    let bad: &[(&str, EntityType, &str)] = &[
        (
            "id,size",
            EntityType::Message,
            "Could not find a property named 'size' on type 'microsoft.graph.message'.",
        ),
        (
            "subject",
            EntityType::MailFolder,
            "Could not find a property named 'subject' on type 'microsoft.graph.mailFolder'.",
        ),
        (
            "from/emailAddress",
            EntityType::Message,
            "Could not find a property named 'from/emailAddress' on type 'microsoft.graph.message'.",
        ),
    ];
    for (text, ty, message) in bad {
        assert_eq!(
            err(parse_select(text, *ty)),
            ("RequestBroker--ParseUri", message.to_string()),
            "{text}"
        );
    }
}

#[test]
fn orderby_parses_directions_and_canonical_paths() {
    let cases: &[(&str, &[(&str, bool)])] = &[
        ("receivedDateTime desc", &[("receivedDateTime", true)]),
        (
            "ReceivedDateTime DESC, subject",
            &[("receivedDateTime", true), ("subject", false)],
        ),
        (
            "from/emailAddress/name asc",
            &[("from/emailAddress/name", false)],
        ),
        (
            "importance,flag/flagStatus desc",
            &[("importance", false), ("flag/flagStatus", true)],
        ),
        ("", &[]),
    ];
    for (text, want) in cases {
        let got = OrderBy::parse(text, EntityType::Message).map(|o| o.keys);
        let want: Vec<(String, bool)> = want.iter().map(|(k, d)| (k.to_string(), *d)).collect();
        assert_eq!(got, Ok(want), "{text}");
    }
    let bad: &[(&str, &str, &str)] = &[
        (
            "size desc",
            "RequestBroker--ParseUri",
            "Could not find a property named 'size' on type 'microsoft.graph.message'.",
        ),
        (
            "from/emailAddress/zip",
            "RequestBroker--ParseUri",
            "Could not find a property named 'zip' on type 'microsoft.graph.emailAddress'.",
        ),
        ("subject downwards", "BadRequest", "Syntax error"),
        ("subject desc extra", "BadRequest", "Syntax error"),
        (
            "toRecipients",
            "BadRequest",
            "The $orderby expression must evaluate to a single value of primitive type",
        ),
        (
            "from",
            "BadRequest",
            "The $orderby expression must evaluate to a single value of primitive type",
        ),
        (
            "subject/length",
            "RequestBroker--ParseUri",
            "Could not find a property named 'length' on type 'Edm.String'.",
        ),
    ];
    for (text, code, message) in bad {
        let (c, m) = err(OrderBy::parse(text, EntityType::Message));
        assert_eq!(c, *code, "{text}");
        assert!(m.starts_with(message), "{text}: {m}");
    }
}

#[test]
fn orderby_compares_like_exchange_sorts() {
    let items = [
        json!({"id": "a", "subject": "banana", "receivedDateTime": "2025-01-02T00:00:00Z", "importance": "high"}),
        json!({"id": "b", "subject": "Apple", "receivedDateTime": "2025-01-02T01:00:00+02:00", "importance": "low"}),
        json!({"id": "c", "receivedDateTime": "2025-01-01T00:00:00Z", "importance": "normal"}),
        json!({"id": "d", "subject": "apple", "receivedDateTime": "2025-01-03T00:00:00Z", "importance": "normal"}),
    ];
    let sorted = |orderby: &str| -> Vec<String> {
        let o = OrderBy::parse(orderby, EntityType::Message).unwrap_or_default();
        let mut v: Vec<&Value> = items.iter().collect();
        v.sort_by(|a, b| o.compare(*a, *b));
        v.iter()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(sorted("receivedDateTime"), ["c", "b", "a", "d"]);
    assert_eq!(sorted("receivedDateTime desc"), ["d", "a", "b", "c"]);
    assert_eq!(sorted("subject"), ["c", "b", "d", "a"]); // null first, case-insensitive, stable
    assert_eq!(sorted("subject desc"), ["a", "b", "d", "c"]);
    assert_eq!(sorted("importance desc, subject"), ["a", "c", "d", "b"]); // declaration order
    assert_eq!(
        OrderBy::default().compare(&items[0], &items[1]),
        Ordering::Equal
    );
}

#[test]
fn filter_and_orderby_together_follow_the_inefficient_filter_rule() {
    let cases: &[(&str, &str, bool)] = &[
        // the documented working example
        (
            "receivedDateTime ge 2024-01-01T00:00:00Z",
            "receivedDateTime desc",
            true,
        ),
        (
            "receivedDateTime ge 2024-01-01T00:00:00Z and isRead eq false",
            "receivedDateTime desc",
            true,
        ),
        (
            "receivedDateTime ge 2024-01-01 and receivedDateTime lt 2025-01-01 and isRead eq false",
            "receivedDateTime",
            true,
        ),
        (
            "receivedDateTime ge 2024-01-01 and subject eq 'x'",
            "receivedDateTime desc, subject",
            true,
        ),
        (
            "from/emailAddress/address eq 'a' and isRead eq false",
            "from/emailAddress/name",
            true,
        ),
        ("isRead eq false", "", true),
        // refused
        ("isRead eq false", "receivedDateTime desc", false),
        (
            "isRead eq false and receivedDateTime ge 2024-01-01",
            "receivedDateTime desc",
            false,
        ),
        (
            "subject eq 'x' and receivedDateTime ge 2024-01-01",
            "receivedDateTime desc, subject",
            false,
        ),
        (
            "receivedDateTime ge 2024-01-01",
            "receivedDateTime desc, subject",
            false,
        ),
    ];
    for (filter, orderby, ok) in cases {
        let f = Filter::parse(filter, EntityType::Message).map_err(|e| format!("{filter}: {e:?}"));
        let o =
            OrderBy::parse(orderby, EntityType::Message).map_err(|e| format!("{orderby}: {e:?}"));
        let (Ok(f), Ok(o)) = (f, o) else {
            panic!("{filter} / {orderby}")
        };
        let got = check_filter_orderby(&f, &o);
        if *ok {
            assert_eq!(got, Ok(()), "{filter} / {orderby}");
        } else {
            assert_eq!(
                got,
                Err(QueryError {
                    code: "InefficientFilter",
                    message: "The restriction or sort order is too complex for this operation."
                        .into()
                }),
                "{filter} / {orderby}"
            );
        }
    }
}

#[test]
fn message_delta_accepts_only_received_date_time() {
    let filters: &[(&str, bool)] = &[
        ("receivedDateTime ge 2024-01-01T00:00:00Z", true),
        ("receivedDateTime gt 2022-09-23", true),
        ("ReceivedDateTime GE 2024-01-01T00:00:00.123+02:00", true),
        ("receivedDateTime lt 2024-01-01T00:00:00Z", false),
        ("receivedDateTime eq 2024-01-01T00:00:00Z", false),
        ("isRead eq false", false),
        (
            "receivedDateTime ge 2024-01-01T00:00:00Z and isRead eq false",
            false,
        ),
        ("sentDateTime ge 2024-01-01T00:00:00Z", false),
    ];
    for (text, ok) in filters {
        let f = Filter::parse(text, EntityType::Message).map_err(|e| format!("{text}: {e:?}"));
        let Ok(f) = f else { panic!("{f:?}") };
        match check_delta_filter(&f) {
            Ok(()) => assert!(ok, "{text} accepted"),
            Err(e) => {
                assert!(!ok, "{text} refused");
                assert_eq!(e.code, "ErrorInvalidUrlQuery");
                assert!(
                    e.message
                        .contains("only a value of 'receivedDateTime ge value'"),
                    "{}",
                    e.message
                );
            }
        }
    }
    let orders: &[(&str, bool)] = &[
        ("receivedDateTime desc", true),
        ("receiveddatetime DESC", true),
        ("", true),
        ("receivedDateTime", false),
        ("receivedDateTime asc", false),
        ("receivedDateTime desc, subject", false),
        ("subject desc", false),
    ];
    for (text, ok) in orders {
        let o = OrderBy::parse(text, EntityType::Message).unwrap_or_default();
        assert_eq!(check_delta_orderby(&o).is_ok(), *ok, "{text}");
    }
}

#[test]
fn expand_reads_extended_property_ids_and_attachments() {
    let cases: &[(&str, &[&str], &[&str], bool)] = &[
        (
            "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08' or id eq 'Integer 0x1081')",
            &["Integer 0xe08", "Integer 0x1081"],
            &[],
            false,
        ),
        (
            "SingleValueExtendedProperties($filter=(id eq 'integer 0x0E07') or (id eq 'Integer 0xe07')),attachments",
            &["Integer 0xe07"],
            &[],
            true,
        ),
        (
            "multiValueExtendedProperties($filter=id eq 'StringArray {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name Tags')",
            &[],
            &["StringArray {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name Tags"],
            false,
        ),
        ("attachments($select=name,size)", &[], &[], true),
        ("Attachments", &[], &[], true),
        ("", &[], &[], false),
        (
            "singleValueExtendedProperties($filter=id eq 'String {00020386-0000-0000-C000-000000000046} Name X-Tag, with comma'),attachments",
            &["String {00020386-0000-0000-c000-000000000046} Name X-Tag, with comma"],
            &[],
            true,
        ),
    ];
    for (text, single, multi, attachments) in cases {
        let want = Expand {
            single_value_properties: single.iter().map(|s| s.to_string()).collect(),
            attachments: *attachments,
            multi_value_properties: multi.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(parse_expand(text), Ok(want), "{text}");
    }
    let bad: &[(&str, &str, &str)] = &[
        (
            "mentions",
            "BadRequest",
            "Parsing OData Select and Expand failed: Could not find a property named 'mentions' on type 'microsoft.graph.message'.",
        ),
        (
            "from",
            "BadRequest",
            "Parsing OData Select and Expand failed: Property 'from' on type 'microsoft.graph.message' is not a navigation property",
        ),
        (
            "singleValueExtendedProperties",
            "BadRequest",
            "Parsing OData Select and Expand failed: 'singleValueExtendedProperties' can only be expanded with a $filter",
        ),
        (
            "singleValueExtendedProperties($filter=id ne 'Integer 0x0E08')",
            "BadRequest",
            "Invalid filter clause: Syntax error at position 3",
        ),
        (
            "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08' and id eq 'Integer 0x1081')",
            "BadRequest",
            "Invalid filter clause: Syntax error",
        ),
        (
            "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08'",
            "BadRequest",
            "Parsing OData Select and Expand failed: Found an unbalanced bracket expression.",
        ),
        (
            "singleValueExtendedProperties($filter=id eq 'Bogus 0x0E08')",
            "ErrorInvalidExtendedProperty",
            "The extended property attribute combination is invalid.",
        ),
        (
            "attachments)",
            "BadRequest",
            "Parsing OData Select and Expand failed: Found an unbalanced bracket expression.",
        ),
        (
            "extensions",
            "BadRequest",
            "Parsing OData Select and Expand failed: Expanding 'extensions'",
        ),
    ];
    for (text, code, message) in bad {
        let (c, m) = err(parse_expand(text));
        assert_eq!(c, *code, "{text}: {m}");
        assert!(m.starts_with(message), "{text}: {m}");
    }
}

#[test]
fn property_ids_normalise_as_graph_echoes_them() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Integer 0x0E08", Some("Integer 0xe08")),
        ("integer 0xe08", Some("Integer 0xe08")),
        ("  INTEGER   0X0E08 ", Some("Integer 0xe08")),
        ("Long 0x0E08", Some("Long 0xe08")),
        ("String 0x4001001E", Some("String 0x4001001e")),
        ("SystemTime 0x0039", Some("SystemTime 0x39")),
        ("clsid 0x0", Some("CLSID 0x0")),
        ("stringarray 0x8000", Some("StringArray 0x8000")),
        (
            "String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name TestProperty",
            Some("String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty"),
        ),
        (
            "string {8eccc264-6880-4ebe-992f-8888d2eeaa1d} name TestProperty",
            Some("String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty"),
        ),
        (
            "Integer {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Id 0x8012",
            Some("Integer {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Id 0x8012"),
        ),
        (
            "Integer {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} ID 0x00008A0B",
            Some("Integer {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Id 0x8a0b"),
        ),
        (
            "Boolean {00062008-0000-0000-C000-000000000046} Id 34054",
            Some("Boolean {00062008-0000-0000-c000-000000000046} Id 0x8506"),
        ),
        // malformed
        ("", None),
        ("Integer", None),
        ("Integer 0E08", None),
        ("Integer 0x", None),
        ("Integer 0xGG", None),
        ("Integer 0x+1", None),
        ("Integer 0x1FFFFFFFF", None),
        ("Integer 0x0E08 extra", None),
        ("Bogus 0x0E08", None),
        ("String {8ECCC264-6880-4EBE-992F} Name X", None),
        ("String 8ECCC264-6880-4EBE-992F-8888D2EEAA1D Name X", None),
        ("String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name", None),
        (
            "String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Label X",
            None,
        ),
        ("String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Id x12", None),
    ];
    for (id, want) in cases {
        assert_eq!(normalize_property_id(id).as_deref(), *want, "{id:?}");
    }
    assert_eq!(property_type("Integer 0xe08"), Some("Integer"));
    assert_eq!(property_type("stringarray {x} Name y"), Some("StringArray"));
    assert_eq!(property_type("Nonsense 0x1"), None);
    assert_eq!(property_type(""), None);
    assert!(is_multi_value_type("StringArray") && !is_multi_value_type("String"));
}

#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<String> = [
        "",
        " ",
        "(",
        ")",
        "((((",
        "))))",
        "'",
        "''",
        "\"",
        "\\",
        "/",
        "//",
        ":",
        ",",
        "eq",
        "not",
        "and or",
        "any",
        "a/any(",
        "toRecipients/any(",
        "toRecipients/any(r:",
        "toRecipients/any(r: r/",
        "cast(",
        "cast(subject,",
        "contains(",
        "contains(subject,",
        "-",
        "-1",
        "2024-",
        "2024-01-01T",
        "0x",
        "\u{0}",
        "é",
        "日本語",
        "🍕",
        "subject eq '\u{1F355}'",
        "isRead eq tru",
        "$filter=",
        "id eq",
        "singleValueExtendedProperties(",
        "singleValueExtendedProperties($filter=",
        "attachments(((",
        "\"'",
        "\"(\"",
        "\"subject:(\"",
        "\"received>=\"",
        "\"a\" AND (\"b\"",
        "\"-\"",
        "\"NOT\"",
        "\"\\\"",
        "&#xFFFFFFFF;",
        "<script",
        "Integer {",
        "Integer {}",
        "String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D}",
        "9999999999999999999999",
        "1e400",
        "-0x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("(".repeat(10_000));
    inputs.push("not ".repeat(10_000) + "isRead");
    inputs.push(format!("\"{}\"", "(".repeat(10_000)));
    inputs.push(format!("\"{}pizza\"", "NOT ".repeat(10_000)));
    inputs.push(vec!["isRead"; 5_000].join(" or "));
    // Every prefix of some valid queries.
    for valid in [
        "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x0E08' and cast(ep/value, Edm.Int32) gt 1000)",
        "\"from:alice subject:'quarterly report' received>=2025-01-01 NOT (body:pizza OR attachment:x)\"",
        "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08' or id eq 'Integer 0x1081'),attachments($select=name)",
    ] {
        let chars: Vec<char> = valid.chars().collect();
        inputs.extend((0..chars.len()).map(|n| chars[..n].iter().collect::<String>()));
    }
    let item = json!({"subject": "x", "body": {"contentType": "html", "content": "<p>&#xFFFFFFFF; &; <script"}});
    for s in &inputs {
        for ty in [EntityType::Message, EntityType::MailFolder] {
            if let Ok(f) = Filter::parse(s, ty) {
                let _ = f.matches(&item);
                let _ = f.properties();
            }
            let _ = parse_select(s, ty);
            if let Ok(o) = OrderBy::parse(s, ty) {
                let _ = o.compare(&item, &json!({}));
            }
        }
        if let Ok(q) = Search::parse(s) {
            let _ = q.matches(&item);
        }
        let _ = parse_expand(s);
        let _ = normalize_property_id(s);
        let _ = property_type(s);
        let _ = search_text::html_to_text(s);
    }
}
