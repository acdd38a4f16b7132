//! `$filter` tests: parsing, evaluation against Graph JSON, and every refusal
//! with the code Graph answers.

use serde_json::{Value, json};

use super::{EntityType, Filter};

/// A message with most properties set.
pub(super) fn full_message() -> Value {
    json!({
        "id": "AAMkAD1",
        "subject": "Quarterly Report Q1",
        "isRead": false,
        "isDraft": false,
        "importance": "high",
        "inferenceClassification": "focused",
        "hasAttachments": true,
        "receivedDateTime": "2025-03-04T09:15:27Z",
        "sentDateTime": "2025-03-04T09:15:20Z",
        "from": {"emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}},
        "sender": {"emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}},
        "toRecipients": [
            {"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.com"}},
            {"emailAddress": {"name": "Megan Bowen", "address": "MeganB@contoso.com"}}
        ],
        "ccRecipients": [],
        "categories": ["Red category", "Blue"],
        "flag": {"flagStatus": "flagged"},
        "body": {"contentType": "html",
                 "content": "<html><head><style>p{color:red}</style></head><body><p>Let&#39;s have pizza &amp; talk about the R&eacute;sum&#233; of Zoë</p></body></html>"},
        "singleValueExtendedProperties": [
            {"id": "Integer 0xe08", "value": "48213"},
            {"id": "Integer 0x1081", "value": "102"},
            {"id": "String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty", "value": "Hello World"}
        ],
        "multiValueExtendedProperties": [
            {"id": "StringArray {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name Tags", "value": ["alpha", "beta"]}
        ],
        "attachments": [{"name": "budget-2025.xlsx"}, {"name": "Notes.txt"}],
        "parentFolderId": "inbox"
    })
}

/// A sparse message: no subject, no from, read, low importance.
pub(super) fn sparse_message() -> Value {
    json!({
        "id": "AAMkAD2",
        "isRead": true,
        "importance": "low",
        "hasAttachments": false,
        "receivedDateTime": "2024-12-31T23:59:59.5+00:00",
        "toRecipients": [{"emailAddress": {"name": "Alex Wilber", "address": "alexw@contoso.com"}}],
        "categories": [],
        "flag": {"flagStatus": "notFlagged"},
        "body": {"contentType": "text", "content": "plain text body about pizzas"},
        "singleValueExtendedProperties": [{"id": "Integer 0xE08", "value": "512"}]
    })
}

fn check(filter: &str, full: bool, sparse: bool) {
    let f = match Filter::parse(filter, EntityType::Message) {
        Ok(f) => f,
        Err(e) => panic!("{filter}: {e:?}"),
    };
    assert_eq!(
        f.matches(&full_message()),
        full,
        "full message, filter {filter}"
    );
    assert_eq!(
        f.matches(&sparse_message()),
        sparse,
        "sparse message, filter {filter}"
    );
}

#[test]
fn filter_evaluates_like_exchange() {
    let cases: &[(&str, bool, bool)] = &[
        // booleans, bare and compared
        ("isRead eq false", true, false),
        ("isRead eq true", false, true),
        ("IsRead Eq False", true, false),
        ("isRead", false, true),
        ("not isRead", true, false),
        ("isRead ne true", true, false),
        // strings: case-insensitive
        ("subject eq 'quarterly report q1'", true, false),
        ("subject ne 'x'", true, true),
        ("subject eq null", false, true),
        ("subject ne null", true, false),
        ("subject gt 'P'", true, false),
        ("subject lt 'P'", false, false),
        (
            "from/emailAddress/address eq 'adelev@CONTOSO.com'",
            true,
            false,
        ),
        ("from eq null", false, true),
        ("from ne null", true, false),
        ("contains(subject,'REPORT')", true, false),
        ("startswith(subject,'quart')", true, false),
        ("startswith(subject,'report')", false, false),
        ("contains(from/emailAddress/name, 'vance')", true, false),
        ("not contains(subject,'report')", false, false),
        ("subject eq 'it''s'", false, false),
        // enums, quoted, any case, with declaration order
        ("importance eq 'high'", true, false),
        ("importance eq 'High'", true, false),
        ("importance eq microsoft.graph.importance'low'", false, true),
        ("importance gt 'normal'", true, false),
        ("importance lt 'normal'", false, true),
        ("flag/flagStatus eq 'flagged'", true, false),
        ("flag/flagStatus ne 'flagged'", false, true),
        ("body/contentType eq 'text'", false, true),
        ("inferenceClassification eq 'focused'", true, false),
        // datetimes as instants
        ("receivedDateTime ge 2025-01-01T00:00:00Z", true, false),
        ("receivedDateTime ge 2024-01-01T00:00:00Z", true, true),
        ("receivedDateTime lt 2025-01-01", false, true),
        ("receivedDateTime gt 2024-12-31T23:59:59Z", true, true),
        ("receivedDateTime gt 2024-12-31T23:59:59.6Z", true, false),
        ("receivedDateTime eq 2025-03-04T10:15:27+01:00", true, false),
        ("receivedDateTime le 2025-03-04T09:15:27.000Z", true, true),
        ("sentDateTime eq null", false, true),
        ("sentDateTime lt receivedDateTime", true, false),
        // and / or / not / parentheses
        ("isRead eq false and importance eq 'high'", true, false),
        ("isRead eq true or importance eq 'high'", true, true),
        ("not (isRead eq true or importance eq 'high')", false, false),
        (
            "(isRead eq false) and (hasAttachments eq true or subject eq null)",
            true,
            false,
        ),
        (
            "isRead eq true and (subject eq null or subject eq 'x') and hasAttachments eq false",
            false,
            true,
        ),
        // lambdas over collections
        (
            "toRecipients/any(r:r/emailAddress/address eq 'meganb@contoso.com')",
            true,
            false,
        ),
        (
            "toRecipients/any(r: r/emailAddress/address eq 'alexw@contoso.com')",
            true,
            true,
        ),
        (
            "toRecipients/Any(r: startswith(r/emailAddress/name, 'meg'))",
            true,
            false,
        ),
        (
            "toRecipients/all(r: contains(r/emailAddress/address, 'contoso'))",
            true,
            true,
        ),
        (
            "ccRecipients/all(r: r/emailAddress/address eq 'x')",
            true,
            true,
        ),
        ("ccRecipients/any()", false, false),
        ("toRecipients/any()", true, true),
        ("categories/any(c:c eq 'Red Category')", true, false),
        ("categories/any(c:c eq 'red')", false, false),
        ("not categories/any()", false, true),
        // extended properties: normalised ids, casts, string values
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x0E08' and cast(ep/value, Edm.Int32) gt 1000)",
            true,
            false,
        ),
        (
            "singleValueExtendedProperties/Any(ep: ep/id eq 'integer 0xe08' and cast(ep/value, Edm.Int64) le 1000)",
            false,
            true,
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x1081' and cast(ep/value, Edm.Int32) eq 102)",
            true,
            false,
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x1081')",
            true,
            false,
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name TestProperty' and ep/value eq 'hello world')",
            true,
            false,
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'String {8ECCC264-6880-4EBE-992F-8888D2EEAA1D} Name testproperty')",
            false,
            false,
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'String {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name TestProperty' and startswith(ep/value, 'HELLO'))",
            true,
            false,
        ),
        (
            "singleValueExtendedProperties/any(ep: cast(ep/value, Edm.String) eq '512')",
            false,
            true,
        ),
        (
            "multiValueExtendedProperties/any(ep: ep/id eq 'StringArray {8eccc264-6880-4ebe-992f-8888d2eeaa1d} Name Tags' and ep/value/any(v: v eq 'BETA'))",
            true,
            false,
        ),
        // literals on both sides, numbers
        ("1 eq 1", true, true),
        ("1 lt 2.5", true, true),
        ("null eq subject", false, true),
    ];
    for (filter, full, sparse) in cases {
        check(filter, *full, *sparse);
    }
}

