//! HTTPS on real sockets: TLS 1.3 only, the certificate the relay makes or is given, and the
//! security headers on every kind of response. Clients trust the relay's certificate; none
//! turns verification off.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::{header, HeaderMap, Request, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use vizkraft_relay::config::{QueryLimits, ServeArgs, TlsArgs};
use vizkraft_relay::state::AppState;
use vizkraft_relay::tls::{self, Origin, ServerCertificate};

const INLINE_SCRIPT: &str = "\nimport init from '/app.js';\nawait init();\n";

/// A relay serving HTTPS on 127.0.0.1, port 0, bound before it serves.
struct Served {
    addr: SocketAddr,
    certificate: ServerCertificate,
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start(data_dir: &Path, tls: TlsArgs, static_dir: Option<&Path>) -> Served {
        let args = ServeArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.to_owned(),
            static_dir: static_dir.map(Path::to_owned),
            demo: false,
            demo_path: None,
            sqlite_sources: Vec::new(),
            limits: QueryLimits { row_cap: 1_000, statement_timeout_ms: 5_000, byte_cap: 1 << 30 },
            sources: Default::default(),
            tls,
            vault: Default::default(),
        };
        let state = AppState::open(&args).await.unwrap();
        let certificate =
            ServerCertificate::from_options(args.tls.cert.as_deref(), args.tls.key.as_deref(), &args.data_dir).unwrap();
        let config = tls::server_config(&certificate).unwrap();
        let listener = TcpListener::bind(args.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = vizkraft_relay::router(state, static_dir);
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(tls::serve_tls(listener, config, router, async {
            let _ = stopped.await;
        }));
        Served { addr, certificate, stop, task }
    }

    fn leaf(&self) -> CertificateDer<'static> {
        self.certificate.chain[0].clone()
    }

    /// Stops the relay and checks that it shut down cleanly.
    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// A client that trusts exactly `trusted`, speaks only `versions` and offers h2 and http/1.1.
fn client(trusted: &CertificateDer<'static>, versions: &[&'static SupportedProtocolVersion]) -> TlsConnector {
    client_offering(trusted, versions, &[b"h2", b"http/1.1"])
}

fn client_offering(
    trusted: &CertificateDer<'static>,
    versions: &[&'static SupportedProtocolVersion],
    alpn: &[&[u8]],
) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

async fn connect(connector: &TlsConnector, addr: SocketAddr, name: &str) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    connector.connect(ServerName::try_from(name.to_owned()).unwrap(), tcp).await
}

/// GET over HTTP/1.1 on a TLS 1.3 connection that trusts the relay's certificate.
async fn get(served: &Served, path: &str) -> (StatusCode, HeaderMap, Bytes) {
    let connector = client_offering(&served.leaf(), &[&rustls::version::TLS13], &[b"http/1.1"]);
    get_with(&connector, served.addr, "localhost", path).await
}

async fn get_with(
    connector: &TlsConnector,
    addr: SocketAddr,
    name: &str,
    path: &str,
) -> (StatusCode, HeaderMap, Bytes) {
    let stream = connect(connector, addr, name).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let request = Request::get(path).header(header::HOST, name).body(Empty::<Bytes>::new()).unwrap();
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes())
}

fn static_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let index = format!(
        "<!DOCTYPE html><html><head><script src=\"/vendor/echarts.min.js\"></script>\
         <script type=\"module\">{INLINE_SCRIPT}</script></head><body></body></html>"
    );
    std::fs::write(dir.path().join("index.html"), index).unwrap();
    std::fs::write(dir.path().join("app.js"), "export default function init() {}\n").unwrap();
    dir
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let h = |name: &str| headers.get(name).unwrap_or_else(|| panic!("{what}: no {name}")).to_str().unwrap().to_owned();
    assert_eq!(h("strict-transport-security"), "max-age=63072000; includeSubDomains", "{what}");
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    assert_eq!(h("cross-origin-opener-policy"), "same-origin", "{what}");
    let csp = h("content-security-policy");
    for directive in [
        "default-src 'none'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.split("; ").any(|d| d == directive), "{what}: CSP lacks {directive:?}: {csp}");
    }
    let script_src = csp.split("; ").find(|d| d.starts_with("script-src ")).unwrap();
    assert!(script_src.starts_with("script-src 'self' 'wasm-unsafe-eval'"), "{what}: {script_src}");
    assert!(!script_src.contains("unsafe-inline") && !script_src.contains("'unsafe-eval'"), "{what}: {script_src}");
}

