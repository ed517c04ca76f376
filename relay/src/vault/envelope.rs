//! The envelope: one sealed secret as a self-describing byte string, and the AES-256-GCM
//! operations that make, open and rewrap it.
//!
//! Format version 1, all fields fixed-size except the last (a golden test pins it):
//!
//! | bytes | field |
//! | --- | --- |
//! | 1 | format version, `1` |
//! | 8 | id of the master key that wraps the data key |
//! | 12 | nonce of the wrap |
//! | 48 | the data key (32 bytes) encrypted under the master key, plus its 16-byte tag |
//! | 12 | nonce of the secret |
//! | n + 16 | the secret encrypted under the data key, plus its tag |
//!
//! Both encryptions carry associated data naming the format version, the purpose and the
//! binding (organisation and source); the wrap also names the master key id. So an envelope
//! copied to another row, or re-labelled with another key id, fails to open.

use std::fmt;

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, OsRng, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use zeroize::Zeroizing;

use super::master_key::{KeyId, MasterKey, KEY_ID_LEN, KEY_LEN};
use super::{Binding, Secret, VaultError};

pub const VERSION_1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;

const KEY_ID_AT: usize = 1;
const WRAP_NONCE_AT: usize = KEY_ID_AT + KEY_ID_LEN;
const WRAPPED_AT: usize = WRAP_NONCE_AT + NONCE_LEN;
pub(crate) const DATA_NONCE_AT: usize = WRAPPED_AT + WRAPPED_LEN;
const CIPHERTEXT_AT: usize = DATA_NONCE_AT + NONCE_LEN;
const MIN_LEN: usize = CIPHERTEXT_AT + TAG_LEN;

/// A sealed secret, as stored. Only a `Vault` holding its master key can open it.
/// Its layout has been checked, so the accessors below cannot fail.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    bytes: Vec<u8>,
}

impl Sealed {
    /// Parses stored bytes: checks the version and the length, decrypts nothing.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Sealed, VaultError> {
        match bytes.first() {
            Some(&VERSION_1) if bytes.len() >= MIN_LEN => Ok(Sealed { bytes }),
            Some(&VERSION_1) => Err(VaultError::Malformed("too short")),
            Some(_) => Err(VaultError::Malformed("unknown format version")),
            None => Err(VaultError::Malformed("empty")),
        }
    }

    /// The bytes to store (the `sealed` BLOB column).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn version(&self) -> u8 {
        self.bytes[0]
    }

    /// The master key this envelope needs.
    pub fn key_id(&self) -> KeyId {
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&self.bytes[KEY_ID_AT..WRAP_NONCE_AT]);
        KeyId::from_array(id)
    }

    fn wrap_nonce(&self) -> &[u8] {
        &self.bytes[WRAP_NONCE_AT..WRAPPED_AT]
    }

    fn wrapped_key(&self) -> &[u8] {
        &self.bytes[WRAPPED_AT..DATA_NONCE_AT]
    }

    fn data_nonce(&self) -> &[u8] {
        &self.bytes[DATA_NONCE_AT..CIPHERTEXT_AT]
    }

    fn ciphertext(&self) -> &[u8] {
        &self.bytes[CIPHERTEXT_AT..]
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed").field("version", &self.version()).field("key_id", &self.key_id()).finish()
    }
}

/// Seals `plaintext` under a fresh data key, itself wrapped by `master`.
pub(crate) fn seal(master: &MasterKey, plaintext: &[u8], binding: &Binding) -> Result<Sealed, VaultError> {
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(data_key.as_mut());
    let data_nonce = random_nonce();
    let data_cipher = Aes256Gcm::new(data_key.as_ref().into());
    let ciphertext = data_cipher
        .encrypt(Nonce::from_slice(&data_nonce), Payload { msg: plaintext, aad: &secret_aad(binding) })
        .map_err(|_| VaultError::Crypto)?;

    let mut bytes = Vec::with_capacity(CIPHERTEXT_AT + ciphertext.len());
    bytes.push(VERSION_1);
    bytes.extend_from_slice(master.id().as_bytes());
    bytes.extend_from_slice(&[0u8; NONCE_LEN + WRAPPED_LEN]); // the wrap, filled in below
    bytes.extend_from_slice(&data_nonce);
    bytes.extend_from_slice(&ciphertext);
    let mut sealed = Sealed { bytes };
    write_wrap(&mut sealed, master, &data_key, binding)?;
    Ok(sealed)
}

