//! The credential vault through the real `vizkraft` binary: `vault rotate` on a data directory,
//! and a relay that refuses to start with the wrong master key.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vizkraft_relay::config::{QueryLimits, ServeArgs, VaultArgs};
use vizkraft_relay::state::AppState;
use vizkraft_relay::vault::{store, Binding, MasterKey};

const CREDENTIALS: [(&str, &str, &str); 2] = [("org-a", "warehouse", "pw-one"), ("org-b", "crm", "pw-two")];

fn serve_args(data_dir: &Path) -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        static_dir: None,
        demo: false,
        demo_path: None,
        sqlite_sources: Vec::new(),
        limits: QueryLimits { row_cap: 1_000, statement_timeout_ms: 5_000, byte_cap: 1 << 30 },
        sources: Default::default(),
        tls: Default::default(),
        vault: VaultArgs::default(),
    }
}

/// The `vizkraft` binary with none of the caller's vault settings leaking in.
fn vizkraft() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vizkraft"));
    for var in ["VIZKRAFT_MASTER_KEY", "VIZKRAFT_MASTER_KEY_FILE", "VIZKRAFT_DATA_DIR"] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

/// Runs `command` to its end, killing it if it is still running after `limit`.
fn run_with_limit(mut command: Command, limit: Duration) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("{command:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn vault_rotate_rewraps_every_credential_under_a_new_key_file() {
    let data = tempfile::tempdir().unwrap();
    let state = AppState::open(&serve_args(data.path())).await.unwrap();
    for (org, source, password) in CREDENTIALS {
        let binding = Binding::source_credential(org, source);
        let sealed = state.vault.seal(password.as_bytes(), &binding).unwrap();
        store::put_credential(&state.meta.0, &binding, &sealed).await.unwrap();
    }
    let old_key_id = state.vault.current_key_id();
    state.meta.0.close().await;
    drop(state);

    let mut command = vizkraft();
    command.args(["vault", "rotate", "--data-dir"]).arg(data.path());
    let output = run_with_limit(command, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("2 credential(s) rewrapped"), "{stdout}");

    let new_key = MasterKey::read_file(&data.path().join("master.key")).unwrap();
    assert_ne!(new_key.id(), old_key_id);
    assert!(stdout.contains(&new_key.id().to_string()) && !stdout.contains(new_key.to_base64().as_str()));
    let state = AppState::open(&serve_args(data.path())).await.unwrap();
    assert_eq!(state.vault.current_key_id(), new_key.id());
    for (org, source, password) in CREDENTIALS {
        let binding = Binding::source_credential(org, source);
        let sealed = store::get_credential(&state.meta.0, &binding).await.unwrap().unwrap();
        assert_eq!(sealed.key_id(), new_key.id());
        assert_eq!(state.vault.open(&sealed, &binding).unwrap().expose_str(), Some(password));
    }
}

#[tokio::test]
async fn the_relay_refuses_to_start_with_the_wrong_master_key() {
    let data = tempfile::tempdir().unwrap();
    let state = AppState::open(&serve_args(data.path())).await.unwrap();
    state.meta.0.close().await;
    drop(state);

    let wrong = MasterKey::generate();
    let mut command = vizkraft();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("VIZKRAFT_MASTER_KEY", wrong.to_base64().as_str());
    let output = run_with_limit(command, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("wrong master key"), "{stderr}");
    assert!(!stderr.contains(wrong.to_base64().as_str()), "{stderr}");
}
