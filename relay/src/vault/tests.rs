//! Unit tests of the vault: envelopes, the golden format, start-up and rotation.

use std::path::Path;

use base64::Engine;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool;

use super::rotate::{pending_path, rotate, rotate_until, Step};
use super::*;
use crate::config::VaultArgs;

fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes(&[byte; master_key::KEY_LEN])
}

fn binding() -> Binding {
    Binding::source_credential("org-1", "warehouse")
}

#[test]
fn a_sealed_secret_opens_to_the_same_bytes() {
    let vault = Vault::new(MasterKey::generate());
    let sealed = vault.seal(b"correct horse battery staple", &binding()).unwrap();
    assert_eq!(vault.open(&sealed, &binding()).unwrap().expose_secret(), b"correct horse battery staple");
    let reparsed = Sealed::from_bytes(sealed.as_bytes().to_vec()).unwrap();
    assert_eq!(vault.open(&reparsed, &binding()).unwrap().expose_str(), Some("correct horse battery staple"));
}

#[test]
fn sealing_twice_gives_different_envelopes() {
    let vault = Vault::new(MasterKey::generate());
    assert_ne!(vault.seal(b"pw", &binding()).unwrap(), vault.seal(b"pw", &binding()).unwrap());
}

#[test]
fn an_envelope_swapped_to_another_organisation_source_or_purpose_does_not_open() {
    let vault = Vault::new(MasterKey::generate());
    let sealed = vault.seal(b"pw", &binding()).unwrap();
    let others = [
        Binding::source_credential("org-2", "warehouse"),
        Binding::source_credential("org-1", "crm"),
        // Length-prefixed fields: moving a character across the boundary is another binding.
        Binding::source_credential("org-1w", "arehouse"),
        Binding { purpose: Purpose::KeyCheck, ..binding() },
    ];
    for other in others {
        let error = vault.open(&sealed, &other).unwrap_err();
        assert!(matches!(error, VaultError::CannotOpen { .. }), "{other:?}: {error}");
    }
}

#[test]
fn a_tampered_byte_anywhere_in_the_envelope_fails_to_open() {
    let vault = Vault::new(key(1));
    let sealed = vault.seal(b"secret", &binding()).unwrap();
    for at in 0..sealed.as_bytes().len() {
        let mut bytes = sealed.as_bytes().to_vec();
        bytes[at] ^= 0x01;
        let opened = Sealed::from_bytes(bytes)
            .map_err(|e| e.to_string())
            .and_then(|s| vault.open(&s, &binding()).map(|_| ()).map_err(|e| e.to_string()));
        assert!(opened.is_err(), "byte {at} flipped and it still opened");
    }
}

#[test]
fn a_truncated_or_unknown_version_envelope_is_refused_as_malformed() {
    let vault = Vault::new(key(1));
    let sealed = vault.seal(b"secret", &binding()).unwrap();
    let short = sealed.as_bytes()[..40].to_vec();
    assert!(matches!(Sealed::from_bytes(short), Err(VaultError::Malformed(_))));
    let mut future = sealed.into_bytes();
    future[0] = 9;
    assert!(matches!(Sealed::from_bytes(future), Err(VaultError::Malformed(_))));
    assert!(matches!(Sealed::from_bytes(Vec::new()), Err(VaultError::Malformed(_))));
}

#[test]
fn an_envelope_under_an_unknown_key_fails_clearly_naming_only_the_key_id() {
    let sealed = Vault::new(key(1)).seal(b"secret", &binding()).unwrap();
    let error = Vault::new(key(2)).open(&sealed, &binding()).unwrap_err();
    assert!(matches!(error, VaultError::UnknownKey(id) if id == key(1).id()));
    let message = error.to_string();
    assert!(message.contains(&key(1).id().to_string()) && message.contains("not given"), "{message}");
}

#[test]
fn a_vault_also_accepting_an_old_key_opens_its_envelopes_but_seals_with_the_current() {
    let old = Vault::new(key(1)).seal(b"secret", &binding()).unwrap();
    let vault = Vault::new(key(2)).also_accepting(key(1));
    assert_eq!(vault.open(&old, &binding()).unwrap().expose_secret(), b"secret");
    assert_eq!(vault.seal(b"x", &binding()).unwrap().key_id(), key(2).id());
}

