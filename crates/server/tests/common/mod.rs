//! Shared helpers for the server's integration tests.
//!
//! [`start_server`] runs a real server on `127.0.0.1:0` with its database and
//! certificate in a temporary directory; [`TestClient`] talks to it over real
//! TLS, pinning the server's key. Every wait is bounded by [`WAIT`] so that a
//! broken server makes a test fail instead of hang.

#![allow(dead_code)] // Each test file uses a different subset of the helpers.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hearth_certs::{Fingerprint, PinnedVerifier};
use hearth_protocol::frame::{encode, MAX_SERVER_FRAME};
pub use hearth_protocol::ErrorCode;
use hearth_protocol::{Envelope, FrameReader, RequestId};
use hearth_server::{Config, RunningServer};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// The longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// The password every test account gets from [`TestClient::register_and_login`].
pub const PASSWORD: &str = "correct horse";

/// Runs `fut`, failing the test if it takes longer than [`WAIT`].
pub async fn within<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out after {WAIT:?}: {what}"),
    }
}

/// A running server whose data directory lives as long as this value.
pub struct TestServer {
    dir: TempDir,
    config: Config,
    server: Option<RunningServer>,
    addr: SocketAddr,
    fingerprint: Fingerprint,
}

/// Starts a server with fast Argon2 settings; `tweak` adjusts the config.
pub async fn start_server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path().join("data"));
    config.argon2_memory_kib = 1024;
    config.argon2_iterations = 1;
    tweak(&mut config);
    let listener = within("bind", TcpListener::bind("127.0.0.1:0"))
        .await
        .expect("bind 127.0.0.1:0");
    let server = within(
        "server start",
        hearth_server::start(config.clone(), listener),
    )
    .await
    .expect("server starts");
    TestServer {
        dir,
        config,
        addr: server.local_addr(),
        fingerprint: server.fingerprint(),
        server: Some(server),
    }
}

impl TestServer {
    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The pinned key.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.config.db_path()
    }

    /// The running server (panics after [`TestServer::stop`]).
    pub fn running(&self) -> &RunningServer {
        self.server.as_ref().expect("server is running")
    }

    /// A TLS connection in the auth state.
    pub async fn connect(&self) -> TestClient {
        TestClient::connect(self.addr, self.fingerprint).await
    }

    /// A connection with a fresh account `name`, logged in and in the lobby.
    pub async fn user(&self, name: &str) -> TestClient {
        let mut c = self.connect().await;
        c.register_and_login(name).await;
        c
    }

    /// A connection logged in to the existing account `name`.
    pub async fn login(&self, name: &str, password: &str) -> TestClient {
        let mut c = self.connect().await;
        let reply = c.login(name, password).await;
        assert!(reply.is_ok(), "login {name}: {reply:?}");
        c.name = name.to_owned();
        c
    }

    /// Waits until the server counts exactly `n` open connections.
    pub async fn wait_connections(&self, n: usize) {
        let mut stats = self.running().stats();
        within(&format!("waiting for {n} connections"), async {
            stats
                .wait_for(|s| s.connections == n)
                .await
                .expect("stats channel open");
        })
        .await;
    }

    /// Graceful shutdown, waited for.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            within("graceful shutdown", server.shutdown())
                .await
                .expect("clean shutdown");
        }
    }

    /// Closes the server for good (the host stopped hosting), waited for.
    pub async fn close(&mut self) {
        if let Some(server) = self.server.take() {
            within("closing for good", server.close())
                .await
                .expect("clean close");
        }
    }

    /// Stops the server and starts it again on the same data directory and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = within("re-bind the same port", async {
            loop {
                match TcpListener::bind(self.addr).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
        .await;
        let server = within(
            "server restart",
            hearth_server::start(self.config.clone(), listener),
        )
        .await
        .expect("server restarts");
        assert_eq!(server.local_addr(), self.addr);
        self.fingerprint = server.fingerprint();
        self.server = Some(server);
    }

    /// The temporary directory holding the data directory.
    pub fn temp_dir(&self) -> &TempDir {
        &self.dir
    }
}

fn connector(key: Fingerprint) -> TlsConnector {
    TlsConnector::from(Arc::new(PinnedVerifier::exactly(key).client_config()))
}

