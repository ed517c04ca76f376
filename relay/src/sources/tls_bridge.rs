//! The relay's own TLS to a database server. sqlx's TLS trusts the public roots beside a given
//! CA, cannot be limited to TLS 1.3, verifies the name it connected to and resolves that name
//! again itself; so the relay does TLS instead and hands sqlx a private Unix socket:
//!
//! 1. connect to the address the relay resolved and checked (no second DNS lookup),
//! 2. ask the server for TLS in its own protocol: PostgreSQL's SSLRequest
//!    (https://www.postgresql.org/docs/15/protocol-flow.html#id-1.10.6.7.12), MySQL's SSL request
//!    after the greeting (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_ssl_request.html),
//! 3. complete a TLS 1.3 handshake that trusts only the source's CA (or, without one, the public
//!    roots) for the expected server name; a failure here is reported precisely,
//! 4. then relay bytes between sqlx on the Unix socket and the TLS stream. For MySQL the
//!    handshake's packet numbers are shifted by one, since the SSL request took a number sqlx
//!    never saw, until authentication ends.

use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use vizkraft_domain::api::sources::{ConnectionFailure, ConnectionFailureKind as Kind};
use vizkraft_domain::semantic::Engine;

/// How long each network step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a prepared bridge waits for sqlx to connect to it.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(10);
/// A MySQL greeting or handshake packet is a few hundred bytes; anything much larger is not one.
const MAX_HANDSHAKE_PACKET: usize = 64 * 1024;
const CLIENT_SSL: u32 = 0x0800;

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

/// A connection to a database server, waiting for sqlx on a private Unix socket.
pub struct Bridge {
    /// For PostgreSQL, the directory holding `.s.PGSQL.<port>`; for MySQL, the socket itself.
    pub socket: PathBuf,
    /// How the TLS handshake went. PostgreSQL's is done before `open` returns; MySQL's only
    /// once sqlx has answered the greeting, since the SSL request must carry sqlx's capabilities.
    pub handshake: Arc<Mutex<Handshake>>,
}

#[derive(Default)]
pub struct Handshake {
    /// The negotiated protocol, `TLSv1.3`.
    pub tls_version: Option<String>,
    pub failure: Option<ConnectionFailure>,
}

/// What a TLS handshake needs, kept for MySQL until sqlx has spoken.
struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
    server_name: String,
}

impl Tls {
    async fn handshake(&self, tcp: TcpStream) -> Result<(TlsStream<TcpStream>, String), ConnectionFailure> {
        let tls = timed("the TLS handshake", self.connector.connect(self.name.clone(), tcp))
            .await?
            .map_err(|e| handshake_failure(&e, &self.server_name))?;
        let version = tls.get_ref().1.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
        Ok((tls, version.replace("TLSv1_3", "TLSv1.3")))
    }
}

