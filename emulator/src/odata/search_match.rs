//! Evaluating a parsed `$search` against one message: which fields a term
//! looks at, read lazily from the entity and tokenized at most once per
//! message, then matched by word prefixes (see `search_text.rs`).

use std::cell::OnceCell;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::entity::Entity;
use super::lexer::parse_datetime;
use super::search_text::{contains_prefixes, html_to_text, words};

/// What a term searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// No property named: from (name or address), subject, body.
    Default,
    From,
    To,
    Cc,
    Bcc,
    /// From, to, cc and bcc.
    Participants,
    Subject,
    Body,
    /// Attachment names.
    Attachment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateField {
    Received,
    Sent,
}

/// A parsed search expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum SNode {
    And(Vec<SNode>),
    Or(Vec<SNode>),
    Not(Box<SNode>),
    /// Folded words that must appear consecutively (each a word prefix).
    Term {
        field: Field,
        words: Vec<String>,
    },
    HasAttachments(bool),
    /// `from <= date < until`, either end open.
    Date {
        field: DateField,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    },
    /// A restriction whose value cannot match (`received:notadate`).
    Never,
}

impl SNode {
    /// Make unqualified terms search `field` (for `subject:(a OR b)`).
    pub(super) fn retarget(self, field: Field) -> SNode {
        match self {
            SNode::And(v) => SNode::And(v.into_iter().map(|n| n.retarget(field)).collect()),
            SNode::Or(v) => SNode::Or(v.into_iter().map(|n| n.retarget(field)).collect()),
            SNode::Not(n) => SNode::Not(Box::new(n.retarget(field))),
            SNode::Term {
                field: Field::Default,
                words,
            } => SNode::Term { field, words },
            other => other,
        }
    }

    pub(super) fn matches(&self, e: &dyn Entity) -> bool {
        self.eval(&Doc::new(e))
    }

    fn eval(&self, doc: &Doc<'_>) -> bool {
        match self {
            SNode::And(v) => v.iter().all(|n| n.eval(doc)),
            SNode::Or(v) => v.iter().any(|n| n.eval(doc)),
            SNode::Not(n) => !n.eval(doc),
            SNode::Term { field, words } => {
                let fields: &[Field] = match field {
                    Field::Default => &[Field::From, Field::Subject, Field::Body],
                    Field::Participants => &[Field::From, Field::To, Field::Cc, Field::Bcc],
                    f => std::slice::from_ref(f),
                };
                fields.iter().any(|f| {
                    doc.segments(*f)
                        .iter()
                        .any(|seg| contains_prefixes(seg, words))
                })
            }
            SNode::HasAttachments(want) => doc.has_attachments() == *want,
            SNode::Date { field, from, until } => {
                let path = match field {
                    DateField::Received => "receivedDateTime",
                    DateField::Sent => "sentDateTime",
                };
                let Some(t) = doc.e.get(&[path]).as_str().and_then(parse_datetime) else {
                    return false;
                };
                from.is_none_or(|f| t >= f) && until.is_none_or(|u| t < u)
            }
            SNode::Never => false,
        }
    }
}

/// One message's searchable text, each field tokenized on first use. A field
/// is a list of segments (a name, an address, the subject...); a phrase must
/// fall within one segment.
struct Doc<'e> {
    e: &'e dyn Entity,
    from: OnceCell<Vec<Vec<String>>>,
    to: OnceCell<Vec<Vec<String>>>,
    cc: OnceCell<Vec<Vec<String>>>,
    bcc: OnceCell<Vec<Vec<String>>>,
    subject: OnceCell<Vec<Vec<String>>>,
    body: OnceCell<Vec<Vec<String>>>,
    attachments: OnceCell<Vec<Vec<String>>>,
}

impl<'e> Doc<'e> {
    fn new(e: &'e dyn Entity) -> Self {
        Doc {
            e,
            from: OnceCell::new(),
            to: OnceCell::new(),
            cc: OnceCell::new(),
            bcc: OnceCell::new(),
            subject: OnceCell::new(),
            body: OnceCell::new(),
            attachments: OnceCell::new(),
        }
    }

    fn segments(&self, f: Field) -> &[Vec<String>] {
        let e = self.e;
        match f {
            Field::From => self.from.get_or_init(|| recipient_words(&e.get(&["from"]))),
            Field::To => self
                .to
                .get_or_init(|| recipient_list_words(&e.get(&["toRecipients"]))),
            Field::Cc => self
                .cc
                .get_or_init(|| recipient_list_words(&e.get(&["ccRecipients"]))),
            Field::Bcc => self
                .bcc
                .get_or_init(|| recipient_list_words(&e.get(&["bccRecipients"]))),
            Field::Subject => self
                .subject
                .get_or_init(|| text_words(&e.get(&["subject"]))),
            Field::Body => self.body.get_or_init(|| body_words(e)),
            Field::Attachment => self
                .attachments
                .get_or_init(|| match e.get(&["attachments"]) {
                    Value::Array(items) => items
                        .iter()
                        .flat_map(|a| a.get("name").map(text_words))
                        .flatten()
                        .collect(),
                    _ => Vec::new(),
                }),
            Field::Default | Field::Participants => &[],
        }
    }

    fn has_attachments(&self) -> bool {
        match self.e.get(&["hasAttachments"]) {
            Value::Bool(b) => b,
            _ => matches!(self.e.get(&["attachments"]), Value::Array(a) if !a.is_empty()),
        }
    }
}

fn text_words(v: &Value) -> Vec<Vec<String>> {
    match v.as_str() {
        Some(s) => vec![words(s)],
        None => Vec::new(),
    }
}

/// `{"emailAddress": {"name", "address"}}` → [name words, address words].
fn recipient_words(r: &Value) -> Vec<Vec<String>> {
    let Some(addr) = r.get("emailAddress") else {
        return Vec::new();
    };
    ["name", "address"]
        .iter()
        .filter_map(|k| addr.get(*k).and_then(Value::as_str))
        .map(words)
        .collect()
}

fn recipient_list_words(list: &Value) -> Vec<Vec<String>> {
    match list {
        Value::Array(items) => items.iter().flat_map(recipient_words).collect(),
        _ => Vec::new(),
    }
}

fn body_words(e: &dyn Entity) -> Vec<Vec<String>> {
    let content = e.get(&["body", "content"]);
    let Some(text) = content.as_str() else {
        return Vec::new();
    };
    let html = match e.get(&["body", "contentType"]).as_str() {
        Some(t) => t.eq_ignore_ascii_case("html"),
        None => text.trim_start().starts_with('<'),
    };
    if html {
        vec![words(&html_to_text(text))]
    } else {
        vec![words(text)]
    }
}