#[test]
fn debug_never_shows_plaintext_or_key_bytes() {
    let master = key(0x5A);
    let master_b64 = master.to_base64().to_string();
    let vault = Vault::new(master).also_accepting(key(0x5B));
    let sealed = vault.seal(b"hunter2-plaintext", &binding()).unwrap();
    let secret = vault.open(&sealed, &binding()).unwrap();
    let errors = [
        Vault::new(key(3)).open(&sealed, &binding()).unwrap_err(),
        vault.open(&sealed, &Binding::source_credential("x", "y")).unwrap_err(),
    ];
    let args = VaultArgs { master_key_file: None, master_key: Some(master_b64.parse().unwrap()) };
    let shown = format!("{vault:?} {sealed:?} {secret:?} {errors:?} {} {} {args:?}", errors[0], errors[1]);
    for leak in ["hunter2", master_b64.as_str(), "5a5a", "5A5A", "5b5b", "90, 90"] {
        assert!(!shown.contains(leak), "{leak} in {shown}");
    }
    assert_eq!(format!("{secret:?}"), "‹redacted›");
    assert!(format!("{sealed:?}").contains(&key(0x5A).id().to_string()));
}

/// Made once by `seal` with the master key below (`GOLDEN_KEY_BYTE` 32 times) and the binding in
/// the test, base64-encoded (`STANDARD.encode(sealed.as_bytes())`), and pasted here.
/// Never regenerate it: it proves that this release opens what an earlier release sealed.
/// A new format gets a new version byte and its own golden test beside this one.
const GOLDEN_KEY_BYTE: u8 = 0x42;
const GOLDEN_PLAINTEXT: &str = "golden: s3cr3t pässword";
const GOLDEN_ENVELOPE_V1: &str = "AUJe1OSjazDqbR06Iji7CCySRRHUhJKjGyRXgxaYLmlg18T9Kfu/LqNXbZxO4w4JoIsR7oVNT0nNJJW8Pz81lxogryemVr6NhzfugIF8YFeDK0woITlGjvI9y9pYBR5MARb0GQ3oyU1zDkuJtWVJ/lmAxhekOfyl9Q==";

#[test]
fn the_version_1_envelope_format_still_opens() {
    let vault = Vault::new(key(GOLDEN_KEY_BYTE));
    let bytes = base64::engine::general_purpose::STANDARD.decode(GOLDEN_ENVELOPE_V1).unwrap();
    let sealed = Sealed::from_bytes(bytes).unwrap();
    assert_eq!(sealed.version(), envelope::VERSION_1);
    assert_eq!(sealed.key_id(), key(GOLDEN_KEY_BYTE).id());
    let binding = Binding::source_credential("org-golden", "src-golden");
    assert_eq!(vault.open(&sealed, &binding).unwrap().expose_str(), Some(GOLDEN_PLAINTEXT));
}

// ---- start-up and rotation, on a real metadata store in a temporary data directory ----

async fn meta_store(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new().filename(dir.join("meta.sqlite")).create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate!("./migrations").run(&pool).await.unwrap();
    pool
}

fn default_args() -> VaultArgs {
    VaultArgs::default()
}

fn env_args(key: &MasterKey) -> VaultArgs {
    VaultArgs { master_key_file: None, master_key: Some(key.to_base64().parse().unwrap()) }
}

const SOURCES: [(&str, &str, &str); 3] =
    [("org-a", "pg-main", "pw-one"), ("org-a", "mysql", "pw-two"), ("org-b", "pg-main", "pw-three")];

async fn store_credentials(pool: &SqlitePool, vault: &Vault) {
    for (org, source, password) in SOURCES {
        let binding = Binding::source_credential(org, source);
        store::put_credential(pool, &binding, &vault.seal(password.as_bytes(), &binding).unwrap()).await.unwrap();
    }
}

