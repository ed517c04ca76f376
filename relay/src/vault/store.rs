//! The vault's SQL: the `vault_keys` check values and the `source_credentials` envelopes.

use std::collections::BTreeSet;

use anyhow::Context;
use sqlx::{SqliteConnection, SqliteExecutor, SqlitePool};

use super::master_key::KeyId;
use super::{Binding, Sealed};

/// Stores (or replaces) the sealed credential of one source. The sources feature calls this
/// with the envelope `Vault::seal` made for the same binding.
pub async fn put_credential(db: impl SqliteExecutor<'_>, binding: &Binding, sealed: &Sealed) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO source_credentials (organisation_id, source_id, sealed) VALUES (?, ?, ?)
         ON CONFLICT (organisation_id, source_id) DO UPDATE SET sealed = excluded.sealed",
    )
    .bind(&binding.organisation_id)
    .bind(&binding.source_id)
    .bind(sealed.as_bytes())
    .execute(db)
    .await
    .context("cannot store a sealed credential")?;
    Ok(())
}

/// The sealed credential of one source, if it has one.
pub async fn get_credential(pool: &SqlitePool, binding: &Binding) -> anyhow::Result<Option<Sealed>> {
    let row: Option<(Vec<u8>,)> =
        sqlx::query_as("SELECT sealed FROM source_credentials WHERE organisation_id = ? AND source_id = ?")
            .bind(&binding.organisation_id)
            .bind(&binding.source_id)
            .fetch_optional(pool)
            .await
            .context("cannot read a sealed credential")?;
    row.map(|(bytes,)| Sealed::from_bytes(bytes).context("a stored credential is malformed")).transpose()
}

/// Forgets the credential of one source; `true` if there was one.
pub async fn delete_credential(db: impl SqliteExecutor<'_>, binding: &Binding) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM source_credentials WHERE organisation_id = ? AND source_id = ?")
        .bind(&binding.organisation_id)
        .bind(&binding.source_id)
        .execute(db)
        .await
        .context("cannot delete a sealed credential")?;
    Ok(done.rows_affected() > 0)
}

/// Every stored credential with its binding, for a rotation (inside its transaction).
pub(crate) async fn all_credentials(conn: &mut SqliteConnection) -> anyhow::Result<Vec<(Binding, Sealed)>> {
    let rows: Vec<(String, String, Vec<u8>)> =
        sqlx::query_as("SELECT organisation_id, source_id, sealed FROM source_credentials ORDER BY 1, 2")
            .fetch_all(conn)
            .await
            .context("cannot read the sealed credentials")?;
    rows.into_iter()
        .map(|(organisation_id, source_id, bytes)| {
            let sealed = Sealed::from_bytes(bytes)
                .with_context(|| format!("the credential of source {source_id} ({organisation_id}) is malformed"))?;
            Ok((Binding::source_credential(organisation_id, source_id), sealed))
        })
        .collect()
}

pub(crate) async fn replace_credential(
    conn: &mut SqliteConnection,
    binding: &Binding,
    sealed: &Sealed,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE source_credentials SET sealed = ? WHERE organisation_id = ? AND source_id = ?")
        .bind(sealed.as_bytes())
        .bind(&binding.organisation_id)
        .bind(&binding.source_id)
        .execute(conn)
        .await
        .context("cannot store a rewrapped credential")?;
    Ok(())
}

/// The registered master keys and their check values.
pub(crate) async fn key_checks(pool: &SqlitePool) -> anyhow::Result<Vec<(KeyId, Sealed)>> {
    let rows: Vec<(Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT key_id, check_value FROM vault_keys ORDER BY created_at")
            .fetch_all(pool)
            .await
            .context("cannot read the vault's keys")?;
    rows.into_iter()
        .map(|(id, check)| {
            let id = KeyId::from_slice(&id).context("the vault_keys table holds a malformed key id")?;
            let check = Sealed::from_bytes(check).context("the vault_keys table holds a malformed check value")?;
            Ok((id, check))
        })
        .collect()
}

/// The key ids the stored credentials are wrapped with: normally the one registered key.
pub(crate) async fn credential_key_ids(pool: &SqlitePool) -> anyhow::Result<BTreeSet<KeyId>> {
    let mut conn = pool.acquire().await.context("cannot read the sealed credentials")?;
    Ok(all_credentials(&mut conn).await?.into_iter().map(|(_, sealed)| sealed.key_id()).collect())
}

/// Makes `key_id` the only registered key (a rotation does this in its transaction).
pub(crate) async fn set_only_key(conn: &mut SqliteConnection, key_id: KeyId, check: &Sealed) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM vault_keys").execute(&mut *conn).await.context("cannot update the vault's keys")?;
    sqlx::query("INSERT INTO vault_keys (key_id, check_value, created_at) VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER))")
        .bind(key_id.as_bytes().as_slice())
        .bind(check.as_bytes())
        .execute(&mut *conn)
        .await
        .context("cannot register the master key")?;
    Ok(())
}
