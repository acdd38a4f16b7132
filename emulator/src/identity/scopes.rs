//! The `scope` parameter: Graph permissions (with or without the
//! `https://graph.microsoft.com/` prefix), `.default`, and the OIDC scopes;
//! checked against the app's tenant-wide consent when tokens are issued.

use std::collections::BTreeSet;

use super::error::OAuthError;
use crate::directory::{AppRegistration, OIDC_SCOPES, short_scope};

/// A parsed `scope` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Requested {
    /// Graph permissions, short form, as typed.
    pub resource: BTreeSet<String>,
    /// `.default` was asked for: every consented permission.
    pub default: bool,
    /// OIDC scopes, lower case.
    pub oidc: BTreeSet<String>,
}

fn oidc_name(s: &str) -> Option<&'static str> {
    OIDC_SCOPES
        .iter()
        .copied()
        .find(|o| o.eq_ignore_ascii_case(s))
}

/// Parse a scope parameter. Only Graph is a resource of this tenant.
pub(crate) fn parse(raw: &str, tenant_domain: &str) -> Result<Requested, OAuthError> {
    let mut r = Requested::default();
    for scope in raw.split_whitespace() {
        if let Some(o) = oidc_name(scope) {
            r.oidc.insert(o.to_string());
            continue;
        }
        let short = short_scope(scope);
        if short == scope && (scope.contains("://") || scope.contains('/')) {
            let resource = scope.rsplit_once('/').map_or(scope, |(r, _)| r);
            return Err(OAuthError::new(
                "invalid_resource",
                500011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named {tenant_domain}. \
                     This can happen if the application has not been installed by the administrator of the tenant \
                     or consented to by any user in the tenant. You might have sent your authentication request to \
                     the wrong tenant."
                ),
            ));
        }
        if short == ".default" {
            r.default = true;
        } else if !short.is_empty()
            && short
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            r.resource.insert(short.to_string());
        } else {
            return Err(invalid_scope(scope));
        }
    }
    if r.default && !r.resource.is_empty() {
        return Err(OAuthError::new(
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' isn't valid: '.default' can't be combined with \
             resource-specific scopes.",
        ));
    }
    Ok(r)
}

pub(crate) fn invalid_scope(scope: &str) -> OAuthError {
    OAuthError::new(
        "invalid_scope",
        70011,
        format!(
            "The provided value for the input parameter 'scope' isn't valid. The scope '{scope}' isn't valid."
        ),
    )
}

/// The user or admin has not consented to (all of) these permissions.
pub(crate) fn consent_required(app: &AppRegistration) -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an \
             interactive authorization request for this user and resource.",
            app.client_id, app.display_name
        ),
    )
    .with_suberror("consent_required")
}

/// The permissions `r` asks for, in the app registration's spelling, if the
/// app has consent for every one of them (`.default`: all it has).
pub(crate) fn consented(
    r: &Requested,
    app: &AppRegistration,
) -> Result<BTreeSet<String>, OAuthError> {
    if r.default {
        return Ok(app.delegated_scopes.clone());
    }
    let mut out = BTreeSet::new();
    for s in &r.resource {
        match app
            .delegated_scopes
            .iter()
            .find(|c| c.eq_ignore_ascii_case(s))
        {
            Some(c) => out.insert(c.clone()),
            None => return Err(consent_required(app)),
        };
    }
    Ok(out)
}

/// The `scope` of a token response: Graph permissions with their resource
/// prefix, then OIDC scopes bare.
pub(crate) fn response_scope(granted: &BTreeSet<String>) -> String {
    let mut out: Vec<String> = granted
        .iter()
        .filter(|s| oidc_name(s).is_none())
        .map(|s| format!("https://graph.microsoft.com/{s}"))
        .collect();
    out.extend(
        OIDC_SCOPES
            .iter()
            .filter(|o| granted.contains(**o))
            .map(|o| o.to_string()),
    );
    out.join(" ")
}

/// Client credentials take exactly `<resource>/.default`, and only Graph is
/// a resource here.
pub(crate) fn check_client_credentials_scope(
    raw: &str,
    tenant_domain: &str,
) -> Result<(), OAuthError> {
    let scopes: Vec<&str> = raw.split_whitespace().collect();
    let bad = || {
        OAuthError::new(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {raw} is not valid. Client credential flows must have a scope value \
                 with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    };
    let [scope] = scopes.as_slice() else {
        return Err(bad());
    };
    let Some(resource) = scope.strip_suffix("/.default") else {
        return Err(bad());
    };
    if short_scope(scope) == ".default" {
        return Ok(());
    }
    if resource.is_empty() {
        return Err(bad());
    }
    Err(OAuthError::new(
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {resource} was not found in the tenant named {tenant_domain}."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixed_bare_and_oidc_scopes() {
        let r = parse(
            "offline_access https://graph.microsoft.com/Mail.Read User.Read OpenID",
            "t",
        )
        .unwrap();
        assert_eq!(
            r.resource,
            ["Mail.Read", "User.Read"].map(String::from).into()
        );
        assert_eq!(
            r.oidc,
            ["offline_access", "openid"].map(String::from).into()
        );
        assert!(!r.default);
        assert!(
            parse("https://graph.microsoft.com/.default openid", "t")
                .unwrap()
                .default
        );
    }

    #[test]
    fn refuses_other_resources_and_mixed_default() {
        let cases = [
            ("api://other/.default", 500011),
            ("https://outlook.office.com/IMAP.AccessAsUser.All", 500011),
            (".default Mail.Read", 70011),
            ("Mail<Read", 70011),
        ];
        for (raw, code) in cases {
            assert_eq!(parse(raw, "t").unwrap_err().code, code, "{raw}");
        }
    }

    #[test]
    fn client_credentials_scope_must_be_graph_default() {
        assert!(
            check_client_credentials_scope("https://graph.microsoft.com/.default", "t").is_ok()
        );
        assert!(
            check_client_credentials_scope("00000003-0000-0000-c000-000000000000/.default", "t")
                .is_ok()
        );
        for (raw, code) in [
            ("Mail.Read", 1002012),
            ("https://graph.microsoft.com/Mail.Read", 1002012),
            ("https://graph.microsoft.com/.default openid", 1002012),
            ("https://example.com/.default", 500011),
        ] {
            assert_eq!(
                check_client_credentials_scope(raw, "t").unwrap_err().code,
                code,
                "{raw}"
            );
        }
    }

    #[test]
    fn response_scope_prefixes_graph_permissions() {
        let g: BTreeSet<String> = ["User.Read", "openid", "Mail.Send", "offline_access"]
            .map(String::from)
            .into();
        assert_eq!(
            response_scope(&g),
            "https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read openid offline_access"
        );
    }
}
