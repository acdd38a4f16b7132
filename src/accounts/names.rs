//! What a login name, a Microsoft 365 user name (UPN) and a password label
//! may look like. Logins and UPNs are case-insensitive, so they are stored
//! and looked up lower-case; nothing with control characters is accepted,
//! because these names end up in logs, terminals and IMAP replies.

use super::error::Error;

/// Longest login or UPN accepted (the longest email address).
const MAX_NAME: usize = 254;
/// Longest password label accepted.
const MAX_LABEL: usize = 64;

/// The form a login is stored and looked up under.
pub(super) fn lookup_key(login: &str) -> String {
    login.to_lowercase()
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
    Ok(upn.to_lowercase())
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
