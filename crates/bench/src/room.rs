//! The fan-out engine: one room of members, some of whom send probes.
//!
//! Every member has a reader task that counts probes and records latency, and
//! a writer task: senders pace their messages, the rest ping to stay under the
//! server's idle limit.
//!
//! Pacing: with a rate, sender `s` of `S` sends message `k` at the intended
//! time `t0 + (k·S + s)/R`; whatever is due is sent at once and stamped with
//! its *intended* time, so a stall anywhere (server, network, this tool) shows
//! up as latency instead of silently lowering the offered load (coordinated
//! omission). Without a rate, each sender writes batches as fast as the
//! in-flight window allows.
//!
//! The window: every member receives every message (its own as an echo), so
//! `sent − min(received)` bounds what any member's server-side queue can
//! hold. Senders keep it under `--window` (default 2048), far below the
//! server's 8192-frame per-connection queue, so the tool never gets a
//! reader cut off for falling behind.

use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::BytesMut;
use hearth_protocol::envelope::Envelope;
use tokio::io::{ReadHalf, WriteHalf};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::conn::{self, Conn, Target, Tls, LARGE_CHUNK};
use crate::setup::{self, Options};
use crate::stats::{instant_at, now_us, Latencies};
use hearth_bench::probe;

/// Messages written in one go (one TLS write) at most.
const BATCH: u64 = 64;
/// A member that has written nothing for this long pings (server limit: 90 s).
const KEEPALIVE_US: u64 = 30_000_000;
/// Time for presence pushes to settle between joining and sending.
const SETTLE: Duration = Duration::from_millis(300);
/// A received count that marks a member as gone (ignored by the window).
const GONE: u64 = u64::MAX;

/// What a room run looks like.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Members in the room.
    pub users: usize,
    /// Members `0..senders` send.
    pub senders: usize,
    /// Total messages across all senders; `None` sends until stopped.
    pub messages: Option<u64>,
    /// Total messages per second across all senders; `None` is max rate.
    pub rate: Option<f64>,
    /// Most messages in flight (sent but not yet seen by every member).
    pub window: u64,
    /// Pad each message text to at least this many bytes.
    pub text_len: usize,
    /// Logins (and room entries) in flight while setting up.
    pub join_concurrency: usize,
}

/// Counters shared by a room's tasks.
#[derive(Debug)]
struct Progress {
    sent: AtomicU64,
    refused: AtomicU64,
    received: Vec<AtomicU64>,
    waiting: AtomicBool,
    notify: Notify,
    record_from_us: AtomicU64,
    record_to_us: AtomicU64,
}

impl Progress {
    fn new(members: usize) -> Progress {
        Progress {
            sent: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            received: (0..members).map(|_| AtomicU64::new(0)).collect(),
            waiting: AtomicBool::new(false),
            notify: Notify::new(),
            record_from_us: AtomicU64::new(0),
            record_to_us: AtomicU64::new(u64::MAX),
        }
    }

    /// Messages accepted by the server so far (as far as this tool knows).
    fn expected(&self) -> u64 {
        self.sent.load(Ordering::SeqCst) - self.refused.load(Ordering::SeqCst)
    }

    /// The fewest messages any live member has received.
    fn min_received(&self) -> u64 {
        self.received
            .iter()
            .map(|r| r.load(Ordering::SeqCst))
            .filter(|r| *r != GONE)
            .min()
            .unwrap_or(GONE)
    }

    fn in_flight(&self, min_received: u64) -> u64 {
        self.expected().saturating_sub(min_received)
    }
}

/// Members logged in and inside the room, not yet reading or sending.
#[derive(Debug)]
pub struct Prepared {
    plan: Plan,
    members: Vec<Conn>,
}

/// What one member's reader saw.
#[derive(Debug, Default)]
struct Received {
    deliveries: u64,
    latency: Latencies,
    service: Latencies,
    last_us: u64,
    problems: Vec<String>,
}

/// What one member's writer did.
#[derive(Debug, Default)]
struct Sent {
    first_us: Option<u64>,
    lag: Latencies,
}

/// A room under load.
#[derive(Debug)]
pub struct Running {
    plan: Plan,
    progress: Arc<Progress>,
    stop: CancellationToken,
    pacer: Option<std::thread::JoinHandle<()>>,
    readers: Vec<JoinHandle<Received>>,
    senders: Vec<JoinHandle<anyhow::Result<Sent>>>,
    others: Vec<JoinHandle<anyhow::Result<Sent>>>,
    sent_stats: Vec<Sent>,
    problems: Vec<String>,
}

