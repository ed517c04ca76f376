//! Starting the relay and the browser, and the actions a person takes in the app.

mod browser;
mod relay;

pub use browser::Browser;
pub use relay::Relay;

use std::path::PathBuf;

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-1";

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where tests leave screenshots; `VIZKRAFT_TEST_OUTPUT` overrides.
pub fn output_dir() -> PathBuf {
    let dir =
        std::env::var_os("VIZKRAFT_TEST_OUTPUT").map(PathBuf::from).unwrap_or_else(|| repo_root().join("test-output"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
