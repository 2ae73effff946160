//! Connections driven through any sequence of operations: the real server
//! (handlers, hub, database, connection loop) with in-memory streams in place
//! of TCP + TLS (`hearth_server::fuzzing`), after the pattern of quinn's
//! `fuzz/fuzz_targets/streams.rs`.
//!
//! The input is a script, one operation per line, so that the seeds are real
//! sessions and a crash reads as one:
//!
//! - `N>BODY`: on connection `N` (0–3; opened on first use), send the frame
//!   `BODY`. When `BODY` is a JSON object, it is sent with a fresh `id`.
//! - `N!`: close connection `N`.
//! - `N~BYTES`: write `BYTES` as they are (`\xHH` for any byte), with no
//!   framing (the connection's framing is then out of step, so later replies
//!   on it are not awaited).
//!
//! What must hold, whatever the script:
//! - every frame the server sends is a well-formed envelope; every error
//!   carries a known code;
//! - every request is answered exactly once, with its own `type` (`pong` for
//!   `ping`, `list_room` for `list` in a room), a successful `msg` by the
//!   sender's own copy; a connection is closed before answering only after
//!   it was told why (`bye` or `kicked`);
//! - once every connection is closed, nobody is connected or online
//!   (presence never lies), and every connection task has ended (none holds
//!   its streams on);
//! - the server never panics.
//!
//! The database lives on for a hundred inputs (accounts and rooms carry
//! over, which reaches deeper states) and is then replaced by a fresh one.

#![no_main]

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use hearth_protocol::frame::{encode, MAX_SERVER_FRAME};
use hearth_protocol::{Envelope, FrameReader, RawRequest, RequestId};
use hearth_server::fuzzing::Harness;
use hearth_server::Config;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};

/// Connections a script can use.
const CONNECTIONS: usize = 4;
/// Operations run from one input at most.
const MAX_OPS: usize = 48;
/// Inputs served by one database before a fresh one.
const INPUTS_PER_DATABASE: u32 = 100;
/// Longest wait for a reply (far beyond any real one; a miss is a bug).
const REPLY_WAIT: Duration = Duration::from_secs(5);

struct Conn {
    reader: FrameReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
    /// Ids answered so far (each exactly once).
    answered: HashSet<RequestId>,
    /// Told why it will be closed (`bye` or `kicked`).
    told_to_go: bool,
    closed: bool,
    /// Raw bytes were written: framing may be out of step.
    desynced: bool,
}

impl Conn {
    fn new(stream: DuplexStream) -> Conn {
        let (r, w) = tokio::io::split(stream);
        Conn {
            reader: FrameReader::new(r, MAX_SERVER_FRAME),
            writer: w,
            answered: HashSet::new(),
            told_to_go: false,
            closed: false,
            desynced: false,
        }
    }

    /// Reads one frame, checks it, and returns it: `None` when none came within
    /// `wait` (with no `wait`, when none is there now), `Some(None)` once closed.
    async fn next_frame(&mut self, wait: Option<Duration>) -> Option<Option<Envelope>> {
        if self.closed {
            return Some(None);
        }
        let read = match wait {
            Some(wait) => tokio::time::timeout(wait, self.reader.read_frame())
                .await
                .ok(),
            None => {
                // One poll; dropping the read then is fine: the reader keeps a
                // partial frame for the next one.
                let mut read = std::pin::pin!(self.reader.read_frame());
                std::future::poll_fn(|cx| match read.as_mut().poll(cx) {
                    Poll::Ready(r) => Poll::Ready(Some(r)),
                    Poll::Pending => Poll::Ready(None),
                })
                .await
            }
        };
        let Some(read) = read else { return None };
        let body = match read {
            Ok(Some(body)) => body,
            Ok(None) | Err(_) => {
                self.closed = true;
                return Some(None);
            }
        };
        let env = Envelope::from_slice(&body).unwrap_or_else(|e| {
            panic!("not an envelope ({e}): {}", String::from_utf8_lossy(&body))
        });
        if !env.is_ok() {
            assert!(env.code.is_some(), "an error without a code: {env:?}");
        }
        if env.kind == "bye" || env.kind == "kicked" {
            self.told_to_go = true;
        }
        if let Some(id) = &env.id {
            assert!(
                self.answered.insert(id.clone()),
                "id {id:?} answered twice: {env:?}"
            );
        }
        Some(Some(env))
    }

    /// Reads whatever has arrived, without waiting.
    async fn drain(&mut self) {
        while let Some(Some(_)) = self.next_frame(None).await {}
    }

    async fn write(&mut self, bytes: &[u8]) {
        if self.writer.write_all(bytes).await.is_err() {
            self.closed = true;
        }
    }
}

