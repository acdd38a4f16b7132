//! What a login name, a Microsoft 365 user name (UPN) and a password label
//! may look like, and the one form logins are compared in. Logins and UPNs
//! are case-insensitive and may be typed in any Unicode normalisation form,
//! so they are stored, looked up, audited and matched against policy in the
//! form `normalise_login` gives; nothing with control characters is
//! accepted, because these names end up in logs, terminals and IMAP replies.

use unicode_normalization::UnicodeNormalization;

use super::error::Error;

/// Longest login or UPN accepted (the longest email address).
const MAX_NAME: usize = 254;
/// Longest password label accepted.
const MAX_LABEL: usize = 64;

/// The one form a login (or a UPN, or an address in policy) is compared
/// in, everywhere: stored logins, policy keys and lists, the audit log,
/// token records and failure counters. It follows the PRECIS
/// `UsernameCaseMapped` profile (RFC 8265 §3.4): full-width and half-width
/// characters mapped to their ordinary forms (`ａｌｉｃｅ` is `alice`),
/// Unicode lower case of the whole address (not ASCII only: `ÅSA` is
/// `åsa`), then Unicode NFC (so `Zoë` typed as `o` + combining diaeresis is
/// the same login as the precomposed `ë`). Lower-casing is not
/// language-specific: `I` becomes `i` and the Turkish dotted `İ` becomes
/// `i` + U+0307, which stays a different login from `i`. Domains are kept
/// as written (no IDNA mapping): `xn--` and Unicode spellings of one
/// domain are different logins.
pub fn normalise_login(login: &str) -> String {
    let widths: String = login.chars().flat_map(width_mapped).collect();
    let lower = widths.nfc().collect::<String>().to_lowercase();
    lower.nfc().collect()
}

/// RFC 8265 §3.3.1 width mapping: a character of the Halfwidth and
/// Fullwidth Forms block becomes its compatibility decomposition.
fn width_mapped(c: char) -> Vec<char> {
    if ('\u{FF00}'..='\u{FFEF}').contains(&c) {
        std::iter::once(c).nfkc().collect()
    } else {
        vec![c]
    }
}

/// The form a login is stored and looked up under.
pub(super) fn lookup_key(login: &str) -> String {
    normalise_login(login)
}

/// `login` lower-cased, if it can be a login name: 1 to 254 characters,
/// no spaces, no control characters.
pub fn check_login(login: &str) -> Result<String, Error> {
    let bad = |problem| Error::InvalidLogin {
        login: login.to_string(),
        problem,
    };
    if login.is_empty() {
        return Err(bad("it is empty"));
    }
    if login.chars().count() > MAX_NAME {
        return Err(bad("it is longer than 254 characters"));
    }
    if login.chars().any(char::is_control) {
        return Err(bad("it contains a control character"));
    }
    if login.chars().any(char::is_whitespace) {
        return Err(bad("it contains a space"));
    }
    Ok(lookup_key(login))
}

