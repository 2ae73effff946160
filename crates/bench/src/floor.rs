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
use crate::stats::{instant_at, now_us, Latencies, Meter};

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
    /// server's writers run on its async workers, two on two cores).
    #[arg(long, default_value_t = 2)]
    pub writer_threads: usize,
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
    if args.users == 0 || args.writer_threads == 0 || args.per_write == 0 {
        bail!("--users, --writer-threads and --per-write must be at least 1");
    }
    if args.size < 8 {
        bail!("--size must hold the 8-byte send stamp");
    }
    if !args.rate.is_finite() || args.rate <= 0.0 {
        bail!("--rate must be positive");
    }
    let (writers, readers) = connect(args.users)?;
    let expected = args.messages * args.size as u64;
    let mut reading = Vec::with_capacity(readers.len());
    for stream in readers {
        let stream = tokio::net::TcpStream::from_std(stream).context("reader socket")?;
        reading.push(tokio::spawn(read_blocks(stream, args.size, expected)));
    }

    let meter = Meter::start(None);
    let t0 = now_us() + 10_000;
    let mut shares: Vec<Vec<TcpStream>> = (0..args.writer_threads).map(|_| Vec::new()).collect();
    for (i, w) in writers.into_iter().enumerate() {
        shares[i % args.writer_threads].push(w);
    }
    let plan = Pacing {
        t0,
        rate: args.rate,
        messages: args.messages,
        size: args.size,
        per_write: args.per_write,
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
    let mut written = Written::default();
    for w in writing {
        let Ok(w) = w.await.context("waiting for a writer thread")? else {
            bail!("a writer thread panicked");
        };
        let w = w?;
        written.writes += w.writes;
        written.cpu_s += w.cpu_s;
        written.sys_s += w.sys_s;
    }
    let mut latency = Latencies::new();
    let mut deliveries = 0;
    let mut problems = Vec::new();
    for r in reading {
        match tokio::time::timeout(Duration::from_secs(30), r).await {
            Ok(Ok(Ok(seen))) => {
                deliveries += seen.count();
                latency.merge(&seen);
            }
            Ok(Ok(Err(e))) => problems.push(format!("reader: {e}")),
            Ok(Err(e)) => problems.push(format!("reader task: {e}")),
            Err(_) => problems.push("a reader did not get every block within 30 s".into()),
        }
    }
    let metered = meter.read();

    let mut report = Report::new("floor");
    report.param("users", args.users);
    report.param("rate", args.rate);
    report.param("messages", args.messages);
    report.param("size", args.size);
    report.param("per_write", args.per_write);
    report.param("writer_threads", args.writer_threads);
    report.metered(metered);
    report.latency_us = latency.summary();
    let span = metered.wall_s - 0.01;
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
/// per `write`, each group once its last message is due; returns the thread's
/// writes and CPU time.
fn write_blocks(mut share: Vec<TcpStream>, plan: Pacing) -> anyhow::Result<Written> {
    let before = thread_cpu()?;
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
    let after = thread_cpu()?;
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
        while buf.len() >= size {
            let stamp = buf.get_u64_le();
            seen.record(now.saturating_sub(stamp));
            buf.advance(size - 8);
        }
    }
    Ok(seen)
}

/// User and system CPU seconds of the calling thread.
fn thread_cpu() -> anyhow::Result<(f64, f64)> {
    use nix::sys::resource::{getrusage, UsageWho};
    let u = getrusage(UsageWho::RUSAGE_THREAD).context("getrusage(RUSAGE_THREAD)")?;
    let tv = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok((tv(u.user_time()), tv(u.system_time())))
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

    #[tokio::test]
    async fn bad_options_are_refused() {
        let args = FloorArgs {
            users: 1,
            rate: 10.0,
            messages: 1,
            size: 4,
            per_write: 1,
            writer_threads: 1,
        };
        assert!(run(&args).await.is_err());
    }
}
