//! Hiding leave/join flapping: someone whose connection blips and who comes
//! right back should not be announced as gone and back again.
//!
//! A `disconnected` notice is held for the grace period. If the same user
//! `joined` the same place meanwhile, both notices are dropped; otherwise the
//! held notice is released when its time is up.

use std::time::Duration;

use tokio::time::Instant;

use hearth_protocol::push::Notice;

/// Held `disconnected` notices.
#[derive(Debug)]
pub(crate) struct FlapFilter {
    grace: Duration,
    /// Notices waiting, with the time each is released; oldest first.
    held: Vec<(Instant, Notice)>,
}

impl FlapFilter {
    /// A filter that waits `grace` for a user to come back.
    pub(crate) fn new(grace: Duration) -> FlapFilter {
        FlapFilter {
            grace,
            held: Vec::new(),
        }
    }

    /// Takes a notice in; returns it if it should be shown now.
    pub(crate) fn admit(&mut self, notice: Notice, now: Instant) -> Option<Notice> {
        if self.grace.is_zero() {
            return Some(notice);
        }
        match notice {
            Notice::Disconnected { .. } => {
                self.held.push((now + self.grace, notice));
                None
            }
            Notice::Joined { .. } => {
                let back = self
                    .held
                    .iter()
                    .position(|(_, h)| h.user() == notice.user() && h.room() == notice.room());
                match back {
                    Some(pos) => {
                        self.held.remove(pos);
                        None
                    }
                    None => Some(notice),
                }
            }
            _ => Some(notice),
        }
    }

    /// When the next held notice is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.held.iter().map(|(at, _)| *at).min()
    }

    /// Removes and returns the notices due by `now`, oldest first.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<Notice> {
        let (due, keep) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.held = keep;
        due.into_iter().map(|(_, n)| n).collect()
    }

    /// Removes and returns every held notice (the client is stopping).
    pub(crate) fn drain(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.held)
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: &str, user: &str, room: &str) -> Notice {
        let (user, room, ts) = (user.to_owned(), room.to_owned(), String::new());
        match kind {
            "disconnected" => Notice::Disconnected { user, room, ts },
            "joined" => Notice::Joined { user, room, ts },
            "left" => Notice::Left { user, room, ts },
            other => panic!("no test notice of kind {other}"),
        }
    }

    #[test]
    fn quick_return_hides_both_notices() {
        let t0 = Instant::now();
        let mut f = FlapFilter::new(Duration::from_secs(30));
        assert!(f.admit(n("disconnected", "bob", "fun"), t0).is_none());
        assert!(f
            .admit(n("joined", "bob", "fun"), t0 + Duration::from_secs(5))
            .is_none());
        assert!(f.next_due().is_none());
        assert!(f.due(t0 + Duration::from_secs(60)).is_empty());
    }

    #[test]
    fn a_long_absence_is_reported_after_the_grace_period() {
        let t0 = Instant::now();
        let mut f = FlapFilter::new(Duration::from_secs(30));
        assert!(f.admit(n("disconnected", "bob", "fun"), t0).is_none());
        assert_eq!(f.next_due(), Some(t0 + Duration::from_secs(30)));
        assert!(f.due(t0 + Duration::from_secs(29)).is_empty());
        let due = f.due(t0 + Duration::from_secs(30));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].user(), "bob");
        // The later return is news, and is shown.
        assert!(f
            .admit(n("joined", "bob", "fun"), t0 + Duration::from_secs(40))
            .is_some());
    }

    #[test]
    fn other_people_places_and_kinds_pass() {
        let t0 = Instant::now();
        let mut f = FlapFilter::new(Duration::from_secs(30));
        assert!(f.admit(n("disconnected", "bob", "fun"), t0).is_none());
        assert!(f.admit(n("joined", "carol", "fun"), t0).is_some());
        assert!(f.admit(n("joined", "bob", "other"), t0).is_some());
        assert!(f.admit(n("left", "dave", "fun"), t0).is_some());
        assert_eq!(f.drain().len(), 1);
    }

    #[test]
    fn zero_grace_shows_everything_at_once() {
        let mut f = FlapFilter::new(Duration::ZERO);
        assert!(f
            .admit(n("disconnected", "bob", "fun"), Instant::now())
            .is_some());
    }
}