/// The first bytes a TLS client pinning `key` sends: its ClientHello record.
pub fn client_hello(key: Fingerprint) -> Vec<u8> {
    let config = Arc::new(PinnedVerifier::exactly(key).client_config());
    let name = ServerName::try_from("localhost").expect("server name");
    let mut tls = rustls::ClientConnection::new(config, name).expect("client connection");
    let mut hello = Vec::new();
    tls.write_tls(&mut hello).expect("writing to memory");
    hello
}

/// What one read from the server produced.
#[derive(Debug)]
pub enum Recv {
    /// A frame.
    Frame(Envelope),
    /// The server closed the connection (or it broke).
    Closed,
    /// Nothing arrived in time.
    Timeout,
}

/// Shorthands on received envelopes.
pub trait EnvelopeExt {
    /// `data`, or `null`.
    fn d(&self) -> &Value;
    /// `message`, or "".
    fn text(&self) -> &str;
}

impl EnvelopeExt for Envelope {
    fn d(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.data.as_ref().unwrap_or(&NULL)
    }

    fn text(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }
}

/// Checks the shape every error reply has: the expected `code`, a message,
/// and `data` that is an object or null.
pub fn assert_refusal(reply: &Envelope, code: ErrorCode) {
    assert!(!reply.is_ok(), "expected an error reply: {reply:?}");
    assert_eq!(reply.code, Some(code), "wrong error code: {reply:?}");
    assert!(
        reply.message.is_some(),
        "an error reply has a message: {reply:?}"
    );
    assert!(
        reply.data.is_none() || reply.d().is_object(),
        "error data must be an object or null: {reply:?}"
    );
}

/// Matches any push.
pub fn any(_: &Value) -> bool {
    true
}

/// A client over TLS that keeps the pushes it skipped while waiting for something else.
pub struct TestClient {
    /// The account this connection logged in as (empty before).
    pub name: String,
    /// The client side of the TCP connection (the server sees it as the peer).
    pub local_addr: SocketAddr,
    reader: FrameReader<TlsStream<TcpStream>>,
    /// Frames read but not consumed yet, oldest first.
    pub pending: VecDeque<Envelope>,
    next_id: u64,
    closed: bool,
}

impl TestClient {
    /// Connects and finishes the TLS handshake, pinning `key`.
    pub async fn connect(addr: SocketAddr, key: Fingerprint) -> TestClient {
        let tcp = within("TCP connect", TcpStream::connect(addr))
            .await
            .expect("TCP connect");
        let local_addr = tcp.local_addr().expect("local address");
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = within("TLS handshake", connector(key).connect(name, tcp))
            .await
            .expect("TLS handshake");
        TestClient {
            name: String::new(),
            local_addr,
            reader: FrameReader::new(tls, MAX_SERVER_FRAME),
            pending: VecDeque::new(),
            next_id: 1,
            closed: false,
        }
    }