/// The result of a room run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Messages sent (including refused ones).
    pub sent: u64,
    /// Messages the server refused (flood control?).
    pub refused: u64,
    /// Probes seen by members other than their sender.
    pub deliveries: u64,
    /// `(sent − refused) × (users − 1)`.
    pub expected_deliveries: u64,
    /// Delivery latency from the (intended) send time, µs.
    pub latency: Latencies,
    /// Delivery latency from the actual write, µs: without the tool's own lateness.
    pub from_write: Latencies,
    /// How late senders were against the schedule (rate mode), µs.
    pub send_lag: Latencies,
    /// First write by any sender, on the process clock.
    pub first_send_us: u64,
    /// Last delivery to any member, on the process clock.
    pub last_delivery_us: u64,
    /// Anything that went wrong (disconnects, refusals).
    pub problems: Vec<String>,
}

impl Outcome {
    /// Deliveries per second between the first send and the last delivery.
    pub fn deliveries_per_s(&self) -> f64 {
        let span = self.last_delivery_us.saturating_sub(self.first_send_us);
        if span == 0 {
            0.0
        } else {
            self.deliveries as f64 * 1e6 / span as f64
        }
    }
}

/// Registers `plan.users` accounts tagged `tag`, logs them in and puts them
/// all in a fresh room.
pub async fn prepare(
    target: &Target,
    opts: &Options,
    run_id: &str,
    tag: char,
    plan: Plan,
) -> anyhow::Result<Prepared> {
    anyhow::ensure!(plan.users >= 2, "a room needs at least 2 users");
    anyhow::ensure!(
        (1..=plan.users).contains(&plan.senders),
        "--senders must be 1..=--users"
    );
    anyhow::ensure!(plan.rate.is_none_or(|r| r > 0.0), "--rate must be positive");
    anyhow::ensure!(plan.window >= 1, "--window must be at least 1");
    let names = setup::user_names(run_id, tag, plan.users);
    let room = format!("b{run_id}{tag}room");
    setup::register_all(target, &names, opts.register_concurrency).await?;
    let mut first = target.connect().await?;
    setup::login(&mut first, &names[0], &target.password).await?;
    setup::create_room(&mut first, &room).await?;
    setup::enter_room(&mut first, &room).await?;
    let rest = setup::join_all(target, &names[1..], false, plan.join_concurrency, |_| {
        room.clone()
    })
    .await?;
    let mut members = Vec::with_capacity(plan.users);
    members.push(first);
    members.extend(rest);
    Ok(Prepared { plan, members })
}

impl Prepared {
    /// Starts every reader, lets presence settle, then starts the writers.
    pub async fn start(self) -> Running {
        let Prepared { plan, members } = self;
        let progress = Arc::new(Progress::new(members.len()));
        let stop = CancellationToken::new();
        let mut writers = Vec::with_capacity(members.len());
        let mut readers = Vec::with_capacity(members.len());
        for (i, conn) in members.into_iter().enumerate() {
            let (rd, wr) = tokio::io::split(conn.stream);
            readers.push(tokio::spawn(read_member(
                i as u32,
                rd,
                conn.buf,
                progress.clone(),
                stop.clone(),
            )));
            writers.push(wr);
        }
        tokio::time::sleep(SETTLE).await;
        let t0_us = now_us() + 1_000;
        let bells: Vec<Arc<Notify>> = (0..plan.senders).map(|_| Arc::new(Notify::new())).collect();
        let pacer = plan.rate.map(|rate| {
            let (bells, stop, total) = (bells.clone(), stop.clone(), plan.messages);
            std::thread::Builder::new()
                .name("hearth-bench-pacer".into())
                .spawn(move || pacer(t0_us, rate, total, &bells, &stop))
        });
        let mut senders = Vec::new();
        let mut others = Vec::new();
        for (i, wr) in writers.into_iter().enumerate() {
            if i < plan.senders {
                let pace = Pace::new(&plan, i, t0_us);
                senders.push(tokio::spawn(send_member(
                    i as u32,
                    wr,
                    pace,
                    bells[i].clone(),
                    progress.clone(),
                    stop.clone(),
                )));
            } else {
                others.push(tokio::spawn(keep_alive(wr, stop.clone())));
            }
        }
        let mut problems = Vec::new();
        let pacer = match pacer {
            Some(Ok(handle)) => Some(handle),
            Some(Err(e)) => {
                problems.push(format!("cannot start the pacer thread: {e}"));
                stop.cancel();
                None
            }
            None => None,
        };
        Running {
            plan,
            progress,
            stop,
            pacer,
            readers,
            senders,
            others,
            sent_stats: Vec::new(),
            problems,
        }
    }
}

