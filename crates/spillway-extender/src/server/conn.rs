//! The accept loop: HTTP/1.1 and HTTP/2 (hyper-util's auto builder), over TCP
//! or rustls, with graceful shutdown.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument, debug, warn};

/// Time a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting
/// (the listening socket is closed, so new connections are refused) and waits
/// for the requests in flight to be answered; idle keep-alive connections are
/// closed at once. With `tls` (see [`load_tls`](super::load_tls)), every
/// connection is TLS first.
///
/// The wait has no bound of its own: each request is bounded by the router's
/// `limits.timeout`, and the orchestrator's grace period bounds the rest.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use std::sync::Arc;
/// use spillway_extender::server::{self, AppState};
/// use spillway_extender::{Cache, Config, Extender};
///
/// let config = Config::default();
/// let state = AppState::new(Extender::new(config.clone(), Cache::default()), &config)
///     .map_err(std::io::Error::other)?;
/// state.set_ready(true);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8888").await?;
/// let shutdown = async { tokio::signal::ctrl_c().await.unwrap_or(()) };
/// server::serve(listener, server::router(Arc::new(state)), None, shutdown).await
/// # }
/// ```
///
/// # Errors
/// None at present: failed accepts (a connection reset before it was
/// accepted, too many open files) are logged and retried, as `axum::serve`
/// does; the `Result` leaves room for listener errors that end serving.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let acceptor = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        // Small request/response exchanges: do not wait to fill a segment.
        let _ = tcp.set_nodelay(true);
        // Taken before the task starts, so a shutdown that comes during the
        // TLS handshake still waits for this connection.
        let watcher = graceful.watcher();
        let app = app.clone();
        let acceptor = acceptor.clone();
        let span = tracing::debug_span!("conn", %peer);
        tokio::spawn(
            async move {
                let builder = auto::Builder::new(TokioExecutor::new());
                let service = TowerToHyperService::new(app);
                let result = match acceptor {
                    None => {
                        let conn = builder.serve_connection(TokioIo::new(tcp), service);
                        watcher.watch(conn).await
                    }
                    Some(acceptor) => {
                        let Some(stream) = handshake(&acceptor, tcp).await else {
                            return;
                        };
                        let conn = builder.serve_connection(TokioIo::new(stream), service);
                        watcher.watch(conn).await
                    }
                };
                if let Err(e) = result {
                    debug!(error = %e, "connection ended with an error");
                }
            }
            .instrument(span),
        );
    }
    drop(listener);
    debug!(
        connections = graceful.count(),
        "listener closed; draining connections"
    );
    graceful.shutdown().await;
    Ok(())
}

/// The TLS handshake, bounded by [`HANDSHAKE_TIMEOUT`]; `None` (logged) when
/// it fails. A refused certificate is a warning (a misconfigured scheduler);
/// a client that just goes away, such as a TCP probe, is debug.
async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            let tls_error = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            match tls_error {
                Some(tls_error) => warn!(error = %tls_error, "TLS handshake failed"),
                None => debug!(error = %e, "TLS handshake failed"),
            }
            None
        }
        Err(_) => {
            debug!(
                timeout = ?HANDSHAKE_TIMEOUT,
                "TLS handshake not finished in time"
            );
            None
        }
    }
}

/// What `axum::serve` does with a failed accept: errors about that one
/// connection are skipped, others (out of file descriptors) wait a second.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    warn!(error = %e, "accept failed; retrying in 1s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
