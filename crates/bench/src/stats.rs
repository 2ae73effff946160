//! Measuring: one process-wide microsecond clock, latency histograms, the
//! load tool's own CPU time (getrusage) and a server's RSS and CPU time from
//! `/proc`.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use nix::sys::resource::{getrusage, UsageWho};
use serde::Serialize;

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Microseconds since this process first asked for the time. Send stamps
/// embedded in message texts use this clock, so sender and receivers (tasks
/// of one process) agree on it.
pub fn now_us() -> u64 {
    EPOCH.elapsed().as_micros() as u64
}

/// The [`Instant`] that [`now_us`] calls `us`.
pub fn instant_at(us: u64) -> Instant {
    *EPOCH + Duration::from_micros(us)
}

/// Highest latency a histogram tracks (larger values are clamped): 10 minutes.
const MAX_TRACKED_US: u64 = 600_000_000;

/// A latency histogram in microseconds, 3 significant digits.
#[derive(Debug, Clone)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    /// An empty histogram.
    pub fn new() -> Self {
        // Bounds are constants that hdrhistogram accepts; this cannot fail.
        Latencies(Histogram::new_with_bounds(1, MAX_TRACKED_US, 3).expect("valid histogram bounds"))
    }

    /// Records one latency (0 counts as 1 µs).
    pub fn record(&mut self, us: u64) {
        self.0.saturating_record(us.max(1));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The percentiles a report shows.
    pub fn summary(&self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        Summary {
            count: self.0.len(),
            p50: self.0.value_at_quantile(0.50),
            p99: self.0.value_at_quantile(0.99),
            p999: self.0.value_at_quantile(0.999),
            max: self.0.max(),
            mean: self.0.mean(),
        }
    }
}

/// Percentiles of a [`Latencies`], in microseconds (all zero when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Samples recorded.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
}

/// User plus system CPU seconds this process has used so far (all threads).
pub fn cpu_seconds() -> f64 {
    rusage_seconds(UsageWho::RUSAGE_SELF).map_or(0.0, |(user, sys)| user + sys)
}

/// User and system CPU seconds the calling thread has used so far.
pub fn thread_cpu_seconds() -> nix::Result<(f64, f64)> {
    rusage_seconds(UsageWho::RUSAGE_THREAD)
}

/// User and system CPU seconds of `who`, from `getrusage`.
fn rusage_seconds(who: UsageWho) -> nix::Result<(f64, f64)> {
    let u = getrusage(who)?;
    let tv = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok((tv(u.user_time()), tv(u.system_time())))
}

/// Why a server process could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// `/proc/PID/...` could not be read (no such process?).
    #[error("cannot read /proc/{pid}: {source}")]
    Read {
        /// The process id.
        pid: u32,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file did not have the expected field.
    #[error("/proc/{pid}/{file} has no usable {field}")]
    Missing {
        /// The process id.
        pid: u32,
        /// `status` or `stat`.
        file: &'static str,
        /// The field looked for.
        field: &'static str,
    },
}

/// Resident set size of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Result<u64, ProcError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|source| ProcError::Read { pid, source })?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or(ProcError::Missing {
            pid,
            file: "status",
            field: "VmRSS",
        })
}

/// User and system CPU seconds process `pid` has used (`/proc/PID/stat`).
pub fn process_cpu(pid: u32) -> Result<(f64, f64), ProcError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|source| ProcError::Read { pid, source })?;
    let missing = ProcError::Missing {
        pid,
        file: "stat",
        field: "utime/stime",
    };
    // The command name may hold spaces; fields restart after its closing paren.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or(missing)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3 of the man page, utime 14 and stime 15.
    let ticks = |i: usize| fields.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    let (Some(utime), Some(stime)) = (ticks(14), ticks(15)) else {
        return Err(ProcError::Missing {
            pid,
            file: "stat",
            field: "utime/stime",
        });
    };
    let hz = clock_ticks_per_second();
    Ok((utime as f64 / hz, stime as f64 / hz))
}

/// Busy and total CPU seconds of the whole machine so far (`/proc/stat`,
/// all cores): busy excludes idle and iowait.
pub fn machine_cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    let hz = clock_ticks_per_second();
    Some(((total - idle) as f64 / hz, total as f64 / hz))
}

fn clock_ticks_per_second() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64
}

/// CPU and wall time of a measured phase, for the load tool and, if known, the server.
#[derive(Debug, Clone, Copy)]
pub struct Meter {
    started: Instant,
    cpu: f64,
    machine: Option<(f64, f64)>,
    server_pid: Option<u32>,
    server_cpu: Option<(f64, f64)>,
}

/// What a [`Meter`] saw.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Metered {
    /// Wall seconds.
    pub wall_s: f64,
    /// CPU seconds used by the load tool.
    pub loadgen_cpu_s: f64,
    /// CPU seconds used by the server (when `--server-pid` was given).
    pub server_cpu_s: Option<f64>,
    /// The part of `server_cpu_s` spent in the kernel.
    pub server_sys_s: Option<f64>,
    /// Busy cores on the whole machine on average (2.0 = both cores of two busy).
    pub machine_cpu_util: Option<f64>,
}

impl Meter {
    /// Starts measuring now.
    pub fn start(server_pid: Option<u32>) -> Meter {
        Meter {
            started: Instant::now(),
            cpu: cpu_seconds(),
            machine: machine_cpu_seconds(),
            server_pid,
            server_cpu: server_pid.and_then(|p| process_cpu(p).ok()),
        }
    }

    /// Time and CPU used since [`Meter::start`].
    pub fn read(&self) -> Metered {
        let server = match (self.server_pid, self.server_cpu) {
            (Some(pid), Some((user, sys))) => process_cpu(pid)
                .ok()
                .map(|(u, s)| (u - user + s - sys, s - sys)),
            _ => None,
        };
        let wall_s = self.started.elapsed().as_secs_f64();
        let machine_cpu_util = match (self.machine, machine_cpu_seconds()) {
            (Some((busy0, _)), Some((busy1, _))) if wall_s > 0.0 => Some((busy1 - busy0) / wall_s),
            _ => None,
        };
        Metered {
            wall_s,
            machine_cpu_util,
            loadgen_cpu_s: cpu_seconds() - self.cpu,
            server_cpu_s: server.map(|(total, _)| total),
            server_sys_s: server.map(|(_, sys)| sys),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_samples() {
        let mut h = Latencies::new();
        for v in 1..=1000 {
            h.record(v);
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50, 500);
        assert_eq!(s.p99, 990);
        assert_eq!(s.max, 1000);
        let mut other = Latencies::new();
        other.record(0);
        h.merge(&other);
        assert_eq!(h.count(), 1001);
        assert_eq!(Latencies::new().summary(), Summary::default());
    }

    #[test]
    fn reads_own_proc_files() {
        let me = std::process::id();
        assert!(rss_kib(me).unwrap() > 0);
        let (user, sys) = process_cpu(me).unwrap();
        assert!(user >= 0.0 && sys >= 0.0);
        assert!(cpu_seconds() >= 0.0);
        let (user, sys) = thread_cpu_seconds().unwrap();
        assert!(user >= 0.0 && sys >= 0.0);
        assert!(rss_kib(u32::MAX).is_err());
    }

    #[test]
    fn clock_round_trips() {
        let us = now_us();
        let back = instant_at(us);
        assert!(back <= Instant::now());
    }
}
