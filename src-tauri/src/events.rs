//! Turns the client library's events into the UI's typed `hearth://event` payloads.
//!
//! [`map`] is a pure function of one library event and what the shell knows about the
//! session; [`forward`] is the per-connection task that runs it and hands the results to
//! the [`crate::state::Sink`]. Only this module knows the library's event shapes.

use hearth_client::{ChatMessage, ClientOptions, ConnectionState, Event, Notice};

use crate::ipc::{HearthEvent, HistoryView, MessageView, NoticeKind, RoomMap, Session};
use crate::state::Core;

pub use crate::attention::{Alert, AlertKind};

/// One event for the UI, with the notification it deserves, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emit {
    /// What the UI receives.
    pub event: HearthEvent,
    /// What the desktop shows when the window is not focused.
    pub alert: Option<Alert>,
}

/// What [`map`] needs to know about the connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// `host:port`.
    pub server: String,
    /// The session, once logged in.
    pub session: Option<Session>,
    /// The room the client is in, if any.
    pub room: Option<String>,
}

/// What one library event becomes.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Mapped {
    /// Events for the UI, in order.
    pub emits: Vec<Emit>,
    /// The session after this event, when it changed (rename, colour, role).
    pub session: Option<Session>,
    /// The connection is over for good (kicked, bye, gave up reconnecting).
    pub ends: bool,
}

impl Mapped {
    fn one(event: HearthEvent) -> Mapped {
        Mapped {
            emits: vec![Emit { event, alert: None }],
            ..Mapped::default()
        }
    }

