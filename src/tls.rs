//! TLS for the IMAP and SMTP listeners: the rustls crypto provider
//! (aws-lc-rs), loading a PEM certificate chain and key into a
//! `TlsAcceptor`, and making a self-signed localhost certificate for the
//! demo and for a server with no certificate configured.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// File names `generate_self_signed` writes.
pub const CERT_FILE: &str = "localhost.pem";
pub const KEY_FILE: &str = "localhost-key.pem";

/// Names a self-signed certificate is valid for unless told otherwise.
pub const DEFAULT_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// What went wrong with a certificate or key; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} holds no PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")", path.display())]
    NoCertificate { path: PathBuf },
    #[error(
        "{} holds no PEM private key (expected \"-----BEGIN PRIVATE KEY-----\", or an RSA or EC key)",
        path.display()
    )]
    NoKey { path: PathBuf },
    #[error("{} is not valid PEM: {source}", path.display())]
    BadPem { path: PathBuf, source: pem::Error },
    #[error("certificate {} and key {} cannot be used together: {source}", cert.display(), key.display())]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        source: rustls::Error,
    },
    #[error("cannot make a certificate for {hosts:?}: {source}")]
    Generate {
        hosts: Vec<String>,
        source: rcgen::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The paths of a certificate chain and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPaths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertPaths {
    /// The files `generate_self_signed` writes into `dir`.
    pub fn self_signed_in(dir: &Path) -> CertPaths {
        CertPaths {
            cert: dir.join(CERT_FILE),
            key: dir.join(KEY_FILE),
        }
    }
}

/// Make aws-lc-rs the process's rustls provider. Safe to call more than
/// once; later calls (and a provider someone else installed) are fine.
pub fn install_crypto_provider() {
    let _already_installed = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Load a PEM chain and key into a server configuration.
pub fn load_server_config(paths: &CertPaths) -> Result<Arc<ServerConfig>, TlsError> {
    install_crypto_provider();
    let chain = load_chain(&paths.cert)?;
    let key = load_key(&paths.key)?;
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|source| TlsError::Unusable {
            cert: paths.cert.clone(),
            key: paths.key.clone(),
            source,
        })?;
    Ok(Arc::new(config))
}

/// `load_server_config` as an acceptor for listeners and STARTTLS.
pub fn acceptor(paths: &CertPaths) -> Result<TlsAcceptor, TlsError> {
    load_server_config(paths).map(TlsAcceptor::from)
}

fn pem_error(path: &Path, source: pem::Error, none: TlsError) -> TlsError {
    match source {
        pem::Error::Io(source) => TlsError::Read {
            path: path.to_path_buf(),
            source,
        },
        pem::Error::NoItemsFound => none,
        source => TlsError::BadPem {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// Every certificate in a PEM file, leaf first.
pub fn load_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let none = || TlsError::NoCertificate {
        path: path.to_path_buf(),
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e, none()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e, none()))?;
    if chain.is_empty() {
        return Err(none());
    }
    Ok(chain)
}

/// Whether the certificate in `path` is self-signed (a chain of one whose
/// issuer is its subject): clients cannot check it, so on an address other
/// machines reach it invites a man in the middle. `false` when the file
/// cannot be read (loading it reports that).
pub fn is_self_signed(path: &Path) -> bool {
    match load_chain(path) {
        Ok(chain) => chain.len() == 1 && is_self_issued(&chain[0]),
        Err(_) => false,
    }
}

/// Issuer and subject of an X.509 certificate are the same Name (RFC 5280
/// §4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
/// OPTIONAL, serialNumber, signature, issuer, validity, subject, … } … }).
/// A few lines of DER reading instead of a whole X.509 crate.
fn is_self_issued(der: &[u8]) -> bool {
    fn parts(der: &[u8]) -> Option<(&[u8], &[u8])> {
        let (cert, _) = der::tlv(der, 0x30)?;
        let (mut tbs, _) = der::tlv(cert, 0x30)?;
        if tbs.first() == Some(&0xa0) {
            tbs = der::skip(tbs)?;
        }
        let tbs = der::skip(tbs)?; // serialNumber
        let tbs = der::skip(tbs)?; // signature algorithm
        let issuer = der::whole(tbs)?;
        let tbs = der::skip(tbs)?;
        let tbs = der::skip(tbs)?; // validity
        let subject = der::whole(tbs)?;
        Some((issuer, subject))
    }
    parts(der).is_some_and(|(issuer, subject)| issuer == subject)
}

/// Just enough DER (X.690) to walk a certificate's first fields; every
/// length is checked against what is left, so no input can panic it.
mod der {
    /// The header length and content length of the element at the start.
    fn header(der: &[u8]) -> Option<(usize, usize)> {
        let first = *der.get(1)?;
        if first < 0x80 {
            return Some((2, usize::from(first)));
        }
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in der.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        Some((2 + n, len))
    }

    /// The content of the element at the start, if its tag is `tag`, and what follows it.
    pub(super) fn tlv(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        if *der.first()? != tag {
            return None;
        }
        let (h, len) = header(der)?;
        let end = h.checked_add(len)?;
        Some((der.get(h..end)?, der.get(end..)?))
    }

    /// The element at the start, header included.
    pub(super) fn whole(der: &[u8]) -> Option<&[u8]> {
        let (h, len) = header(der)?;
        der.get(..h.checked_add(len)?)
    }

    /// What follows the element at the start.
    pub(super) fn skip(der: &[u8]) -> Option<&[u8]> {
        let (h, len) = header(der)?;
        der.get(h.checked_add(len)?..)
    }
}

/// The first private key in a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        pem_error(
            path,
            e,
            TlsError::NoKey {
                path: path.to_path_buf(),
            },
        )
    })
}

