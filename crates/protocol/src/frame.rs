//! Framing: a 4-byte big-endian unsigned length, then that many bytes of UTF-8 JSON.
//!
//! Reading is split in two steps, as in mini-redis: [`check`] looks at buffered
//! bytes and says whether a whole frame is there (an incomplete frame is a normal
//! outcome, `Ok(None)`, not an error), and only then is the body taken out. A
//! length above the reader's limit is rejected as soon as the 4 header bytes are
//! in, without allocating the announced size.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Size of the length prefix in bytes.
pub const HEADER_LEN: usize = 4;

/// Default limit for frames sent by clients (64 KiB).
pub const DEFAULT_MAX_CLIENT_FRAME: usize = 64 * 1024;

/// Limit for frames sent by the server (a history page can be large): 1 MiB.
pub const MAX_SERVER_FRAME: usize = 1024 * 1024;

/// Smallest free space the reader keeps for the next read. Small on purpose:
/// an idle connection should hold little memory; a frame known to be large
/// reserves its whole remaining size (bounded by the limit) instead.
const MIN_READ_SPACE: usize = 512;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The header announced more bytes than the limit allows.
    #[error("frame of {len} bytes is larger than the limit of {max} bytes")]
    TooLarge {
        /// Announced body length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error("connection closed in the middle of a frame")]
    UnexpectedEof,
    /// The underlying stream failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Looks at `buf` and reports whether it starts with a complete frame.
///
/// Returns `Ok(Some(body_len))` when the header and the whole body are buffered,
/// `Ok(None)` when more bytes are needed, and [`FrameError::TooLarge`] as soon as
/// the header announces more than `max` bytes.
pub fn check(buf: &[u8], max: usize) -> Result<Option<usize>, FrameError> {
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    if buf.len() - HEADER_LEN >= len {
        Ok(Some(len))
    } else {
        Ok(None)
    }
}

/// The text of a frame body that is one JSON object in UTF-8, checked before
/// any JSON parsing: all of the body must be UTF-8 (also keys nobody reads),
/// and it must open with `{`, because serde's derived structs would otherwise
/// read a JSON array field by field. The error says which rule failed.
pub fn object_text(body: &[u8]) -> Result<&str, &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "the frame is not valid UTF-8")?;
    if text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        Ok(text)
    } else {
        Err("a frame must be a JSON object")
    }
}

/// Appends one frame (header and body) to `dst`.
///
/// # Panics
/// Never for bodies under 4 GiB; larger bodies cannot be framed and are a bug in the caller.
pub fn encode_into(dst: &mut BytesMut, body: &[u8]) {
    let len = u32::try_from(body.len()).expect("frame body under 4 GiB");
    dst.reserve(HEADER_LEN + body.len());
    dst.put_u32(len);
    dst.put_slice(body);
}

/// Returns one frame (header and body) as shareable bytes.
pub fn encode(body: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(HEADER_LEN + body.len());
    encode_into(&mut buf, body);
    buf.freeze()
}

