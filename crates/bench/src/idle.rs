//! `idle`: N logged-in TLS connections that do nothing but ping, and what
//! they cost the server in resident memory.
//!
//! Users are spread over rooms of at most `--room-size` (100) members: a room
//! tells every member about every arrival, so one huge room would measure
//! presence traffic (O(N²)) rather than idle connections. The server's RSS is
//! read from `/proc/PID/status` after registration (before any idle
//! connection exists) and again after `--hold` seconds with all of them open.
//! Each connection pings every `--ping-interval` seconds (the server closes
//! silent connections after 90 s); the first ping comes at a random moment
//! within the hold, and ping round trips are the reported latency (the reply's type is `ping` on
//! Hearth; `pong` is accepted too).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::conn::{self, Conn, Target, SMALL_CHUNK};
use crate::report::Report;
use crate::setup::{self, Options};
use crate::stats::{now_us, rss_kib, Latencies, Meter};
use hearth_bench::probe;

/// Options of the `idle` scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct IdleArgs {
    /// Idle connections to open (each logged in as its own user).
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// Seconds to hold them open before measuring.
    #[arg(long, default_value_t = 10)]
    pub hold: u64,
    /// Most users per room.
    #[arg(long, default_value_t = 100)]
    pub room_size: usize,
    /// Logins in flight while connecting.
    #[arg(long, default_value_t = 16)]
    pub join_concurrency: usize,
    /// Seconds between pings of one connection (must be under 90).
    #[arg(long, default_value_t = 30)]
    pub ping_interval: u64,
}

/// Shared by the idle connections.
#[derive(Default)]
struct Watch {
    alive: AtomicUsize,
    rtt: Mutex<Latencies>,
    problems: Mutex<Vec<String>>,
}

