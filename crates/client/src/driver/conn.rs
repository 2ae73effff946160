//! One live connection: a frame reader on one half, a request writer on the other.

use std::time::Duration;

use bytes::Bytes;
use hearth_protocol::frame::{FrameError, FrameReader, MAX_SERVER_FRAME};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::time::Instant;

/// Any byte stream a client can speak over: TLS in real use, an in-memory
/// duplex in tests.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// A boxed [`Transport`], so that reconnects can swap the stream.
pub(crate) type BoxTransport = Box<dyn Transport>;

/// A connection in use.
pub(crate) struct LiveConn {
    reader: FrameReader<ReadHalf<BoxTransport>>,
    writer: WriteHalf<BoxTransport>,
    /// When the last frame arrived.
    pub last_read: Instant,
    /// When the last frame was sent.
    pub last_write: Instant,
}

impl LiveConn {
    /// Wraps a connected stream.
    pub(crate) fn new(stream: BoxTransport) -> LiveConn {
        let (read, writer) = tokio::io::split(stream);
        let now = Instant::now();
        LiveConn {
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

    /// Writes one encoded frame. Not cancel-safe: await it to the end.
    pub(crate) async fn send(&mut self, frame: Bytes, timeout: Duration) -> Result<(), String> {
        let write = async {
            self.writer.write_all(&frame).await?;
            self.writer.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
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
