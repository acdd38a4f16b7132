//! Configuration values that may hold a password (the store's URL) are
//! shown through `redact_url`, in errors and logs alike.

/// A URL without its password, for error messages and logs. A URL that
/// does not even parse loses everything between `://` and its last `@`,
/// where a password would be.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let in_query = u.query_pairs().any(|(k, _)| k == "password");
            if u.password().is_none() && !in_query {
                return url.to_string();
            }
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if in_query {
                // PostgreSQL URLs may carry the password as `?password=`.
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == "password" {
                            "***".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start + 3 => {
                format!("{}***{}", &url[..start + 3], &url[at..])
            }
            _ => url.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacted_urls_show_no_password() {
        let cases = [
            (
                "sqlite://data/graphgate.sqlite?mode=rwc",
                "sqlite://data/graphgate.sqlite?mode=rwc",
            ),
            ("postgres://gg:hunter2@db/gg", "postgres://gg:***@db/gg"),
            ("postgres://gg@db/gg", "postgres://gg@db/gg"),
            (
                "postgres://db/gg?user=gg&password=hunter2",
                "postgres://db/gg?user=gg&password=***",
            ),
            (
                "postgres://gg:hun ter2@db:99999/gg",
                "postgres://***@db:99999/gg",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
