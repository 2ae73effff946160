//! Where the load goes ([`Target`], loopback only) and one TLS connection to
//! it ([`Conn`]): request/reply while setting up, then a raw frame loop
//! ([`read_frames`]) once the measured phase starts.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use bytes::{Buf, BytesMut};
use hearth_protocol::envelope::Envelope;
use hearth_protocol::frame::{self, HEADER_LEN, MAX_SERVER_FRAME};
use hearth_protocol::request::encode_request;
use hearth_protocol::requests::LIST_ROOM;
use hearth_protocol::Request;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls::{self, Trust};

/// A client TLS stream.
pub type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// Read-buffer growth step for connections that only idle.
pub const SMALL_CHUNK: usize = 4 * 1024;
/// Read-buffer growth step for connections under load (fewer, larger reads).
pub const LARGE_CHUNK: usize = 64 * 1024;

/// Longest wait for connect plus TLS handshake, and for one setup reply.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The server under load and how to reach it.
#[derive(Clone)]
pub struct Target {
    /// A loopback address.
    pub addr: SocketAddr,
    connector: TlsConnector,
    name: ServerName<'static>,
    /// Password given to every benchmark account.
    pub password: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// A target at `addr` (`IP:PORT` or `localhost:PORT`), refusing anything
    /// that is not a loopback address.
    pub fn new(addr: &str, trust: Trust) -> anyhow::Result<Target> {
        let addr = loopback_addr(addr)?;
        Ok(Target {
            addr,
            connector: tls::connector(trust),
            name: tls::server_name(addr.ip()),
            password: "hearth-bench-password".to_owned(),
        })
    }

    /// Opens a TLS connection (TCP_NODELAY on), within 30 s.
    pub async fn connect(&self) -> anyhow::Result<Conn> {
        let attempt = async {
            let tcp = TcpStream::connect(self.addr).await?;
            tcp.set_nodelay(true)?;
            self.connector.connect(self.name.clone(), tcp).await
        };
        let stream = tokio::time::timeout(STEP_TIMEOUT, attempt)
            .await
            .map_err(|_| {
                anyhow!(
                    "connect + TLS handshake to {} took over {STEP_TIMEOUT:?} (server at its --max-connections?)",
                    self.addr
                )
            })?
            .with_context(|| format!("connecting to {}", self.addr))?;
        Ok(Conn {
            stream,
            buf: BytesMut::new(),
        })
    }
}

/// Resolves `addr` and insists that it is loopback (127.0.0.0/8 or ::1).
pub fn loopback_addr(addr: &str) -> anyhow::Result<SocketAddr> {
    let resolved: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .with_context(|| format!("--addr {addr}: not HOST:PORT"))?
        .collect();
    let Some(first) = resolved.first().copied() else {
        bail!("--addr {addr} resolves to nothing");
    };
    if let Some(bad) = resolved.iter().find(|a| !a.ip().is_loopback()) {
        bail!("--addr {addr} ({bad}) is not a loopback address; hearth-bench only loads servers on this machine");
    }
    Ok(first)
}

/// One connection to the server.
pub struct Conn {
    /// The TLS stream.
    pub stream: Tls,
    /// Bytes read but not yet taken as frames.
    pub buf: BytesMut,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// Sends one request (without an id, as the original clients do).
    pub async fn send<R: Request>(&mut self, request: &R) -> std::io::Result<()> {
        let frame = encode_request(request, None);
        self.stream.write_all(&frame).await?;
        self.stream.flush().await
    }

    /// Sends a request and waits for its reply, skipping pushes. Replies are
    /// matched by `type` (`list` in a room answers `list_room`), which needs
    /// no request ids, so servers that do not echo them work too. An `error`
    /// reply becomes an `Err` carrying the server's message.
    pub async fn request<R: Request>(&mut self, request: &R) -> anyhow::Result<Envelope> {
        let kind = R::REPLY_TYPE;
        self.send(request)
            .await
            .with_context(|| format!("sending {kind}"))?;
        let reply = tokio::time::timeout(STEP_TIMEOUT, self.reply_to(kind))
            .await
            .map_err(|_| anyhow!("no reply to {kind} within {STEP_TIMEOUT:?}"))??;
        if reply.is_ok() {
            Ok(reply)
        } else {
            bail!(
                "{kind} refused: {}",
                reply.message.as_deref().unwrap_or("(no message)")
            )
        }
    }

