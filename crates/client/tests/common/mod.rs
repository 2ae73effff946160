//! Helpers for the client's integration tests: real `hearth_server`s on
//! 127.0.0.1 with SQLite in temp dirs, a server that can crash, a TCP relay
//! whose connections can be cut, and a TLS listener that records what it
//! receives (the man in the middle).

#![allow(dead_code)] // Each test file uses a different subset.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_client::{ClientOptions, Event, EventStream, Fingerprint, JoinCode};
use hearth_server::Config;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// Runs `fut`, failing the test if it takes longer than [`WAIT`].
pub async fn within<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out after {WAIT:?}: {what}"),
    }
}

/// Client options for tests: quick reconnects.
pub fn quick() -> ClientOptions {
    ClientOptions {
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_secs(1),
        ..ClientOptions::default()
    }
}

/// How a [`TestServer`] stops.
enum Stop {
    /// Says `bye` to everyone, flushes, closes.
    Graceful,
    /// Vanishes: every task dropped at once, no goodbye (like a crash or power cut).
    Crash,
}

/// A real server running on its own runtime and thread, so that it can
/// also be made to vanish without a goodbye.
pub struct TestServer {
    pub addr: SocketAddr,
    pub fingerprint: Fingerprint,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<Stop>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a server on `addr` (`127.0.0.1:0` for a free port) with its data in `data_dir`.
pub async fn start_server(data_dir: &Path, addr: &str) -> TestServer {
    let mut config = Config::new(data_dir);
    config.argon2_memory_kib = 1024;
    config.argon2_iterations = 1;
    config.msg_rate = 0;
    let addr = addr.to_owned();
    let (ready_tx, ready_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<Stop>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let server = rt.block_on(async {
            // The port may still be held by the previous server for a moment.
            let mut tries = 0;
            let listener = loop {
                match TcpListener::bind(&addr).await {
                    Ok(l) => break l,
                    Err(e) if tries < 100 => {
                        tries += 1;
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("bind {addr}: {e}"),
                }
            };
            hearth_server::start(config, listener)
                .await
                .expect("server starts")
        });
        let _ = ready_tx.send((server.local_addr(), server.fingerprint()));
        match rt.block_on(stop_rx) {
            Ok(Stop::Crash) => {
                // Dropping the handle would start a graceful shutdown: leak it instead.
                std::mem::forget(server);
                rt.shutdown_timeout(Duration::from_secs(2));
            }
            Ok(Stop::Graceful) | Err(_) => {
                let _ = rt.block_on(server.shutdown());
            }
        }
    });
    let (addr, fingerprint) = within("server start", ready_rx)
        .await
        .expect("server thread");
    TestServer {
        addr,
        fingerprint,
        data_dir: data_dir.to_path_buf(),
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

impl TestServer {
    /// `127.0.0.1:PORT`.
    pub fn addr_text(&self) -> String {
        self.addr.to_string()
    }

    /// The join code of the server's key.
    pub fn code(&self) -> JoinCode {
        JoinCode::from_fingerprint(&self.fingerprint)
    }

    async fn end(mut self, how: Stop) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(how);
        }
        if let Some(thread) = self.thread.take() {
            within(
                "server thread ends",
                tokio::task::spawn_blocking(move || thread.join()),
            )
            .await
            .expect("join")
            .expect("server thread did not panic");
        }
    }

    /// Stops the server the normal way (clients get `bye`).
    pub async fn shutdown(self) {
        self.end(Stop::Graceful).await;
    }

    /// Makes the server vanish without a goodbye.
    pub async fn crash(self) {
        self.end(Stop::Crash).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(Stop::Graceful);
        }
    }
}

/// A TCP relay in front of a server whose live connections can be cut at
/// once (the server and the relay's listener stay up).
pub struct Relay {
    pub addr: SocketAddr,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// While set, new connections are closed at once (the server seems down).
    closed: Arc<std::sync::atomic::AtomicBool>,
    accept: JoinHandle<()>,
}

