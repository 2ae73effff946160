//! The typing status line.
//!
//! On a terminal, "alice is typing…" is not printed as a line of its own: it
//! is one status line on stderr, under the conversation, rewritten in place.
//! It is wiped before each printed line and drawn again after it, and it goes
//! away when the person's message lands or 5 s after their last `typing`
//! push. Off a terminal (scripts, tests) typing stays an ordinary notice line,
//! so output keeps one line per event.

use std::io::Write;
use std::time::{Duration, Instant};

/// How long a `typing` push is shown without another one.
pub const SHOWN_FOR: Duration = Duration::from_secs(5);

/// Erase the current line and return to its start.
const WIPE: &str = "\r\x1b[2K";

/// Who is typing, and whether that is on screen.
#[derive(Debug, Default)]
pub struct TypingStatus {
    /// Each person typing: name, room (none: to you, privately), shown until.
    typing: Vec<(String, Option<String>, Instant)>,
    /// Whether a status line is on the terminal now.
    drawn: bool,
}

impl TypingStatus {
    /// `user` is typing (in `room`, or to you) as of `now`.
    pub fn typing(&mut self, user: &str, room: Option<&str>, now: Instant) {
        self.typing.retain(|(name, _, _)| name != user);
        self.typing
            .push((user.to_owned(), room.map(str::to_owned), now + SHOWN_FOR));
        self.redraw();
    }

    /// `user`'s message landed: they are no longer typing it.
    pub fn spoke(&mut self, user: &str) {
        self.keep(|(name, _, _)| name != user);
    }

    /// Drops what is shown longer than [`SHOWN_FOR`] as of `now`.
    pub fn expire(&mut self, now: Instant) {
        self.keep(|(_, _, until)| *until > now);
    }

    /// Keeps the entries `wanted` accepts; redraws when any went.
    fn keep(&mut self, wanted: impl FnMut(&(String, Option<String>, Instant)) -> bool) {
        let before = self.typing.len();
        self.typing.retain(wanted);
        if self.typing.len() != before {
            self.redraw();
        }
    }

    /// When the next entry expires, if any.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.typing.iter().map(|(_, _, until)| *until).min()
    }

    /// The status text: "alice is typing in #games…", "alice and bob are
    /// typing…", "3 people are typing…", or none.
    pub fn text(&self) -> Option<String> {
        match self.typing.as_slice() {
            [] => None,
            [(user, Some(room), _)] => Some(format!("* {user} is typing in #{room}…")),
            [(user, None, _)] => Some(format!("* {user} is typing to you…")),
            [(a, _, _), (b, _, _)] => Some(format!("* {a} and {b} are typing…")),
            more => Some(format!("* {} people are typing…", more.len())),
        }
    }

    /// Wipes the status line before a line is printed on stdout.
    pub fn before_print(&mut self) {
        if self.drawn {
            eprint!("{WIPE}");
            let _ = std::io::stderr().flush();
            self.drawn = false;
        }
    }

    /// Draws the status line again after a line was printed.
    pub fn after_print(&mut self) {
        self.redraw();
    }

    fn redraw(&mut self) {
        let text = self.text();
        match &text {
            Some(text) => eprint!("{WIPE}{text}"),
            None if self.drawn => eprint!("{WIPE}"),
            None => {}
        }
        let _ = std::io::stderr().flush();
        self.drawn = text.is_some();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_who_types_where_and_forgets_them() {
        let t0 = Instant::now();
        let mut s = TypingStatus::default();
        assert_eq!(s.text(), None);
        assert_eq!(s.next_expiry(), None);

        s.typing("alice", Some("games"), t0);
        assert_eq!(s.text().as_deref(), Some("* alice is typing in #games…"));
        assert_eq!(s.next_expiry(), Some(t0 + SHOWN_FOR));

        s.typing("bob", None, t0 + Duration::from_secs(2));
        assert_eq!(s.text().as_deref(), Some("* alice and bob are typing…"));
        s.typing("carol", Some("games"), t0 + Duration::from_secs(3));
        assert_eq!(s.text().as_deref(), Some("* 3 people are typing…"));

        // Alice's message lands: she is no longer typing it.
        s.spoke("alice");
        assert_eq!(s.text().as_deref(), Some("* bob and carol are typing…"));
        s.spoke("nobody");
        assert_eq!(s.text().as_deref(), Some("* bob and carol are typing…"));

        // Bob typed at +2 s, so he is gone at +7 s; carol (at +3 s) just after.
        assert_eq!(s.next_expiry(), Some(t0 + Duration::from_secs(7)));
        s.expire(t0 + Duration::from_secs(7));
        assert_eq!(s.text().as_deref(), Some("* carol is typing in #games…"));
        s.expire(t0 + Duration::from_secs(8));
        assert_eq!(s.text(), None);
        assert_eq!(s.next_expiry(), None);
    }

    #[test]
    fn another_push_keeps_one_entry_and_restarts_its_time() {
        let t0 = Instant::now();
        let mut s = TypingStatus::default();
        s.typing("bob", None, t0);
        s.typing("bob", None, t0 + Duration::from_secs(4));
        assert_eq!(s.text().as_deref(), Some("* bob is typing to you…"));
        s.expire(t0 + Duration::from_secs(6));
        assert_eq!(s.text().as_deref(), Some("* bob is typing to you…"));
        assert_eq!(s.next_expiry(), Some(t0 + Duration::from_secs(9)));
    }
}
