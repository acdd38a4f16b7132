//! The `scope` parameter: which resource it asks for, Microsoft Graph (with
//! or without the `https://graph.microsoft.com/` prefix) or exactly one API
//! an app registration exposes (`api://{id}/Scope`, `{client-id}/Scope`),
//! plus `.default` and the OIDC scopes; checked against the client's
//! tenant-wide consent when tokens are issued.

use std::collections::BTreeSet;

use super::error::OAuthError;
use crate::directory::{AppRegistration, Directory, OIDC_SCOPES, short_scope};

/// An exposed API a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiResource {
    /// The resource app's client id.
    pub client_id: String,
    /// The resource as the request named it, in the registration's spelling:
    /// one of its App ID URIs, or its client id. Prefixes the scopes of
    /// the token response and is the `aud` of v1.0 tokens.
    pub identifier: String,
}

/// A parsed `scope` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Requested {
    /// The API asked for, or None for Microsoft Graph.
    pub api: Option<ApiResource>,
    /// Permissions of that resource, short form: as typed for Graph, in the
    /// registration's spelling for an API.
    pub resource: BTreeSet<String>,
    /// `.default` was asked for: every consented permission.
    pub default: bool,
    /// OIDC scopes, lower case.
    pub oidc: BTreeSet<String>,
}

impl Requested {
    /// Only OIDC scopes: no resource permission and no `.default`.
    pub(crate) fn oidc_only(&self) -> bool {
        self.api.is_none() && self.resource.is_empty() && !self.default
    }
}

fn oidc_name(s: &str) -> Option<&'static str> {
    OIDC_SCOPES
        .iter()
        .copied()
        .find(|o| o.eq_ignore_ascii_case(s))
}

/// The API `name` (an App ID URI or a client id) designates, if any.
pub(crate) fn find_api(dir: &Directory, name: &str) -> Option<ApiResource> {
    let app = dir.api_app(name)?;
    let trimmed = name.trim_end_matches('/');
    let identifier = app
        .identifier_uris
        .iter()
        .find(|u| u.trim_end_matches('/').eq_ignore_ascii_case(trimmed))
        .cloned()
        .unwrap_or_else(|| app.client_id.clone());
    Some(ApiResource {
        client_id: app.client_id.clone(),
        identifier,
    })
}

pub(crate) fn unknown_resource(resource: &str, tenant_domain: &str) -> OAuthError {
    OAuthError::new(
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {resource} was not found in the tenant named {tenant_domain}. \
             This can happen if the application has not been installed by the administrator of the tenant \
             or consented to by any user in the tenant. You might have sent your authentication request to \
             the wrong tenant."
        ),
    )
}

fn more_than_one_resource(raw: &str) -> OAuthError {
    OAuthError::new(
        "invalid_scope",
        28000,
        format!(
            "Provided value for the input parameter scope is not valid because it contains more than one \
             resource. Scope {raw} is not valid."
        ),
    )
}

/// Where the parse stands: the one resource seen so far.
#[derive(Default)]
struct Target {
    graph: bool,
    api: Option<ApiResource>,
}

impl Target {
    /// Note a Graph scope; false if an API was already asked for.
    fn graph(&mut self) -> bool {
        self.graph = true;
        self.api.is_none()
    }

    /// Note a scope of `api`; false if Graph or another API was asked for.
    fn api(&mut self, api: ApiResource) -> bool {
        if self.graph {
            return false;
        }
        match &self.api {
            Some(seen) => seen.client_id.eq_ignore_ascii_case(&api.client_id),
            None => {
                self.api = Some(api);
                true
            }
        }
    }
}

