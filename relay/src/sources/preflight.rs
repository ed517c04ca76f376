//! The relay's own TLS handshake with a database server, before sqlx connects. It trusts only
//! the source's CA when one is given (sqlx adds the public roots to it), accepts TLS 1.3 only,
//! and turns rustls' verdict into the precise failure an admin can act on.
//!
//! It speaks just enough of each protocol to ask for TLS: PostgreSQL's SSLRequest
//! (https://www.postgresql.org/docs/15/protocol-flow.html#id-1.10.6.7.12) and MySQL's
//! SSL request after the server greeting
//! (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_ssl_request.html).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use vizkraft_domain::api::sources::{ConnectionFailure, ConnectionFailureKind as Kind};
use vizkraft_domain::semantic::Engine;

/// How long each network step of the pre-flight may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// A MySQL greeting is a few dozen bytes; anything much larger is not a MySQL server.
const MAX_GREETING_BYTES: usize = 16 * 1024;

pub fn failure(kind: Kind, message: impl Into<String>) -> ConnectionFailure {
    ConnectionFailure { kind, message: message.into() }
}

/// The trust anchors for a source: its CA alone, or the public web PKI.
pub fn root_store(ca_pem: Option<&str>) -> Result<RootCertStore, ConnectionFailure> {
    let mut roots = RootCertStore::empty();
    let Some(pem) = ca_pem else {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(roots);
    };
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| failure(Kind::InvalidSettings, "The CA certificate is not valid PEM."))?;
    if certificates.is_empty() {
        return Err(failure(Kind::InvalidSettings, "The CA certificate field holds no PEM certificate."));
    }
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|e| failure(Kind::InvalidSettings, format!("The CA certificate cannot be used: {e}.")))?;
    }
    Ok(roots)
}

/// Connects to `address`, asks the server for TLS and completes a TLS 1.3 handshake that
/// verifies the certificate against `roots` for `host`. Returns the protocol version.
pub async fn verify_tls(
    engine: Engine,
    address: SocketAddr,
    host: &str,
    roots: RootCertStore,
) -> Result<String, ConnectionFailure> {
    let server_name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_owned())
        .map_err(|_| failure(Kind::InvalidSettings, format!("{host:?} is not a valid host name.")))?;
    let mut stream = timed("connecting", TcpStream::connect(address))
        .await?
        .map_err(|e| failure(Kind::Unreachable, format!("Nothing accepts connections at {address}: {e}.")))?;
    timed("asking for TLS", ask_for_tls(engine, &mut stream)).await??;

    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| failure(Kind::Other, format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut tls = timed("the TLS handshake", TlsConnector::from(Arc::new(config)).connect(server_name, stream))
        .await?
        .map_err(|e| handshake_failure(&e, host))?;
    let version = tls.get_ref().1.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
    let _ = tls.shutdown().await;
    Ok(version.replace("TLSv1_3", "TLSv1.3"))
}

async fn timed<T>(step: &str, future: impl std::future::Future<Output = T>) -> Result<T, ConnectionFailure> {
    tokio::time::timeout(STEP_TIMEOUT, future)
        .await
        .map_err(|_| failure(Kind::Timeout, format!("No answer within {} s while {step}.", STEP_TIMEOUT.as_secs())))
}

async fn ask_for_tls(engine: Engine, stream: &mut TcpStream) -> Result<(), ConnectionFailure> {
    let io = |e: std::io::Error| failure(Kind::Unreachable, format!("The connection broke while asking for TLS: {e}."));
    match engine {
        Engine::Postgres => {
            // Length 8, then the SSLRequest code 80877103.
            stream.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await.map_err(io)?;
            match stream.read_u8().await.map_err(io)? {
                b'S' => Ok(()),
                b'N' => Err(failure(Kind::TlsUnavailable, "The server does not offer TLS (ssl = off).")),
                _ => Err(failure(Kind::Other, "The server did not answer like PostgreSQL.")),
            }
        }
        Engine::Mysql => {
            let mut header = [0u8; 4];
            stream.read_exact(&mut header).await.map_err(io)?;
            let length = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
            if length == 0 || length > MAX_GREETING_BYTES {
                return Err(failure(Kind::Other, "The server did not answer like MySQL or MariaDB."));
            }
            let mut greeting = vec![0u8; length];
            stream.read_exact(&mut greeting).await.map_err(io)?;
            let capabilities = mysql_capabilities(&greeting)?;
            const CLIENT_SSL: u32 = 0x0800;
            if capabilities & CLIENT_SSL == 0 {
                return Err(failure(Kind::TlsUnavailable, "The server does not offer TLS (no ssl_cert configured)."));
            }
            // CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION,
            // max packet 16 MiB, utf8mb4, 23 reserved bytes; sequence id 1 follows the greeting's 0.
            const FLAGS: u32 = 0x0001 | 0x0200 | CLIENT_SSL | 0x8000;
            let mut request = vec![32, 0, 0, header[3].wrapping_add(1)];
            request.extend_from_slice(&FLAGS.to_le_bytes());
            request.extend_from_slice(&(16u32 << 20).to_le_bytes());
            request.push(45);
            request.extend_from_slice(&[0; 23]);
            stream.write_all(&request).await.map_err(io)
        }
        Engine::Sqlite => Err(failure(Kind::InvalidSettings, "SQLite sources are files, not network servers.")),
    }
}

