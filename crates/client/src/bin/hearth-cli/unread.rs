//! What hearth-cli knows of unread messages: per room, and per private-chat
//! partner, as `(unread, mentions)`. The server's counts (login and `list`
//! replies) replace it; `activity` pushes add to it in between.

use std::collections::HashMap;

use hearth_protocol::UnreadCount;

/// Unread messages and mentions, by room name and by partner name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UnreadCounts {
    /// Room → `(unread, mentions)`.
    pub rooms: HashMap<String, (u64, u64)>,
    /// Private-chat partner → `(unread, mentions)`.
    pub private: HashMap<String, (u64, u64)>,
}

impl UnreadCounts {
    /// The counts as the server sent them.
    pub fn from_server(counts: &[UnreadCount]) -> UnreadCounts {
        let mut out = UnreadCounts::default();
        for c in counts {
            let n = (c.unread, c.mentions);
            match (&c.room, &c.with) {
                (Some(room), _) => out.rooms.insert(room.clone(), n),
                (None, Some(with)) => out.private.insert(with.clone(), n),
                (None, None) => None,
            };
        }
        out
    }

    /// Unread messages and mentions in every room.
    pub fn room_totals(&self) -> (u64, u64) {
        self.rooms
            .values()
            .fold((0, 0), |(n, m), (a, b)| (n + a, m + b))
    }
}

/// ` [3 unread, 1 mention]`, ` [2 unread]`, or nothing when all is read.
pub fn badge((unread, mentions): (u64, u64)) -> String {
    match (unread, mentions) {
        (0, 0) => String::new(),
        (n, 0) => format!(" [{n} unread]"),
        (n, m) => format!(
            " [{n} unread, {m} mention{}]",
            if m == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_counts_go_to_rooms_and_partners() {
        let counts = UnreadCounts::from_server(&[
            UnreadCount {
                room: Some("fun".into()),
                with: None,
                last_read: 3,
                unread: 2,
                mentions: 1,
            },
            UnreadCount {
                room: None,
                with: Some("bob".into()),
                last_read: 9,
                unread: 4,
                mentions: 0,
            },
        ]);
        assert_eq!(counts.rooms["fun"], (2, 1));
        assert_eq!(counts.private["bob"], (4, 0));
        assert_eq!(counts.room_totals(), (2, 1));
    }

    #[test]
    fn badges_say_what_is_unread() {
        assert_eq!(badge((0, 0)), "");
        assert_eq!(badge((2, 0)), " [2 unread]");
        assert_eq!(badge((3, 1)), " [3 unread, 1 mention]");
        assert_eq!(badge((3, 2)), " [3 unread, 2 mentions]");
    }
}