/// Runs the scenario.
pub async fn run(target: &Target, opts: &Options, args: &IdleArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.connections >= 1, "--connections must be at least 1");
    anyhow::ensure!(args.room_size >= 1, "--room-size must be at least 1");
    anyhow::ensure!(
        (1..90).contains(&args.ping_interval),
        "--ping-interval must be 1..89 s"
    );
    if opts.server_pid.is_none() {
        eprintln!("no --server-pid: server RSS will not be reported");
    }
    raise_fd_limit(args.connections)?;
    let id = setup::run_id();
    let names = setup::user_names(&id, 'i', args.connections);
    let rooms: Vec<String> = (0..args.connections.div_ceil(args.room_size))
        .map(|r| format!("b{id}r{r}"))
        .collect();

    let rss_start = opts.server_pid.map(rss_kib).transpose()?;
    setup::register_all(target, &names, opts.register_concurrency).await?;
    let mut first = target.connect().await?;
    setup::login(&mut first, &names[0], &target.password).await?;
    for room in &rooms {
        setup::create_room(&mut first, room).await?;
    }
    // Quiet moment: every registration connection is closed, no idle one is open yet.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = opts.server_pid.map(rss_kib).transpose()?;

    let meter = Meter::start(opts.server_pid);
    let connect_started = now_us();
    setup::enter_room(&mut first, &rooms[0]).await?;
    first.shrink();
    let room_size = args.room_size;
    let rest = setup::join_all(target, &names[1..], false, args.join_concurrency, |i| {
        rooms[(i + 1) / room_size].clone()
    })
    .await?;
    let connect_s = (now_us() - connect_started) as f64 / 1e6;

    let watch = Arc::new(Watch::default());
    let stop = CancellationToken::new();
    let hold_us = args.hold.max(1) * 1_000_000;
    let interval_us = args.ping_interval * 1_000_000;
    let mut tasks = Vec::with_capacity(args.connections);
    let mut rng = rand::thread_rng();
    for conn in std::iter::once(first).chain(rest) {
        let first_ping = rng.gen_range(0..hold_us.min(interval_us));
        watch.alive.fetch_add(1, Ordering::SeqCst);
        tasks.push(tokio::spawn(idle(
            conn,
            first_ping,
            interval_us,
            watch.clone(),
            stop.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_micros(hold_us)).await;
    let rss_after = opts.server_pid.map(rss_kib).transpose()?;
    let alive = watch.alive.load(Ordering::SeqCst);
    let metered = meter.read();
    stop.cancel();
    for t in tasks {
        let _ = t.await;
    }

    let mut report = Report::new("idle");
    report.param("connections", args.connections);
    report.param("hold_s", args.hold);
    report.param("room_size", args.room_size);
    report.metered(metered);
    report.latency_us = watch
        .rtt
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .summary();
    report.metric("connections_alive", alive);
    report.metric("connect_s", connect_s);
    report.metric(
        "connections_per_s",
        args.connections as f64 / connect_s.max(1e-9),
    );
    if let (Some(start), Some(before), Some(after)) = (rss_start, rss_before, rss_after) {
        report.metric("server_rss_start_kib", start);
        report.metric("server_rss_before_kib", before);
        report.metric("server_rss_after_kib", after);
        let per = (after.saturating_sub(before) as f64 * 1024.0) / args.connections as f64;
        report.metric("server_rss_per_conn_bytes", per);
        report.metric("server_rss_per_conn_kib", per / 1024.0);
    }
    let mut problems =
        std::mem::take(&mut *watch.problems.lock().unwrap_or_else(|e| e.into_inner()));
    if alive < args.connections {
        problems.push(format!(
            "only {alive} of {} connections survived the hold",
            args.connections
        ));
    }
    report.problems = problems;
    Ok(report)
}

/// Keeps one connection open: discards pushes, pings on schedule, times pongs.
async fn idle(
    conn: Conn,
    first_ping_us: u64,
    interval_us: u64,
    watch: Arc<Watch>,
    stop: CancellationToken,
) {
    let ping = hearth_protocol::request::encode_request(&hearth_protocol::requests::Ping {}, None);
    let mut next_ping = now_us() + first_ping_us;
    let mut ping_sent: Option<u64> = None;
    let Conn {
        mut stream,
        mut buf,
    } = conn;
    let problem = loop {
        let mut pong = false;
        let mut bye = None;
        tokio::select! {
            biased;
            _ = stop.cancelled() => break None,
            _ = tokio::time::sleep_until(crate::stats::instant_at(next_ping).into()) => {
                if let Err(e) = conn::write_all(&mut stream, &ping).await {
                    break Some(format!("ping failed: {e}"));
                }
                ping_sent = Some(now_us());
                next_ping += interval_us;
            }
            read = conn::read_frames(&mut stream, &mut buf, SMALL_CHUNK, |body| {
                match probe::frame_type(body) {
                    // Hearth answers `ping` with type `ping`; others may say `pong`.
                    Some(b"ping" | b"pong") => pong = true,
                    Some(b"bye") => bye = Some(String::from_utf8_lossy(body).into_owned()),
                    _ => {}
                }
            }) => match read {
                Ok(true) => {}
                Ok(false) => break Some("server closed the connection".to_owned()),
                Err(e) => break Some(format!("{e:#}")),
            },
        }
        if let Some(b) = bye {
            break Some(format!("server said bye: {b}"));
        }
        if pong {
            if let Some(sent) = ping_sent.take() {
                let rtt = now_us() - sent;
                watch
                    .rtt
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(rtt);
            }
        }
        if buf.is_empty() && buf.capacity() > 4 * SMALL_CHUNK {
            buf = bytes::BytesMut::new();
        }
    };
    if let Some(p) = problem {
        watch.alive.fetch_sub(1, Ordering::SeqCst);
        let mut problems = watch.problems.lock().unwrap_or_else(|e| e.into_inner());
        if problems.len() < 10 {
            problems.push(p);
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        use tokio::io::AsyncWriteExt;
        stream.shutdown().await
    })
    .await;
}

/// Lifts this process's open-file limit to fit `connections` (plus slack).
fn raise_fd_limit(connections: usize) -> anyhow::Result<()> {
    let want = connections as u64 + 256;
    let got = rlimit::increase_nofile_limit(want).context("raising RLIMIT_NOFILE")?;
    anyhow::ensure!(
        got >= want,
        "RLIMIT_NOFILE is {got}, below the {want} this run needs (raise the hard limit: ulimit -Hn)"
    );
    Ok(())
}
