//! Micro-benchmarks of the hot protocol paths: framing, encoding a `msg`
//! push once, parsing requests, and reading pushes back (full JSON parse
//! versus the load tool's probe scanner).
//!
//! Run with `cargo bench -p hearth-bench --bench codec`.

#![allow(missing_docs)] // criterion's macros generate undocumented items.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hearth_bench::probe;
use hearth_protocol::envelope::{encode_push, Envelope};
use hearth_protocol::frame::{self, FrameReader, HEADER_LEN};
use hearth_protocol::{ChatMessage, RawRequest};

/// The same shape as the server's `msg` push data.
/// A `msg` push, encoded the way the server encodes one.
fn msg_push(text: &str) -> Bytes {
    let message = ChatMessage {
        to: "public".into(),
        from: "someone_42".into(),
        text: text.into(),
        id: 123_456,
        ts: "2025-06-01T12:34:56.789Z".into(),
        color: "#4aa3df".into(),
        room: Some("general".into()),
        private: false,
        file: None,
        ..ChatMessage::default()
    };
    encode_push(&message, None)
}

fn framing(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    let body = msg_push("hello there, how is everyone doing today?");
    let body = &body[HEADER_LEN..];
    g.throughput(Throughput::Elements(1));
    g.bench_function("encode", |b| b.iter(|| frame::encode(black_box(body))));
    g.bench_function("encode_into_batch", |b| {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        b.iter(|| {
            if buf.len() > 60 * 1024 {
                buf.clear();
            }
            frame::encode_into(&mut buf, black_box(body));
        })
    });
    let framed = frame::encode(body);
    g.bench_function("check", |b| {
        b.iter(|| frame::check(black_box(&framed), frame::MAX_SERVER_FRAME))
    });

    // 1000 frames in one buffer, read back through the async reader.
    let mut many = BytesMut::new();
    for _ in 0..1000 {
        frame::encode_into(&mut many, body);
    }
    let many = many.freeze();
    g.throughput(Throughput::Elements(1000));
    g.bench_function("reader_1000_frames", |b| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        b.iter(|| {
            rt.block_on(async {
                let mut reader = FrameReader::new(&many[..], frame::MAX_SERVER_FRAME);
                let mut n = 0;
                while let Some(f) = reader.read_frame().await.unwrap() {
                    n += f.len();
                }
                n
            })
        })
    });
    g.finish();
}

fn messages(c: &mut Criterion) {
    let mut g = c.benchmark_group("message");
    g.throughput(Throughput::Elements(1));
    for len in [20usize, 500] {
        let text = "x".repeat(len);
        g.bench_with_input(BenchmarkId::new("encode_msg_push", len), &text, |b, t| {
            b.iter(|| msg_push(black_box(t)))
        });
    }
    let request = br#"{"type":"msg","data":{"to":"public","text":"hello there, how is everyone doing today?"},"id":17}"#;
    g.bench_function("parse_msg_request", |b| {
        b.iter(|| {
            let req = RawRequest::parse(black_box(request)).unwrap();
            req.command().unwrap()
        })
    });
    let login = br#"{"type":"login","data":{"username":"alice","password":"correct horse"}}"#;
    g.bench_function("parse_login_request", |b| {
        b.iter(|| {
            RawRequest::parse(black_box(login))
                .unwrap()
                .command()
                .unwrap()
        })
    });

    let sample = probe::Probe {
        sent_us: 1_234_567,
        sender: 3,
        written_us: 1_234_600,
    };
    let push = msg_push(&probe::text(&sample, 0));
    let push = &push[HEADER_LEN..];
    g.bench_function("decode_push_envelope", |b| {
        b.iter(|| Envelope::from_slice(black_box(push)).unwrap())
    });
    g.bench_function("decode_push_probe_scan", |b| {
        b.iter(|| probe::scan(black_box(push)).unwrap())
    });
    g.bench_function("encode_probe_request", |b| {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        b.iter(|| {
            if buf.len() > 60 * 1024 {
                buf.clear();
            }
            probe::put_msg_frame(&mut buf, black_box(&sample), 0);
        })
    });
    g.finish();
}

criterion_group!(benches, framing, messages);
criterion_main!(benches);
