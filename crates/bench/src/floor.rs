//! `floor`: what the kernel charges a process for each `write` of a fan-out
//! on this machine, with no server in the way.
//!
//! Writer threads send fixed-size blocks over loopback TCP to `--users`
//! connections, each block stamped with its intended send time, paced like an
//! open-loop room (`--rate` messages per second, every message to every
//! user); this tool's async readers read them as they read a server's frames.
//! `--per-write K` joins K messages into one `write` per user (the writer
//! holds each message until K are due), the way a server that coalesces
//! across messages would. No TLS, no queues, no database: the writer threads'
//! CPU per delivery is the least any server pays on this machine for the same
//! pattern of writes, and the latency the least such a fan-out adds.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::{Buf, BytesMut};
use tokio::io::AsyncReadExt;

use crate::report::Report;
use crate::stats::{instant_at, now_us, thread_cpu_seconds, Latencies, Meter};

/// The writers start this long after the readers are up, µs.
const LEAD_US: u64 = 10_000;
/// How long the readers may take after the writers are done.
const DRAIN: Duration = Duration::from_secs(30);
/// Bounds of the options: loopback connections (file descriptors), bytes
/// per block, and the slowest rate (one message every 100 s).
const MAX_USERS: usize = 20_000;
const MAX_SIZE: usize = 1 << 20;
const MIN_RATE: f64 = 0.01;
/// Most bytes one write may carry (a block times `--per-write`).
const MAX_WRITE: usize = 64 << 20;

/// Options of the `floor` scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct FloorArgs {
    /// Connections written to (each gets every message).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Messages per second (open loop), each written to every connection.
    #[arg(long, default_value_t = 2000.0)]
    pub rate: f64,
    /// Messages in all.
    #[arg(long, default_value_t = 30_000)]
    pub messages: u64,
    /// Bytes per message and connection (a Hearth `msg` push of a benchmark
    /// line is ~200 bytes with its TLS record).
    #[arg(long, default_value_t = 200)]
    pub size: usize,
    /// Messages joined into one `write` per connection.
    #[arg(long, default_value_t = 1)]
    pub per_write: u64,
    /// Writer threads, each with its share of the connections (a Hearth
    /// server's writers run on its async workers, two on two cores); at
    /// most one per connection.
    #[arg(long, default_value_t = 2)]
    pub writer_threads: usize,
}

impl FloorArgs {
    /// Refuses options the run cannot honour, with the reason.
    fn check(&self) -> anyhow::Result<()> {
        if !(1..=MAX_USERS).contains(&self.users) {
            bail!("--users must be from 1 to {MAX_USERS}");
        }
        if self.writer_threads == 0 || self.per_write == 0 || self.messages == 0 {
            bail!("--writer-threads, --per-write and --messages must be at least 1");
        }
        if !(8..=MAX_SIZE).contains(&self.size) {
            bail!("--size must be from 8 (the send stamp) to {MAX_SIZE} bytes");
        }
        if !self.rate.is_finite() || self.rate < MIN_RATE {
            bail!("--rate must be a number of messages per second, at least {MIN_RATE}");
        }
        // The schedule must fit the clock: the last message's time in µs.
        let span_us = self.messages as f64 * 1e6 / self.rate;
        if span_us > 1e15 {
            bail!("--messages at --rate would take longer than this tool's clock runs");
        }
        self.users
            .checked_mul(self.messages as usize)
            .and(self.messages.checked_mul(self.size as u64))
            .context("--users, --messages and --size multiply beyond this machine's numbers")?;
        let write = usize::try_from(self.per_write.min(self.messages))
            .ok()
            .and_then(|n| n.checked_mul(self.size));
        if write.is_none_or(|bytes| bytes > MAX_WRITE) {
            bail!("--size times --per-write must stay within {MAX_WRITE} bytes a write");
        }
        Ok(())
    }
}

