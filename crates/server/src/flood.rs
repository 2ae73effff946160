//! Per-connection flood control for `msg`: a token bucket.

use std::time::Instant;

/// Allows `burst` messages at once, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    burst: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
    /// Refusals in a row; persistent flooding closes the connection.
    pub strikes: u32,
}

/// Refusals in a row after which the connection is closed.
pub(crate) const MAX_STRIKES: u32 = 50;

impl TokenBucket {
    /// A full bucket. `rate == 0` disables the limit.
    pub(crate) fn new(burst: u32, rate: u32) -> Self {
        TokenBucket {
            burst: f64::from(burst.max(1)),
            rate: f64::from(rate),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
            strikes: 0,
        }
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.strikes = 0;
            true
        } else {
            self.strikes += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_rate() {
        let start = Instant::now();
        let mut b = TokenBucket::new(3, 2);
        assert!(b.take(start) && b.take(start) && b.take(start));
        assert!(!b.take(start));
        assert_eq!(b.strikes, 1);
        assert!(b.take(start + Duration::from_millis(500)));
        assert_eq!(b.strikes, 0);
        assert!(!b.take(start + Duration::from_millis(500)));
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let now = Instant::now();
        let mut b = TokenBucket::new(1, 0);
        assert!((0..10_000).all(|_| b.take(now)));
    }
}
