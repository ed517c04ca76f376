//! Logging set-up. The filter always silences the database drivers' own statement and notice
//! logging, which would otherwise print query text and server messages that can quote values.

use tracing_subscriber::EnvFilter;

/// Targets whose events may carry SQL text or values; forced off whatever the user's filter says.
const SILENCED: &[&str] = &["sqlx=off", "sqlx::query=off", "sqlx::postgres::notice=off"];

pub fn init(filter: &str) {
    let _ = tracing_subscriber::fmt().with_env_filter(env_filter(filter)).with_writer(std::io::stderr).try_init();
}

/// The user's filter (`info` if it does not parse) with the silenced targets forced off.
pub fn env_filter(filter: &str) -> EnvFilter {
    let mut env_filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    for directive in SILENCED {
        if let Ok(d) = directive.parse() {
            env_filter = env_filter.add_directive(d);
        }
    }
    env_filter
}
