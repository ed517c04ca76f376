//! The relay's TLS certificate: the operator's own PEM pair, or a self-signed one that the
//! first start makes and keeps in the data directory, so browsers see the same key every time.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::ParsedCertificate;
use sha2::{Digest, Sha256};

/// The names a self-signed certificate covers: what a person types to reach a relay on their
/// own machine. Anything else needs the operator's own certificate (`--tls-cert`).
pub const SELF_SIGNED_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";

/// A certificate chain with its private key, ready for `rustls`.
pub struct ServerCertificate {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub fingerprints: Fingerprints,
    pub origin: Origin,
}

/// Where the certificate came from, for the start-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The operator's `--tls-cert`/`--tls-key`.
    Provided,
    /// Made on this start and stored in this directory.
    Created(PathBuf),
    /// Made on an earlier start and read back from this directory.
    Reused(PathBuf),
}

/// What a person compares or pins to trust the leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprints {
    /// SHA-256 of the certificate, as browsers show it (`AB:CD:…`).
    pub sha256: String,
    /// Base64 SHA-256 of the SubjectPublicKeyInfo: what Chromium's
    /// `--ignore-certificate-errors-spki-list` and HPKP-style pins (RFC 7469 §2.4) take.
    pub spki_sha256: String,
}

impl ServerCertificate {
    /// The operator's certificate if both paths are given, else the data directory's own.
    pub fn from_options(cert: Option<&Path>, key: Option<&Path>, data_dir: &Path) -> anyhow::Result<Self> {
        match (cert, key) {
            (Some(cert), Some(key)) => Self::from_pem_files(cert, key),
            (None, None) => Self::self_signed_in(&data_dir.join("tls")),
            _ => bail!("--tls-cert and --tls-key go together: give both or neither"),
        }
    }

    /// Reads a PEM certificate chain (leaf first) and its PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        Self::read(cert, key, Origin::Provided)
    }

    /// Reuses the self-signed certificate in `dir`, or makes and stores one there.
    pub fn self_signed_in(dir: &Path) -> anyhow::Result<Self> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        // The key is written first and the certificate last, so a certificate on disk means
        // the pair is complete; a lone key from an interrupted start is replaced.
        if cert.exists() {
            warn_if_key_readable_by_others(&key);
            return Self::read(&cert, &key, Origin::Reused(dir.to_owned()));
        }
        create_private_dir(dir)?;
        let key_pair = rcgen::KeyPair::generate().context("cannot generate a TLS key")?;
        let params = rcgen::CertificateParams::new(SELF_SIGNED_NAMES.map(String::from).to_vec())
            .context("cannot describe the self-signed certificate")?;
        let certificate = params.self_signed(&key_pair).context("cannot sign the self-signed certificate")?;
        write_new_file(&key, key_pair.serialize_pem().as_bytes(), 0o600)?;
        write_new_file(&cert, certificate.pem().as_bytes(), 0o644)?;
        Self::read(&cert, &key, Origin::Created(dir.to_owned()))
    }

    fn read(cert: &Path, key: &Path, origin: Origin) -> anyhow::Result<Self> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read the TLS certificate {}", cert.display()))?;
        let Some(leaf) = chain.first() else {
            bail!("no certificate in {}", cert.display());
        };
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("cannot read the TLS private key {}", key.display()))?;
        let fingerprints = Fingerprints::of(leaf)?;
        Ok(ServerCertificate { chain, key, fingerprints, origin })
    }
}

impl Fingerprints {
    pub fn of(leaf: &CertificateDer<'_>) -> anyhow::Result<Self> {
        let parsed = ParsedCertificate::try_from(leaf).context("the TLS certificate is not valid X.509")?;
        let spki = parsed.subject_public_key_info();
        let mut sha256 = String::with_capacity(95);
        for (i, byte) in Sha256::digest(leaf.as_ref()).iter().enumerate() {
            let separator = if i == 0 { "" } else { ":" };
            let _ = write!(sha256, "{separator}{byte:02X}");
        }
        let spki_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki.as_ref()));
        Ok(Fingerprints { sha256, spki_sha256 })
    }
}

/// The directory only its owner may list, since it holds the private key.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes `path` through a temporary file created with `mode` (so the key is never readable by
/// others, not even between create and chmod) and renamed into place once complete.
fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    // Left over from an interrupted start; `create_new` below must not trip over it.
    let _ = fs::remove_file(&partial);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&partial)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&partial, path)
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

fn warn_if_key_readable_by_others(key: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(key) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %key.display(), "the TLS private key is readable by other users; chmod 600 it");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = key;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_colon_hex_and_base64_of_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let cert = ServerCertificate::self_signed_in(dir.path()).unwrap();
        assert_eq!(cert.fingerprints.sha256.len(), 32 * 3 - 1);
        assert!(cert.fingerprints.sha256.chars().all(|c| c == ':' || c.is_ascii_hexdigit()));
        let spki = base64::engine::general_purpose::STANDARD.decode(&cert.fingerprints.spki_sha256).unwrap();
        assert_eq!(spki.len(), 32);
    }

    #[test]
    fn only_one_of_cert_and_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = ServerCertificate::from_options(Some(Path::new("c.pem")), None, dir.path()).err().unwrap();
        assert!(err.to_string().contains("give both"), "{err}");
    }

    #[test]
    fn a_lone_key_from_an_interrupted_start_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), "half").unwrap();
        fs::write(dir.path().join("key.partial"), "half").unwrap();
        let cert = ServerCertificate::self_signed_in(dir.path()).unwrap();
        assert_eq!(cert.origin, Origin::Created(dir.path().to_owned()));
    }
}
