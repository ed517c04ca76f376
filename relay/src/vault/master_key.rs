//! The master key: 32 random bytes kept in a file or the environment, named by a key id that
//! identifies it without revealing it.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::OsRng;
use aes_gcm::{Aes256Gcm, KeyInit};
use anyhow::{bail, Context};
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// AES-256: 32 bytes.
pub const KEY_LEN: usize = 32;
/// How many bytes of the key's SHA-256 name it; 64 bits tell a handful of keys apart and
/// give nothing away about the other 192 bits of the hash, let alone the key.
pub const KEY_ID_LEN: usize = 8;
/// The key file the relay uses, and creates on first start, when none is configured.
pub const DEFAULT_FILE_NAME: &str = "master.key";

/// The first bytes of the SHA-256 of a master key. Shown in hex in messages and logs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    pub fn from_slice(bytes: &[u8]) -> Option<KeyId> {
        bytes.try_into().ok().map(KeyId)
    }

    pub(crate) fn from_array(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A master key. The bytes are wiped when it is dropped and never printed.
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    id: KeyId,
}

impl MasterKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> MasterKey {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(bytes.as_mut());
        MasterKey::from_zeroizing(bytes)
    }

    /// A key from its 32 bytes (the caller wipes its own copy).
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> MasterKey {
        MasterKey::from_zeroizing(Zeroizing::new(*bytes))
    }

    fn from_zeroizing(bytes: Zeroizing<[u8; KEY_LEN]>) -> MasterKey {
        let digest = Sha256::digest(bytes.as_ref());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        MasterKey { bytes, id: KeyId(id) }
    }

    /// Parses the text form: standard base64 of exactly 32 bytes, surrounding whitespace ignored.
    /// The error never repeats the text, which may be a key with a typo in it.
    pub fn parse_base64(text: &str) -> Result<MasterKey, MalformedKey> {
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD.decode(text.trim().as_bytes()).map_err(|_| MalformedKey)?,
        );
        let bytes: &[u8; KEY_LEN] = decoded.as_slice().try_into().map_err(|_| MalformedKey)?;
        Ok(MasterKey::from_bytes(bytes))
    }

    /// The text form, for a key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.bytes.as_ref()))
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The AES-256-GCM cipher under this key; its key schedule is wiped on drop.
    pub(crate) fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.bytes.as_ref().into())
    }

    /// Reads a key file (the text form, one line).
    pub fn read_file(path: &Path) -> anyhow::Result<MasterKey> {
        let text = Zeroizing::new(
            fs::read(path).with_context(|| format!("cannot read the master key file {}", path.display()))?,
        );
        warn_if_readable_by_others(path);
        let text = std::str::from_utf8(&text).map_err(|_| MalformedKey)?;
        MasterKey::parse_base64(text).with_context(|| format!("the master key file {} is malformed", path.display()))
    }

    /// Writes this key to a new file at `path`, created with mode 0600 so that no other user
    /// can read it at any moment. It is written under a temporary name, flushed, and renamed
    /// into place with its directory flushed too: once this returns a crash cannot lose the
    /// key, and a crash before leaves no half-written key file behind. Fails if `path` exists.
    pub fn write_new_file(&self, path: &Path) -> anyhow::Result<()> {
        ensure_absent(path)?;
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        // Left over from an interrupted write; `create_new` below must not trip over it.
        let _ = fs::remove_file(&partial);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let write = || -> std::io::Result<()> {
            let mut file = options.open(&partial)?;
            let text = self.to_base64();
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&partial, path)
        };
        write().with_context(|| format!("cannot write the master key file {}", path.display()))?;
        sync_parent_dir(path)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).field("bytes", &Redacted).finish()
    }
}

/// The key text is not base64 of 32 bytes. Deliberately without detail: base64 errors name the
/// offending character and its position, which would leak part of a key.
#[derive(Debug, thiserror::Error)]
#[error("a master key must be standard base64 of exactly 32 bytes (make one with `head -c 32 /dev/urandom | base64`)")]
pub struct MalformedKey;

/// The master key as given in `VIZKRAFT_MASTER_KEY`: unparsed (so that clap's errors never
/// echo it), wiped on drop and redacted in `Debug`.
#[derive(Clone, Default)]
pub struct MasterKeyText(Zeroizing<String>);

impl MasterKeyText {
    pub fn parse(&self) -> Result<MasterKey, MalformedKey> {
        MasterKey::parse_base64(&self.0)
    }
}

impl FromStr for MasterKeyText {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(MasterKeyText(Zeroizing::new(text.to_owned())))
    }
}

impl fmt::Debug for MasterKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted.fmt(f)
    }
}

/// What every secret-holding type prints instead of its contents.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("‹redacted›")
    }
}

/// A rename or a new file is durable only once its directory is flushed too (fsync(2)).
pub(crate) fn sync_parent_dir(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot flush the directory {}", dir.display()))?;
    }
    Ok(())
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "the master key file is readable by other users; chmod 600 it");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Refuses to go on when `path` is a key we would overwrite.
pub(crate) fn ensure_absent(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} already exists; refusing to overwrite a master key", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_id_is_the_first_eight_bytes_of_sha256_in_hex() {
        let key = MasterKey::from_bytes(&[7u8; KEY_LEN]);
        let digest = Sha256::digest([7u8; KEY_LEN]);
        let expected: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(key.id().to_string(), expected);
    }

    #[test]
    fn the_text_form_round_trips_and_ignores_a_trailing_newline() {
        let key = MasterKey::generate();
        let text = format!("{}\n", key.to_base64().as_str());
        assert_eq!(MasterKey::parse_base64(&text).unwrap().id(), key.id());
    }

    #[test]
    fn a_malformed_key_is_refused_without_echoing_it() {
        for text in ["not base64 at all!", "c2hvcnQ=", ""] {
            let message = MasterKey::parse_base64(text).unwrap_err().to_string();
            assert!(!message.contains(text) || text.is_empty(), "{message}");
        }
        let too_long = base64::engine::general_purpose::STANDARD.encode([1u8; 33]);
        assert!(MasterKey::parse_base64(&too_long).is_err());
    }

    #[test]
    fn a_new_key_file_is_created_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let key = MasterKey::generate();
        key.write_new_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(MasterKey::read_file(&path).unwrap().id(), key.id());
        assert!(key.write_new_file(&path).is_err(), "an existing key file must never be overwritten");
    }

    #[test]
    fn debug_of_a_key_and_its_text_shows_neither_bytes_nor_base64() {
        let key = MasterKey::from_bytes(&[0xAB; KEY_LEN]);
        let text = key.to_base64();
        let shown = format!("{key:?} {:?}", text.parse::<MasterKeyText>().unwrap());
        assert!(!shown.contains(text.as_str()) && !shown.to_lowercase().contains("abab"), "{shown}");
        assert!(shown.contains("‹redacted›"));
    }
}
