//! The outcome of "Test connection": what the relay found, or precisely what stopped it.

use leptos::prelude::*;
use vizkraft_domain::api::sources::{ConnectionFailureKind, ConnectionTestResponse};

use crate::api::ClientError;
use crate::components::ErrorMessage;

/// The kind's wire name, for `data-kind`: the word the relay sent and tests match on.
pub fn failure_kind_value(kind: ConnectionFailureKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

/// A short heading per kind; the relay's message follows it with the details.
pub fn failure_heading(kind: ConnectionFailureKind) -> &'static str {
    match kind {
        ConnectionFailureKind::InvalidSettings => "Settings incomplete",
        ConnectionFailureKind::ForbiddenAddress => "Address not allowed",
        ConnectionFailureKind::Unreachable => "Server unreachable",
        ConnectionFailureKind::Timeout => "No answer in time",
        ConnectionFailureKind::TlsUnavailable => "Server does not offer TLS",
        ConnectionFailureKind::CertificateUntrusted => "Certificate not trusted",
        ConnectionFailureKind::NameMismatch => "Certificate is for another name",
        ConnectionFailureKind::TlsFailed => "TLS handshake failed",
        ConnectionFailureKind::Authentication => "Login refused",
        ConnectionFailureKind::DatabaseMissing => "Database not found",
        ConnectionFailureKind::WritableLogin => "Login can change data",
        ConnectionFailureKind::PrivilegedLogin => "Login has too much power",
        ConnectionFailureKind::FileRefused => "File refused",
        ConnectionFailureKind::Other => "Connection failed",
    }
}

/// What usually fixes it, where the heading alone does not say.
fn failure_hint(kind: ConnectionFailureKind) -> Option<&'static str> {
    match kind {
        ConnectionFailureKind::CertificateUntrusted => {
            Some("Paste the certificate of the authority that signed the server's certificate (PEM) below.")
        }
        ConnectionFailureKind::NameMismatch => {
            Some("Use the host name the certificate was issued for, not an IP address or an alias.")
        }
        ConnectionFailureKind::TlsUnavailable => {
            Some("Turn on TLS on the database server. Only a server on this machine may be reached unencrypted.")
        }
        ConnectionFailureKind::WritableLogin => {
            Some("Use a login that can only read, or confirm below that this one may stay.")
        }
        ConnectionFailureKind::PrivilegedLogin => Some(
            "Superusers, replication roles and logins with FILE or SUPER are never used: create a read-only login.",
        ),
        _ => None,
    }
}

#[component]
pub fn ConnectionTestResult(result: Result<ConnectionTestResponse, ClientError>) -> impl IntoView {
    match result {
        Err(error) => view! {
            <div class="test-result" data-testid="source-test-result" data-outcome="error">
                <ErrorMessage error=error />
            </div>
        }
        .into_any(),
        Ok(ConnectionTestResponse { failure: Some(failure), .. }) => {
            let hint = failure_hint(failure.kind);
            view! {
                <div class="test-result failed" role="alert" data-testid="source-test-result" data-outcome="failed"
                    data-kind=failure_kind_value(failure.kind)>
                    <strong>{failure_heading(failure.kind)}</strong>
                    <p class="test-message">{failure.message}</p>
                    {hint.map(|text| view! { <p class="small muted">{text}</p> })}
                </div>
            }
            .into_any()
        }
        Ok(found) => view! {
            <div class="test-result connected" role="status" data-testid="source-test-result" data-outcome="connected">
                <strong>"Connected"</strong>
                <dl class="facts">
                    <dt>"Server"</dt>
                    <dd data-testid="source-test-version">{found.server_version.unwrap_or_else(|| "unknown version".to_owned())}</dd>
                    <dt>"Encryption"</dt>
                    <dd data-testid="source-test-tls">{found.tls_version.unwrap_or_else(|| "unencrypted".to_owned())}</dd>
                    <dt>"Tables"</dt>
                    <dd data-testid="source-test-tables">{found.table_count}</dd>
                </dl>
            </div>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_kinds_show_their_wire_names() {
        assert_eq!(failure_kind_value(ConnectionFailureKind::CertificateUntrusted), "certificate_untrusted");
        assert_eq!(failure_kind_value(ConnectionFailureKind::NameMismatch), "name_mismatch");
        assert_eq!(failure_kind_value(ConnectionFailureKind::WritableLogin), "writable_login");
    }

    #[test]
    fn the_headings_name_what_to_fix() {
        assert_eq!(failure_heading(ConnectionFailureKind::CertificateUntrusted), "Certificate not trusted");
        assert_eq!(failure_heading(ConnectionFailureKind::Authentication), "Login refused");
        assert_eq!(failure_heading(ConnectionFailureKind::TlsUnavailable), "Server does not offer TLS");
    }
}