/// Make a self-signed certificate (ECDSA P-256) for `hosts` (names or IP
/// addresses) and write it to `dir` as `localhost.pem` and
/// `localhost-key.pem` (the key readable by its owner only).
pub fn generate_self_signed(dir: &Path, hosts: &[String]) -> Result<CertPaths, TlsError> {
    // The certificate is public: `graphgate cert generate` writes it where
    // others (a client to trust it, a proxy) may read it.
    generate_into(dir, hosts, false)
}

/// `private`: the directory and both files are the owner's only (inside
/// the data directory); otherwise the certificate is world-readable.
fn generate_into(dir: &Path, hosts: &[String], private: bool) -> Result<CertPaths, TlsError> {
    let generate = || -> Result<(String, String), rcgen::Error> {
        let mut params = rcgen::CertificateParams::new(hosts.to_vec())?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "graphgate self-signed certificate",
        );
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = params.self_signed(&key)?;
        Ok((cert.pem(), key.serialize_pem()))
    };
    let (cert_pem, key_pem) = generate().map_err(|source| TlsError::Generate {
        hosts: hosts.to_vec(),
        source,
    })?;
    let made = if private {
        crate::files::private_dir(dir)
    } else {
        fs::create_dir_all(dir)
    };
    made.map_err(|source| TlsError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let paths = CertPaths::self_signed_in(dir);
    write_file(&paths.key, key_pem.as_bytes(), 0o600)?;
    let cert_mode = if private {
        crate::files::FILE_MODE
    } else {
        0o644
    };
    write_file(&paths.cert, cert_pem.as_bytes(), cert_mode)?;
    Ok(paths)
}

/// The self-signed certificate in `dir`, made on first use and reused
/// after. Returns whether it was just made.
pub fn ensure_self_signed(dir: &Path) -> Result<(CertPaths, bool), TlsError> {
    let paths = CertPaths::self_signed_in(dir);
    if paths.cert.exists() && paths.key.exists() {
        return Ok((paths, false));
    }
    let hosts: Vec<String> = DEFAULT_HOSTS.iter().map(|h| h.to_string()).collect();
    // Inside the data directory everything is graphgate's user's only.
    generate_into(dir, &hosts, true).map(|paths| (paths, true))
}

/// Write through a temporary file and rename, so a reader never sees half
/// a file, with `mode` set before any byte is written.
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    let err = |source| TlsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode);
        // The mode applies only when the file is created; fix an old one.
        if tmp.exists() {
            fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(err)?;
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(contents).map_err(err)?;
    file.sync_all().map_err(err)?;
    fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::{TlsError, acceptor, ensure_self_signed, generate_self_signed, load_chain};

    #[test]
    fn self_signed_certificates_are_recognised_and_junk_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = ensure_self_signed(dir.path()).unwrap();
        assert!(super::is_self_signed(&paths.cert));
        let der = load_chain(&paths.cert).unwrap().remove(0);
        for cut in 0..der.len() {
            assert!(
                !super::is_self_issued(&der[..cut]),
                "a truncated certificate at {cut}"
            );
        }
        // A certificate issued by a CA: issuer and subject differ.
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "test CA");
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["mail.example.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        assert!(!super::is_self_issued(leaf.der()));
        assert!(!super::is_self_signed(&dir.path().join("missing.pem")));
    }

    #[test]
    fn a_generated_certificate_loads_and_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, made) = ensure_self_signed(dir.path()).unwrap();
        assert!(made);
        assert!(acceptor(&paths).is_ok());
        let before = std::fs::read(&paths.cert).unwrap();
        let (again, made) = ensure_self_signed(dir.path()).unwrap();
        assert!(!made);
        assert_eq!(again, paths);
        assert_eq!(std::fs::read(&again.cert).unwrap(), before);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = load_chain(&missing).unwrap_err();
        assert!(matches!(err, TlsError::Read { .. }), "{err}");
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let hosts = vec!["mail.example.test".to_string()];
        let paths = generate_self_signed(dir.path(), &hosts).unwrap();
        // A key file where the certificate should be.
        let err = load_chain(&paths.key).unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");
        let swapped = super::CertPaths {
            cert: paths.cert.clone(),
            key: paths.cert.clone(),
        };
        let err = acceptor(&swapped).err().unwrap();
        assert!(matches!(err, TlsError::NoKey { .. }), "{err}");
        assert!(err.to_string().contains("localhost.pem"), "{err}");
    }
}
