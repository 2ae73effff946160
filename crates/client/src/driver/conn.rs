//! One live connection: a frame reader on one half, a request writer on the other.

use std::time::Duration;

use bytes::Bytes;
use hearth_protocol::frame::{write_frame, FrameError, FrameReader, MAX_SERVER_FRAME};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::time::Instant;

/// Any byte stream a client can speak over: TLS in real use, an in-memory
/// duplex in tests.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// A boxed [`Transport`], so that reconnects can swap the stream.
pub(crate) type BoxTransport = Box<dyn Transport>;

/// The request `data` of one call. `Debug` hides it: it may hold a password.
pub(crate) struct Payload(pub Option<Value>);

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<payload>")
    }
}

/// A connection in use.
pub(crate) struct Conn {
    reader: FrameReader<ReadHalf<BoxTransport>>,
    writer: WriteHalf<BoxTransport>,
    /// When the last frame arrived.
    pub last_read: Instant,
    /// When the last frame was sent.
    pub last_write: Instant,
}

impl Conn {
    /// Wraps a connected stream.
    pub(crate) fn new(stream: BoxTransport) -> Conn {
        let (read, writer) = tokio::io::split(stream);
        let now = Instant::now();
        Conn {
            reader: FrameReader::new(read, MAX_SERVER_FRAME),
            writer,
            last_read: now,
            last_write: now,
        }
    }

    /// The next frame body; `Ok(None)` when the server closed the connection.
    /// Cancel-safe, so it can sit in a `select!`.
    pub(crate) async fn read(&mut self) -> Result<Option<Bytes>, FrameError> {
        let frame = self.reader.read_frame().await?;
        self.last_read = Instant::now();
        Ok(frame)
    }

    /// Sends `{"type": kind, "data": data, "id": id}`. Not cancel-safe: await it to the end.
    pub(crate) async fn send(
        &mut self,
        id: u64,
        kind: &str,
        data: &Payload,
        timeout: Duration,
    ) -> Result<(), String> {
        let body = json!({ "type": kind, "data": data.0, "id": id }).to_string();
        match tokio::time::timeout(timeout, write_frame(&mut self.writer, body.as_bytes())).await {
            Ok(Ok(())) => {
                self.last_write = Instant::now();
                Ok(())
            }
            Ok(Err(e)) => Err(format!("sending failed: {e}")),
            Err(_) => Err("sending timed out".to_owned()),
        }
    }

    /// Ends the connection politely (TLS close_notify), without waiting long.
    pub(crate) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.writer.shutdown()).await;
    }
}