/// What one writer thread did.
#[derive(Debug, Default)]
struct Written {
    writes: u64,
    cpu_s: f64,
    sys_s: f64,
}

/// Runs the scenario.
pub async fn run(args: &FloorArgs) -> anyhow::Result<Report> {
    args.check()?;
    let writer_threads = args.writer_threads.min(args.users);
    let per_write = args.per_write.min(args.messages);
    let (writers, readers) = connect(args.users)?;
    // Checked not to overflow by `check`.
    let expected = args.messages * args.size as u64;
    let mut reading = Vec::with_capacity(readers.len());
    for stream in readers {
        let stream = tokio::net::TcpStream::from_std(stream).context("reader socket")?;
        reading.push(tokio::spawn(read_blocks(stream, args.size, expected)));
    }

    let meter = Meter::start(None);
    let t0 = now_us() + LEAD_US;
    let mut shares: Vec<Vec<TcpStream>> = (0..writer_threads).map(|_| Vec::new()).collect();
    for (i, w) in writers.into_iter().enumerate() {
        shares[i % writer_threads].push(w);
    }
    let plan = Pacing {
        t0,
        rate: args.rate,
        messages: args.messages,
        size: args.size,
        per_write,
    };
    let mut writing = Vec::with_capacity(shares.len());
    for share in shares.into_iter().filter(|share| !share.is_empty()) {
        // Named threads, so that a profile (`perf report --comm floor-writer`) can single them out.
        let thread = std::thread::Builder::new()
            .name("floor-writer".into())
            .spawn(move || write_blocks(share, plan))
            .context("starting a writer thread")?;
        writing.push(tokio::task::spawn_blocking(move || thread.join()));
    }
    // A writer that fails is reported with whatever the readers then say
    // (a reader that failed first is usually why a write failed).
    let mut written = Written::default();
    let mut problems = Vec::new();
    for w in writing {
        match w.await {
            Ok(Ok(Ok(w))) => {
                written.writes += w.writes;
                written.cpu_s += w.cpu_s;
                written.sys_s += w.sys_s;
            }
            Ok(Ok(Err(e))) => problems.push(format!("writer: {e:#}")),
            Ok(Err(_)) => problems.push("a writer thread panicked".into()),
            Err(e) => problems.push(format!("waiting for a writer thread: {e}")),
        }
    }
    let mut latency = Latencies::new();
    let mut deliveries = 0;
    let drained_by = tokio::time::Instant::now() + DRAIN;
    for r in reading {
        match tokio::time::timeout_at(drained_by, r).await {
            Ok(Ok(Ok(seen))) => {
                deliveries += seen.count();
                latency.merge(&seen);
            }
            Ok(Ok(Err(e))) => problems.push(format!("reader: {e:#}")),
            Ok(Err(e)) => problems.push(format!("reader task: {e}")),
            Err(_) => {
                problems.push(format!(
                    "the readers did not get every block within {} s of the last write",
                    DRAIN.as_secs()
                ));
                break;
            }
        }
    }
    let metered = meter.read();

    let mut report = Report::new("floor");
    report.param("users", args.users);
    report.param("rate", args.rate);
    report.param("messages", args.messages);
    report.param("size", args.size);
    report.param("per_write", per_write);
    report.param("writer_threads", writer_threads);
    report.metered(metered);
    report.latency_us = latency.summary();
    let span = metered.wall_s - LEAD_US as f64 / 1e6;
    if span > 0.0 {
        report.deliveries_per_s = deliveries as f64 / span;
    }
    report.metric("deliveries", deliveries);
    report.metric("writes", written.writes);
    report.metric("writer_cpu_s", written.cpu_s);
    report.metric("writer_sys_s", written.sys_s);
    if written.writes > 0 && deliveries > 0 {
        report.metric(
            "writer_cpu_us_per_write",
            written.cpu_s * 1e6 / written.writes as f64,
        );
        // Comparable with `fanout`'s server_cpu_us_per_delivery.
        report.metric(
            "writer_cpu_us_per_delivery",
            written.cpu_s * 1e6 / deliveries as f64,
        );
    }
    report.metric(
        "readers_cpu_s",
        (metered.loadgen_cpu_s - written.cpu_s).max(0.0),
    );
    let expected_deliveries = args.messages * args.users as u64;
    if deliveries < expected_deliveries {
        problems.push(format!(
            "{} of {expected_deliveries} deliveries missing",
            expected_deliveries - deliveries
        ));
    }
    report.problems = problems;
    Ok(report)
}

