//! Message IDs as THREAD=REFERENCES compares them (RFC 5256 §3): each
//! `msg-id` of a Message-ID, References or In-Reply-To field in one
//! normalised form, `local@domain` with quoting, comments and whitespace
//! taken away, so `<"abc"@example.org>` and `<abc@example.org>` are the same
//! message. Phrases and addresses around them (old In-Reply-To styles) are
//! skipped; anything without an `@` between its brackets is not an ID.

use super::lex::{comment, quoted};

/// Every valid message ID in a raw field value, in order.
pub(crate) fn message_ids(value: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'(' => i = comment(value, i).0,
            b'"' => i = quoted(value, i).0,
            b'<' => {
                let (end, id) = msg_id(value, i + 1);
                out.extend(id);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The ID between `<` (just before `from`) and `>`: where reading stopped,
/// and the normalised ID if it is one. A `<` inside starts over there.
fn msg_id(s: &[u8], from: usize) -> (usize, Option<String>) {
    let mut local = Vec::new();
    let mut domain = Vec::new();
    let mut at = false;
    let mut i = from;
    while i < s.len() {
        let part = if at { &mut domain } else { &mut local };
        match s[i] {
            b'>' => {
                let valid = at && !local.is_empty() && !domain.is_empty();
                let id = valid.then(|| {
                    let mut id = String::from_utf8_lossy(&local).into_owned();
                    id.push('@');
                    id.push_str(&String::from_utf8_lossy(&domain));
                    id
                });
                return (i + 1, id);
            }
            b'<' => return (i, None),
            b'(' => i = comment(s, i).0,
            b'"' => {
                let (end, text) = quoted(s, i);
                part.extend_from_slice(&text);
                i = end;
            }
            b'@' if !at => {
                at = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b => {
                part.push(b);
                i += 1;
            }
        }
    }
    (i, None)
}

#[cfg(test)]
mod tests {
    use super::message_ids;

    fn ids(s: &str) -> Vec<String> {
        message_ids(s.as_bytes())
    }

    #[test]
    fn ids_are_found_and_normalised() {
        let cases: &[(&str, &[&str])] = &[
            ("<a@b>", &["a@b"]),
            ("  <a@b.example>  ", &["a@b.example"]),
            ("<a@b> <c@d>\r\n <e@f>", &["a@b", "c@d", "e@f"]),
            ("<a@b><c@d>", &["a@b", "c@d"]),
            // RFC 5256's example: quoting does not make another ID.
            (
                "<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>",
                &["01KF8JCEOCBS0045PS@xxx.yyy.com"],
            ),
            // Comments and folding inside (obsolete syntax) are dropped.
            ("<a (c) @ (d) b>", &["a@b"]),
            ("<a\r\n @b>", &["a@b"]),
            ("<a@[10.0.0.1]>", &["a@[10.0.0.1]"]),
            // Case is kept: IDs are compared exactly.
            ("<ABC@Example.org>", &["ABC@Example.org"]),
            // In-Reply-To with a phrase and an address after the ID.
            (
                "Your message of \"Mon, <x@y>\" <id@host> (alice <a@b>)",
                &["id@host"],
            ),
            ("<id@host> from alice@example.org", &["id@host"]),
            // Not IDs.
            ("a@b", &[]),
            ("<>", &[]),
            ("<ab>", &[]),
            ("<@b>", &[]),
            ("<a@>", &[]),
            ("<a@b", &[]),
            ("<<a@b>", &["a@b"]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(ids(input), *want, "{input:?}");
        }
    }

    #[test]
    fn a_second_at_sign_belongs_to_the_domain() {
        assert_eq!(ids("<a@b@c>"), ["a@b@c"]);
    }
}