/// Connects to `address`, asks for TLS, and starts the task that serves the first (and only)
/// client of the returned socket over TLS verified for `server_name`.
pub async fn open(
    engine: Engine,
    address: SocketAddr,
    server_name: &str,
    roots: RootCertStore,
    port: u16,
) -> Result<Bridge, ConnectionFailure> {
    let name = ServerName::try_from(server_name.trim_start_matches('[').trim_end_matches(']').to_owned())
        .map_err(|_| failure(Kind::InvalidSettings, format!("{server_name:?} is not a valid server name.")))?;
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| failure(Kind::Other, format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = Tls { connector: TlsConnector::from(Arc::new(config)), name, server_name: server_name.to_owned() };
    let mut tcp = timed("connecting", TcpStream::connect(address))
        .await?
        .map_err(|e| failure(Kind::Unreachable, format!("Nothing accepts connections at {address}: {e}.")))?;
    let handshake = Arc::new(Mutex::new(Handshake::default()));
    let dir = socket_dir()?;
    let bind = |path: &Path| {
        UnixListener::bind(path)
            .map_err(|e| failure(Kind::Other, format!("Cannot open the relay's private socket: {e}.")))
    };
    match engine {
        Engine::Postgres => {
            timed("asking for TLS", postgres_ssl_request(&mut tcp)).await??;
            let (stream, version) = tls.handshake(tcp).await?;
            record(&handshake, |h| h.tls_version = Some(version));
            let listener = bind(&dir.join(format!(".s.PGSQL.{port}")))?;
            tokio::spawn(serve_postgres(listener, dir.clone(), stream));
            Ok(Bridge { socket: dir, handshake })
        }
        Engine::Mysql => {
            let greeting = timed("reading the greeting", mysql_greeting(&mut tcp)).await??;
            let socket = dir.join("mysql.sock");
            let listener = bind(&socket)?;
            tokio::spawn(serve_mysql(listener, dir, tcp, greeting, tls, handshake.clone()));
            Ok(Bridge { socket, handshake })
        }
        Engine::Sqlite => Err(failure(Kind::InvalidSettings, "SQLite sources are files, not network servers.")),
    }
}

fn record(handshake: &Mutex<Handshake>, update: impl FnOnce(&mut Handshake)) {
    if let Ok(mut h) = handshake.lock() {
        update(&mut h);
    }
}

/// A new directory only this process's user may enter, for one bridge's socket.
fn socket_dir() -> Result<PathBuf, ConnectionFailure> {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let root = ROOT.get_or_init(|| {
        std::env::temp_dir().join(format!("vizkraft-{}-{:x}", std::process::id(), rand::random::<u32>()))
    });
    let dir = root.join(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| failure(Kind::Other, format!("Cannot create the relay's private socket directory: {e}.")))?;
    Ok(dir)
}

/// The first client of `listener`; the socket and its directory are removed either way.
async fn accept_once(listener: UnixListener, dir: &Path) -> Option<UnixStream> {
    let accepted = tokio::time::timeout(ACCEPT_TIMEOUT, listener.accept()).await;
    drop(listener);
    let _ = std::fs::remove_dir_all(dir);
    accepted.ok()?.ok().map(|(client, _)| client)
}

async fn serve_postgres(listener: UnixListener, dir: PathBuf, server: TlsStream<TcpStream>) {
    let Some(client) = accept_once(listener, &dir).await else { return };
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut server_read, mut server_write) = tokio::io::split(server);
    let upstream = async {
        tokio::io::copy(&mut client_read, &mut server_write).await?;
        server_write.shutdown().await
    };
    let downstream = async {
        tokio::io::copy(&mut server_read, &mut client_write).await?;
        client_write.shutdown().await
    };
    if let Err(e) = tokio::try_join!(upstream, downstream) {
        tracing::debug!(error = %e, "a database connection closed");
    }
}

/// Gives sqlx the server's greeting, takes its handshake response, sends the server an SSL
/// request made of that response's first 32 bytes (so the server learns sqlx's capabilities),
/// completes TLS, then relays packets with numbers shifted by one until the server ends
/// authentication with OK or ERR; after that, commands restart their numbering at 0 and
/// bytes pass unchanged.
async fn serve_mysql(
    listener: UnixListener,
    dir: PathBuf,
    tcp: TcpStream,
    greeting: Vec<u8>,
    tls: Tls,
    handshake: Arc<Mutex<Handshake>>,
) {
    let Some(client) = accept_once(listener, &dir).await else { return };
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let first = async {
        client_write.write_all(&greeting).await.ok()?;
        read_packet(&mut client_read).await.ok()?
    };
    let Some(Some(mut response)) = tokio::time::timeout(STEP_TIMEOUT, first).await.ok() else { return };
    if response.len() < 4 + 32 {
        return;
    }
    let flags = u32::from_le_bytes([response[4], response[5], response[6], response[7]]) | CLIENT_SSL;
    response[4..8].copy_from_slice(&flags.to_le_bytes());
    let mut ssl_request = vec![32, 0, 0, greeting[3].wrapping_add(1)];
    ssl_request.extend_from_slice(&response[4..36]);
    let mut tcp = tcp;
    if tcp.write_all(&ssl_request).await.is_err() {
        return;
    }
    let server = match tls.handshake(tcp).await {
        Ok((server, version)) => {
            record(&handshake, |h| h.tls_version = Some(version));
            server
        }
        Err(failure) => {
            record(&handshake, |h| h.failure = Some(failure));
            return;
        }
    };
    let (mut server_read, mut server_write) = tokio::io::split(server);
    response[3] = response[3].wrapping_add(1);
    let authenticated = AtomicBool::new(false);
    let upstream = async {
        server_write.write_all(&response).await?;
        while !authenticated.load(Ordering::Acquire) {
            let Some(mut packet) = read_packet(&mut client_read).await? else { return Ok(()) };
            if !authenticated.load(Ordering::Acquire) {
                packet[3] = packet[3].wrapping_add(1);
            }
            server_write.write_all(&packet).await?;
        }
        tokio::io::copy(&mut client_read, &mut server_write).await?;
        server_write.shutdown().await
    };
    let downstream = async {
        loop {
            let Some(mut packet) = read_packet(&mut server_read).await? else { return Ok(()) };
            packet[3] = packet[3].wrapping_sub(1);
            let ends_authentication = matches!(packet.get(4), Some(0x00 | 0xff));
            if ends_authentication {
                authenticated.store(true, Ordering::Release);
            }
            client_write.write_all(&packet).await?;
            if ends_authentication {
                break;
            }
        }
        tokio::io::copy(&mut server_read, &mut client_write).await?;
        client_write.shutdown().await
    };
    if let Err(e) = tokio::try_join!(upstream, downstream) {
        tracing::debug!(error = %e, "a database connection closed");
    }
}

