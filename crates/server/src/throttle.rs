//! Brute-force protection for logins.
//!
//! Only failures are counted, and a correct password is never delayed:
//! - per IP address: after [`IP_MAX_FAILURES`] failures inside [`WINDOW`], the
//!   address is refused without checking for [`IP_BLOCK`];
//! - per account: after [`ACCOUNT_FREE_FAILURES`] failures, each further *failed*
//!   attempt is answered only after a growing delay (1 s, 2 s, 4 s … up to
//!   `Config::max_login_delay`, 30 s by default), so guessing is slow while the
//!   real owner still gets in at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures from one address before it is blocked.
pub(crate) const IP_MAX_FAILURES: u32 = 10;
/// How long a blocked address waits.
pub(crate) const IP_BLOCK: Duration = Duration::from_secs(60);
/// Failures on one account before failed answers are delayed.
pub(crate) const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures older than this are forgotten.
pub(crate) const WINDOW: Duration = Duration::from_secs(300);
/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    blocked_until: Option<Instant>,
}

/// Failure counters by address and by account name key.
#[derive(Debug)]
pub(crate) struct Throttle {
    by_ip: HashMap<IpAddr, Failures>,
    by_account: HashMap<String, Failures>,
    max_delay: Duration,
}

impl Throttle {
    /// No failures yet; delays for an account grow up to `max_delay`.
    pub(crate) fn new(max_delay: Duration) -> Throttle {
        Throttle {
            by_ip: HashMap::new(),
            by_account: HashMap::new(),
            max_delay,
        }
    }

    /// `Err(wait)` when this address is blocked.
    pub(crate) fn check_ip(&mut self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        match self.by_ip.get(&ip).and_then(|f| f.blocked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt; returns how long to wait before answering it.
    pub(crate) fn failure(&mut self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        if self.by_ip.len() + self.by_account.len() > PRUNE_AT {
            self.prune(now);
        }
        let ip_f = bump(self.by_ip.entry(ip).or_insert_with(|| fresh(now)), now);
        if ip_f.count >= IP_MAX_FAILURES {
            ip_f.blocked_until = Some(now + IP_BLOCK);
        }
        let acc = bump(
            self.by_account
                .entry(account.to_owned())
                .or_insert_with(|| fresh(now)),
            now,
        );
        match acc.count.checked_sub(ACCOUNT_FREE_FAILURES + 1) {
            None => Duration::ZERO,
            Some(extra) => Duration::from_secs(1u64 << extra.min(5)).min(self.max_delay),
        }
    }

    /// A successful login clears both counters.
    pub(crate) fn success(&mut self, ip: IpAddr, account: &str) {
        self.by_ip.remove(&ip);
        self.by_account.remove(account);
    }

    fn prune(&mut self, now: Instant) {
        let live = |f: &Failures| {
            now.duration_since(f.first) < WINDOW || f.blocked_until.is_some_and(|u| u > now)
        };
        self.by_ip.retain(|_, f| live(f));
        self.by_account.retain(|_, f| live(f));
    }
}

fn fresh(now: Instant) -> Failures {
    Failures {
        count: 0,
        first: now,
        blocked_until: None,
    }
}

fn bump(f: &mut Failures, now: Instant) -> &mut Failures {
    if now.duration_since(f.first) >= WINDOW && f.blocked_until.is_none_or(|u| u <= now) {
        *f = fresh(now);
    }
    f.count += 1;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn ip_is_blocked_after_too_many_failures_then_released() {
        let mut t = Throttle::new(Duration::from_secs(30));
        let now = Instant::now();
        for i in 0..IP_MAX_FAILURES {
            assert!(t.check_ip(IP, now).is_ok(), "attempt {i}");
            t.failure(IP, &format!("user{i}"), now);
        }
        assert!(t.check_ip(IP, now).is_err());
        assert!(t.check_ip(IP, now + IP_BLOCK).is_ok());
    }

    #[test]
    fn account_failures_are_delayed_more_and_more() {
        let mut t = Throttle::new(Duration::from_secs(30));
        let now = Instant::now();
        let delays: Vec<u64> = (0..10)
            .map(|i| {
                let ip = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, i));
                t.failure(ip, "alice", now).as_secs()
            })
            .collect();
        assert_eq!(delays, vec![0, 0, 0, 0, 0, 1, 2, 4, 8, 16]);
    }

    #[test]
    fn success_clears_counters() {
        let mut t = Throttle::new(Duration::from_secs(30));
        let now = Instant::now();
        for _ in 0..7 {
            t.failure(IP, "alice", now);
        }
        t.success(IP, "alice");
        assert_eq!(t.failure(IP, "alice", now), Duration::ZERO);
    }
}