    /// Writes raw bytes (framing is the caller's business).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let stream = self.reader.get_mut();
        within("write", async {
            stream.write_all(bytes).await?;
            stream.flush().await
        })
        .await
        .expect("write to server");
    }

    /// Sends a request carrying `id`, reporting a failed write instead of
    /// failing the test (for tests that expect the server to vanish).
    pub async fn try_send_with_id(&mut self, kind: &str, data: Value, id: Value) -> bool {
        let body = json!({ "type": kind, "data": data, "id": id });
        let stream = self.reader.get_mut();
        let frame = encode(body.to_string().as_bytes());
        let wrote = async {
            stream.write_all(&frame).await?;
            stream.flush().await
        };
        matches!(tokio::time::timeout(WAIT, wrote).await, Ok(Ok(())))
    }

    /// Sends one frame with this body.
    pub async fn send_body(&mut self, body: &[u8]) {
        self.send_raw(&encode(body)).await;
    }

    /// Sends `{"type": kind, "data": data}` without an id, as the original clients do.
    pub async fn send(&mut self, kind: &str, data: Value) {
        let body = json!({ "type": kind, "data": data });
        self.send_body(body.to_string().as_bytes()).await;
    }

    /// Sends a request carrying `id`.
    pub async fn send_with_id(&mut self, kind: &str, data: Value, id: Value) {
        let body = json!({ "type": kind, "data": data, "id": id });
        self.send_body(body.to_string().as_bytes()).await;
    }

    /// Reads the next frame from the socket (not the buffer), waiting at most `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Recv {
        if self.closed {
            return Recv::Closed;
        }
        match tokio::time::timeout(wait, self.reader.read_frame()).await {
            Err(_) => Recv::Timeout,
            Ok(Ok(Some(body))) => match Envelope::from_slice(&body) {
                Ok(env) => Recv::Frame(env),
                Err(e) => panic!(
                    "server sent a frame that is not an envelope ({e}): {}",
                    String::from_utf8_lossy(&body)
                ),
            },
            Ok(Ok(None) | Err(_)) => {
                self.closed = true;
                Recv::Closed
            }
        }
    }

    /// The next frame, buffered ones first.
    pub async fn next(&mut self) -> Envelope {
        if let Some(env) = self.pending.pop_front() {
            return env;
        }
        match self.recv_within(WAIT).await {
            Recv::Frame(env) => env,
            Recv::Closed => panic!("{}: connection closed while waiting for a frame", self.name),
            Recv::Timeout => panic!("{}: no frame within {WAIT:?}", self.name),
        }
    }

    /// Sends a request with a fresh id and returns its reply; frames read
    /// meanwhile stay in [`TestClient::pending`]. A `msg` request returns the
    /// sender's own copy (it echoes the id) or the error reply.
    pub async fn request(&mut self, kind: &str, data: Value) -> Envelope {
        let id = self.next_id;
        self.next_id += 1;
        self.send_with_id(kind, data, json!(id)).await;
        let want = Some(RequestId::from(id));
        loop {
            match self.recv_within(WAIT).await {
                Recv::Frame(env) if env.id == want => {
                    let expected = env.kind == kind
                        || (kind == "list" && env.kind == "list_room")
                        || (kind == "ping" && env.kind == "pong");
                    assert!(expected, "reply to {kind} has type {}: {env:?}", env.kind);
                    return env;
                }
                Recv::Frame(env) => self.pending.push_back(env),
                Recv::Closed => panic!(
                    "{}: connection closed while waiting for the reply to {kind}; pending {:?}",
                    self.name, self.pending
                ),
                Recv::Timeout => panic!(
                    "{}: no reply to {kind} within {WAIT:?}; pending {:?}",
                    self.name, self.pending
                ),
            }
        }
    }

    /// A request that must succeed.
    pub async fn ok(&mut self, kind: &str, data: Value) -> Envelope {
        let reply = self.request(kind, data.clone()).await;
        assert!(
            reply.is_ok(),
            "{}: {kind} {data} failed: {reply:?}",
            self.name
        );
        reply
    }

    /// A request that must be refused with `code`; returns the error message.
    pub async fn err(&mut self, kind: &str, data: Value, code: ErrorCode) -> String {
        let reply = self.request(kind, data.clone()).await;
        assert!(
            !reply.is_ok(),
            "{}: {kind} {data} should fail: {reply:?}",
            self.name
        );
        assert_refusal(&reply, code);
        reply.message.expect("an error reply has a message")
    }

    /// Waits for a frame matching `pred`, looking at buffered frames first;
    /// everything else read meanwhile stays buffered.
    pub async fn expect_frame(
        &mut self,
        what: &str,
        pred: impl Fn(&Envelope) -> bool,
        wait: Duration,
    ) -> Envelope {
        if let Some(pos) = self.pending.iter().position(&pred) {
            return self.pending.remove(pos).expect("position is in range");
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv_within(left).await {
                Recv::Frame(env) if pred(&env) => return env,
                Recv::Frame(env) => self.pending.push_back(env),
                Recv::Closed => panic!(
                    "{}: connection closed while waiting for {what}; pending {:?}",
                    self.name, self.pending
                ),
                Recv::Timeout => panic!(
                    "{}: no {what} within {wait:?}; pending {:?}",
                    self.name, self.pending
                ),
            }
        }
    }

    /// Waits for a frame of type `kind` whose data matches `pred` (see
    /// [`TestClient::expect_frame`]).
    pub async fn expect_push(
        &mut self,
        kind: &str,
        pred: impl Fn(&Value) -> bool,
        wait: Duration,
    ) -> Envelope {
        let what = format!("matching {kind} push");
        self.expect_frame(&what, |e| e.kind == kind && pred(e.d()), wait)
            .await
    }

    /// The next error reply (pushes are never errors), which must carry `code`.
    pub async fn next_error(&mut self, code: ErrorCode) -> Envelope {
        let reply = self.expect_frame("error reply", |e| !e.is_ok(), WAIT).await;
        assert_refusal(&reply, code);
        reply
    }

    /// [`TestClient::expect_push`] with the default wait.
    pub async fn push(&mut self, kind: &str, pred: impl Fn(&Value) -> bool) -> Envelope {
        self.expect_push(kind, pred, WAIT).await
    }

    /// Waits until the server closes the connection; frames read first are buffered.
    pub async fn expect_closed(&mut self) {
        loop {
            match self.recv_within(WAIT).await {
                Recv::Frame(env) => self.pending.push_back(env),
                Recv::Closed => return,
                Recv::Timeout => panic!(
                    "{}: connection still open after {WAIT:?}; pending {:?}",
                    self.name, self.pending
                ),
            }
        }
    }

    /// Round-trips a `ping`: everything the server queued for this connection
    /// before it answered is then in [`TestClient::pending`].
    pub async fn sync(&mut self) {
        let pong = self.request("ping", Value::Null).await;
        assert!(pong.is_ok(), "ping failed: {pong:?}");
    }

    /// Buffered frames of type `kind` whose data matches `pred`.
    pub fn pending_of(&self, kind: &str, pred: impl Fn(&Value) -> bool) -> Vec<Envelope> {
        self.pending
            .iter()
            .filter(|e| e.kind == kind && pred(e.d()))
            .cloned()
            .collect()
    }

    /// Forgets every buffered frame.
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// `register {username, password}`.
    pub async fn register(&mut self, name: &str, password: &str) -> Envelope {
        self.request(
            "register",
            json!({ "username": name, "password": password }),
        )
        .await
    }

    /// `login {username, password}`.
    pub async fn login(&mut self, name: &str, password: &str) -> Envelope {
        self.request("login", json!({ "username": name, "password": password }))
            .await
    }

    /// Registers `name` with [`PASSWORD`] and logs in; returns the login reply's data.
    pub async fn register_and_login(&mut self, name: &str) -> Value {
        let reg = self.register(name, PASSWORD).await;
        assert!(reg.is_ok(), "register {name}: {reg:?}");
        let login = self.login(name, PASSWORD).await;
        assert!(login.is_ok(), "login {name}: {login:?}");
        self.name = name.to_owned();
        login.d().clone()
    }

    /// Enters `room`; returns the `history` push that follows the reply.
    pub async fn enter(&mut self, room: &str) -> Envelope {
        self.ok("enter", json!({ "room": room })).await;
        self.push("history", |d| {
            d["room"]
                .as_str()
                .is_some_and(|r| r.eq_ignore_ascii_case(room))
        })
        .await
    }

    /// Sends a public message and waits for the own copy; returns its data.
    pub async fn say(&mut self, text: &str) -> Value {
        let own = self
            .ok("msg", json!({ "to": "public", "text": text }))
            .await;
        assert_eq!(own.kind, "msg");
        own.d().clone()
    }

    /// Closes the TCP connection abruptly (no logout).
    pub fn drop_connection(self) {}
}