impl Relay {
    /// Relays from a free port on 127.0.0.1 to `target`.
    pub async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The live pipes; only pushed to and drained, never held across an await.
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let list = Arc::clone(&conns);
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let refuse = Arc::clone(&closed);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refuse.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().unwrap().push(pipe);
            }
        });
        Relay {
            addr,
            conns,
            closed,
            accept,
        }
    }

    /// Closes new connections at once (`true`) or relays them again (`false`).
    pub fn refuse_new(&self, refuse: bool) {
        self.closed
            .store(refuse, std::sync::atomic::Ordering::SeqCst);
    }

    /// Drops every live connection through the relay.
    pub fn cut(&self) {
        for pipe in self.conns.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// What a man in the middle saw of one connection attempt.
#[derive(Debug)]
pub struct Seen {
    /// Whether the TLS handshake completed on its side.
    pub handshake_ok: bool,
    /// Application bytes received after the handshake.
    pub bytes: Vec<u8>,
}

/// A TLS listener with a key of its own (or someone else's certificate
/// without the key) that records what a client sends it.
pub struct Mitm {
    pub addr: SocketAddr,
    seen: tokio::sync::mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

impl Mitm {
    /// A listener presenting a fresh self-signed certificate with its own key.
    pub async fn own_key() -> (Mitm, Fingerprint) {
        let generated = hearth_certs::generate(&["localhost".to_owned()]).unwrap();
        let cert = CertificateDer::from_pem_slice(generated.cert_pem.as_bytes()).unwrap();
        let key = PrivateKeyDer::from_pem_slice(generated.key_pem.expose().as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let signing = provider.key_provider.load_private_key(key).unwrap();
        let certified = rustls::sign::CertifiedKey::new(vec![cert], signing);
        (Mitm::serve(certified).await, generated.fingerprint)
    }

    /// A listener presenting `victim_cert_pem` (a real server's certificate)
    /// but signing with a key of its own: it does not hold the victim's key.
    pub async fn stolen_cert(victim_cert_pem: &str) -> Mitm {
        let cert = CertificateDer::from_pem_slice(victim_cert_pem.as_bytes()).unwrap();
        let other = hearth_certs::generate(&["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::from_pem_slice(other.key_pem.expose().as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let signing = provider.key_provider.load_private_key(key).unwrap();
        let certified = rustls::sign::CertifiedKey::new(vec![cert], signing);
        Mitm::serve(certified).await
    }

    async fn serve(certified: rustls::sign::CertifiedKey) -> Mitm {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Fixed(Arc::new(certified))));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, seen) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let mut record = Seen {
                        handshake_ok: false,
                        bytes: Vec::new(),
                    };
                    if let Ok(mut tls) = acceptor.accept(tcp).await {
                        record.handshake_ok = true;
                        let mut buf = [0u8; 4096];
                        loop {
                            match tokio::time::timeout(Duration::from_secs(3), tls.read(&mut buf))
                                .await
                            {
                                Ok(Ok(n)) if n > 0 => record.bytes.extend_from_slice(&buf[..n]),
                                _ => break,
                            }
                        }
                    }
                    let _ = tx.send(record);
                });
            }
        });
        Mitm { addr, seen, task }
    }

    /// What the next connection attempt delivered.
    pub async fn next_seen(&mut self) -> Seen {
        within("the man in the middle reports", self.seen.recv())
            .await
            .expect("mitm running")
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Always presents the same certificate.
#[derive(Debug)]
struct Fixed(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for Fixed {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// Waits for the first event that `pick` accepts, returning what it returns.
pub async fn wait_for<T>(
    events: &mut EventStream,
    what: &str,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    within(what, async {
        loop {
            let event = events
                .recv()
                .await
                .unwrap_or_else(|| panic!("events ended: {what}"));
            if let Some(out) = pick(&event) {
                return out;
            }
        }
    })
    .await
}

/// Collects every event that arrives within `quiet` of the previous one.
pub async fn collect_for(events: &mut EventStream, quiet: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout(quiet, events.recv()).await {
        out.push(e);
    }
    out
}