impl Running {
    /// Only probes intended to be sent from now on count toward latency.
    pub fn record_from_now(&self) {
        self.progress
            .record_from_us
            .store(now_us(), Ordering::SeqCst);
    }

    /// Probes intended to be sent after now no longer count toward latency.
    pub fn record_until_now(&self) {
        self.progress.record_to_us.store(now_us(), Ordering::SeqCst);
    }

    /// Waits for every sender to send its share (only with a message count).
    pub async fn senders_done(&mut self) {
        for handle in self.senders.drain(..) {
            match handle.await {
                Ok(Ok(sent)) => self.sent_stats.push(sent),
                Ok(Err(e)) => self.problems.push(format!("sender: {e:#}")),
                Err(e) => self.problems.push(format!("sender task: {e}")),
            }
        }
    }

    /// Waits until every live member has every accepted message, or `limit` passes.
    pub async fn drain(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            let min = self.progress.min_received();
            if min == GONE || min >= self.progress.expected() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Stops every task and adds up what they saw.
    pub async fn finish(mut self) -> Outcome {
        self.stop.cancel();
        if let Some(pacer) = self.pacer.take() {
            // It notices the stop within PACER_MAX_SLEEP.
            let _ = tokio::task::spawn_blocking(move || pacer.join()).await;
        }
        self.senders_done().await;
        for handle in self.others.drain(..) {
            if let Ok(Err(e)) = handle.await {
                self.problems.push(format!("keep-alive: {e:#}"));
            }
        }
        let mut out = Outcome {
            sent: self.progress.sent.load(Ordering::SeqCst),
            refused: self.progress.refused.load(Ordering::SeqCst),
            problems: std::mem::take(&mut self.problems),
            first_send_us: u64::MAX,
            ..Outcome::default()
        };
        out.expected_deliveries = (out.sent - out.refused) * (self.plan.users as u64 - 1);
        for handle in self.readers.drain(..) {
            match handle.await {
                Ok(r) => {
                    out.deliveries += r.deliveries;
                    out.latency.merge(&r.latency);
                    out.from_write.merge(&r.service);
                    out.last_delivery_us = out.last_delivery_us.max(r.last_us);
                    out.problems.extend(r.problems);
                }
                Err(e) => out.problems.push(format!("reader task: {e}")),
            }
        }
        for s in &self.sent_stats {
            out.send_lag.merge(&s.lag);
            if let Some(first) = s.first_us {
                out.first_send_us = out.first_send_us.min(first);
            }
        }
        if out.first_send_us == u64::MAX {
            out.first_send_us = 0;
        }
        out
    }
}

/// Reads one member's stream until stopped, counting probes.
async fn read_member(
    idx: u32,
    mut rd: ReadHalf<Tls>,
    mut buf: BytesMut,
    p: Arc<Progress>,
    stop: CancellationToken,
) -> Received {
    let mut r = Received::default();
    let mut received = 0u64;
    let mut refused = 0u64;
    loop {
        let from = p.record_from_us.load(Ordering::Relaxed);
        let to = p.record_to_us.load(Ordering::Relaxed);
        let mut now = 0u64;
        let read = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            read = conn::read_frames(&mut rd, &mut buf, LARGE_CHUNK, |body| {
                match probe::scan(body) {
                    Some(probe) => {
                        received += 1;
                        if probe.sender != idx {
                            if now == 0 {
                                now = now_us();
                            }
                            r.deliveries += 1;
                            r.last_us = now;
                            if (from..=to).contains(&probe.sent_us) {
                                r.latency.record(now.saturating_sub(probe.sent_us));
                                r.service.record(now.saturating_sub(probe.written_us));
                            }
                        }
                    }
                    None => note_other(body, &mut r.problems, &mut refused),
                }
            }) => read,
        };
        if refused > 0 {
            p.refused.fetch_add(refused, Ordering::SeqCst);
            refused = 0;
        }
        match read {
            Ok(true) => {
                p.received[idx as usize].store(received, Ordering::SeqCst);
                if p.waiting.load(Ordering::SeqCst) && p.waiting.swap(false, Ordering::SeqCst) {
                    p.notify.notify_waiters();
                }
            }
            Ok(false) => {
                r.problems
                    .push(format!("member {idx}: server closed the connection"));
                break;
            }
            Err(e) => {
                r.problems.push(format!("member {idx}: {e:#}"));
                break;
            }
        }
    }
    if !stop.is_cancelled() {
        p.received[idx as usize].store(GONE, Ordering::SeqCst);
        p.notify.notify_waiters();
    }
    r
}

