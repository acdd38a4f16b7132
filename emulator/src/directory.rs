//! The emulated tenant's directory: users and shared mailboxes, the app
//! registrations that may ask for tokens, and Exchange's mailbox permissions
//! (FullAccess, SendAs, SendOnBehalf).
//!
//! This is the "Entra + Exchange admin centre" of the emulator. Graph checks
//! every request against it; the control API changes it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A recipient with a mailbox in the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectoryUser {
    pub(crate) oid: Uuid,
    /// The user principal name, which is also the mailbox's address.
    pub upn: String,
    pub(crate) display_name: String,
    /// Password typed on the emulator's sign-in page (never a gateway password).
    /// Shared mailboxes have none and cannot sign in.
    pub(crate) password: Option<String>,
    pub(crate) kind: UserKind,
    /// Other SMTP addresses that resolve to this mailbox.
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    /// Refresh tokens issued before this Unix time are revoked
    /// (`POST /_emulator/users/{upn}/revoke-sessions`, AADSTS50173).
    #[serde(default)]
    pub(crate) sessions_valid_after: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum UserKind {
    Member,
    SharedMailbox,
}

/// A certificate registered on an app (for `private_key_jwt` client assertions).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppCertificate {
    /// base64url of the SHA-1 of the certificate's DER (the JWT `x5t`).
    pub x5t: String,
    /// The certificate in PEM; the emulator verifies RS256 assertions with its key.
    pub pem: String,
}

/// An Entra app registration with its consent state: what it may ask of
/// Graph, the API it may expose itself (App ID URIs and scopes), and the
/// permissions it holds on other apps' APIs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppRegistration {
    /// The application (client) id.
    pub client_id: String,
    /// The name the consent page and the tokens' `app_displayname` show.
    pub display_name: String,
    /// Client secrets (confidential client).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Certificates for client assertions (`private_key_jwt`).
    #[serde(default)]
    pub certificates: Vec<AppCertificate>,
    /// Application permissions (roles) with admin consent: `Mail.ReadWrite`, `Mail.Send`, ...
    #[serde(default)]
    pub app_roles: BTreeSet<String>,
    /// Delegated scopes consented for the tenant: `Mail.ReadWrite`, `Mail.Send.Shared`, ...
    /// (short form, without the `https://graph.microsoft.com/` prefix; OIDC scopes
    /// `openid profile email offline_access` are always allowed).
    #[serde(default)]
    pub delegated_scopes: BTreeSet<String>,
    /// "Allow public client flows" (device code, auth code without a secret).
    #[serde(default)]
    pub public_client: bool,
    /// Registered redirect URIs; `http://localhost` matches any port (loopback rule).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Exchange RBAC for Applications: when set, app-only tokens reach only
    /// these mailboxes (UPNs); others get 403 ErrorAccessDenied.
    #[serde(default)]
    pub mailbox_scope: Option<BTreeSet<String>>,
    /// "Expose an API": the App ID URIs that name this app as a resource
    /// (`api://{client_id}`); scopes are requested as `{uri}/{scope}`.
    #[serde(default)]
    pub identifier_uris: Vec<String>,
    /// The delegated scopes this app's API exposes (`Mail.Gateway`).
    #[serde(default)]
    pub api_scopes: BTreeSet<String>,
    /// The manifest's `requestedAccessTokenVersion`: tokens for this app's
    /// API are v2.0 when it is 2, v1.0 when it is 1 or unset.
    #[serde(default)]
    pub access_token_version: Option<u8>,
    /// Delegated permissions consented for this client on exposed APIs, in
    /// full form (`api://{resource}/Mail.Gateway`); may name its own API.
    #[serde(default)]
    pub api_permissions: BTreeSet<String>,
}

/// Exchange mailbox permissions a user can hold on another mailbox.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum MailboxRight {
    FullAccess,
    SendAs,
    SendOnBehalf,
}

