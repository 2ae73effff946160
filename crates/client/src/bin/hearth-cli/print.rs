//! How events and replies look on the terminal: one line each.
//!
//! Messages: `[hh:mm:ss] #room alice: text [#ID]` (private: `[hh:mm:ss]
//! (private) alice -> bob: text [#ID]`); a file reads `[file ID] NAME (SIZE)`
//! in place of the text (and needs no id after it); an edited message says
//! `(edited)`, reactions follow as `[👍 2]`. On a terminal, mentions are
//! highlighted. Notices start with `* `, errors with `! `.

use hearth_client::{ChatMessage, ConnectionState, Event, Notice, RoomList};
use hearth_protocol::files::human_size;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::unread::{badge, UnreadCounts};

/// Formats lines in the user's time zone.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// The local UTC offset, found before any thread started.
    pub offset: UtcOffset,
    /// Highlight mentions with terminal colours (stdout is a terminal).
    pub highlight: bool,
}

/// Whether `rest` goes on with more of a name (so the name before it is
/// only a prefix): a letter, digit, `_` or `-`, or a `.` followed by one.
fn continues_name(rest: &str) -> bool {
    let mut chars = rest.chars();
    let name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    match chars.next() {
        Some('.') => chars.next().is_some_and(name_char),
        Some(c) => name_char(c),
        None => false,
    }
}

/// Bold yellow, and back to normal.
const MARK_ON: &str = "\x1b[1;33m";
const MARK_OFF: &str = "\x1b[0m";

impl Format {
    /// `hh:mm:ss` of an RFC 3339 timestamp (or of now), in local time.
    pub fn clock(&self, ts: Option<&str>) -> String {
        let t = ts
            .and_then(|ts| OffsetDateTime::parse(ts, &Rfc3339).ok())
            .unwrap_or_else(OffsetDateTime::now_utc)
            .to_offset(self.offset);
        t.format(format_description!("[hour]:[minute]:[second]"))
            .unwrap_or_else(|_| "??:??:??".into())
    }

    /// One chat message.
    pub fn message(&self, m: &ChatMessage) -> String {
        let clock = self.clock(Some(&m.ts));
        let text = match &m.file {
            Some(file) => {
                let gone = if file.expired {
                    " (no longer on the host)"
                } else {
                    ""
                };
                format!(
                    "[file {}] {} ({}){gone}",
                    m.id,
                    file.name,
                    human_size(file.size)
                )
            }
            None => {
                let mut text = self.mark_mentions(m);
                if m.edited.is_some() {
                    text.push_str(" (edited)");
                }
                if !m.reactions.is_empty() {
                    let chips: Vec<String> = m
                        .reactions
                        .iter()
                        .map(|r| format!("{} {}", r.emoji, r.users.len()))
                        .collect();
                    text.push_str(&format!(" [{}]", chips.join(" ")));
                }
                text.push_str(&format!(" [#{}]", m.id));
                text
            }
        };
        if m.private {
            format!("[{clock}] (private) {} -> {}: {text}", m.from, m.to)
        } else {
            let room = m.room.as_deref().unwrap_or("?");
            format!("[{clock}] #{room} {}: {text}", m.from)
        }
    }