/// `users` connected pairs over 127.0.0.1: (writing ends, blocking and
/// without Nagle's delay, as a server's; reading ends, non-blocking).
fn connect(users: usize) -> anyhow::Result<(Vec<TcpStream>, Vec<TcpStream>)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("listening on 127.0.0.1")?;
    let addr = listener.local_addr()?;
    let mut writers = Vec::with_capacity(users);
    let mut readers = Vec::with_capacity(users);
    for _ in 0..users {
        let reader = TcpStream::connect(addr).context("connecting over loopback")?;
        let (writer, _) = listener.accept().context("accepting")?;
        writer.set_nodelay(true)?;
        reader.set_nodelay(true)?;
        reader.set_nonblocking(true)?;
        writers.push(writer);
        readers.push(reader);
    }
    Ok((writers, readers))
}

/// When the messages are due, shared by the writer threads.
#[derive(Debug, Clone, Copy)]
struct Pacing {
    t0: u64,
    rate: f64,
    messages: u64,
    size: usize,
    per_write: u64,
}

impl Pacing {
    /// Intended send time of message `k`, µs on the [`now_us`] clock.
    fn due(&self, k: u64) -> u64 {
        self.t0 + (k as f64 * 1e6 / self.rate) as u64
    }
}

/// Writes every message to each connection of `share`, `per_write` messages
/// per write, each group once its last message is due; returns the thread's
/// writes (`write_all` calls: one system call each unless the socket's
/// buffer is full) and CPU time.
fn write_blocks(mut share: Vec<TcpStream>, plan: Pacing) -> anyhow::Result<Written> {
    let before = thread_cpu_seconds().context("getrusage(RUSAGE_THREAD)")?;
    let mut group = Vec::with_capacity(plan.size * plan.per_write as usize);
    let mut writes = 0;
    let mut first = 0;
    while first < plan.messages {
        let end = (first + plan.per_write).min(plan.messages);
        let due = instant_at(plan.due(end - 1));
        if let Some(wait) = due.checked_duration_since(std::time::Instant::now()) {
            std::thread::sleep(wait);
        }
        group.clear();
        for k in first..end {
            let start = group.len();
            group.extend_from_slice(&plan.due(k).to_le_bytes());
            group.resize(start + plan.size, b'.');
        }
        for stream in &mut share {
            stream.write_all(&group).context("writing over loopback")?;
            writes += 1;
        }
        first = end;
    }
    let after = thread_cpu_seconds().context("getrusage(RUSAGE_THREAD)")?;
    Ok(Written {
        writes,
        cpu_s: (after.0 - before.0) + (after.1 - before.1),
        sys_s: after.1 - before.1,
    })
}

/// Reads `expected` bytes of blocks; records each block's latency from its stamp.
async fn read_blocks(
    mut stream: tokio::net::TcpStream,
    size: usize,
    expected: u64,
) -> anyhow::Result<Latencies> {
    let mut seen = Latencies::new();
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut got = 0u64;
    while got < expected {
        if buf.capacity() - buf.len() < size {
            buf.reserve(64 * 1024);
        }
        let n = stream.read_buf(&mut buf).await.context("reading")?;
        if n == 0 {
            bail!("connection closed after {got} of {expected} bytes");
        }
        got += n as u64;
        let now = now_us();
        take_stamps(&mut buf, size, |stamp| {
            seen.record(now.saturating_sub(stamp))
        });
    }
    Ok(seen)
}