    /// Reads frames until the reply (or push) of type `kind`, ok or error,
    /// skipping the others; fails after a `bye` or at the end of the stream.
    pub async fn reply_of(&mut self, kind: &str) -> anyhow::Result<Envelope> {
        self.reply_to(kind).await
    }

    async fn reply_to(&mut self, kind: &str) -> anyhow::Result<Envelope> {
        loop {
            let body = self
                .next_frame()
                .await?
                .ok_or_else(|| anyhow!("server closed the connection while waiting for {kind}"))?;
            let env = Envelope::from_slice(&body)
                .with_context(|| format!("bad JSON from the server while waiting for {kind}"))?;
            if env.kind == kind || (kind == "list" && env.kind == LIST_ROOM) {
                return Ok(env);
            }
            if env.kind == "bye" {
                bail!(
                    "server said bye while waiting for {kind}: {}",
                    env.message.as_deref().unwrap_or("")
                );
            }
        }
    }

    /// Reads the next frame body; `None` at a clean end of stream.
    pub async fn next_frame(&mut self) -> anyhow::Result<Option<Vec<u8>>> {
        loop {
            if let Some(len) = frame::check(&self.buf, MAX_SERVER_FRAME)? {
                self.buf.advance(HEADER_LEN);
                let body = self.buf.split_to(len).to_vec();
                return Ok(Some(body));
            }
            self.buf.reserve(SMALL_CHUNK);
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Ok(None);
            }
        }
    }

    /// Drops a read buffer that grew large (a big presence push), keeping what it holds.
    pub fn shrink(&mut self) {
        if self.buf.capacity() > 2 * SMALL_CHUNK {
            let kept = BytesMut::from(&self.buf[..]);
            self.buf = kept;
        }
    }

    /// Closes the TLS session politely (bounded to one second).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.stream.shutdown()).await;
    }
}

/// Reads once from `stream` into `buf` (growing it by `chunk`) and calls `each`
/// for every complete frame body now buffered. Returns `false` at end of stream.
pub async fn read_frames<R, F>(
    stream: &mut R,
    buf: &mut BytesMut,
    chunk: usize,
    mut each: F,
) -> anyhow::Result<bool>
where
    R: AsyncRead + Unpin,
    F: FnMut(&[u8]),
{
    if buf.capacity() - buf.len() < chunk / 4 {
        buf.reserve(chunk);
    }
    if stream.read_buf(buf).await? == 0 {
        return Ok(false);
    }
    let mut at = 0;
    while let Some(len) = frame::check(&buf[at..], MAX_SERVER_FRAME)? {
        each(&buf[at + HEADER_LEN..at + HEADER_LEN + len]);
        at += HEADER_LEN + len;
    }
    buf.advance(at);
    Ok(true)
}

/// Writes already-framed bytes and flushes them.
pub async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_accepted() {
        assert!(loopback_addr("127.0.0.1:7878").is_ok());
        assert!(loopback_addr("127.3.4.5:1").is_ok());
        assert!(loopback_addr("[::1]:7878").is_ok());
        assert!(loopback_addr("localhost:7878").is_ok());
        for bad in [
            "192.168.1.10:7878",
            "10.0.0.1:1",
            "8.8.8.8:53",
            "0.0.0.0:7878",
        ] {
            let err = loopback_addr(bad).unwrap_err().to_string();
            assert!(err.contains("not a loopback"), "{bad}: {err}");
        }
        assert!(loopback_addr("nonsense").is_err());
    }

    #[tokio::test]
    async fn read_frames_handles_split_and_many() {
        let mut bytes = Vec::new();
        for i in 0..3 {
            bytes.extend_from_slice(&frame::encode(format!("{{\"n\":{i}}}").as_bytes()));
        }
        let (a, b) = bytes.split_at(13);
        let mut seen = Vec::new();
        let mut buf = BytesMut::new();
        let mut first = a;
        assert!(
            read_frames(&mut first, &mut buf, 64, |f| seen.push(f.to_vec()))
                .await
                .unwrap()
        );
        assert_eq!(seen.len(), 1);
        let mut second = b;
        assert!(
            read_frames(&mut second, &mut buf, 64, |f| seen.push(f.to_vec()))
                .await
                .unwrap()
        );
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2], b"{\"n\":2}");
        let mut empty: &[u8] = &[];
        assert!(!read_frames(&mut empty, &mut buf, 64, |_| {}).await.unwrap());
    }
}
