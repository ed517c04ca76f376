//! The credential vault: seals data-source passwords with AES-256-GCM envelope encryption under
//! a master key that never enters the database, and is the only thing that can open them.
//!
//! How a data source uses it: `vault.seal(password, &Binding::source_credential(org, source))`,
//! `store::put_credential`; later `store::get_credential` and `vault.open(&sealed, &binding)`,
//! which gives a `Secret` to use inside the connect call and drop (it wipes itself).

pub mod envelope;
pub mod master_key;
pub mod rotate;
pub mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sqlx::SqlitePool;
use zeroize::Zeroizing;

pub use envelope::Sealed;
pub use master_key::{KeyId, MalformedKey, MasterKey, MasterKeyText};

use crate::config::VaultArgs;
use crate::error::RelayError;
use master_key::Redacted;

/// What a secret is for; part of the associated data, so a secret sealed for one purpose
/// never opens as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The password (or other credential) a data source connects with.
    SourceCredential,
    /// The vault's own known constant, sealed once per master key to recognise it at start.
    KeyCheck,
}

impl Purpose {
    /// Stable: these strings are inside every envelope's associated data.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SourceCredential => "source-credential",
            Purpose::KeyCheck => "key-check",
        }
    }
}

/// Where a sealed secret belongs. Sealing and opening must name the same binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub organisation_id: String,
    pub source_id: String,
    pub purpose: Purpose,
}

impl Binding {
    pub fn source_credential(organisation_id: impl Into<String>, source_id: impl Into<String>) -> Binding {
        Binding {
            organisation_id: organisation_id.into(),
            source_id: source_id.into(),
            purpose: Purpose::SourceCredential,
        }
    }

    fn key_check() -> Binding {
        Binding { organisation_id: String::new(), source_id: String::new(), purpose: Purpose::KeyCheck }
    }
}

/// Decrypted bytes. Wiped when dropped, never printed, not `Clone`: keep it only for the
/// call that needs it.
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Secret {
        Secret(bytes)
    }

    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text (passwords are), or `None` if it is not UTF-8.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted.fmt(f)
    }
}

/// Why a secret could not be sealed or opened. Carries key ids at most, never key material
/// or plaintext, so it may be logged.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("malformed sealed credential: {0}")]
    Malformed(&'static str),
    #[error("the credential is sealed with master key {0}, which this relay was not given")]
    UnknownKey(KeyId),
    /// Authentication failed: the envelope was altered, or belongs to another organisation,
    /// source or purpose. AES-GCM cannot tell which, and neither do we.
    #[error(
        "the credential sealed with master key {key_id} does not open: it was altered or belongs to another source"
    )]
    CannotOpen { key_id: KeyId },
    #[error("encryption failed")]
    Crypto,
}

impl From<VaultError> for RelayError {
    fn from(e: VaultError) -> Self {
        RelayError::Internal(e.into())
    }
}

/// The master key(s) and the only way to open a `Sealed`. New secrets are sealed with the
/// current key; other keys are there only while envelopes still need them.
pub struct Vault {
    current: MasterKey,
    previous: BTreeMap<KeyId, MasterKey>,
}

impl Vault {
    pub fn new(current: MasterKey) -> Vault {
        Vault { current, previous: BTreeMap::new() }
    }

    /// Also accepts `key` for opening (never for sealing).
    pub fn also_accepting(mut self, key: MasterKey) -> Vault {
        if key.id() != self.current.id() {
            self.previous.insert(key.id(), key);
        }
        self
    }

    pub fn current_key_id(&self) -> KeyId {
        self.current.id()
    }

    pub fn seal(&self, plaintext: &[u8], binding: &Binding) -> Result<Sealed, VaultError> {
        envelope::seal(&self.current, plaintext, binding)
    }

    pub fn open(&self, sealed: &Sealed, binding: &Binding) -> Result<Secret, VaultError> {
        envelope::open(self.key(sealed.key_id())?, sealed, binding)
    }