/// Takes every whole `size`-byte block off the front of `buf`, handing each
/// one's stamp (its first 8 bytes) to `each`; a partial block stays.
fn take_stamps(buf: &mut BytesMut, size: usize, mut each: impl FnMut(u64)) {
    while buf.len() >= size {
        each(buf.get_u64_le());
        buf.advance(size - 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_block_arrives_once_and_is_counted() {
        let args = FloorArgs {
            users: 3,
            rate: 20_000.0,
            messages: 200,
            size: 40,
            per_write: 3,
            writer_threads: 2,
        };
        let report = run(&args).await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.metrics["deliveries"], 600);
        // 200 messages in groups of 3 make 67 writes per connection.
        assert_eq!(report.metrics["writes"], 3 * 67);
        assert_eq!(report.latency_us.count, 600);
    }

    #[test]
    fn messages_are_due_at_the_rate() {
        let p = Pacing {
            t0: 1_000,
            rate: 2_000.0,
            messages: 10,
            size: 8,
            per_write: 1,
        };
        assert_eq!(p.due(0), 1_000);
        assert_eq!(p.due(4), 3_000);
    }

    #[test]
    fn blocks_split_across_reads_give_back_their_stamps() {
        let size = 13;
        let mut stream = Vec::new();
        for stamp in 1..=100u64 {
            stream.extend_from_slice(&stamp.to_le_bytes());
            stream.extend_from_slice(&[b'.'; 5]);
        }
        let mut buf = BytesMut::new();
        let mut stamps = Vec::new();
        // Reads of 7 bytes: blocks and stamps are cut everywhere.
        for piece in stream.chunks(7) {
            buf.extend_from_slice(piece);
            take_stamps(&mut buf, size, |s| stamps.push(s));
        }
        assert_eq!(stamps, (1..=100).collect::<Vec<u64>>());
        assert!(buf.is_empty());
    }

    #[tokio::test]
    async fn bad_options_are_refused() {
        let good = FloorArgs {
            users: 1,
            rate: 10.0,
            messages: 1,
            size: 8,
            per_write: 1,
            writer_threads: 1,
        };
        assert!(good.check().is_ok());
        let bad = [
            FloorArgs {
                size: 4,
                ..good.clone()
            },
            FloorArgs {
                users: 0,
                ..good.clone()
            },
            FloorArgs {
                users: MAX_USERS + 1,
                ..good.clone()
            },
            FloorArgs {
                writer_threads: 0,
                ..good.clone()
            },
            FloorArgs {
                per_write: 0,
                ..good.clone()
            },
            FloorArgs {
                rate: 0.0,
                ..good.clone()
            },
            FloorArgs {
                rate: f64::NAN,
                ..good.clone()
            },
            FloorArgs {
                rate: MIN_RATE,
                messages: u64::MAX,
                ..good.clone()
            },
            FloorArgs {
                size: MAX_SIZE,
                messages: u64::MAX / 1000,
                rate: 1e12,
                ..good.clone()
            },
            FloorArgs {
                size: MAX_SIZE,
                messages: 1_000,
                per_write: 1_000,
                ..good.clone()
            },
        ];
        for args in bad {
            let refused = run(&args).await.expect_err("refused");
            assert!(refused.to_string().starts_with("--"), "{refused}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_writers_or_joins_than_there_is_work_for_are_trimmed() {
        let args = FloorArgs {
            users: 2,
            rate: 10_000.0,
            messages: 5,
            size: 16,
            per_write: 50,
            writer_threads: 8,
        };
        let report = run(&args).await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.params["writer_threads"], 2);
        assert_eq!(report.params["per_write"], 5);
        assert_eq!(report.metrics["writes"], 2);
        assert_eq!(report.metrics["deliveries"], 10);
    }
}
