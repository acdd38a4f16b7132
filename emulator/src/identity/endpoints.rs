//! Where the identity platform is, as a client sees it: the origin from the
//! Host header (endpoints and audiences are built from it), the issuer, and
//! the multi-tenant aliases `common` and `organizations`.

use http::HeaderMap;

use crate::directory::Directory;

/// Scheme and host the client used to reach us (`http://127.0.0.1:8787`),
/// from the Host header; endpoints and audiences are built from it.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| p.eq_ignore_ascii_case("https"))
        .map_or("http", |_| "https");
    format!("{proto}://{host}")
}

/// Is `tenant` one of the multi-tenant aliases rather than this tenant itself?
pub(crate) fn is_multi_tenant_alias(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case("common") || tenant.eq_ignore_ascii_case("organizations")
}

/// The issuer of id tokens and of the discovery document.
pub(crate) fn issuer(origin: &str, dir: &Directory) -> String {
    format!("{origin}/{}/v2.0", dir.tenant_id)
}