/// Reads frames from any async byte stream.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
    max: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wraps `inner`, refusing frames whose body is larger than `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        FrameReader {
            inner,
            buf: BytesMut::new(),
            max,
        }
    }

    /// Reads the next frame body.
    ///
    /// Returns `Ok(None)` on a clean end of stream between frames. Cancel-safe:
    /// bytes already read stay buffered if the future is dropped.
    pub async fn read_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        loop {
            if let Some(body) = self.try_take()? {
                return Ok(Some(body));
            }
            self.make_room();
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(FrameError::UnexpectedEof)
                };
            }
        }
    }

    /// Takes the next frame only if it is here already: complete in the
    /// buffer, or completed by what the stream can give without waiting.
    /// Never waits; `Ok(None)` means "not yet" (or the end of the stream,
    /// which the next [`FrameReader::read_frame`] reports). Reads no further
    /// ahead than [`FrameReader::read_frame`] does, so the buffer stays as
    /// small.
    pub fn take_ready(&mut self) -> Result<Option<Bytes>, FrameError> {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let Some(body) = self.try_take()? {
                return Ok(Some(body));
            }
            self.make_room();
            let read = std::pin::pin!(self.inner.read_buf(&mut self.buf));
            // A pending read leaves the no-op waker with the stream; the next
            // real read replaces it, and the stream keeps its readiness.
            match std::future::Future::poll(read, &mut cx) {
                std::task::Poll::Ready(Ok(0)) | std::task::Poll::Pending => return Ok(None),
                std::task::Poll::Ready(Ok(_)) => {}
                std::task::Poll::Ready(Err(e)) => return Err(e.into()),
            }
        }
    }

    /// Reserves the space the next read may fill: what the frame being
    /// buffered still needs, and at least [`MIN_READ_SPACE`].
    fn make_room(&mut self) {
        self.buf.reserve(self.missing().max(MIN_READ_SPACE));
    }

    /// Bytes still needed to complete the frame being buffered (the limit was
    /// already checked, so this is bounded by it).
    fn missing(&self) -> usize {
        match self.buf.get(..HEADER_LEN) {
            Some(h) => {
                let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
                (HEADER_LEN + len.min(self.max)).saturating_sub(self.buf.len())
            }
            None => HEADER_LEN - self.buf.len(),
        }
    }

    /// Takes a complete frame out of the buffer, if one is there.
    pub fn try_take(&mut self) -> Result<Option<Bytes>, FrameError> {
        match check(&self.buf, self.max)? {
            Some(len) => {
                self.buf.advance(HEADER_LEN);
                Ok(Some(self.buf.split_to(len).freeze()))
            }
            None => Ok(None),
        }
    }

    /// Gives back the wrapped stream.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The wrapped stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, body: &[u8]) -> std::io::Result<()> {
    w.write_all(&encode(body)).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn framed(body: &[u8]) -> Vec<u8> {
        encode(body).to_vec()
    }

    #[test]
    fn check_reports_incomplete_header_and_body() {
        assert_eq!(check(&[], 10).unwrap(), None);
        assert_eq!(check(&[0, 0, 0], 10).unwrap(), None);
        assert_eq!(check(&[0, 0, 0, 3, b'a'], 10).unwrap(), None);
        assert_eq!(check(&[0, 0, 0, 3, b'a', b'b', b'c'], 10).unwrap(), Some(3));
    }

    #[test]
    fn check_rejects_oversize_from_header_alone() {
        let err = check(&[0xff, 0xff, 0xff, 0xff], 64 * 1024).unwrap_err();
        assert!(matches!(
            err,
            FrameError::TooLarge {
                len: 0xffff_ffff,
                max: 65536
            }
        ));
    }

    #[test]
    fn max_length_is_accepted_and_one_more_is_not() {
        let body = vec![b'x'; 100];
        assert_eq!(check(&framed(&body), 100).unwrap(), Some(100));
        assert!(check(&framed(&body), 99).is_err());
    }

    #[tokio::test]
    async fn split_reads_reassemble_a_frame() {
        let (mut tx, rx) = tokio::io::duplex(64);
        let mut reader = FrameReader::new(rx, 1024);
        let bytes = framed(br#"{"type":"ping"}"#);
        let writer = tokio::spawn(async move {
            for b in bytes {
                tx.write_all(&[b]).await.unwrap();
                tx.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        let got = reader.read_frame().await.unwrap().unwrap();
        assert_eq!(&got[..], br#"{"type":"ping"}"#);
        writer.await.unwrap();
        assert!(reader.read_frame().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn many_frames_in_one_read() {
        let mut all = Vec::new();
        for i in 0..50 {
            all.extend(framed(format!("{{\"n\":{i}}}").as_bytes()));
        }
        let mut reader = FrameReader::new(&all[..], 1024);
        for i in 0..50 {
            let got = reader.read_frame().await.unwrap().unwrap();
            assert_eq!(got, format!("{{\"n\":{i}}}").as_bytes());
        }
        assert!(reader.read_frame().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn zero_length_frame_is_an_empty_body() {
        let data = framed(b"");
        let mut reader = FrameReader::new(&data[..], 1024);
        assert_eq!(reader.read_frame().await.unwrap().unwrap().len(), 0);
    }

    #[tokio::test]
    async fn eof_mid_frame_is_an_error() {
        let data = [0u8, 0, 0, 9, b'{'];
        let mut reader = FrameReader::new(&data[..], 1024);
        assert!(matches!(
            reader.read_frame().await,
            Err(FrameError::UnexpectedEof)
        ));
    }

    #[tokio::test]
    async fn oversize_header_fails_without_reading_body() {
        let data = [0x7fu8, 0xff, 0xff, 0xff, b'{'];
        let mut reader = FrameReader::new(&data[..], 64 * 1024);
        assert!(matches!(
            reader.read_frame().await,
            Err(FrameError::TooLarge { .. })
        ));
        assert!(reader.buf.capacity() < 1024 * 1024);
    }

    #[tokio::test]
    async fn take_ready_takes_what_is_here_and_never_waits() {
        let (mut tx, rx) = tokio::io::duplex(4096);
        let mut reader = FrameReader::new(rx, 1024);
        let third = framed(br#"{"n":3}"#);
        let mut sent = framed(br#"{"n":1}"#);
        sent.extend(framed(br#"{"n":2}"#));
        sent.extend(&third[..5]);
        tx.write_all(&sent).await.unwrap();
        assert_eq!(
            &reader.read_frame().await.unwrap().unwrap()[..],
            br#"{"n":1}"#
        );
        assert_eq!(&reader.take_ready().unwrap().unwrap()[..], br#"{"n":2}"#);
        // Half a frame is not a frame; nothing more is readable yet.
        assert!(reader.take_ready().unwrap().is_none());
        assert!(reader.take_ready().unwrap().is_none());
        tx.write_all(&third[5..]).await.unwrap();
        assert_eq!(&reader.take_ready().unwrap().unwrap()[..], br#"{"n":3}"#);
        // Waiting after a "not yet" still works: the stream kept its readiness.
        let later = tokio::spawn(async move {
            tokio::task::yield_now().await;
            tx.write_all(&framed(br#"{"n":4}"#)).await.unwrap();
            tx
        });
        assert!(reader.take_ready().unwrap().is_none());
        assert_eq!(
            &reader.read_frame().await.unwrap().unwrap()[..],
            br#"{"n":4}"#
        );
        drop(later.await.unwrap());
        assert!(
            reader.take_ready().unwrap().is_none(),
            "the end is left to read_frame"
        );
        assert!(reader.read_frame().await.unwrap().is_none());
    }
}