/// One MySQL packet, header included, or `None` at a clean end of stream.
async fn read_packet(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    match stream.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if length > MAX_HANDSHAKE_PACKET {
        return Err(std::io::Error::other("oversized handshake packet"));
    }
    let mut packet = Vec::with_capacity(4 + length);
    packet.extend_from_slice(&header);
    packet.resize(4 + length, 0);
    stream.read_exact(&mut packet[4..]).await?;
    Ok(Some(packet))
}

async fn timed<T>(step: &str, future: impl std::future::Future<Output = T>) -> Result<T, ConnectionFailure> {
    tokio::time::timeout(STEP_TIMEOUT, future)
        .await
        .map_err(|_| failure(Kind::Timeout, format!("No answer within {} s while {step}.", STEP_TIMEOUT.as_secs())))
}

async fn postgres_ssl_request(stream: &mut TcpStream) -> Result<(), ConnectionFailure> {
    // Length 8, then the SSLRequest code 80877103.
    stream.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await.map_err(broken)?;
    match stream.read_u8().await.map_err(broken)? {
        b'S' => Ok(()),
        b'N' => Err(failure(Kind::TlsUnavailable, "The server does not offer TLS (ssl = off).")),
        _ => Err(failure(Kind::Other, "The server did not answer like PostgreSQL.")),
    }
}

/// The server's greeting packet, once it says the server offers TLS.
async fn mysql_greeting(stream: &mut TcpStream) -> Result<Vec<u8>, ConnectionFailure> {
    let not_mysql = || failure(Kind::Other, "The server did not answer like MySQL or MariaDB.");
    let greeting = read_packet(stream).await.map_err(broken)?.ok_or_else(not_mysql)?;
    if mysql_capabilities(&greeting[4..])? & CLIENT_SSL == 0 {
        return Err(failure(Kind::TlsUnavailable, "The server does not offer TLS (no ssl_cert configured)."));
    }
    Ok(greeting)
}

fn broken(e: std::io::Error) -> ConnectionFailure {
    failure(Kind::Unreachable, format!("The connection broke while asking for TLS: {e}."))
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

    /// A PostgreSQL look-alike that offers TLS but only TLS 1.2, with a certificate the client
    /// trusts: the bridge refuses the downgrade instead of connecting.
    #[tokio::test]
    async fn a_server_that_only_speaks_tls_1_2_is_refused() {
        use rustls::pki_types::PrivateKeyDer;
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate =
            rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
        let der = certificate.der().clone();
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der.clone()], PrivateKeyDer::try_from(key.serialize_der()).unwrap())
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 8];
            tcp.read_exact(&mut request).await.unwrap();
            tcp.write_all(b"S").await.unwrap();
            let _ = tokio_rustls::TlsAcceptor::from(Arc::new(server)).accept(tcp).await;
        });
        let mut roots = RootCertStore::empty();
        roots.add(der).unwrap();
        let refused = open(Engine::Postgres, address, "localhost", roots, 5432).await.err().unwrap();
        assert_eq!(refused.kind, Kind::TlsFailed, "{}", refused.message);
        assert!(refused.message.contains("TLS 1.3"), "{}", refused.message);
    }

    #[test]
    fn a_ca_field_without_a_certificate_is_refused() {
        assert_eq!(root_store(Some("hello")).err().map(|f| f.kind), Some(Kind::InvalidSettings));
        assert!(root_store(None).is_ok_and(|roots| !roots.is_empty()));
    }
}
