//! Framing of the client's command lines around smtp-proto's parser, which
//! allows 4 KiB per line and keeps an unfinished line of its own: only whole
//! lines (or ones already too long for it) go to it, and AUTH lines up to
//! 64 KiB (a Microsoft-sized token sent inline) are taken here instead.

use smtp_proto::{AUTH_LOGIN, AUTH_OAUTHBEARER, AUTH_PLAIN, AUTH_XOAUTH2};

/// Longest AUTH line: the command with its initial response, or a
/// continuation.
pub(super) const MAX_AUTH_LINE: usize = 64 * 1024;

/// The mechanism bit of an AUTH command line too long for smtp-proto's
/// parser (`AUTH SP mechanism [SP initial-response]`), and its response.
pub(super) fn long_auth_line(line: &[u8]) -> (u64, String) {
    let text = String::from_utf8_lossy(line);
    let mut words = text.trim_end_matches(['\r', '\n']).split(' ').skip(1);
    let mechanism = match words.next().map(str::to_ascii_uppercase).as_deref() {
        Some("PLAIN") => AUTH_PLAIN,
        Some("LOGIN") => AUTH_LOGIN,
        Some("XOAUTH2") => AUTH_XOAUTH2,
        Some("OAUTHBEARER") => AUTH_OAUTHBEARER,
        _ => 0,
    };
    (mechanism, words.next().unwrap_or_default().to_string())
}

/// What the start of the client's input holds, for `serve`.
pub(super) enum NextLine {
    /// No whole line yet: read more.
    Incomplete,
    /// An AUTH line too long for smtp-proto, ending at this index.
    LongAuth(usize),
    /// An AUTH line longer than graphgate takes.
    AuthTooLong,
    /// For smtp-proto: a whole line, or one already too long for it.
    Parse,
}

pub(super) fn next_line(input: &[u8]) -> NextLine {
    let parser_line = smtp_proto::request::receiver::MAX_LINE_LENGTH;
    let auth = input.len() >= 5 && input[..5].eq_ignore_ascii_case(b"AUTH ");
    match (input.iter().position(|&b| b == b'\n'), auth) {
        (Some(end), true) if end + 1 >= parser_line => NextLine::LongAuth(end),
        (Some(_), _) => NextLine::Parse,
        (None, true) if input.len() > MAX_AUTH_LINE => NextLine::AuthTooLong,
        (None, false) if input.len() >= parser_line => NextLine::Parse,
        (None, _) => NextLine::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_lines_longer_than_the_parser_allows_are_taken_here() {
        let long = format!("AUTH XOAUTH2 {}\r\n", "A".repeat(6000));
        assert!(
            matches!(next_line(long.as_bytes()), NextLine::LongAuth(end) if end == long.len() - 1)
        );
        assert_eq!(
            long_auth_line(long.as_bytes()),
            (AUTH_XOAUTH2, "A".repeat(6000))
        );
        assert_eq!(
            long_auth_line(b"auth oauthbearer\r\n"),
            (AUTH_OAUTHBEARER, String::new())
        );
        assert_eq!(long_auth_line(b"AUTH CRAM-MD5 x\r\n").0, 0);
        // Unfinished: wait for the rest, whatever it is.
        assert!(matches!(
            next_line(&long.as_bytes()[..5000]),
            NextLine::Incomplete
        ));
        assert!(matches!(next_line(b"AU"), NextLine::Incomplete));
        assert!(matches!(
            next_line(b"MAIL FROM:<a@b>"),
            NextLine::Incomplete
        ));
        // Short lines and other commands are smtp-proto's.
        assert!(matches!(
            next_line(b"AUTH PLAIN AGEAYg==\r\n"),
            NextLine::Parse
        ));
        assert!(matches!(next_line(b"NOOP\r\n"), NextLine::Parse));
        assert!(matches!(next_line(&[b'X'; 5000]), NextLine::Parse));
        let huge = format!("AUTH XOAUTH2 {}", "A".repeat(MAX_AUTH_LINE));
        assert!(matches!(next_line(huge.as_bytes()), NextLine::AuthTooLong));
    }
}
