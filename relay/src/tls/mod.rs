//! HTTPS for the relay: TLS 1.3 only (RFC 8446) with ALPN h2 and http/1.1 (RFC 7301), and
//! the accept loop that serves the router over it until shutdown.

pub mod certificate;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

pub use certificate::{Fingerprints, Origin, ServerCertificate};

/// A client that opens a socket and never finishes the handshake holds a task and a file
/// descriptor; this bounds how long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a request's headers (HTTP/1.1) once connected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long shutdown waits for requests in flight (a long result stream, say) before it stops
/// anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The rustls configuration: TLS 1.3 only, so every connection has forward secrecy and an
/// encrypted certificate, and none can be downgraded to 1.2's weaker suites.
pub fn server_config(certificate: &ServerCertificate) -> anyhow::Result<Arc<ServerConfig>> {
    // The provider is named, not taken from the process default: a second provider compiled
    // in by some other crate would otherwise make rustls panic at this call.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .context("the ring provider does not offer TLS 1.3")?
        .with_no_client_auth()
        .with_single_cert(certificate.chain.clone(), certificate.key.clone_key())
        .context("the TLS certificate and private key do not belong together")?;
    // h2 first: browsers then multiplex the app's assets and API calls over one connection.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, then lets requests in
/// flight finish (for at most `SHUTDOWN_GRACE`). Per-connection failures are logged at debug
/// and never end the loop.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    wait_after_accept_error(error).await;
                    continue;
                }
            },
        };
        // Small API responses and stream frames should leave at once, not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let builder = Arc::clone(&builder);
        let watcher = graceful.watcher();
        // As axum's `into_make_service_with_connect_info`: handlers and the access layer see
        // the peer as `ConnectInfo<SocketAddr>` (for throttling and the audit log).
        let service =
            TowerToHyperService::new(router.clone().map_request(move |mut request: axum::extract::Request<_>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            }));
        tokio::spawn(async move {
            // Failures are the client's business (a TLS 1.2 client, a scanner, a browser that
            // does not trust the certificate yet): debug level, and no peer address.
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake timed out");
                    return;
                }
            };
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }

    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::info!("stopped with requests still in flight");
    }
    Ok(())
}

/// A connection that died between SYN and `accept` is nothing; anything else (out of file
/// descriptors, say) would fail again at once, so wait a moment rather than spin.
async fn wait_after_accept_error(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "cannot accept connections");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