/// Notes a frame that is not a probe: a `bye`, or a refused `msg`.
fn note_other(body: &[u8], problems: &mut Vec<String>, refused: &mut u64) {
    match probe::frame_type(body) {
        Some(b"bye") => {
            let why = Envelope::from_slice(body)
                .ok()
                .and_then(|e| e.message)
                .unwrap_or_default();
            problems.push(format!("server said bye: {why}"));
        }
        Some(b"msg") => {
            if let Ok(env) = Envelope::from_slice(body) {
                if !env.is_ok() {
                    *refused += 1;
                    if *refused == 1 && problems.len() < 10 {
                        problems.push(format!(
                            "msg refused: {} (start the server with --msg-rate 0)",
                            env.message.unwrap_or_default()
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

/// One sender's schedule.
#[derive(Debug, Clone, Copy)]
struct Pace {
    quota: Option<u64>,
    /// Total messages per second across senders (rate mode).
    rate: Option<f64>,
    /// The schedule's start, µs on the process clock.
    t0_us: u64,
    /// This sender's index and the number of senders.
    sender: u64,
    senders: u64,
    window: u64,
    text_len: usize,
}

impl Pace {
    fn new(plan: &Plan, sender: usize, t0_us: u64) -> Pace {
        let s = plan.senders as u64;
        let quota = plan
            .messages
            .map(|m| m / s + u64::from((sender as u64) < m % s));
        Pace {
            quota,
            rate: plan.rate,
            t0_us,
            sender: sender as u64,
            senders: s,
            window: plan.window,
            text_len: plan.text_len,
        }
    }

    /// Intended send time of this sender's message `k` (`now` at max rate):
    /// global message `k·S + s`, computed exactly as the pacer does.
    fn intended(&self, k: u64, now: u64) -> u64 {
        match self.rate {
            Some(rate) => scheduled(self.t0_us, rate, k * self.senders + self.sender),
            None => now,
        }
    }
}

/// When global message `j` is due.
fn scheduled(t0_us: u64, rate: f64, j: u64) -> u64 {
    t0_us + (j as f64 * 1e6 / rate) as u64
}

/// Longest the pacer sleeps at once, so that it notices a stop.
const PACER_MAX_SLEEP_US: u64 = 20_000;

/// Rings sender `j mod S` at the intended time of global message `j`.
///
/// A thread with `nanosleep` instead of tokio's timer: tokio timers have
/// 1 ms granularity, which would add up to a millisecond of the tool's own
/// lateness to every open-loop latency.
fn pacer(
    t0_us: u64,
    rate: f64,
    total: Option<u64>,
    bells: &[Arc<Notify>],
    stop: &CancellationToken,
) {
    let mut j = 0u64;
    while total.is_none_or(|t| j < t) && !stop.is_cancelled() {
        let now = now_us();
        let at = scheduled(t0_us, rate, j);
        if at > now {
            std::thread::sleep(Duration::from_micros((at - now).min(PACER_MAX_SLEEP_US)));
            continue;
        }
        bells[(j % bells.len() as u64) as usize].notify_one();
        j += 1;
    }
}

/// Sends one member's share of probes, then returns.
async fn send_member(
    idx: u32,
    mut wr: WriteHalf<Tls>,
    pace: Pace,
    bell: Arc<Notify>,
    p: Arc<Progress>,
    stop: CancellationToken,
) -> anyhow::Result<Sent> {
    let mut stats = Sent::default();
    let mut out = BytesMut::with_capacity(8 * 1024);
    let mut min_seen = 0u64;
    let mut k = 0u64;
    let mut last_write = now_us();
    loop {
        let remaining = pace.quota.map_or(u64::MAX, |q| q - k);
        if remaining == 0 || stop.is_cancelled() {
            break;
        }
        let now = now_us();
        let due = match pace.rate {
            Some(_) => {
                let next = pace.intended(k, now);
                if next > now {
                    let quiet_until = instant_at(last_write + KEEPALIVE_US);
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = bell.notified() => {}
                        _ = tokio::time::sleep_until(quiet_until.into()) => {
                            conn::write_all(&mut wr, &ping_frame())
                                .await
                                .context("ping")?;
                            last_write = now_us();
                        }
                    }
                    continue;
                }
                let limit = BATCH.min(remaining);
                (1..limit)
                    .take_while(|j| pace.intended(k + j, now) <= now)
                    .count() as u64
                    + 1
            }
            None => BATCH,
        }
        .min(remaining);
        let n = window_room(&p, &mut min_seen, due, pace.window, &stop).await;
        if n == 0 {
            break;
        }
        out.clear();
        let stamp = now_us();
        for j in 0..n {
            let intended = pace.intended(k + j, stamp);
            if pace.rate.is_some() {
                stats.lag.record(stamp.saturating_sub(intended));
            }
            let probe = probe::Probe {
                sent_us: intended,
                sender: idx,
                written_us: stamp,
            };
            probe::put_msg_frame(&mut out, &probe, pace.text_len);
        }
        p.sent.fetch_add(n, Ordering::SeqCst);
        stats.first_us.get_or_insert(stamp);
        conn::write_all(&mut wr, &out)
            .await
            .with_context(|| format!("sender {idx}: writing"))?;
        k += n;
        last_write = stamp;
    }
    Ok(stats)
}

/// How many of `want` messages the window allows now; waits while it allows
/// none. Returns 0 only when stopped.
async fn window_room(
    p: &Progress,
    min_seen: &mut u64,
    want: u64,
    window: u64,
    stop: &CancellationToken,
) -> u64 {
    loop {
        if p.in_flight(*min_seen) + want <= window {
            return want;
        }
        *min_seen = p.min_received();
        let room = window.saturating_sub(p.in_flight(*min_seen));
        if room > 0 {
            return want.min(room);
        }
        let mut notified = pin!(p.notify.notified());
        notified.as_mut().enable();
        p.waiting.store(true, Ordering::SeqCst);
        *min_seen = p.min_received();
        if p.in_flight(*min_seen) < window {
            continue;
        }
        tokio::select! {
            _ = stop.cancelled() => return 0,
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    }
}

/// A `ping` request frame.
fn ping_frame() -> bytes::Bytes {
    hearth_protocol::request::encode_request(&hearth_protocol::requests::Ping {}, None)
}

/// Pings every 30 s until stopped, so a silent member is not closed as idle.
async fn keep_alive(mut wr: WriteHalf<Tls>, stop: CancellationToken) -> anyhow::Result<Sent> {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(Sent::default()),
            _ = tokio::time::sleep(Duration::from_micros(KEEPALIVE_US)) => {
                conn::write_all(&mut wr, &ping_frame()).await.context("ping")?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(senders: usize, messages: Option<u64>, rate: Option<f64>) -> Plan {
        Plan {
            users: 10,
            senders,
            messages,
            rate,
            window: 100,
            text_len: 0,
            join_concurrency: 1,
        }
    }

    #[test]
    fn quotas_add_up_and_schedules_interleave() {
        let pl = plan(3, Some(10), Some(1000.0));
        let paces: Vec<Pace> = (0..3).map(|s| Pace::new(&pl, s, 1_000_000)).collect();
        assert_eq!(paces.iter().map(|p| p.quota.unwrap()).sum::<u64>(), 10);
        // 1000 msg/s total: sender s sends at t0 + s ms, then every 3 ms.
        assert_eq!(paces[0].intended(0, 0), 1_000_000);
        assert_eq!(paces[1].intended(0, 0), 1_001_000);
        assert_eq!(paces[2].intended(1, 0), 1_005_000);
        let max = Pace::new(&plan(1, None, None), 0, 5);
        assert_eq!(max.intended(7, 42), 42);
        assert_eq!(max.quota, None);
    }

    #[test]
    fn window_counts_the_slowest_live_member() {
        let p = Progress::new(3);
        p.sent.store(100, Ordering::SeqCst);
        p.received[0].store(100, Ordering::SeqCst);
        p.received[1].store(40, Ordering::SeqCst);
        p.received[2].store(GONE, Ordering::SeqCst);
        assert_eq!(p.min_received(), 40);
        assert_eq!(p.in_flight(40), 60);
        p.refused.store(10, Ordering::SeqCst);
        assert_eq!(p.in_flight(40), 50);
    }

    #[tokio::test]
    async fn window_room_limits_and_stops() {
        let p = Progress::new(1);
        let stop = CancellationToken::new();
        let mut seen = 0;
        assert_eq!(window_room(&p, &mut seen, 10, 100, &stop).await, 10);
        p.sent.store(95, Ordering::SeqCst);
        assert_eq!(window_room(&p, &mut seen, 10, 100, &stop).await, 5);
        p.sent.store(100, Ordering::SeqCst);
        stop.cancel();
        assert_eq!(window_room(&p, &mut seen, 10, 100, &stop).await, 0);
    }
}