/// Every stored credential opens with `vault` to what was stored.
async fn assert_all_open(pool: &SqlitePool, vault: &Vault) {
    for (org, source, password) in SOURCES {
        let binding = Binding::source_credential(org, source);
        let sealed = store::get_credential(pool, &binding).await.unwrap().unwrap();
        assert_eq!(vault.open(&sealed, &binding).unwrap().expose_str(), Some(password), "{org}/{source}");
    }
}

#[tokio::test]
async fn first_start_creates_a_0600_key_file_and_later_starts_reuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let vault = unlock(&pool, &default_args(), dir.path()).await.unwrap();
    let path = dir.path().join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(MasterKey::read_file(&path).unwrap().id(), vault.current_key_id());
    store_credentials(&pool, &vault).await;
    let again = unlock(&pool, &default_args(), dir.path()).await.unwrap();
    assert_eq!(again.current_key_id(), vault.current_key_id());
    assert_all_open(&pool, &again).await;
}

#[tokio::test]
async fn a_wrong_key_stops_start_up_and_names_only_key_ids() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    unlock(&pool, &env_args(&key(1)), dir.path()).await.unwrap();
    let wrong = key(2);
    let message = format!("{:#}", unlock(&pool, &env_args(&wrong), dir.path()).await.unwrap_err());
    assert!(message.contains("wrong master key") && message.contains(&key(1).id().to_string()), "{message}");
    assert!(!message.contains(wrong.to_base64().as_str()));
}

#[tokio::test]
async fn a_wrong_key_stops_start_up_even_before_any_credential_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    unlock(&pool, &default_args(), dir.path()).await.unwrap();
    let other = dir.path().join("other.key");
    key(9).write_new_file(&other).unwrap();
    let args = VaultArgs { master_key_file: Some(other), master_key: None };
    assert!(unlock(&pool, &args, dir.path()).await.is_err());
}

#[tokio::test]
async fn a_damaged_check_value_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    unlock(&pool, &env_args(&key(1)), dir.path()).await.unwrap();
    let forged = Vault::new(key(1)).seal(b"something else", &Binding::key_check()).unwrap();
    sqlx::query("UPDATE vault_keys SET check_value = ?").bind(forged.as_bytes()).execute(&pool).await.unwrap();
    let message = format!("{:#}", unlock(&pool, &env_args(&key(1)), dir.path()).await.unwrap_err());
    assert!(message.contains("check value"), "{message}");
}

#[tokio::test]
async fn a_malformed_key_stops_start_up_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let args = VaultArgs { master_key_file: None, master_key: Some("bm90IGEga2V5IGF0IGFsbA==".parse().unwrap()) };
    let message = format!("{:#}", unlock(&pool, &args, dir.path()).await.unwrap_err());
    assert!(message.contains("malformed") && !message.contains("bm90"), "{message}");
    let file = dir.path().join("bad.key");
    fs::write(&file, "short\n").unwrap();
    let args = VaultArgs { master_key_file: Some(file), master_key: None };
    assert!(unlock(&pool, &args, dir.path()).await.is_err());
}

#[tokio::test]
async fn a_missing_key_file_with_stored_credentials_stops_start_up_and_makes_no_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let vault = unlock(&pool, &default_args(), dir.path()).await.unwrap();
    store_credentials(&pool, &vault).await;
    fs::remove_file(dir.path().join("master.key")).unwrap();
    let message = format!("{:#}", unlock(&pool, &default_args(), dir.path()).await.unwrap_err());
    assert!(message.contains("backup"), "{message}");
    assert!(!dir.path().join("master.key").exists());
}

#[tokio::test]
async fn an_explicit_key_file_that_does_not_exist_is_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let path = dir.path().join("elsewhere.key");
    let args = VaultArgs { master_key_file: Some(path.clone()), master_key: None };
    assert!(unlock(&pool, &args, dir.path()).await.is_err());
    assert!(!path.exists());
}