/// Opens `sealed` with `master`, which must be the key its id names.
pub(crate) fn open(master: &MasterKey, sealed: &Sealed, binding: &Binding) -> Result<Secret, VaultError> {
    let data_key = unwrap_data_key(master, sealed, binding)?;
    let data_cipher = Aes256Gcm::new(data_key.as_ref().into());
    let plaintext = data_cipher
        .decrypt(
            Nonce::from_slice(sealed.data_nonce()),
            Payload { msg: sealed.ciphertext(), aad: &secret_aad(binding) },
        )
        .map_err(|_| VaultError::CannotOpen { key_id: sealed.key_id() })?;
    Ok(Secret::new(Zeroizing::new(plaintext)))
}

/// The same envelope with its data key wrapped by `new` instead of `old`. The secret's own
/// ciphertext is copied unchanged: a rotation touches only the wraps.
pub(crate) fn rewrap(
    old: &MasterKey,
    new: &MasterKey,
    sealed: &Sealed,
    binding: &Binding,
) -> Result<Sealed, VaultError> {
    let data_key = unwrap_data_key(old, sealed, binding)?;
    let mut rewrapped = sealed.clone();
    rewrapped.bytes[KEY_ID_AT..WRAP_NONCE_AT].copy_from_slice(new.id().as_bytes());
    write_wrap(&mut rewrapped, new, &data_key, binding)?;
    Ok(rewrapped)
}

fn unwrap_data_key(
    master: &MasterKey,
    sealed: &Sealed,
    binding: &Binding,
) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    if sealed.key_id() != master.id() {
        return Err(VaultError::UnknownKey(sealed.key_id()));
    }
    let aad = wrap_aad(sealed.key_id(), binding);
    let unwrapped = Zeroizing::new(
        master
            .cipher()
            .decrypt(Nonce::from_slice(sealed.wrap_nonce()), Payload { msg: sealed.wrapped_key(), aad: &aad })
            .map_err(|_| VaultError::CannotOpen { key_id: sealed.key_id() })?,
    );
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    if unwrapped.len() != KEY_LEN {
        return Err(VaultError::CannotOpen { key_id: sealed.key_id() });
    }
    data_key.copy_from_slice(&unwrapped);
    Ok(data_key)
}

/// Wraps `data_key` under `master` into the envelope's wrap fields (its key id must already
/// name `master`).
fn write_wrap(
    sealed: &mut Sealed,
    master: &MasterKey,
    data_key: &[u8; KEY_LEN],
    binding: &Binding,
) -> Result<(), VaultError> {
    let nonce = random_nonce();
    let wrapped = master
        .cipher()
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: data_key, aad: &wrap_aad(master.id(), binding) })
        .map_err(|_| VaultError::Crypto)?;
    if wrapped.len() != WRAPPED_LEN {
        return Err(VaultError::Crypto);
    }
    sealed.bytes[WRAP_NONCE_AT..WRAPPED_AT].copy_from_slice(&nonce);
    sealed.bytes[WRAPPED_AT..DATA_NONCE_AT].copy_from_slice(&wrapped);
    Ok(())
}

/// 96 random bits. Every data key encrypts exactly one secret, and a master key wraps far
/// fewer than the 2^32 messages NIST SP 800-38D allows per key with random nonces.
fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    nonce
}

fn secret_aad(binding: &Binding) -> Vec<u8> {
    let mut aad = Vec::new();
    push_field(&mut aad, b"vizkraft-vault/secret");
    aad.push(VERSION_1);
    push_binding(&mut aad, binding);
    aad
}

fn wrap_aad(key_id: KeyId, binding: &Binding) -> Vec<u8> {
    let mut aad = Vec::new();
    push_field(&mut aad, b"vizkraft-vault/data-key");
    aad.push(VERSION_1);
    aad.extend_from_slice(key_id.as_bytes());
    push_binding(&mut aad, binding);
    aad
}

fn push_binding(aad: &mut Vec<u8>, binding: &Binding) {
    push_field(aad, binding.purpose.as_str().as_bytes());
    push_field(aad, binding.organisation_id.as_bytes());
    push_field(aad, binding.source_id.as_bytes());
}

/// Length-prefixed, so that ("ab", "c") and ("a", "bc") never give the same bytes.
fn push_field(aad: &mut Vec<u8>, field: &[u8]) {
    aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
    aad.extend_from_slice(field);
}
