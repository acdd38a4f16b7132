//! RCPT TO decides who receives a message, whatever its header says.
//! Graph's MIME `sendMail` takes the recipients from the To, Cc and Bcc
//! headers, so the header is made to say exactly the envelope: Bcc and
//! Resent-Bcc fields go, To/Cc are narrowed to addressed recipients when
//! they name others, and envelope recipients the header does not show are
//! written into one new Bcc. Resent-To/Resent-Cc may only name envelope
//! recipients (a resent message goes to them, RFC 5322 §3.6.6).

use std::collections::BTreeSet;

use super::SubmitError;
use super::fields::{Header, unfolded};
use super::mailboxes::list;

/// The addresses of every `name` field (groups allowed).
fn addresses(raw: &[u8], header: &Header, name: &str) -> Result<Vec<String>, SubmitError> {
    let mut out = Vec::new();
    for field in header.all(name) {
        let found = list(&unfolded(raw, field), true).map_err(|why| {
            SubmitError::Invalid(format!("the {name} header cannot be read exactly: {why}").into())
        })?;
        out.extend(found.into_iter().map(|m| m.address));
    }
    Ok(out)
}

fn angle_list(list: &[String]) -> String {
    list.iter()
        .map(|a| format!("<{a}>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Make the header name exactly `rcpt`: lines to add go to `add`; the
/// result names the fields to remove.
pub(super) fn rewrite(
    raw: &[u8],
    header: &Header,
    rcpt: &BTreeSet<String>,
    add: &mut Vec<String>,
) -> Result<Vec<&'static str>, SubmitError> {
    for name in ["Resent-To", "Resent-Cc"] {
        if let Some(a) = addresses(raw, header, name)?
            .into_iter()
            .find(|a| !rcpt.contains(a))
        {
            return Err(SubmitError::Invalid(
                format!("the {name} header names {a}, who is not among the RCPT TO recipients")
                    .into(),
            ));
        }
    }
    // Parsed so that an unreadable Bcc is refused rather than passed over.
    addresses(raw, header, "Bcc")?;
    addresses(raw, header, "Resent-Bcc")?;
    let to = addresses(raw, header, "To")?;
    let cc = addresses(raw, header, "Cc")?;
    let mut strip = vec!["Bcc", "Resent-Bcc"];
    let visible: BTreeSet<String> = to.iter().chain(&cc).cloned().collect();
    if !visible.is_subset(rcpt) {
        strip.extend(["To", "Cc"]);
        let keep = |l: &[String]| -> Vec<String> {
            let mut seen = BTreeSet::new();
            l.iter()
                .filter(|a| rcpt.contains(*a) && seen.insert((*a).clone()))
                .cloned()
                .collect()
        };
        let (to, cc) = (keep(&to), keep(&cc));
        if !to.is_empty() {
            add.push(format!("To: {}", angle_list(&to)));
        }
        if !cc.is_empty() {
            add.push(format!("Cc: {}", angle_list(&cc)));
        }
    }
    let hidden: Vec<String> = rcpt
        .iter()
        .filter(|r| !visible.contains(*r))
        .cloned()
        .collect();
    if !hidden.is_empty() {
        add.push(format!("Bcc: {}", angle_list(&hidden)));
    }
    Ok(strip)
}
