//! Password hashing with Argon2id, off the async executor.
//!
//! Parameters: OWASP's first recommended set for Argon2id (m = 19 MiB, t = 2, p = 1; Password
//! Storage Cheat Sheet), about 25 ms per hash on one core of our 2-core machines. Hashes are PHC
//! strings, so the parameters travel with each hash and can be raised later.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::RelayError;

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Result<Argon2<'static>, RelayError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn check_policy(password: &str) -> Result<(), RelayError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(RelayError::BadRequest(format!("A password needs at least {MIN_PASSWORD_CHARS} characters.")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(RelayError::BadRequest("That password is too long.".into()));
    }
    Ok(())
}

pub async fn hash(password: String) -> Result<String, RelayError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing: {e}").into())
    })
    .await
    .map_err(|e| RelayError::Internal(e.into()))?
}

/// Verifies `password` against `stored`, or against a fixed dummy hash when there is no
/// account, so a missing account costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, RelayError> {
    tokio::task::spawn_blocking(move || {
        let argon = argon2()?;
        let (stored, real) = match stored {
            Some(s) => (s, true),
            None => (dummy_hash(&argon)?, false),
        };
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok() && real)
    })
    .await
    .map_err(|e| RelayError::Internal(e.into()))?
}

fn dummy_hash(argon: &Argon2<'_>) -> Result<String, RelayError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let salt = SaltString::generate(&mut OsRng);
    let h = argon.hash_password(b"no such account", &salt).map_err(|e| anyhow::anyhow!("hashing: {e}"))?.to_string();
    Ok(DUMMY.get_or_init(|| h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password_and_is_argon2id() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("no such account".into(), None).await.unwrap());
    }
}