#[tokio::test]
async fn a_tls13_client_that_trusts_the_generated_certificate_gets_healthz() {
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), TlsArgs::default(), None).await;
    assert!(matches!(served.certificate.origin, Origin::Created(_)));
    // The certificate names both the host name and the loopback address.
    let connector = client(&served.leaf(), &[&rustls::version::TLS13]);
    for name in ["localhost", "127.0.0.1"] {
        let stream = connect(&connector, served.addr, name).await.unwrap();
        let (_, session) = stream.get_ref();
        assert_eq!(session.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_3));
        // ALPN (RFC 7301): the server prefers the client's first choice it supports.
        assert_eq!(session.alpn_protocol(), Some(&b"h2"[..]));
    }
    let (status, _, body) = get(&served, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"ok");
    served.stop().await;
}

#[tokio::test]
async fn a_client_offering_only_tls12_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), TlsArgs::default(), None).await;
    let tls12 = client(&served.leaf(), &[&rustls::version::TLS12]);
    let error = connect(&tls12, served.addr, "localhost").await.expect_err("a TLS 1.2 handshake must fail");
    let cause = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
    assert_eq!(cause, Some(&rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)), "{error}");
    // The refusal does not disturb the server.
    assert_eq!(get(&served, "/healthz").await.0, StatusCode::OK);
    served.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_speak_tls_does_not_disturb_the_server() {
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), TlsArgs::default(), None).await;
    let mut plain = TcpStream::connect(served.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut plain, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    // The server closes the connection (after a TLS alert); it never answers in plain HTTP.
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut plain, &mut answer).await;
    assert!(!answer.starts_with(b"HTTP/"), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(get(&served, "/healthz").await.0, StatusCode::OK);
    served.stop().await;
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let data = tempfile::tempdir().unwrap();
    let app = static_dir();
    let served = Served::start(data.path(), TlsArgs::default(), Some(app.path())).await;

    let (status, headers, _) = get(&served, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_security_headers(&headers, "API response");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");

    let (status, headers, _) = get(&served, "/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_security_headers(&headers, "static file");

    let (status, headers, _) = get(&served, "/api/v1/no-such-route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_security_headers(&headers, "API 404");

    // The app's page allows its own inline module script, by hash.
    let (status, headers, _) = get(&served, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_security_headers(&headers, "index.html");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let expected = vizkraft_relay::security_headers::content_security_policy(Some(&format!(
        "<script type=\"module\">{INLINE_SCRIPT}</script>"
    )));
    assert_eq!(csp, expected);
    served.stop().await;

    // Without a built app, unknown paths are axum's own 404; it carries them too.
    let served = Served::start(data.path(), TlsArgs::default(), None).await;
    let (status, headers, _) = get(&served, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_security_headers(&headers, "plain 404");
    served.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_generated_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), TlsArgs::default(), None).await;
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data.path().join("tls/key.pem")), 0o600);
    assert_eq!(mode(data.path().join("tls")), 0o700);
    served.stop().await;
}

#[tokio::test]
async fn a_second_start_reuses_the_certificate() {
    let data = tempfile::tempdir().unwrap();
    let first = Served::start(data.path(), TlsArgs::default(), None).await;
    let (leaf, fingerprints) = (first.leaf(), first.certificate.fingerprints.clone());
    first.stop().await;

    let second = Served::start(data.path(), TlsArgs::default(), None).await;
    assert_eq!(second.certificate.origin, Origin::Reused(data.path().join("tls")));
    assert_eq!(second.certificate.fingerprints, fingerprints);
    // A client that trusted the first start's certificate trusts the second's.
    let connector = client(&leaf, &[&rustls::version::TLS13]);
    connect(&connector, second.addr, "localhost").await.unwrap();
    second.stop().await;
}

#[tokio::test]
async fn a_provided_certificate_and_key_are_used() {
    let own = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["vizkraft.example".to_owned()]).unwrap().self_signed(&key).unwrap();
    let (cert_path, key_path) = (own.path().join("fullchain.pem"), own.path().join("privkey.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path(), TlsArgs { cert: Some(cert_path), key: Some(key_path) }, None).await;
    assert_eq!(served.certificate.origin, Origin::Provided);
    assert_eq!(served.leaf(), *cert.der());
    assert!(!data.path().join("tls").exists(), "no certificate is generated when one is given");

    let connector = client_offering(cert.der(), &[&rustls::version::TLS13], &[b"http/1.1"]);
    let (status, _, body) = get_with(&connector, served.addr, "vizkraft.example", "/healthz").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
    served.stop().await;
}

#[tokio::test]
async fn a_key_that_does_not_match_the_certificate_is_refused_at_start() {
    let own = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let other_key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
    std::fs::write(own.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(own.path().join("key.pem"), other_key.serialize_pem()).unwrap();
    let certificate =
        ServerCertificate::from_pem_files(&own.path().join("cert.pem"), &own.path().join("key.pem")).unwrap();
    let error = tls::server_config(&certificate).err().unwrap();
    assert!(error.to_string().contains("do not belong together"), "{error:#}");
}
