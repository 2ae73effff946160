//! The frame decoder: any bytes, cut into any chunks (as TCP may deliver
//! them), decode to the same frames and the same error as the bytes read in
//! one piece; no frame is longer than the limit; every frame encodes back to
//! the bytes it came from.
//!
//! Input: the frame size limit (2 bytes, big-endian), a count `k` (1 byte),
//! `k` chunk lengths (2 bytes each), then the byte stream itself.

#![no_main]

use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use hearth_protocol::{frame, FrameReader};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncRead, ReadBuf};

struct Input<'a> {
    /// The frame size limit (small ones reach the too-large path).
    max: u16,
    /// The lengths of the first reads; the rest comes in one piece.
    cuts: Vec<u16>,
    bytes: &'a [u8],
}

fn input(data: &[u8]) -> Option<Input<'_>> {
    let (max, rest) = data.split_first_chunk::<2>()?;
    let (&k, mut rest) = rest.split_first()?;
    let mut cuts = Vec::new();
    for _ in 0..k {
        let (cut, more) = rest.split_first_chunk::<2>()?;
        cuts.push(u16::from_be_bytes(*cut));
        rest = more;
    }
    Some(Input {
        max: u16::from_be_bytes(*max),
        cuts,
        bytes: rest,
    })
}

/// Hands out the stream one chunk per read.
struct Chunks {
    chunks: Vec<Vec<u8>>,
    next: usize,
    offset: usize,
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(chunk) = this.chunks.get(this.next) {
            let rest = &chunk[this.offset..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.offset += n;
            if this.offset == chunk.len() {
                this.next += 1;
                this.offset = 0;
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Frame(Bytes),
    End,
    Error(String),
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

fn decode(chunks: Vec<Vec<u8>>, max: usize) -> Vec<Outcome> {
    let chunks = chunks.into_iter().filter(|c| !c.is_empty()).collect();
    let mut reader = FrameReader::new(
        Chunks {
            chunks,
            next: 0,
            offset: 0,
        },
        max,
    );
    runtime().block_on(async {
        let mut out = Vec::new();
        loop {
            match reader.read_frame().await {
                Ok(Some(body)) => out.push(Outcome::Frame(body)),
                Ok(None) => {
                    out.push(Outcome::End);
                    return out;
                }
                Err(e) => {
                    out.push(Outcome::Error(e.to_string()));
                    return out;
                }
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = input(data) else { return };
    let max = usize::from(input.max).max(1);
    let whole = decode(vec![input.bytes.to_vec()], max);
    let mut chunks = Vec::new();
    let mut rest = input.bytes;
    for cut in input.cuts {
        let at = usize::from(cut).min(rest.len());
        chunks.push(rest[..at].to_vec());
        rest = &rest[at..];
    }
    chunks.push(rest.to_vec());
    let chunked = decode(chunks, max);
    assert_eq!(whole, chunked, "chunking changed what was decoded");

    // The frames are the stream's prefix, each within the limit.
    let mut consumed = Vec::new();
    for outcome in &whole {
        if let Outcome::Frame(body) = outcome {
            assert!(
                body.len() <= max,
                "a frame of {} bytes passed a limit of {max}",
                body.len()
            );
            consumed.extend_from_slice(&frame::encode(body));
        }
    }
    assert!(
        input.bytes.starts_with(&consumed),
        "frames do not re-encode to the stream"
    );
    // A clean end only at a frame boundary.
    if whole.last() == Some(&Outcome::End) {
        assert_eq!(
            consumed.len(),
            input.bytes.len(),
            "bytes left over at a clean end"
        );
    }
});