    fn alerting(event: HearthEvent, alert: Option<Alert>) -> Mapped {
        Mapped {
            emits: vec![Emit { event, alert }],
            ..Mapped::default()
        }
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// A page of protocol messages as the UI shows them (see [`message_view`]).
pub(crate) fn message_views(
    messages: Vec<ChatMessage>,
    me: Option<&str>,
    room: Option<&str>,
) -> Vec<MessageView> {
    messages
        .into_iter()
        .map(|m| message_view(m, me, room))
        .collect()
}

/// A protocol message as the UI shows it, from the point of view of `me`.
pub(crate) fn message_view(m: ChatMessage, me: Option<&str>, room: Option<&str>) -> MessageView {
    let with = m.private.then(|| match me {
        Some(me) if same_name(&m.from, me) => m.to.clone(),
        _ => m.from.clone(),
    });
    let room = if m.private {
        None
    } else {
        m.room.clone().or_else(|| room.map(str::to_owned))
    };
    let mentions_me = me.is_some_and(|me| {
        (m.mention_room && !same_name(&m.from, me)) || m.mentions.iter().any(|n| same_name(n, me))
    });
    MessageView {
        id: m.id,
        room,
        with,
        from: m.from,
        text: m.text,
        ts: m.ts,
        color: m.color,
        private: m.private,
        file: m.file,
        mentions: m.mentions,
        mention_room: m.mention_room,
        mentions_me,
        edited: m.edited,
        deleted: m.deleted,
        reactions: m.reactions,
    }
}

fn notice(n: Notice, ctx: &Context) -> Mapped {
    let me = ctx.session.as_ref().map(|s| s.username.as_str());
    let is_me = |name: &str| me.is_some_and(|me| same_name(name, me));
    let shown =
        |notice: NoticeKind, user: String, room: Option<String>, ts: String| HearthEvent::Notice {
            notice,
            user,
            room,
            ts,
            old_username: None,
            color: None,
            by: None,
            reason: None,
        };
    match n {
        // A role change is not a notice the UI shows; it only matters for this user's session.
        Notice::Role { user, role, .. } => match ctx.session.clone() {
            Some(session) if is_me(&user) => {
                let session = Session { role, ..session };
                Mapped {
                    emits: vec![Emit {
                        event: HearthEvent::Session {
                            session: session.clone(),
                        },
                        alert: None,
                    }],
                    session: Some(session),
                    ends: false,
                }
            }
            _ => Mapped::default(),
        },
        Notice::Joined { user, room, ts } => {
            Mapped::one(shown(NoticeKind::Joined, user, Some(room), ts))
        }
        Notice::Left { user, room, ts } => {
            Mapped::one(shown(NoticeKind::Left, user, Some(room), ts))
        }
        Notice::Disconnected { user, room, ts } => {
            Mapped::one(shown(NoticeKind::Disconnected, user, Some(room), ts))
        }
        Notice::Kicked {
            user,
            by,
            reason,
            ts,
            ..
        } => Mapped::one(HearthEvent::Notice {
            notice: NoticeKind::Kicked,
            user,
            room: None,
            ts,
            old_username: None,
            color: None,
            by: Some(by),
            reason: Some(reason),
        }),
        Notice::Profile {
            user,
            old_username,
            color,
            ts,
        } => {
            let about_me = is_me(&user) || old_username.as_deref().is_some_and(is_me);
            let mut mapped = Mapped::one(HearthEvent::Notice {
                notice: NoticeKind::Profile,
                user: user.clone(),
                room: None,
                ts,
                old_username,
                color: Some(color.clone()),
                by: None,
                reason: None,
            });
            if let Some(session) = ctx.session.clone().filter(|_| about_me) {
                let session = Session {
                    username: user,
                    color,
                    ..session
                };
                mapped.emits.push(Emit {
                    event: HearthEvent::Session {
                        session: session.clone(),
                    },
                    alert: None,
                });
                mapped.session = Some(session);
            }
            mapped
        }
    }
}

/// Maps one library event. Pure: no state is read but `ctx`.
pub(crate) fn map(event: Event, ctx: &Context, options: &ClientOptions) -> Mapped {
    let me = ctx.session.as_ref().map(|s| s.username.as_str());
    match event {
        Event::Message(m) => {
            let from_me = me.is_some_and(|me| same_name(&m.from, me));
            let message = message_view(m, me, ctx.room.as_deref());
            let alert = match (&message, me) {
                (m, _) if from_me || m.from.is_empty() => None,
                (m, _) if m.private => Some(Alert {
                    title: format!("{} (private)", m.from),
                    body: m.text.clone(),
                    kind: AlertKind::Private,
                    place: m.with.clone(),
                }),
                (m, Some(_)) if m.mentions_me => Some(Alert {
                    title: format!(
                        "{} mentioned you in {}",
                        m.from,
                        m.room.as_deref().unwrap_or("a room")
                    ),
                    body: m.text.clone(),
                    kind: AlertKind::Mention,
                    place: m.room.clone(),
                }),
                (m, _) => Some(Alert {
                    title: format!("{} in {}", m.from, m.room.as_deref().unwrap_or("a room")),
                    body: m.text.clone(),
                    kind: AlertKind::Message,
                    place: m.room.clone(),
                }),
            };
            Mapped::alerting(HearthEvent::Msg { message }, alert)
        }
        Event::History { room, messages } => Mapped::one(HearthEvent::History {
            page: HistoryView {
                room: Some(room.clone()),
                with: None,
                messages: message_views(messages, me, Some(&room)),
            },
        }),
        Event::Notice(n) => notice(n, ctx),
        Event::Rooms(list) if list.in_room => match list.rooms.0.into_iter().next() {
            Some((room, users)) => Mapped::one(HearthEvent::Members { room, users }),
            None => Mapped::default(),
        },
        Event::Rooms(list) => Mapped::one(HearthEvent::Rooms {
            rooms: RoomMap(list.rooms.0.into_iter().collect()),
        }),
        Event::PrivateRequest { from } => Mapped::alerting(
            HearthEvent::PrivateRequest { from: from.clone() },
            Some(Alert {
                title: "Private chat request".to_owned(),
                body: format!("{from} would like to chat privately."),
                kind: AlertKind::Request,
                place: Some(from.clone()),
            }),
        ),
        Event::PrivateStarted { with } => Mapped::one(HearthEvent::PrivateStarted { with }),
        Event::PrivateRejected { by } => Mapped::one(HearthEvent::PrivateRejected { by }),
        Event::PrivateEnded { with, reason } => {
            Mapped::one(HearthEvent::PrivateEnded { with, reason })
        }
        Event::PrivateCancelled { with, reason } => {
            Mapped::one(HearthEvent::PrivateCancelled { with, reason })
        }
        Event::Kicked { by, reason, until } => Mapped {
            ends: true,
            ..Mapped::one(HearthEvent::Kicked { by, reason, until })
        },
        // The server is restarting: the client library reconnects by itself, and its
        // `reconnecting` state reaches the UI as the next event.
        Event::Bye {
            restarting: true, ..
        } => Mapped::default(),
        Event::Bye { message, .. } => Mapped {
            ends: true,
            ..Mapped::one(HearthEvent::Bye {
                message: message.unwrap_or_else(|| "The server closed the connection.".to_owned()),
            })
        },
        Event::Connection(ConnectionState::Reconnecting { attempt, .. }) => {
            Mapped::one(HearthEvent::Reconnecting {
                attempt,
                retry_in_ms: u64::try_from(options.backoff(attempt).as_millis())
                    .unwrap_or(u64::MAX),
            })
        }
        Event::Connection(ConnectionState::Reconnected { .. }) => {
            Mapped::one(HearthEvent::Connected {
                server: ctx.server.clone(),
            })
        }
        Event::Connection(ConnectionState::Disconnected { reason }) => Mapped {
            ends: true,
            ..Mapped::one(HearthEvent::Disconnected { reason })
        },
        Event::Typing { user, room } => Mapped::one(HearthEvent::Typing { user, room }),
        Event::Reactions(r) => Mapped::one(HearthEvent::Reactions {
            id: r.id,
            room: r.room,
            reactions: r.reactions,
        }),
        Event::Edited(m) => Mapped::one(HearthEvent::Edited {
            message: message_view(m, me, ctx.room.as_deref()),
        }),
        Event::Deleted(d) => Mapped::one(HearthEvent::Deleted {
            id: d.id,
            room: d.room,
            by: d.by,
        }),
        Event::Activity(a) => {
            let mentions_me = me.is_some_and(|me| a.mentions.iter().any(|n| same_name(n, me)));
            let alert = mentions_me.then(|| Alert {
                title: format!("{} mentioned you in {}", a.from, a.room),
                body: format!("Open {} to read it.", a.room),
                kind: AlertKind::Mention,
                place: Some(a.room.clone()),
            });
            Mapped::alerting(
                HearthEvent::Activity {
                    room: a.room,
                    id: a.id,
                    from: a.from,
                    mentions_me,
                },
                alert,
            )
        }
        Event::Other(env) => {
            log::debug!("ignoring push of type {}", env.kind);
            Mapped::default()
        }
        Event::Raw(_) => Mapped::default(),
    }
}

/// The task behind one connection: reads its events until the stream ends, maps them and
/// hands them to the sink, as long as the connection is still the current one.
pub(crate) async fn forward(core: Core, generation: u64, mut events: hearth_client::EventStream) {
    while let Some(event) = events.recv().await {
        let ctx = {
            let inner = core.lock();
            match inner.conn.as_ref() {
                Some(conn) if conn.generation == generation => Context {
                    server: conn.addr.to_string(),
                    session: conn.session.clone(),
                    room: conn.client.status().room,
                },
                // Replaced or closed: nothing more from this connection reaches the UI.
                _ => return,
            }
        };
        let mapped = map(event, &ctx, &core.config().client);
        if let Some(session) = mapped.session.clone() {
            core.set_session(generation, Some(session));
        }
        for emit in mapped.emits {
            core.emit_full(emit);
        }
        if mapped.ends {
            break;
        }
    }
    // The connection is over: forget it, unless another one has replaced it meanwhile.
    // Dropping it aborts this very task, so it is dropped last, after the guard is gone.
    let ended = {
        let mut inner = core.lock();
        match inner.conn.as_ref() {
            Some(conn) if conn.generation == generation => inner.conn.take(),
            _ => None,
        }
    };
    drop(ended);
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_client::{RoomList, RoomMembers};
    use serde_json::{json, Value};

    fn ctx() -> Context {
        Context {
            server: "host.lan:7878".into(),
            session: Some(Session {
                server: "host.lan:7878".into(),
                username: "Alice".into(),
                color: "#112233".into(),
                role: hearth_protocol::Role::Member,
                unread: Vec::new(),
            }),
            room: Some("games".into()),
        }
    }

    fn msg(from: &str, to: &str, text: &str, private: bool) -> ChatMessage {
        ChatMessage {
            id: 7,
            from: from.into(),
            to: to.into(),
            text: text.into(),
            ts: "2026-01-02T03:04:05.678Z".into(),
            color: "#445566".into(),
            room: (!private).then(|| "games".into()),
            private,
            file: None,
            ..ChatMessage::default()
        }
    }

    fn json_of(m: &Mapped) -> Vec<Value> {
        m.emits
            .iter()
            .map(|e| serde_json::to_value(&e.event).unwrap())
            .collect()
    }

    #[test]
    fn messages_carry_the_other_person_and_alert_only_when_they_should() {
        let o = ClientOptions::default();
        let m = map(
            Event::Message(msg("bob", "alice", "psst", true)),
            &ctx(),
            &o,
        );
        assert_eq!(
            json_of(&m),
            vec![
                json!({"kind": "msg", "message": {"id": 7, "room": null, "with": "bob", "from": "bob",
                "text": "psst", "ts": "2026-01-02T03:04:05.678Z", "color": "#445566", "private": true,
                "file": null, "mentions": [], "mention_room": false, "mentions_me": false,
                "edited": null, "deleted": false, "reactions": []}})
            ]
        );
        assert_eq!(m.emits[0].alert.as_ref().unwrap().body, "psst");

        let mine = map(Event::Message(msg("alice", "bob", "hi", true)), &ctx(), &o);
        assert_eq!(json_of(&mine)[0]["message"]["with"], "bob");
        assert!(mine.emits[0].alert.is_none(), "own messages never notify");

        let plain = map(
            Event::Message(msg("bob", "public", "hello all", false)),
            &ctx(),
            &o,
        );
        assert_eq!(json_of(&plain)[0]["message"]["room"], "games");
        // A plain room message alerts only at the "all messages" setting.
        assert_eq!(
            plain.emits[0].alert.as_ref().map(|a| a.kind),
            Some(AlertKind::Message)
        );

        // The server says who is mentioned; the text alone never alerts.
        let mut named = msg("bob", "public", "hey @ALICE!", false);
        named.mentions = vec!["alice".into()];
        let mention = map(Event::Message(named), &ctx(), &o);
        assert_eq!(
            mention.emits[0].alert.as_ref().unwrap().title,
            "bob mentioned you in games"
        );
        assert_eq!(json_of(&mention)[0]["message"]["mentions_me"], true);
        let unresolved = map(
            Event::Message(msg("bob", "public", "hey @alice!", false)),
            &ctx(),
            &o,
        );
        assert_eq!(
            unresolved.emits[0].alert.as_ref().map(|a| a.kind),
            Some(AlertKind::Message),
            "the text alone is no mention"
        );
        let mut everyone = msg("bob", "public", "@room dinner", false);
        everyone.mention_room = true;
        let all = map(Event::Message(everyone), &ctx(), &o);
        assert!(all.emits[0].alert.is_some(), "@room mentions alice too");
    }

    #[test]
    fn private_requests_alert_without_content() {
        let m = map(
            Event::PrivateRequest { from: "bob".into() },
            &ctx(),
            &ClientOptions::default(),
        );
        assert_eq!(
            json_of(&m),
            vec![json!({"kind": "private_request", "from": "bob"})]
        );
        assert_eq!(
            m.emits[0].alert.as_ref().unwrap().body,
            "bob would like to chat privately."
        );
    }

    #[test]
    fn room_lists_become_rooms_or_members() {
        let o = ClientOptions::default();
        let list = RoomList {
            in_room: false,
            rooms: RoomMembers(vec![
                ("lobby".into(), vec!["a".into()]),
                ("games".into(), vec![]),
            ]),
        };
        assert_eq!(
            json_of(&map(Event::Rooms(list), &ctx(), &o)),
            vec![json!({"kind": "rooms", "rooms": {"games": [], "lobby": ["a"]}})]
        );
        let inside = RoomList {
            in_room: true,
            rooms: RoomMembers(vec![("games".into(), vec!["alice".into()])]),
        };
        assert_eq!(
            json_of(&map(Event::Rooms(inside), &ctx(), &o)),
            vec![json!({"kind": "members", "room": "games", "users": ["alice"]})]
        );
    }

    #[test]
    fn notices_and_own_profile_changes() {
        let o = ClientOptions::default();
        let kicked = Notice::Kicked {
            user: "bob".into(),
            by: "alice".into(),
            reason: "spam".into(),
            until: None,
            ts: "t".into(),
        };
        assert_eq!(
            json_of(&map(Event::Notice(kicked), &ctx(), &o)),
            vec![
                json!({"kind": "notice", "notice": "kicked", "user": "bob", "room": null, "ts": "t",
                "by": "alice", "reason": "spam"})
            ]
        );
        let renamed = Notice::Profile {
            user: "Alicia".into(),
            old_username: Some("alice".into()),
            color: "#abcdef".into(),
            ts: "t".into(),
        };
        let m = map(Event::Notice(renamed), &ctx(), &o);
        assert_eq!(m.emits.len(), 2);
        let session = m.session.unwrap();
        assert_eq!(
            (session.username.as_str(), session.color.as_str()),
            ("Alicia", "#abcdef")
        );
        let role = Notice::Role {
            user: "alice".into(),
            role: hearth_protocol::Role::Admin,
            by: "root".into(),
            ts: "t".into(),
        };
        let m = map(Event::Notice(role), &ctx(), &o);
        assert_eq!(
            m.session.as_ref().unwrap().role,
            hearth_protocol::Role::Admin
        );
        assert_eq!(json_of(&m)[0]["kind"], "session");
    }

    #[test]
    fn final_events_end_the_connection() {
        let o = ClientOptions::default();
        let k = map(
            Event::Kicked {
                by: "root".into(),
                reason: "spam".into(),
                until: None,
            },
            &ctx(),
            &o,
        );
        assert!(k.ends);
        assert_eq!(
            json_of(&k),
            vec![json!({"kind": "kicked", "by": "root", "reason": "spam", "until": null})]
        );
        let r = map(
            Event::Connection(ConnectionState::Reconnecting {
                attempt: 2,
                reason: "reset".into(),
            }),
            &ctx(),
            &o,
        );
        assert!(!r.ends);
        assert_eq!(
            json_of(&r),
            vec![json!({"kind": "reconnecting", "attempt": 2, "retry_in_ms": 1000})]
        );
        let bye = |restarting| Event::Bye {
            message: None,
            restarting,
        };
        assert!(map(bye(false), &ctx(), &o).ends);
        assert_eq!(map(bye(true), &ctx(), &o), Mapped::default());
    }
}
