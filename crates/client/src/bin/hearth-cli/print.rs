//! How events and replies look on the terminal: one line each.
//!
//! Messages: `[hh:mm:ss] #room alice: text` (private: `[hh:mm:ss] (private)
//! alice -> bob: text`); notices start with `* `, errors with `! `.

use hearth_client::{ConnectionState, Event, Message, Notice, RoomList};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Formats lines in the user's time zone.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// The local UTC offset, found before any thread started.
    pub offset: UtcOffset,
}

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
    pub fn message(&self, m: &Message) -> String {
        let clock = self.clock(Some(&m.ts));
        if m.private {
            format!("[{clock}] (private) {} -> {}: {}", m.from, m.to, m.text)
        } else {
            let room = m.room.as_deref().unwrap_or("?");
            format!("[{clock}] #{room} {}: {}", m.from, m.text)
        }
    }

    /// A notice line.
    pub fn notice_line(&self, ts: Option<&str>, text: &str) -> String {
        format!("[{}] * {text}", self.clock(ts))
    }

    fn notice(&self, n: &Notice) -> String {
        let place = n
            .room
            .as_deref()
            .map(|r| format!(" #{r}"))
            .unwrap_or_default();
        let field = |k: &str| n.data.get(k).and_then(|v| v.as_str()).unwrap_or("?");
        let text = match n.kind.as_str() {
            "joined" => format!("{} joined{place}", n.user),
            "left" => format!("{} left{place}", n.user),
            "disconnected" => format!("{} disconnected{place}", n.user),
            "kicked" => format!(
                "{} was kicked by {}: {}",
                n.user,
                field("by"),
                field("reason")
            ),
            "profile" => match n.data.get("old_username").and_then(|v| v.as_str()) {
                Some(old) => format!("{old} is now known as {}", n.user),
                None => format!("{} changed color to {}", n.user, field("color")),
            },
            other => format!("{} {other}", n.user),
        };
        self.notice_line(n.ts.as_deref(), &text)
    }

    /// Rooms and their members.
    pub fn rooms(&self, list: &RoomList) -> String {
        // The lobby first, then the rooms by name.
        let mut rooms: Vec<(&String, &Vec<String>)> = list.rooms.iter().collect();
        rooms.sort_by_key(|(room, _)| room.as_str() != "lobby");
        let rooms: Vec<String> = rooms
            .into_iter()
            .map(|(room, members)| format!("#{room} ({})", members.join(", ")))
            .collect();
        let what = if list.in_room { "in" } else { "rooms:" };
        self.notice_line(None, &format!("{what} {}", rooms.join("; ")))
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
            Event::PrivateEnded { with, reason } => vec![self.notice_line(
                None,
                &format!(
                    "private chat with {with} ended{}",
                    because(reason.as_deref())
                ),
            )],
            Event::PrivateCancelled { with, reason } => vec![self.notice_line(
                None,
                &format!(
                    "private request with {with} cancelled{}",
                    because(reason.as_deref())
                ),
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
            Event::Raw(_) => vec![],
        }
    }
}

fn because(reason: Option<&str>) -> String {
    reason.map(|r| format!(": {r}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fmt() -> Format {
        Format {
            offset: UtcOffset::UTC,
        }
    }

    fn msg(room: Option<&str>) -> Message {
        Message {
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
        }
    }

    #[test]
    fn message_lines() {
        assert_eq!(
            fmt().message(&msg(Some("fun"))),
            "[05:06:07] #fun alice: hi bob"
        );
        assert_eq!(
            fmt().message(&msg(None)),
            "[05:06:07] (private) alice -> bob: hi bob"
        );
        let east = Format {
            offset: UtcOffset::from_hms(2, 0, 0).unwrap(),
        };
        assert_eq!(
            east.message(&msg(Some("fun"))),
            "[07:06:07] #fun alice: hi bob"
        );
    }

    #[test]
    fn room_lists_put_the_lobby_first() {
        let mut list = RoomList::default();
        list.rooms.insert("fun".into(), vec![]);
        list.rooms
            .insert("lobby".into(), vec!["alice".into(), "bob".into()]);
        list.rooms.insert("art".into(), vec!["carol".into()]);
        let line = fmt().rooms(&list);
        assert!(
            line.ends_with("* rooms: #lobby (alice, bob); #art (carol); #fun ()"),
            "{line}"
        );
    }

    #[test]
    fn notice_lines() {
        let n = Notice {
            kind: "joined".into(),
            user: "bob".into(),
            room: Some("fun".into()),
            ts: Some("2026-03-04T05:06:07.000Z".into()),
            data: json!({}),
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