#[tokio::test]
async fn after_rotation_every_credential_opens_with_the_new_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let old_vault = unlock(&pool, &default_args(), dir.path()).await.unwrap();
    store_credentials(&pool, &old_vault).await;
    let old_file = fs::read(dir.path().join("master.key")).unwrap();
    let before: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM source_credentials ORDER BY organisation_id, source_id")
            .fetch_all(&pool)
            .await
            .unwrap();

    let rotated = rotate(&pool, &default_args(), dir.path(), None).await.unwrap();
    assert_eq!((rotated.credentials, rotated.last_step), (3, Step::Promoted));
    assert!(!pending_path(&dir.path().join("master.key")).exists());
    let new_key = MasterKey::read_file(&dir.path().join("master.key")).unwrap();
    assert_eq!(new_key.id(), rotated.new_key_id);
    assert_ne!(new_key.id(), old_vault.current_key_id());

    assert_all_open(&pool, &Vault::new(new_key)).await;
    let binding = Binding::source_credential(SOURCES[0].0, SOURCES[0].1);
    let sealed = store::get_credential(&pool, &binding).await.unwrap().unwrap();
    assert!(matches!(old_vault.open(&sealed, &binding), Err(VaultError::UnknownKey(_))));
    let old_args = VaultArgs {
        master_key_file: None,
        master_key: Some(String::from_utf8(old_file).unwrap().trim().parse().unwrap()),
    };
    assert!(unlock(&pool, &old_args, dir.path()).await.is_err(), "the old key must be refused after rotation");
    assert_all_open(&pool, &unlock(&pool, &default_args(), dir.path()).await.unwrap()).await;

    // Only the wraps changed: each secret's own nonce and ciphertext are as they were.
    let after: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM source_credentials ORDER BY organisation_id, source_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b[envelope::DATA_NONCE_AT..], a[envelope::DATA_NONCE_AT..]);
        assert_ne!(b[..envelope::DATA_NONCE_AT], a[..envelope::DATA_NONCE_AT]);
    }
}

#[tokio::test]
async fn a_crash_at_any_step_of_rotation_leaves_every_credential_openable() {
    for last in [Step::NewKeyStored, Step::RewrappedUncommitted, Step::Committed, Step::Promoted] {
        let dir = tempfile::tempdir().unwrap();
        let pool = meta_store(dir.path()).await;
        let old_vault = unlock(&pool, &default_args(), dir.path()).await.unwrap();
        store_credentials(&pool, &old_vault).await;

        let stopped = rotate_until(&pool, &default_args(), dir.path(), None, last).await.unwrap();
        assert_eq!(stopped.last_step, last);
        // The relay restarts with the same configuration after the "crash".
        let restarted = unlock(&pool, &default_args(), dir.path()).await.unwrap();
        assert_all_open(&pool, &restarted).await;
        let expected = if last >= Step::Committed { stopped.new_key_id } else { stopped.old_key_id };
        assert_eq!(restarted.current_key_id(), expected, "after {last:?}");
        assert_eq!(MasterKey::read_file(&dir.path().join("master.key")).unwrap().id(), expected);
        assert!(!pending_path(&dir.path().join("master.key")).exists(), "after {last:?}");

        // A rotation after the crash completes normally.
        let again = rotate(&pool, &default_args(), dir.path(), None).await.unwrap();
        assert_all_open(&pool, &unlock(&pool, &default_args(), dir.path()).await.unwrap()).await;
        assert_eq!(again.last_step, Step::Promoted);
    }
}

#[tokio::test]
async fn rotation_with_an_environment_key_needs_and_uses_a_new_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let pool = meta_store(dir.path()).await;
    let vault = unlock(&pool, &env_args(&key(1)), dir.path()).await.unwrap();
    store_credentials(&pool, &vault).await;
    assert!(rotate(&pool, &env_args(&key(1)), dir.path(), None).await.is_err());

    let new_file = dir.path().join("next.key");
    let rotated = rotate(&pool, &env_args(&key(1)), dir.path(), Some(&new_file)).await.unwrap();
    assert!(!rotated.replaced_key_file);
    let args = VaultArgs { master_key_file: Some(new_file), master_key: None };
    assert_all_open(&pool, &unlock(&pool, &args, dir.path()).await.unwrap()).await;
}
