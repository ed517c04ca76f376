//! `vizkraft vault rotate`: replaces the master key by rewrapping every data key in one
//! transaction, in steps ordered so that a crash at any point leaves every credential
//! openable with the old key or the new one.
//!
//! 1. The new key is written to its own file (`<key file>.new` next to the current one, or
//!    `--new-master-key-file`) with mode 0600 and flushed, before the database changes.
//! 2. One transaction rewraps every data key and swaps the registered key and its check value.
//!    Before its commit the database is all-old; after it, all-new (SQLite's atomic commit).
//! 3. `<key file>.new` is renamed over the current key file (rename(2) is atomic).
//!
//! A crash before 2 commits leaves the old key in force, and the next start deletes the unused
//! `.new` file; a crash between 2 and 3 leaves both files, and the next start (or rotation)
//! sees that the database needs the `.new` key and finishes step 3.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sqlx::SqlitePool;

use super::master_key::{ensure_absent, sync_parent_dir};
use super::{check_value, envelope, store, unlock, KeyId, KeySource, MasterKey};
use crate::config::{RotateArgs, VaultArgs};

/// The steps of a rotation, in order; tests stop after each to play a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The new key is on disk, flushed; the database is untouched.
    NewKeyStored,
    /// Every data key is rewrapped inside the transaction, which is then dropped uncommitted
    /// (as a crash before the commit would).
    RewrappedUncommitted,
    /// The rewrap is committed; the new key still sits under its temporary name.
    Committed,
    /// The new key file is in place: done.
    Promoted,
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub old_key_id: KeyId,
    pub new_key_id: KeyId,
    pub credentials: usize,
    /// Where the new key is now.
    pub new_key_file: PathBuf,
    /// Whether the new key replaced the configured key file (otherwise the relay must be
    /// pointed at `new_key_file`).
    pub replaced_key_file: bool,
    pub last_step: Step,
}

/// The temporary name of the new key during a rotation: next to the key file, so the final
/// rename stays within one file system.
pub fn pending_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Rotates the master key of the vault in `pool` (the relay must be stopped).
pub async fn rotate(
    pool: &SqlitePool,
    args: &VaultArgs,
    data_dir: &Path,
    new_key_file: Option<&Path>,
) -> anyhow::Result<Rotated> {
    rotate_until(pool, args, data_dir, new_key_file, Step::Promoted).await
}

/// `rotate`, stopping after `last` (for the crash tests).
pub async fn rotate_until(
    pool: &SqlitePool,
    args: &VaultArgs,
    data_dir: &Path,
    new_key_file: Option<&Path>,
    last: Step,
) -> anyhow::Result<Rotated> {
    if store::key_checks(pool).await?.is_empty() {
        bail!("the vault has no master key yet: start the relay once first");
    }
    // Also finishes an earlier rotation that was interrupted after its commit.
    let vault = unlock(pool, args, data_dir).await?;
    let old_key_id = vault.current_key_id();

    let (new_key, new_key_path, promote_to) = match (new_key_file, KeySource::of(args, data_dir)?) {
        (Some(path), source) => {
            if let KeySource::File { path: current, .. } = &source {
                if same_file(current, path) {
                    bail!("--new-master-key-file must differ from the current key file");
                }
            }
            let key = if path.exists() {
                MasterKey::read_file(path)?
            } else {
                let key = MasterKey::generate();
                key.write_new_file(path)?;
                key
            };
            (key, path.to_owned(), None)
        }
        (None, KeySource::File { path, .. }) => {
            let pending = pending_path(&path);
            ensure_absent(&pending)?;
            let key = MasterKey::generate();
            key.write_new_file(&pending)?;
            (key, pending, Some(path))
        }
        (None, KeySource::Environment(_)) => {
            bail!("the master key comes from VIZKRAFT_MASTER_KEY: give --new-master-key-file PATH for the new one")
        }
    };
    if new_key.id() == old_key_id {
        bail!("the new master key is the current one");
    }
    let mut rotated = Rotated {
        old_key_id,
        new_key_id: new_key.id(),
        credentials: 0,
        new_key_file: new_key_path.clone(),
        replaced_key_file: false,
        last_step: Step::NewKeyStored,
    };
    if last == Step::NewKeyStored {
        return Ok(rotated);
    }

    let mut tx = pool.begin().await.context("cannot start the rotation's transaction")?;
    let credentials = store::all_credentials(&mut tx).await?;
    for (binding, sealed) in &credentials {
        let old = vault.key(sealed.key_id())?;
        let rewrapped = envelope::rewrap(old, &new_key, sealed, binding)
            .with_context(|| format!("cannot rewrap the credential of source {}", binding.source_id))?;
        store::replace_credential(&mut tx, binding, &rewrapped).await?;
    }
    store::set_only_key(&mut tx, new_key.id(), &check_value(&new_key)?).await?;
    rotated.credentials = credentials.len();
    rotated.last_step = Step::RewrappedUncommitted;
    if last == Step::RewrappedUncommitted {
        // Dropping a transaction rolls it back, as a crash would.
        drop(tx);
        return Ok(rotated);
    }
    tx.commit().await.context("cannot commit the rotation")?;
    rotated.last_step = Step::Committed;
    if last == Step::Committed {
        return Ok(rotated);
    }

    if let Some(key_file) = promote_to {
        promote(&new_key_path, &key_file)?;
        rotated.new_key_file = key_file;
        rotated.replaced_key_file = true;
    }
    rotated.last_step = Step::Promoted;
    Ok(rotated)
}

