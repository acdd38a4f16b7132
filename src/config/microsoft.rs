//! `[microsoft]`: which Microsoft cloud and tenant the gateway talks to, and
//! the app registration it uses. National clouds have their own sign-in and
//! Graph hosts (docs/microsoft-graph.md §25); `custom` names both by URL, which is how
//! the gateway is pointed at the emulated tenant.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

use super::error::KeyError;
use super::sections::optional_path;
use crate::secret::Secret;

/// The Microsoft cloud a tenant lives in. Tokens are not interchangeable
/// between clouds, and each cloud serves only its own tenants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Microsoft 365 worldwide, including GCC ("moderate").
    #[default]
    Global,
    /// US Government GCC High (L4).
    UsgovHigh,
    /// US Government DoD (L5).
    UsgovDod,
    /// Microsoft 365 operated by 21Vianet.
    China,
    /// Hosts given by `login_url` and `graph_url` (the emulator, a proxy).
    Custom,
}

impl Cloud {
    /// Sign-in (authority) and Graph service root of a national cloud;
    /// `None` for `Custom`.
    pub fn hosts(self) -> Option<(&'static str, &'static str)> {
        match self {
            Cloud::Global => Some((
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com/v1.0",
            )),
            Cloud::UsgovHigh => Some((
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us/v1.0",
            )),
            Cloud::UsgovDod => Some((
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us/v1.0",
            )),
            // The Entra documentation's host; Graph's page still shows
            // login.chinacloudapi.cn, which redirects to it.
            Cloud::China => Some((
                "https://login.partner.microsoftonline.cn",
                "https://microsoftgraph.chinacloudapi.cn/v1.0",
            )),
            Cloud::Custom => None,
        }
    }
}

/// `[microsoft]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicrosoftSection {
    pub cloud: Cloud,
    /// Tenant id (GUID) or a verified domain, e.g. `contoso.onmicrosoft.com`.
    pub tenant: String,
    /// Application (client) id of the app registration.
    pub client_id: String,
    /// Client secret, for the app's own (client credentials) tokens.
    pub client_secret: Secret,
    /// PEM certificate registered with the app, instead of a secret.
    #[serde(with = "optional_path")]
    pub client_certificate: Option<PathBuf>,
    /// PEM private key of `client_certificate`.
    #[serde(with = "optional_path")]
    pub client_key: Option<PathBuf>,
    /// Sign-in host, replacing the cloud's (required for `custom`).
    pub login_url: String,
    /// Graph service root with its version, replacing the cloud's
    /// (required for `custom`), e.g. `http://127.0.0.1:8787/v1.0`.
    pub graph_url: String,
}

/// Where the gateway signs in and where it calls Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The identity platform's root; `/{tenant}/oauth2/v2.0/…` goes below it.
    pub login: Url,
    /// Graph's service root, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph: Url,
}

impl MicrosoftSection {
    /// The sign-in and Graph URLs: the cloud's, unless overridden.
    pub fn endpoints(&self) -> Result<Endpoints, KeyError> {
        let hosts = self.cloud.hosts();
        let login = pick("microsoft.login_url", &self.login_url, hosts.map(|h| h.0))?;
        let graph = pick("microsoft.graph_url", &self.graph_url, hosts.map(|h| h.1))?;
        Ok(Endpoints { login, graph })
    }
}

fn pick(key: &'static str, given: &str, cloud: Option<&str>) -> Result<Url, KeyError> {
    let problem = |problem: String| KeyError::new(key, problem);
    let text = match (given.trim(), cloud) {
        ("", Some(cloud)) => cloud,
        ("", None) => {
            return Err(problem(
                "required when microsoft.cloud = \"custom\" (for the emulator: \
                 login_url = \"http://127.0.0.1:8787\", graph_url = \"http://127.0.0.1:8787/v1.0\")"
                    .into(),
            ));
        }
        (given, _) => given,
    };
    let url = Url::parse(text).map_err(|e| {
        problem(format!(
            "{text:?} is not a URL ({e}); expected e.g. https://host"
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(problem(format!(
            "{text:?} uses plain http to a host that is not loopback; tokens must not cross a network in clear text, use https"
        ))),
        other => Err(problem(format!(
            "{text:?} has scheme {other:?}; use https (or http to a loopback address)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::{Cloud, MicrosoftSection};

    fn section(cloud: Cloud, login: &str, graph: &str) -> MicrosoftSection {
        MicrosoftSection {
            cloud,
            login_url: login.into(),
            graph_url: graph.into(),
            ..MicrosoftSection::default()
        }
    }

    #[test]
    fn each_cloud_maps_to_its_documented_hosts() {
        let cases = [
            (
                Cloud::Global,
                "login.microsoftonline.com",
                "graph.microsoft.com",
            ),
            (
                Cloud::UsgovHigh,
                "login.microsoftonline.us",
                "graph.microsoft.us",
            ),
            (
                Cloud::UsgovDod,
                "login.microsoftonline.us",
                "dod-graph.microsoft.us",
            ),
            (
                Cloud::China,
                "login.partner.microsoftonline.cn",
                "microsoftgraph.chinacloudapi.cn",
            ),
        ];
        for (cloud, login, graph) in cases {
            let ep = section(cloud, "", "").endpoints().unwrap();
            assert_eq!(ep.login.host_str(), Some(login));
            assert_eq!(ep.graph.host_str(), Some(graph));
            assert_eq!(ep.graph.path(), "/v1.0");
        }
    }

    #[test]
    fn custom_needs_both_urls_and_plain_http_only_on_loopback() {
        let err = section(Cloud::Custom, "", "").endpoints().unwrap_err();
        assert_eq!(err.key, "microsoft.login_url");
        let ep = section(
            Cloud::Custom,
            "http://127.0.0.1:8787",
            "http://localhost:8787/v1.0",
        )
        .endpoints()
        .unwrap();
        assert_eq!(ep.graph.as_str(), "http://localhost:8787/v1.0");
        let err = section(
            Cloud::Custom,
            "http://login.example",
            "https://graph.example/v1.0",
        )
        .endpoints()
        .unwrap_err();
        assert_eq!(err.key, "microsoft.login_url");
        assert!(err.problem.contains("use https"), "{}", err.problem);
        let err = section(Cloud::Global, "", "ftp://x")
            .endpoints()
            .unwrap_err();
        assert_eq!(err.key, "microsoft.graph_url");
    }
}