    /// The text with each `@name` it mentions highlighted (on a terminal).
    fn mark_mentions(&self, m: &ChatMessage) -> String {
        if !self.highlight || (m.mentions.is_empty() && !m.mention_room) {
            return m.text.clone();
        }
        let mut names: Vec<&str> = m.mentions.iter().map(String::as_str).collect();
        if m.mention_room {
            names.push(hearth_protocol::rules::ROOM_MENTION);
        }
        let mut out = String::with_capacity(m.text.len() + 16);
        let mut rest = m.text.as_str();
        while let Some(at) = rest.find('@') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let hit = names.iter().find(|n| {
                after.len() >= n.len()
                    && after.is_char_boundary(n.len())
                    && after[..n.len()].to_lowercase() == n.to_lowercase()
                    && !continues_name(&after[n.len()..])
            });
            match hit {
                Some(n) => {
                    out.push_str(&format!("{MARK_ON}@{}{MARK_OFF}", &after[..n.len()]));
                    rest = &after[n.len()..];
                }
                None => {
                    out.push('@');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A notice line.
    pub fn notice_line(&self, ts: Option<&str>, text: &str) -> String {
        format!("[{}] * {text}", self.clock(ts))
    }

    fn notice(&self, n: &Notice) -> String {
        let text = match n {
            Notice::Joined { user, room, .. } => format!("{user} joined #{room}"),
            Notice::Left { user, room, .. } => format!("{user} left #{room}"),
            Notice::Disconnected { user, room, .. } => format!("{user} disconnected #{room}"),
            Notice::Kicked {
                user, by, reason, ..
            } => format!("{user} was kicked by {by}: {reason}"),
            Notice::Profile {
                user,
                old_username: Some(old),
                ..
            } => format!("{old} is now known as {user}"),
            Notice::Profile { user, color, .. } => format!("{user} changed color to {color}"),
            Notice::Role { user, role, by, .. } => format!("{user} is now {role} (by {by})"),
        };
        self.notice_line(Some(n.ts()), &text)
    }

    /// Rooms and their members with their unread counts, then the private
    /// chats with unread messages.
    pub fn rooms(&self, list: &RoomList, unread: &UnreadCounts) -> String {
        // The lobby first, then the rooms by name.
        let mut rooms: Vec<&(String, Vec<String>)> = list.rooms.0.iter().collect();
        rooms.sort_by_key(|(room, _)| (room.as_str() != "lobby", room.clone()));
        let rooms: Vec<String> = rooms
            .into_iter()
            .map(|(room, members)| {
                let counts = unread.rooms.get(room).copied().unwrap_or_default();
                format!("#{room} ({}){}", members.join(", "), badge(counts))
            })
            .collect();
        let what = if list.in_room { "in" } else { "rooms:" };
        let mut line = format!("{what} {}", rooms.join("; "));
        let mut partners: Vec<(&String, &(u64, u64))> = unread
            .private
            .iter()
            .filter(|(_, n)| n.0 > 0 || n.1 > 0)
            .collect();
        partners.sort();
        if !partners.is_empty() {
            let partners: Vec<String> = partners
                .into_iter()
                .map(|(who, n)| format!("{who}{}", badge(*n)))
                .collect();
            line.push_str(&format!("; private: {}", partners.join(", ")));
        }
        self.notice_line(None, &line)
    }

    /// The lines for one event (none for events shown elsewhere).
    pub fn event(&self, event: &Event) -> Vec<String> {
        match event {
            Event::Message(m) => vec![self.message(m)],
            Event::History { room, messages } if messages.is_empty() => {
                vec![self.notice_line(None, &format!("no messages yet in #{room}"))]
            }
            Event::History { room, messages } => {
                let mut lines =
                    vec![self.notice_line(None, &format!("recent messages in #{room}:"))];
                lines.extend(messages.iter().map(|m| self.message(m)));
                lines
            }
            Event::Notice(n) => vec![self.notice(n)],
            // Presence lists change often; `/who` and `/rooms` show them on demand.
            Event::Rooms(_) => vec![],
            Event::PrivateRequest { from } => vec![self.notice_line(
                None,
                &format!("{from} asks for a private chat (/accept {from} or /reject {from})"),
            )],
            Event::PrivateStarted { with } => vec![self.notice_line(
                None,
                &format!("private chat with {with} started (/msg {with} TEXT)"),
            )],
            Event::PrivateRejected { by } => {
                vec![self.notice_line(None, &format!("{by} declined the private chat"))]
            }
            Event::PrivateEnded { with, reason } => {
                vec![self.notice_line(None, &format!("private chat with {with} ended: {reason}"))]
            }
            Event::PrivateCancelled { with, reason } => vec![self.notice_line(
                None,
                &format!("private request with {with} cancelled: {reason}"),
            )],
            Event::Kicked { by, reason, until } => vec![format!(
                "! you were kicked by {by}: {reason}{}",
                until
                    .as_deref()
                    .map(|u| format!(" (you may come back at {})", self.clock(Some(u))))
                    .unwrap_or_default()
            )],
            Event::Bye {
                message,
                restarting: false,
            } => vec![format!(
                "! the server closed the session: {}",
                message.as_deref().unwrap_or("goodbye")
            )],
            Event::Bye {
                message,
                restarting: true,
            } => vec![format!(
                "! {}; reconnecting when it is back",
                message.as_deref().unwrap_or("the server is restarting")
            )],
            Event::Connection(ConnectionState::Reconnecting { attempt, reason }) => {
                vec![self.notice_line(
                    None,
                    &format!("connection lost ({reason}); reconnecting, attempt {attempt}"),
                )]
            }
            Event::Connection(ConnectionState::Reconnected { room }) => vec![self.notice_line(
                None,
                &match room {
                    Some(room) => format!("reconnected, back in #{room}"),
                    None => "reconnected".to_owned(),
                },
            )],
            Event::Connection(ConnectionState::Disconnected { reason }) => {
                vec![format!("! disconnected: {reason}")]
            }
            Event::Other(env) => match (&env.message, env.is_ok()) {
                (Some(m), false) => vec![format!("! {m}")],
                (Some(m), true) => vec![self.notice_line(None, m)],
                (None, _) => vec![],
            },
            Event::Typing { user, room } => vec![self.notice_line(
                None,
                &match room {
                    Some(room) => format!("{user} is typing in #{room}…"),
                    None => format!("{user} is typing to you…"),
                },
            )],
            Event::Reactions(r) => {
                let chips: Vec<String> = r
                    .reactions
                    .iter()
                    .map(|g| format!("{} {}", g.emoji, g.users.join(", ")))
                    .collect();
                let text = if chips.is_empty() {
                    format!("no reactions left on [#{}]", r.id)
                } else {
                    format!("reactions on [#{}]: {}", r.id, chips.join("; "))
                };
                vec![self.notice_line(None, &text)]
            }
            Event::Edited(m) => vec![self.message(m)],
            Event::Deleted(d) => {
                vec![self.notice_line(None, &format!("[#{}] was deleted by {}", d.id, d.by))]
            }
            // Counted for `/rooms`; a mention is told by the session.
            Event::Activity(_) => vec![],
            Event::Raw(_) => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use hearth_client::RoomMembers;

    fn fmt() -> Format {
        Format {
            offset: UtcOffset::UTC,
            highlight: false,
        }
    }

    fn msg(room: Option<&str>) -> ChatMessage {
        ChatMessage {
            id: 1,
            from: "alice".into(),
            to: if room.is_some() {
                "public".into()
            } else {
                "bob".into()
            },
            text: "hi bob".into(),
            ts: "2026-03-04T05:06:07.890Z".into(),
            color: "#000000".into(),
            room: room.map(str::to_owned),
            private: room.is_none(),
            ..ChatMessage::default()
        }
    }

    #[test]
    fn file_lines_name_the_id_to_save() {
        let mut m = msg(Some("fun"));
        m.id = 42;
        m.file = Some(hearth_client::FileInfo {
            name: "shot.png".into(),
            size: 1536,
            mime: "image/png".into(),
            sha256: "0".repeat(64),
            image: None,
            expired: false,
        });
        assert_eq!(
            fmt().message(&m),
            "[05:06:07] #fun alice: [file 42] shot.png (1.5 KiB)"
        );
    }

    #[test]
    fn message_lines() {
        assert_eq!(
            fmt().message(&msg(Some("fun"))),
            "[05:06:07] #fun alice: hi bob [#1]"
        );
        assert_eq!(
            fmt().message(&msg(None)),
            "[05:06:07] (private) alice -> bob: hi bob [#1]"
        );
        let east = Format {
            offset: UtcOffset::from_hms(2, 0, 0).unwrap(),
            highlight: false,
        };
        assert_eq!(
            east.message(&msg(Some("fun"))),
            "[07:06:07] #fun alice: hi bob [#1]"
        );
    }

    #[test]
    fn edits_reactions_and_mentions_show_on_the_line() {
        let mut m = msg(Some("fun"));
        m.text = "gg @Bob and @bobby".into();
        m.mentions = vec!["bob".into()];
        m.edited = Some("2026-03-04T05:07:00.000Z".into());
        m.reactions = vec![hearth_protocol::Reaction {
            emoji: "🔥".into(),
            users: vec!["carol".into(), "dan".into()],
        }];
        assert_eq!(
            fmt().message(&m),
            "[05:06:07] #fun alice: gg @Bob and @bobby (edited) [🔥 2] [#1]"
        );
        let tty = Format {
            highlight: true,
            ..fmt()
        };
        let line = tty.message(&m);
        assert!(
            line.contains("\x1b[1;33m@Bob\x1b[0m and @bobby"),
            "only the mention is marked: {line:?}"
        );
    }

    #[test]
    fn room_lists_put_the_lobby_first() {
        let list = RoomList {
            in_room: false,
            rooms: RoomMembers(vec![
                ("fun".into(), vec![]),
                ("lobby".into(), vec!["alice".into(), "bob".into()]),
                ("art".into(), vec!["carol".into()]),
            ]),
        };
        let mut unread = UnreadCounts {
            rooms: HashMap::from([("fun".to_owned(), (3, 1)), ("art".to_owned(), (2, 0))]),
            private: HashMap::new(),
        };
        let line = fmt().rooms(&list, &unread);
        assert!(
            line.ends_with(
                "* rooms: #lobby (alice, bob); #art (carol) [2 unread]; #fun () [3 unread, 1 mention]"
            ),
            "{line}"
        );
        unread.private = HashMap::from([
            ("zed".to_owned(), (1, 0)),
            ("bob".to_owned(), (2, 2)),
            ("read".to_owned(), (0, 0)),
        ]);
        let line = fmt().rooms(&list, &unread);
        assert!(
            line.ends_with(
                "[3 unread, 1 mention]; private: bob [2 unread, 2 mentions], zed [1 unread]"
            ),
            "{line}"
        );
    }

    #[test]
    fn notice_lines() {
        let n = Notice::Joined {
            user: "bob".into(),
            room: "fun".into(),
            ts: "2026-03-04T05:06:07.000Z".into(),
        };
        assert_eq!(
            fmt().event(&Event::Notice(n)),
            vec!["[05:06:07] * bob joined #fun"]
        );
        let lines = fmt().event(&Event::Kicked {
            by: "root".into(),
            reason: "spam".into(),
            until: None,
        });
        assert_eq!(lines, vec!["! you were kicked by root: spam"]);
    }
}
