//! Mailbox names between the wire and the mailbox layer: modified UTF-7 on
//! the wire, canonical UTF-8 inside (INBOX in capitals), and LIST patterns
//! with `*` and `%` matched against UTF-8 names with `/` as the delimiter.
//!
//! A name that is not canonical modified UTF-7 names no mailbox: a command
//! with one is valid IMAP and is answered `NO [CANNOT]` (as Dovecot does),
//! never BAD. A LIST pattern is read leniently instead (a stray `&` stands
//! for itself), so it matches what it can and answers OK.

use imap_types::core::{AString, IString, Quoted};
use imap_types::mailbox::{ListMailbox, Mailbox};

use super::reply::{Extra, Reply};
use crate::mailbox::mutf7::{self, Mutf7Error};
use crate::mailbox::names::{DELIMITER, canonical};

/// Why a mailbox name from the client cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum NameError {
    #[error("mailbox names must be 7-bit; encode other characters as modified UTF-7")]
    NotSevenBit(#[source] std::str::Utf8Error),
    #[error("{0} (RFC 3501 section 5.1.3: names are written in modified UTF-7)")]
    Mutf7(#[from] Mutf7Error),
}

impl From<NameError> for Reply {
    /// No mailbox can have such a name; the command itself is valid.
    fn from(why: NameError) -> Reply {
        Reply::no(why.to_string()).with_extra(Extra::Cannot)
    }
}

/// The UTF-8 name a client means.
pub(super) fn from_wire(mailbox: &Mailbox<'_>) -> Result<String, NameError> {
    match mailbox {
        Mailbox::Inbox => Ok("INBOX".to_string()),
        Mailbox::Other(other) => Ok(canonical(&decode(other.as_ref())?)),
    }
}

fn decode(bytes: &[u8]) -> Result<String, NameError> {
    let wire = std::str::from_utf8(bytes).map_err(NameError::NotSevenBit)?;
    Ok(mutf7::decode(wire)?)
}

/// A UTF-8 name as the wire shows it.
pub(super) fn to_wire(name: &str) -> Mailbox<'static> {
    // Modified UTF-7 is printable ASCII, which always makes a valid mailbox.
    Mailbox::try_from(mutf7::encode(name)).unwrap_or_else(|_| {
        Mailbox::from(AString::String(IString::Quoted(Quoted::unvalidated(""))))
    })
}

/// The pattern of LIST/LSUB: the reference and the mailbox argument joined
/// (RFC 3501 §6.3.8), decoded to UTF-8 as well as it can be (a pattern that
/// is not modified UTF-7 still matches what it spells).
pub(super) fn pattern_from_wire(reference: &Mailbox<'_>, pattern: &ListMailbox<'_>) -> String {
    let lenient = |bytes: &[u8]| mutf7::decode_lenient(&String::from_utf8_lossy(bytes));
    let reference = match reference {
        Mailbox::Inbox => "INBOX".to_string(),
        Mailbox::Other(other) => lenient(other.as_ref()),
    };
    let pattern = match pattern {
        ListMailbox::Token(token) => lenient(token.as_ref()),
        ListMailbox::String(s) => lenient(s.as_ref()),
    };
    format!("{reference}{pattern}")
}

/// Whether `name` matches a LIST pattern: `*` matches anything, `%`
/// anything but the delimiter. A leading `INBOX` level matches in any case.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let inbox = inbox_prefix_len(name);
    let eq = |pc: char, ni: usize| {
        if ni < inbox {
            pc.eq_ignore_ascii_case(&n[ni])
        } else {
            pc == n[ni]
        }
    };
    // reach[j]: the pattern prefix read so far matches name[..j].
    let mut reach = vec![false; n.len() + 1];
    reach[0] = true;
    for &pc in &p {
        let mut next = vec![false; n.len() + 1];
        match pc {
            '*' => {
                let mut on = false;
                for j in 0..=n.len() {
                    on |= reach[j];
                    next[j] = on;
                }
            }
            '%' => {
                let mut on = false;
                for j in 0..=n.len() {
                    if reach[j] {
                        on = true;
                    }
                    next[j] = on;
                    if j < n.len() && n[j] == DELIMITER {
                        on = false;
                    }
                }
            }
            _ => {
                for j in 0..n.len() {
                    if reach[j] && eq(pc, j) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reach = next;
    }
    reach[n.len()]
}

/// Whether some deeper name below `name` could match (for `%` at the end
/// of LSUB, which must show unsubscribed parents as \Noselect).
pub(super) fn prefix_levels(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices(DELIMITER).map(move |(i, _)| &name[..i])
}

fn inbox_prefix_len(name: &str) -> usize {
    let first = name.split(DELIMITER).next().unwrap_or_default();
    if first == "INBOX" { 5 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_rfc_3501() {
        let cases = [
            ("*", "INBOX", true),
            ("*", "INBOX/Projects/Archive 2025", true),
            ("%", "INBOX", true),
            ("%", "INBOX/Projects", false),
            ("INBOX/%", "INBOX/Projects", true),
            ("INBOX/%", "INBOX/Projects/Archive 2025", false),
            ("INBOX/*", "INBOX/Projects/Archive 2025", true),
            ("INBOX/*", "INBOX", false),
            ("inbox", "INBOX", true),
            ("inbox/%", "INBOX/Projects", true),
            ("inbox/projects", "INBOX/Projects", false),
            ("In%", "INBOX", true),
            ("Caf%", "Café Überweisungen", true),
            ("*berweisungen", "Café Überweisungen", true),
            ("Shared/%", "Shared/sales@contoso.test", true),
            ("Shared/%/%", "Shared/sales@contoso.test/INBOX", true),
            ("Shared/%", "Shared/sales@contoso.test/INBOX", false),
            ("%/%", "Sent Items", false),
            ("Sent*", "Sent Items", true),
            ("%Items", "Sent Items", true),
            ("%Items", "x/Sent Items", false),
            ("", "INBOX", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(matches(pattern, name), want, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn names_cross_the_wire_in_modified_utf7() {
        let m = Mailbox::try_from("Caf&AOk- &ANw-berweisungen").unwrap();
        assert_eq!(from_wire(&m).unwrap(), "Café Überweisungen");
        assert_eq!(to_wire("Café Überweisungen"), m);
        assert_eq!(
            from_wire(&Mailbox::try_from("inbox").unwrap()).unwrap(),
            "INBOX"
        );
        assert_eq!(
            from_wire(&Mailbox::try_from("inbox/Projects").unwrap()).unwrap(),
            "INBOX/Projects"
        );
        assert_eq!(to_wire("INBOX"), Mailbox::Inbox);
        let bad = Mailbox::try_from("&AGE-").unwrap();
        assert!(
            from_wire(&bad)
                .unwrap_err()
                .to_string()
                .starts_with("the mailbox name is not in canonical modified UTF-7")
        );
        let raw = Mailbox::try_from(b"Caf\xc3\xa9".to_vec()).unwrap();
        assert!(from_wire(&raw).unwrap_err().to_string().contains("7-bit"));
        let pattern = pattern_from_wire(
            &Mailbox::try_from("INBOX/").unwrap(),
            &ListMailbox::try_from("&AOk-%").unwrap(),
        );
        assert_eq!(pattern, "INBOX/é%");
        let stray = pattern_from_wire(
            &Mailbox::try_from("").unwrap(),
            &ListMailbox::try_from("a&b%").unwrap(),
        );
        assert_eq!(stray, "a&b%");
        assert_eq!(prefix_levels("a/b/c").collect::<Vec<_>>(), vec!["a", "a/b"]);
    }
}
