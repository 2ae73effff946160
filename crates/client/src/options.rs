//! Client settings; `Default` gives values that suit a chat on a LAN.

use std::time::Duration;

/// How a [`crate::Client`] behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// A `ping` is sent after this long without sending anything (the server
    /// closes connections that stay silent for 90 s).
    pub heartbeat: Duration,
    /// The connection counts as dead when nothing arrives for this long.
    pub dead_after: Duration,
    /// Longest wait for a reply.
    pub request_timeout: Duration,
    /// Longest wait for TCP connect plus the TLS handshake.
    pub connect_timeout: Duration,
    /// Reconnect after the connection drops (never after a kick or a `bye`).
    pub reconnect: bool,
    /// Wait before the first reconnection attempt; doubled after each failure.
    pub backoff_initial: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Give up after this many failed attempts in a row (`None`: never).
    pub max_attempts: Option<u32>,
    /// A user who drops and comes back within this time is not reported as
    /// having left: the `disconnected` notice is held this long and dropped,
    /// with the matching `joined`, if they return.
    pub flap_grace: Duration,
    /// Also report every frame exactly as received ([`crate::Event::Raw`]),
    /// except the replies to the client's own heartbeats.
    pub raw_frames: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            heartbeat: Duration::from_secs(30),
            dead_after: Duration::from_secs(75),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            reconnect: true,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_attempts: None,
            flap_grace: Duration::from_secs(30),
            raw_frames: false,
        }
    }
}

impl ClientOptions {
    /// The wait before reconnection attempt `attempt` (from 1): exponential, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.backoff_initial
            .saturating_mul(1u32 << doublings)
            .min(self.backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let o = ClientOptions::default();
        assert_eq!(o.backoff(1), Duration::from_millis(500));
        assert_eq!(o.backoff(2), Duration::from_secs(1));
        assert_eq!(o.backoff(4), Duration::from_secs(4));
        assert_eq!(o.backoff(7), Duration::from_secs(30));
        assert_eq!(o.backoff(u32::MAX), Duration::from_secs(30));
    }
}