/// At start: a `.new` key file left by a rotation. If the database needs it, the rotation
/// committed and only the rename is missing: do it. If the database already opens with the
/// keys in hand, the rotation never committed: delete the unused key. Otherwise leave it.
pub(crate) fn finish_or_discard(key_file: &Path, needed: &BTreeSet<KeyId>) -> anyhow::Result<Option<MasterKey>> {
    let pending = pending_path(key_file);
    if !pending.exists() {
        return Ok(None);
    }
    let current = MasterKey::read_file(key_file).ok().map(|k| k.id());
    let needed_beside_current = needed.iter().any(|id| Some(*id) != current);
    match MasterKey::read_file(&pending) {
        Ok(key) if needed.contains(&key.id()) => {
            promote(&pending, key_file)?;
            println!(
                "Finished an interrupted master key rotation: {} now holds master key {}.",
                key_file.display(),
                key.id()
            );
            Ok(Some(key))
        }
        // The key is flushed before the commit, so an unreadable one never committed either.
        _ if !needed_beside_current => {
            fs::remove_file(&pending).with_context(|| format!("cannot remove {}", pending.display()))?;
            tracing::warn!(path = %pending.display(), "removed the unused key of a rotation that did not commit");
            Ok(None)
        }
        Ok(_) => Ok(None),
        Err(e) => Err(e),
    }
}

fn promote(pending: &Path, key_file: &Path) -> anyhow::Result<()> {
    fs::rename(pending, key_file)
        .with_context(|| format!("cannot move {} to {}", pending.display(), key_file.display()))?;
    sync_parent_dir(key_file)
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// `vizkraft vault rotate`: opens the data directory's metadata store and rotates.
pub async fn run(args: RotateArgs) -> anyhow::Result<()> {
    let meta = args.data_dir.join("meta.sqlite");
    if !meta.exists() {
        bail!("no relay data in {} (no meta.sqlite)", args.data_dir.display());
    }
    let pool = crate::open_meta_store(&meta).await?.0;
    let rotated = rotate(&pool, &args.vault, &args.data_dir, args.new_master_key_file.as_deref()).await?;
    pool.close().await;
    println!(
        "Rotated the master key: {} credential(s) rewrapped from key {} to key {}.",
        rotated.credentials, rotated.old_key_id, rotated.new_key_id
    );
    println!(
        "The new master key is in {} (mode 0600). BACK IT UP NOW. The old key no longer opens this vault; \
         keep it only alongside database backups made before now.",
        rotated.new_key_file.display()
    );
    if !rotated.replaced_key_file {
        println!(
            "Start the relay with --master-key-file {} (or put its contents in VIZKRAFT_MASTER_KEY) from now on.",
            rotated.new_key_file.display()
        );
    }
    Ok(())
}