/// The `hearth-server` binary running as its own process (so it can be killed
/// with SIGKILL), on `127.0.0.1:0` with fast Argon2 settings and no flood limit.
/// Dropping it kills it.
pub struct ServerProcess {
    child: std::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its certificate's key.
    pub key: Fingerprint,
}

impl ServerProcess {
    /// Starts the binary on `data_dir`; returns once it has printed its address and key.
    pub fn spawn(data_dir: &std::path::Path) -> ServerProcess {
        use std::io::BufRead;
        use std::str::FromStr;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hearth-server"))
            .args(["--listen", "127.0.0.1:0", "--msg-rate", "0"])
            .args(["--argon2-memory-kib", "1024", "--argon2-iterations", "1"])
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("hearth-server starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = lines.next().unwrap().unwrap();
        let key = lines.next().unwrap().unwrap();
        // Keep reading whatever else it prints, so it never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ServerProcess {
            child,
            addr: addr.trim_start_matches("listening on ").parse().unwrap(),
            key: Fingerprint::from_str(key.trim_start_matches("fingerprint ")).unwrap(),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new connection to it.
    pub async fn connect(&self) -> TestClient {
        TestClient::connect(self.addr, self.key).await
    }

    /// Kills it with SIGKILL (no shutdown code runs) and reaps it.
    pub fn kill(mut self) {
        self.kill_now();
    }

    fn kill_now(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_now();
    }
}