/// The capability flags of a protocol-10 greeting, or the server's refusal.
fn mysql_capabilities(greeting: &[u8]) -> Result<u32, ConnectionFailure> {
    if greeting.first() == Some(&0xff) {
        // An error packet: code (2 bytes), then '#' and SQLSTATE, then the message.
        let message = String::from_utf8_lossy(greeting.get(9..).unwrap_or_default()).into_owned();
        return Err(failure(Kind::Authentication, format!("The server refused this relay: {message}")));
    }
    let malformed = || failure(Kind::Other, "The server did not answer like MySQL or MariaDB.");
    if greeting.first() != Some(&10) {
        return Err(malformed());
    }
    // Version (NUL-terminated), thread id (4), scramble part 1 (8), filler (1), then the
    // lower and, after charset (1) and status (2), the upper capability bytes.
    let version_end = greeting.iter().skip(1).position(|&b| b == 0).ok_or_else(malformed)? + 2;
    let lower = version_end + 13;
    let bytes = |at: usize| greeting.get(at..at + 2).map(|b| u32::from(b[0]) | u32::from(b[1]) << 8);
    let low = bytes(lower).ok_or_else(malformed)?;
    let high = bytes(lower + 5).unwrap_or(0);
    Ok(low | high << 16)
}

fn handshake_failure(error: &std::io::Error, host: &str) -> ConnectionFailure {
    let Some(tls) = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) else {
        return failure(Kind::TlsFailed, format!("The TLS handshake failed: {error}."));
    };
    match tls {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                failure(Kind::NameMismatch, format!("The server's certificate is trusted but does not name {host:?}."))
            }
            CertificateError::UnknownIssuer | CertificateError::BadSignature => failure(
                Kind::CertificateUntrusted,
                "The server's certificate was not issued by the trusted certificate authority.",
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                failure(Kind::TlsFailed, "The server's certificate has expired.")
            }
            other => {
                failure(Kind::CertificateUntrusted, format!("The server's certificate is not accepted: {other:?}."))
            }
        },
        rustls::Error::AlertReceived(_) | rustls::Error::PeerIncompatible(_) => failure(
            Kind::TlsFailed,
            format!("The server would not complete a TLS 1.3 handshake ({tls}); the relay accepts TLS 1.3 only."),
        ),
        other => failure(Kind::TlsFailed, format!("The TLS handshake failed: {other}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mariadb_greeting_yields_its_capabilities() {
        // Protocol 10, "10.11.6-MariaDB\0", thread id, scramble, filler, caps low 0xf7fe
        // (CLIENT_SSL set), charset, status, caps high 0x81ff.
        let mut greeting = vec![10];
        greeting.extend_from_slice(b"10.11.6-MariaDB\0");
        greeting.extend_from_slice(&[1, 0, 0, 0]);
        greeting.extend_from_slice(b"abcdefgh");
        greeting.push(0);
        greeting.extend_from_slice(&[0xfe, 0xf7, 45, 2, 0, 0xff, 0x81]);
        assert_eq!(mysql_capabilities(&greeting).unwrap(), 0x81ff_f7fe);
        assert!(mysql_capabilities(&greeting[..20]).is_err());
        assert!(mysql_capabilities(b"\xff\x15\x04#HY000Host is blocked").is_err());
    }

    #[test]
    fn a_ca_field_without_a_certificate_is_refused() {
        assert_eq!(root_store(Some("hello")).err().map(|f| f.kind), Some(Kind::InvalidSettings));
        assert!(root_store(None).is_ok_and(|roots| !roots.is_empty()));
    }
}
