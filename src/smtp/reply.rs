//! SMTP replies with enhanced status codes (RFC 3463), and the one place
//! where a submission failure becomes a reply.

use crate::mailbox::submit::SubmitError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// Enhanced status code, e.g. "2.1.0"; empty for the greeting and EHLO.
    pub status: &'static str,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, status: &'static str, text: impl Into<String>) -> Reply {
        Reply {
            code,
            status,
            text: text.into(),
        }
    }

    /// The wire form; long or multi-line texts become continuation lines.
    pub fn write(&self, out: &mut Vec<u8>) {
        let clean: String = self
            .text
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        // A 334 challenge is one line of base64, however long (RFC 4954).
        let lines: Vec<&str> = if clean.len() > 400 && self.code != 334 {
            clean
                .as_bytes()
                .chunks(400)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect()
        } else {
            vec![clean.as_str()]
        };
        for (i, line) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            out.extend_from_slice(self.code.to_string().as_bytes());
            out.push(sep as u8);
            if !self.status.is_empty() {
                out.extend_from_slice(self.status.as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// A failed submission as the client hears it.
/// Replies that say a command was refused for its syntax or its place in
/// the session (RFC 5321 §4.2.4, RFC 4954 §6); they count as errors, and a
/// client that collects too many is cut off (see `discard.rs`).
pub(super) fn counts_as_error(code: u16) -> bool {
    matches!(code, 500..=504 | 530 | 538 | 555)
}

pub fn submit_error(e: &SubmitError) -> Reply {
    match e {
        SubmitError::Transient(t) => Reply::new(451, "4.4.3", format!("{t}; try again later")),
        SubmitError::SenderDenied(t) => Reply::new(550, "5.7.60", t.clone()),
        SubmitError::Invalid(t) => Reply::new(550, "5.6.0", t.clone()),
        SubmitError::TooLarge(t) => Reply::new(552, "5.3.4", t.clone()),
        SubmitError::Limit(t) => Reply::new(550, "5.7.1", t.clone()),
        SubmitError::Rejected(t) => Reply::new(554, "5.7.0", t.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &Reply) -> String {
        let mut out = Vec::new();
        r.write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn replies_carry_enhanced_codes_and_no_bare_newlines() {
        assert_eq!(text(&Reply::new(250, "2.1.0", "ok")), "250 2.1.0 ok\r\n");
        assert_eq!(
            text(&Reply::new(220, "", "hi\r\nthere")),
            "220 hi  there\r\n"
        );
        let long = text(&Reply::new(550, "5.7.60", "x".repeat(900)));
        assert!(long.starts_with("550-5.7.60 ") && long.contains("\r\n550 5.7.60 "));
        assert_eq!(
            submit_error(&SubmitError::Transient("busy".into())).code,
            451
        );
        assert_eq!(
            submit_error(&SubmitError::SenderDenied("no".into())).status,
            "5.7.60"
        );
    }
}