#[test]
fn filter_properties_are_top_level_and_canonical_in_order() {
    let cases: &[(&str, &[&str])] = &[
        ("isRead eq false", &["isRead"]),
        (
            "ReceivedDateTime ge 2024-01-01T00:00:00Z and SUBJECT eq 'x'",
            &["receivedDateTime", "subject"],
        ),
        (
            "from/emailAddress/address eq 'a' and receivedDateTime lt 2025-01-01 and from/emailAddress/name eq 'b'",
            &["from", "receivedDateTime"],
        ),
        (
            "toRecipients/any(r: r/emailAddress/address eq 'x') or isRead",
            &["toRecipients", "isRead"],
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x0E08')",
            &["singleValueExtendedProperties"],
        ),
        (
            "contains(subject, 'x') and not (importance eq 'low')",
            &["subject", "importance"],
        ),
    ];
    for (filter, props) in cases {
        let f = Filter::parse(filter, EntityType::Message).map_err(|e| format!("{filter}: {e:?}"));
        assert_eq!(
            f.map(|f| f.properties()),
            Ok(props.iter().map(|s| s.to_string()).collect()),
            "{filter}"
        );
    }
}

#[test]
fn filter_refusals_carry_graphs_codes() {
    let cases: &[(&str, &str, &str)] = &[
        // unknown properties, at any depth
        (
            "foo eq 1",
            "RequestBroker--ParseUri",
            "Could not find a property named 'foo' on type 'microsoft.graph.message'.",
        ),
        (
            "from/emailAddress/street eq 'x'",
            "RequestBroker--ParseUri",
            "Could not find a property named 'street' on type 'microsoft.graph.emailAddress'.",
        ),
        (
            "toRecipients/any(r: r/mail eq 'x')",
            "RequestBroker--ParseUri",
            "Could not find a property named 'mail' on type 'microsoft.graph.recipient'.",
        ),
        // functions Exchange cannot run
        (
            "endswith(subject,'x')",
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        ),
        (
            "tolower(subject) eq 'x'",
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        ),
        (
            "frobnicate(subject)",
            "BadRequest",
            "Invalid filter clause: An unknown function with name 'frobnicate'",
        ),
        // type mismatches
        (
            "isRead eq 'abc'",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'.",
        ),
        (
            "receivedDateTime ge '2024-01-01T00:00:00Z'",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types",
        ),
        (
            "subject eq 1",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types",
        ),
        (
            "importance eq 'urgent'",
            "BadRequest",
            "Invalid filter clause: The string 'urgent' is not a valid enumerated type constant.",
        ),
        (
            "from eq 'x'",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types",
        ),
        (
            "categories eq 'Red'",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types",
        ),
        (
            "subject",
            "BadRequest",
            "Invalid filter clause: The filter expression must evaluate to a single boolean value",
        ),
        (
            "subject and isRead",
            "BadRequest",
            "Invalid filter clause: A binary operator with incompatible types",
        ),
        (
            "contains(isRead, 'x')",
            "BadRequest",
            "Invalid filter clause: No function signature",
        ),
        (
            "contains(subject, subject)",
            "BadRequest",
            "Invalid filter clause: A string literal is expected",
        ),
        (
            "subject/any(s: s eq 'x')",
            "BadRequest",
            "Invalid filter clause: Any/All may only be used following a collection",
        ),
        (
            "toRecipients/emailAddress/address eq 'x'",
            "BadRequest",
            "Invalid filter clause: The parent value for a property access",
        ),
        (
            "cast(toRecipients, Edm.String) eq 'x'",
            "BadRequest",
            "Invalid filter clause: The first argument of 'cast'",
        ),
        (
            "cast(subject, Edm.Guid) eq 'x'",
            "BadRequest",
            "Invalid filter clause: Cannot cast to the type 'Edm.Guid'.",
        ),
        (
            "singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0xZZ')",
            "ErrorInvalidExtendedProperty",
            "The extended property attribute combination is invalid.",
        ),
        // syntax
        (
            "",
            "BadRequest",
            "Invalid filter clause: Expression expected at position 0 in ''.",
        ),
        (
            "isRead eq",
            "BadRequest",
            "Invalid filter clause: Expression expected at position 9 in 'isRead eq'.",
        ),
        (
            "isRead eq true true",
            "BadRequest",
            "Invalid filter clause: Syntax error at position 15 in 'isRead eq true true'.",
        ),
        (
            "(isRead eq true",
            "BadRequest",
            "Invalid filter clause: ')' or operator expected at position 15",
        ),
        (
            "subject eq 'open",
            "BadRequest",
            "Invalid filter clause: There is an unterminated string literal",
        ),
        (
            "subject eq #",
            "BadRequest",
            "Invalid filter clause: Syntax error: character '#' is not valid at position 11 in 'subject eq #'.",
        ),
        (
            "receivedDateTime ge 2024-13-45T00:00:00Z",
            "BadRequest",
            "Invalid filter clause: Syntax error: '2024-13-45T00:00:00Z' at position 20",
        ),
        (
            "isRead eq true and",
            "BadRequest",
            "Invalid filter clause: Expression expected at position 18",
        ),
        (
            "toRecipients/any(r r/emailAddress/address eq 'x')",
            "BadRequest",
            "Invalid filter clause: ':' expected",
        ),
    ];
    for (filter, code, message) in cases {
        match Filter::parse(filter, EntityType::Message) {
            Ok(_) => panic!("{filter}: accepted"),
            Err(e) => {
                assert_eq!(e.code, *code, "{filter}: {e:?}");
                assert!(e.message.starts_with(message), "{filter}: {}", e.message);
            }
        }
    }
}