/// The server and what one input runs against it.
struct World {
    harness: Harness,
    _dir: tempfile::TempDir,
    inputs: u32,
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

async fn new_world() -> World {
    // Memory-backed when available: the database is rewritten constantly.
    let base = std::path::Path::new("/dev/shm");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    let mut config = Config::new(dir.path());
    config.argon2_memory_kib = 8;
    config.argon2_iterations = 1;
    config.max_login_delay = Duration::ZERO;
    config.presence_delay = Duration::from_millis(1);
    let harness = Harness::start(config).await.expect("the server starts");
    World {
        harness,
        _dir: dir,
        inputs: 0,
    }
}

/// One operation of the script.
enum Op<'a> {
    Send(usize, &'a str),
    Close(usize),
    Raw(usize, &'a str),
}

fn ops(script: &str) -> Vec<Op<'_>> {
    script
        .lines()
        .filter_map(|line| {
            let mut chars = line.char_indices();
            let n = chars.next()?.1.to_digit(10)? as usize % CONNECTIONS;
            let (at, op) = chars.next()?;
            let rest = &line[at + op.len_utf8()..];
            match op {
                '>' => Some(Op::Send(n, rest)),
                '!' => Some(Op::Close(n)),
                '~' => Some(Op::Raw(n, rest)),
                _ => None,
            }
        })
        .take(MAX_OPS)
        .collect()
}

/// The bytes of `text`, with each `\xHH` replaced by that byte.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, more)) = rest.split_first() {
        let hex = more
            .strip_prefix(b"x")
            .and_then(|m| m.get(..2))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                rest = &more[3..];
            }
            _ => {
                out.push(b);
                rest = more;
            }
        }
    }
    out
}

/// Sends `body` and checks its one answer.
async fn request(conn: &mut Conn, body: &str, next_id: &mut u64) {
    let (frame, expect) = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut object)) => {
            *next_id += 1;
            let id = RequestId::from(*next_id);
            object.insert("id".into(), serde_json::to_value(&id).unwrap());
            let kind = object
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let text = Value::Object(object).to_string();
            (encode(text.as_bytes()), Some((id, kind)))
        }
        _ => (encode(body.as_bytes()), None),
    };
    conn.write(&frame).await;
    if conn.desynced {
        conn.drain().await;
        return;
    }
    loop {
        let env = match conn.next_frame(Some(REPLY_WAIT)).await {
            None => panic!("no answer within {REPLY_WAIT:?} to {body}"),
            Some(None) => {
                assert!(
                    conn.told_to_go,
                    "closed without an answer or a reason, after {body}"
                );
                return;
            }
            Some(Some(env)) => env,
        };
        match &expect {
            // An object: answered under its id, unless it is no request at all
            // (no string `type`), which is answered as `error` without an id.
            Some((id, kind)) => {
                if env.id.as_ref() == Some(id) {
                    let kind = kind.as_deref().expect("an id is echoed only for a request");
                    let fits = env.kind == kind
                        || (kind == "ping" && env.kind == "pong")
                        || (kind == "list" && env.kind == "list_room");
                    assert!(fits, "{kind} answered as {}: {env:?}", env.kind);
                    return;
                }
                if kind.is_none() && env.kind == "error" && env.id.is_none() {
                    return;
                }
            }
            // Not a JSON object to serde_json's `Value`, so sent as it is,
            // without an id: answered without one. Usually as a refusal, but
            // where only `Value` balks (a number beyond f64's range, like
            // `4999e999999`, in a field the server ignores) the server reads
            // the request and answers it under its own type, even with ok.
            None => {
                let kind = RawRequest::parse(body.as_bytes()).ok().map(|r| r.kind);
                let fits = match kind.as_deref() {
                    Some("ping") => env.kind == "pong",
                    Some("list") => env.kind == "list" || env.kind == "list_room",
                    Some(kind) => env.kind == kind,
                    None => false,
                };
                if env.id.is_none() && (!env.is_ok() || fits) {
                    return;
                }
            }
        }
    }
}

async fn run(world: &mut World, script: &str) {
    let mut conns: Vec<Option<Conn>> = (0..CONNECTIONS).map(|_| None).collect();
    let mut next_id = 0u64;
    for op in ops(script) {
        match op {
            Op::Send(n, body) => {
                let conn = conns[n].get_or_insert_with(|| Conn::new(world.harness.connect()));
                request(conn, body, &mut next_id).await;
            }
            Op::Close(n) => conns[n] = None,
            Op::Raw(n, bytes) => {
                let conn = conns[n].get_or_insert_with(|| Conn::new(world.harness.connect()));
                conn.desynced = true;
                conn.write(&unescape(bytes)).await;
                conn.drain().await;
            }
        }
        // Keep every connection's pushes flowing and checked: let the server's
        // tasks run, then read what they wrote.
        tokio::task::yield_now().await;
        for conn in conns.iter_mut().flatten() {
            conn.drain().await;
        }
    }
    drop(conns);
    let settled = tokio::time::timeout(
        REPLY_WAIT,
        world
            .harness
            .wait_for_stats(|s| s.connections == 0 && s.online == 0),
    )
    .await;
    assert!(
        settled.is_ok(),
        "presence lies: {:?} after every connection closed",
        world.harness.stats()
    );
    let ended = tokio::time::timeout(REPLY_WAIT, world.harness.wait_for_tasks_to_end()).await;
    assert!(
        ended.is_ok(),
        "{} connection task(s) still running after every connection closed",
        world.harness.running_tasks()
    );
}

fuzz_target!(|input: &[u8]| {
    static WORLD: Mutex<Option<World>> = Mutex::new(None);
    let script = String::from_utf8_lossy(input);
    let mut slot = WORLD.lock().unwrap_or_else(|e| e.into_inner());
    runtime().block_on(async {
        if slot
            .as_ref()
            .is_some_and(|w| w.inputs >= INPUTS_PER_DATABASE)
        {
            if let Some(old) = slot.take() {
                old.harness.close().await;
            }
        }
        if slot.is_none() {
            *slot = Some(new_world().await);
        }
        let world = slot.as_mut().unwrap();
        world.inputs += 1;
        run(world, &script).await;
    });
});