/// `upn` lower-cased, if it has the shape of a Microsoft 365 user name:
/// `local@domain.tld`, no spaces or control characters.
pub fn check_microsoft_user(upn: &str) -> Result<String, Error> {
    let bad = |problem| Error::InvalidMicrosoftUser {
        user: upn.to_string(),
        problem,
    };
    if upn.is_empty() {
        return Err(bad("it is empty"));
    }
    if upn.chars().count() > MAX_NAME {
        return Err(bad("it is longer than 254 characters"));
    }
    if upn.chars().any(char::is_control) {
        return Err(bad("it contains a control character"));
    }
    if upn.chars().any(char::is_whitespace) {
        return Err(bad("it contains a space"));
    }
    let Some((local, domain)) = upn.split_once('@') else {
        return Err(bad("it has no @"));
    };
    if domain.contains('@') {
        return Err(bad("it has more than one @"));
    }
    if local.is_empty() {
        return Err(bad("nothing comes before the @"));
    }
    if local.contains(['"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\']) {
        return Err(bad(
            "the part before the @ has a character a UPN cannot have",
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("the domain after the @ has no dot"));
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return Err(bad("the domain after the @ is not a domain name"));
    }
    Ok(normalise_login(upn))
}

/// `label` if it can label a password: 1 to 64 characters, no control
/// characters, no spaces at either end.
pub fn check_label(label: &str) -> Result<String, Error> {
    let bad = |problem| Error::InvalidLabel {
        label: label.to_string(),
        problem,
    };
    if label.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    if label.chars().count() > MAX_LABEL {
        return Err(bad("it is longer than 64 characters"));
    }
    if label.chars().any(char::is_control) {
        return Err(bad("it contains a control character"));
    }
    if label.trim() != label {
        return Err(bad("it starts or ends with a space"));
    }
    Ok(label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lower_cased_and_checked() {
        let long = "a".repeat(255);
        let cases: &[(&str, Option<&str>)] = &[
            ("Alice@Contoso.COM", Some("alice@contoso.com")),
            ("scanner", Some("scanner")),
            ("ÅSA@contoso.com", Some("åsa@contoso.com")),
            ("ALICE@CONTOSO.TEST", Some("alice@contoso.test")),
            // NFD (o + combining diaeresis) and NFC (ë) are one login.
            ("Zoe\u{308}@contoso.test", Some("zo\u{eb}@contoso.test")),
            ("Zo\u{cb}@contoso.test", Some("zo\u{eb}@contoso.test")),
            // Full-width letters are their ordinary forms.
            ("\u{ff41}lice@contoso.test", Some("alice@contoso.test")),
            // Not Turkish-specific: İ keeps its dot, ı stays dotless.
            ("\u{130}nci@contoso.test", Some("i\u{307}nci@contoso.test")),
            ("\u{131}nci@contoso.test", Some("\u{131}nci@contoso.test")),
            ("INCI@contoso.test", Some("inci@contoso.test")),
            ("", None),
            ("al ice", None),
            ("alice\n", None),
            ("ali\u{7f}ce", None),
            (&long, None),
        ];
        for (login, expected) in cases {
            assert_eq!(check_login(login).ok().as_deref(), *expected, "{login:?}");
        }
    }

    #[test]
    fn normalising_is_idempotent_and_merges_the_spellings_of_one_login() {
        let spellings = [
            "zo\u{eb}@contoso.test",
            "Zo\u{eb}@Contoso.Test",
            "ZO\u{cb}@CONTOSO.TEST",
            "zoe\u{308}@contoso.test",
            "ZOE\u{308}@CONTOSO.TEST",
            "\u{ff3a}o\u{eb}@contoso.test",
        ];
        for s in spellings {
            let n = normalise_login(s);
            assert_eq!(n, "zo\u{eb}@contoso.test", "{s:?}");
            assert_eq!(normalise_login(&n), n, "idempotent for {s:?}");
        }
        assert_ne!(
            normalise_login("alice@contoso.test"),
            normalise_login("alice@contoso.tes")
        );
    }

    #[test]
    fn microsoft_users_must_look_like_upns() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Alice@Contoso.com", Some("alice@contoso.com")),
            ("alice@contoso.test", Some("alice@contoso.test")),
            (
                "first.last+tag@sub.contoso.co.uk",
                Some("first.last+tag@sub.contoso.co.uk"),
            ),
            (
                "svc_scan@contoso.onmicrosoft.com",
                Some("svc_scan@contoso.onmicrosoft.com"),
            ),
            ("", None),
            ("alice", None),
            ("@contoso.com", None),
            ("alice@", None),
            ("alice@contoso", None),
            ("alice@@contoso.com", None),
            ("alice@bob@contoso.com", None),
            ("alice@contoso..com", None),
            ("alice@-contoso.com", None),
            ("alice@contoso.com.", None),
            ("al ice@contoso.com", None),
            ("alice@contoso.com\r\n", None),
            ("alice\u{0}@contoso.com", None),
            ("<alice@contoso.com>", None),
            ("alice@con_toso.com", None),
        ];
        for (upn, expected) in cases {
            assert_eq!(
                check_microsoft_user(upn).ok().as_deref(),
                *expected,
                "{upn:?}"
            );
        }
    }

    #[test]
    fn labels_are_checked() {
        let long = "x".repeat(65);
        let cases: &[(&str, bool)] = &[
            ("default", true),
            ("scanner 2nd floor", true),
            ("Thunderbird (laptop)", true),
            ("", false),
            ("   ", false),
            (" scanner", false),
            ("scanner\t", false),
            ("scan\u{1b}[31mner", false),
            (&long, false),
        ];
        for (label, ok) in cases {
            assert_eq!(check_label(label).is_ok(), *ok, "{label:?}");
        }
    }

    #[test]
    fn errors_quote_the_name_so_control_characters_show() {
        let err = check_login("a\nb").unwrap_err().to_string();
        assert_eq!(
            err,
            "\"a\\nb\" cannot be a login name: it contains a control character"
        );
    }
}