#[test]
fn mail_folder_filters_use_the_folder_schema() {
    let folder = json!({"id": "f1", "displayName": "Inbox", "totalItemCount": 12, "unreadItemCount": 0, "isHidden": false});
    let cases: &[(&str, bool)] = &[
        ("displayName eq 'inbox'", true),
        ("totalItemCount gt 10 and unreadItemCount eq 0", true),
        ("isHidden eq true", false),
        ("childFolderCount eq null", true),
        ("startswith(displayName, 'In')", true),
    ];
    for (filter, expected) in cases {
        let f =
            Filter::parse(filter, EntityType::MailFolder).map_err(|e| format!("{filter}: {e:?}"));
        assert_eq!(f.map(|f| f.matches(&folder)), Ok(*expected), "{filter}");
    }
    let err = Filter::parse("subject eq 'x'", EntityType::MailFolder).err();
    assert_eq!(
        err.map(|e| (e.code, e.message)),
        Some((
            "RequestBroker--ParseUri",
            "Could not find a property named 'subject' on type 'microsoft.graph.mailFolder'."
                .to_string()
        ))
    );
}

#[test]
fn one_parsed_filter_serves_many_items() {
    let f = Filter::parse(
        "receivedDateTime ge 2025-01-01T00:00:00Z and singleValueExtendedProperties/any(ep: ep/id eq 'Integer 0x0E08' and cast(ep/value, Edm.Int32) gt 1000)",
        EntityType::Message,
    );
    let Ok(f) = f else { panic!("{f:?}") };
    let items: Vec<Value> = (0..10_000)
        .map(|i| {
            json!({
                "receivedDateTime": format!("2025-01-{:02}T00:00:00Z", i % 28 + 1),
                "singleValueExtendedProperties": [{"id": "Integer 0xe08", "value": (i * 3).to_string()}]
            })
        })
        .collect();
    let start = std::time::Instant::now();
    let n = items.iter().filter(|m| f.matches(*m)).count();
    assert_eq!(n, 10_000 - 334);
    // Generous bound for an unoptimised build on a shared machine.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