impl MailboxRight {
    pub(crate) fn parse(s: &str) -> Option<MailboxRight> {
        match s.to_ascii_lowercase().as_str() {
            "fullaccess" => Some(MailboxRight::FullAccess),
            "sendas" => Some(MailboxRight::SendAs),
            "sendonbehalf" => Some(MailboxRight::SendOnBehalf),
            _ => None,
        }
    }
}

/// One permission grant: `user` holds `right` on `mailbox` (both object ids).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Grant {
    pub(crate) mailbox: Uuid,
    pub(crate) user: Uuid,
    pub(crate) right: MailboxRight,
}

/// The tenant's directory: its users and shared mailboxes, the app
/// registrations, and the Exchange permissions between mailboxes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Directory {
    pub(crate) tenant_id: Uuid,
    /// The tenant's verified domain (`contoso.test`).
    pub(crate) domain: String,
    /// Users and shared mailboxes.
    pub users: Vec<DirectoryUser>,
    /// App registrations that may ask for tokens.
    pub apps: Vec<AppRegistration>,
    pub(crate) grants: BTreeSet<Grant>,
}

impl Directory {
    /// Does `tenant` (a GUID or a verified domain) name this tenant?
    /// `common` and `organizations` are accepted as Entra accepts them for
    /// work accounts.
    pub(crate) fn matches_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.domain)
            || Uuid::parse_str(tenant).is_ok_and(|t| t == self.tenant_id)
            || tenant.eq_ignore_ascii_case("common")
            || tenant.eq_ignore_ascii_case("organizations")
    }

    /// Find a user by object id, UPN or alias (case-insensitive).
    pub(crate) fn user(&self, key: &str) -> Option<&DirectoryUser> {
        if let Ok(oid) = Uuid::parse_str(key) {
            return self.users.iter().find(|u| u.oid == oid);
        }
        self.users.iter().find(|u| {
            u.upn.eq_ignore_ascii_case(key) || u.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
        })
    }

    /// A user by object id.
    pub(crate) fn user_by_oid(&self, oid: Uuid) -> Option<&DirectoryUser> {
        self.users.iter().find(|u| u.oid == oid)
    }

    /// A user by object id, UPN or alias (case-insensitive), to change.
    pub fn user_mut(&mut self, key: &str) -> Option<&mut DirectoryUser> {
        let oid = self.user(key)?.oid;
        self.users.iter_mut().find(|u| u.oid == oid)
    }

    /// An app registration by client id (case-insensitive).
    pub(crate) fn app(&self, client_id: &str) -> Option<&AppRegistration> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// The app whose API `resource` names: one of its App ID URIs or its
    /// client id (case-insensitive, a trailing `/` ignored).
    pub(crate) fn api_app(&self, resource: &str) -> Option<&AppRegistration> {
        let resource = resource.trim_end_matches('/');
        self.apps
            .iter()
            .find(|a| {
                a.identifier_uris
                    .iter()
                    .any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(resource))
            })
            .or_else(|| self.app(resource))
    }

    /// An app registration by client id (case-insensitive), to change.
    pub fn app_mut(&mut self, client_id: &str) -> Option<&mut AppRegistration> {
        self.apps
            .iter_mut()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    pub(crate) fn has_right(&self, user: Uuid, mailbox: Uuid, right: MailboxRight) -> bool {
        self.grants.contains(&Grant {
            mailbox,
            user,
            right,
        })
    }
}

/// Strip the Graph resource prefix from a scope: `https://graph.microsoft.com/Mail.Read` → `Mail.Read`.
/// Scopes of other resources are returned unchanged.
pub(crate) fn short_scope(scope: &str) -> &str {
    for prefix in [
        "https://graph.microsoft.com/",
        "https://graph.microsoft.us/",
        "https://dod-graph.microsoft.us/",
        "https://microsoftgraph.chinacloudapi.cn/",
        "00000003-0000-0000-c000-000000000000/",
    ] {
        if scope.len() > prefix.len() && scope[..prefix.len()].eq_ignore_ascii_case(prefix) {
            return &scope[prefix.len()..];
        }
    }
    scope
}

/// OpenID Connect scopes any app may ask for without consent.
pub(crate) const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