/// Parse a scope parameter: Graph permissions, or those of one exposed API.
pub(crate) fn parse(raw: &str, dir: &Directory) -> Result<Requested, OAuthError> {
    let mut r = Requested::default();
    let mut target = Target::default();
    for scope in raw.split_whitespace() {
        if let Some(o) = oidc_name(scope) {
            r.oidc.insert(o.to_string());
            continue;
        }
        let short = short_scope(scope);
        if short == scope && scope.contains('/') {
            let (resource, name) = scope.rsplit_once('/').unwrap_or_default();
            if name.is_empty() || resource.ends_with(':') || resource.ends_with(":/") {
                return Err(invalid_scope(scope));
            }
            let api =
                find_api(dir, resource).ok_or_else(|| unknown_resource(resource, &dir.domain))?;
            let exposing = dir.app(&api.client_id).cloned().unwrap_or_default();
            if !target.api(api) {
                return Err(more_than_one_resource(raw));
            }
            if name == ".default" {
                r.default = true;
                continue;
            }
            let exposed = exposing
                .api_scopes
                .iter()
                .find(|s| s.eq_ignore_ascii_case(name))
                .ok_or_else(|| invalid_scope(scope))?;
            r.resource.insert(exposed.clone());
            continue;
        }
        if !target.graph() {
            return Err(more_than_one_resource(raw));
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
    r.api = target.api;
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

/// The scopes of `resource`'s API (its spelling) that `client` holds
/// consent for: its `api_permissions` naming that API by any of its App ID
/// URIs or its client id.
pub(crate) fn api_consent(
    client: &AppRegistration,
    resource: &AppRegistration,
) -> BTreeSet<String> {
    let names_resource = |r: &str| {
        let r = r.trim_end_matches('/');
        r.eq_ignore_ascii_case(&resource.client_id)
            || resource
                .identifier_uris
                .iter()
                .any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(r))
    };
    client
        .api_permissions
        .iter()
        .filter_map(|p| p.rsplit_once('/'))
        .filter(|(r, _)| names_resource(r))
        .filter_map(|(_, name)| {
            resource
                .api_scopes
                .iter()
                .find(|s| s.eq_ignore_ascii_case(name))
        })
        .cloned()
        .collect()
}

/// The permissions `r` asks for, in the registration's spelling, if the
/// client `app` has consent for every one of them (`.default`: all it has;
/// for an API, at least one).
pub(crate) fn consented(
    r: &Requested,
    app: &AppRegistration,
    dir: &Directory,
) -> Result<BTreeSet<String>, OAuthError> {
    let held = match &r.api {
        None => app.delegated_scopes.clone(),
        Some(api) => {
            let resource = dir
                .app(&api.client_id)
                .ok_or_else(|| unknown_resource(&api.identifier, &dir.domain))?;
            api_consent(app, resource)
        }
    };
    if r.default {
        if r.api.is_some() && held.is_empty() {
            return Err(consent_required(app));
        }
        return Ok(held);
    }
    let mut out = BTreeSet::new();
    for s in &r.resource {
        match held.iter().find(|c| c.eq_ignore_ascii_case(s)) {
            Some(c) => out.insert(c.clone()),
            None => return Err(consent_required(app)),
        };
    }
    Ok(out)
}

/// The `scope` of a token response: the resource's permissions with their
/// resource prefix (Graph's, or the API's identifier as requested), then
/// OIDC scopes bare.
pub(crate) fn response_scope(granted: &BTreeSet<String>, api: Option<&ApiResource>) -> String {
    let prefix = api.map_or("https://graph.microsoft.com", |a| a.identifier.as_str());
    let prefix = prefix.trim_end_matches('/');
    let mut out: Vec<String> = granted
        .iter()
        .filter(|s| oidc_name(s).is_none())
        .map(|s| format!("{prefix}/{s}"))
        .collect();
    out.extend(
        OIDC_SCOPES
            .iter()
            .filter(|o| granted.contains(**o))
            .map(|o| o.to_string()),
    );
    out.join(" ")
}

/// Client credentials take exactly `<resource>/.default`: Graph's (None) or
/// an exposed API's.
pub(crate) fn client_credentials_target(
    raw: &str,
    dir: &Directory,
) -> Result<Option<ApiResource>, OAuthError> {
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
        return Ok(None);
    }
    if resource.is_empty() {
        return Err(bad());
    }
    match find_api(dir, resource) {
        Some(api) => Ok(Some(api)),
        None => Err(OAuthError::new(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}.",
                dir.domain
            ),
        )),
    }
}

#[cfg(test)]
#[path = "tests_scopes.rs"]
mod tests;