    fn key(&self, id: KeyId) -> Result<&MasterKey, VaultError> {
        if id == self.current.id() {
            return Ok(&self.current);
        }
        self.previous.get(&id).ok_or(VaultError::UnknownKey(id))
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("current_key_id", &self.current.id())
            .field("previous_key_ids", &self.previous.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The known constant each registered master key seals into `vault_keys.check_value`.
const CHECK_CONSTANT: &[u8] = b"vizkraft vault key check v1";

/// Seals the check value for `key`.
fn check_value(key: &MasterKey) -> Result<Sealed, VaultError> {
    envelope::seal(key, CHECK_CONSTANT, &Binding::key_check())
}

/// Where the master key comes from, after the command line is read.
enum KeySource {
    Environment(MasterKey),
    /// `explicit`: given with `--master-key-file`; the default file is created when missing,
    /// an explicit one never is.
    File {
        path: PathBuf,
        explicit: bool,
    },
}

impl KeySource {
    fn of(args: &VaultArgs, data_dir: &Path) -> anyhow::Result<KeySource> {
        if let Some(text) = &args.master_key {
            let key = text.parse().context("VIZKRAFT_MASTER_KEY is malformed")?;
            return Ok(KeySource::Environment(key));
        }
        Ok(match &args.master_key_file {
            Some(path) => KeySource::File { path: path.clone(), explicit: true },
            None => KeySource::File { path: data_dir.join(master_key::DEFAULT_FILE_NAME), explicit: false },
        })
    }
}

/// At start: loads the master key, finishes a rotation that committed but was interrupted
/// before its key file was renamed into place, checks the key against the vault, and
/// registers a first key. Refuses to start, with a message saying what to do, when the key
/// is missing, malformed or not the vault's.
pub async fn unlock(pool: &SqlitePool, args: &VaultArgs, data_dir: &Path) -> anyhow::Result<Vault> {
    let checks = store::key_checks(pool).await?;
    let mut needed: BTreeSet<KeyId> = checks.iter().map(|(id, _)| *id).collect();
    needed.extend(store::credential_key_ids(pool).await?);

    let mut keys = Vec::new();
    match KeySource::of(args, data_dir)? {
        KeySource::Environment(key) => keys.push(key),
        KeySource::File { path, explicit } => {
            if path.exists() {
                keys.push(MasterKey::read_file(&path)?);
            } else if explicit {
                bail!("the master key file {} does not exist", path.display());
            } else if let Some(id) = needed.first() {
                bail!(
                    "the vault holds credentials sealed with master key {id}, but no master key was given and \
                     {} does not exist. Restore that file from your backup (or pass --master-key-file / \
                     VIZKRAFT_MASTER_KEY); the relay never starts with a new key over existing credentials",
                    path.display()
                );
            } else {
                keys.push(create_first_key(&path)?);
            }
            if let Some(pending) = rotate::finish_or_discard(&path, &needed)? {
                keys.push(pending);
            }
        }
    }

    let given: Vec<String> = keys.iter().map(|k| k.id().to_string()).collect();
    for id in &needed {
        if !keys.iter().any(|k| k.id() == *id) {
            bail!(
                "wrong master key: the vault's credentials are sealed with master key {id}, but the key given is {}. \
                 Start with the right key file (after `vizkraft vault rotate`, the new one)",
                given.join(", ")
            );
        }
    }
    for (id, check) in &checks {
        let key = keys.iter().find(|k| k.id() == *id).context("a registered master key is missing")?;
        let opened = envelope::open(key, check, &Binding::key_check())
            .with_context(|| format!("master key {id} does not open the vault's check value (damaged database?)"))?;
        if opened.expose_secret() != CHECK_CONSTANT {
            bail!("master key {id} opens a wrong check value (damaged database?)");
        }
    }

    // The registered key seals new secrets; a first start registers the key it was given.
    let current_id = match checks.first() {
        Some((id, _)) => *id,
        None => {
            let Some(first) = keys.first() else { bail!("no master key") };
            let mut conn = pool.acquire().await.context("cannot register the master key")?;
            store::set_only_key(&mut conn, first.id(), &check_value(first)?).await?;
            first.id()
        }
    };
    let position = keys.iter().position(|k| k.id() == current_id).context("the registered master key is missing")?;
    let mut vault = Vault::new(keys.swap_remove(position));
    for key in keys.into_iter().filter(|k| needed.contains(&k.id())) {
        vault = vault.also_accepting(key);
    }
    tracing::info!(key_id = %vault.current_key_id(), "credential vault unlocked");
    Ok(vault)
}

/// First start with no key anywhere: make one, and make sure the operator knows to keep it.
fn create_first_key(path: &Path) -> anyhow::Result<MasterKey> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let key = MasterKey::generate();
    key.write_new_file(path)?;
    let bar = "!".repeat(78);
    eprintln!(
        "{bar}\n\
         !! NEW MASTER KEY CREATED: {}\n\
         !! It seals every database password this relay stores (key id {}).\n\
         !! BACK IT UP NOW, away from the data directory's backups. If it is lost, every stored\n\
         !! credential is lost with it; anyone holding both it and the database can read them.\n\
         {bar}",
        path.display(),
        key.id()
    );
    tracing::warn!(path = %path.display(), key_id = %key.id(), "created a new master key; back it up");
    Ok(key)
}

#[cfg(test)]
mod tests;
