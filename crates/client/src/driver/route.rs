//! Turning a server push into an [`Event`]. Pure: no state, no I/O.

use hearth_protocol::push::{
    Bye, EditedPush, HistoryPush, KickedPush, LobbyList, PrivateCancelled, PrivateEnded,
    PrivateRejected, PrivateRequestPush, PrivateStarted, RoomList as RoomListPush, TypingPush,
};
use hearth_protocol::{Envelope, PushMsg};

use crate::event::Event;
use crate::types::RoomList;

/// The event for a push; anything unknown or malformed becomes [`Event::Other`].
pub(crate) fn to_event(env: Envelope) -> Event {
    let Some(push) = PushMsg::decode(&env) else {
        return Event::Other(env);
    };
    match push {
        PushMsg::Msg(m) => Event::Message(m),
        PushMsg::History(HistoryPush { room, messages }) => Event::History { room, messages },
        PushMsg::List(LobbyList(rooms)) => Event::Rooms(RoomList {
            in_room: false,
            rooms,
        }),
        PushMsg::ListRoom(RoomListPush(rooms)) => Event::Rooms(RoomList {
            in_room: true,
            rooms,
        }),
        PushMsg::Event(notice) => Event::Notice(notice),
        PushMsg::PrivateRequest(PrivateRequestPush { from }) => Event::PrivateRequest { from },
        PushMsg::PrivateStarted(PrivateStarted { with }) => Event::PrivateStarted { with },
        PushMsg::PrivateRejected(PrivateRejected { by }) => Event::PrivateRejected { by },
        PushMsg::PrivateEnded(PrivateEnded { with, reason }) => {
            Event::PrivateEnded { with, reason }
        }
        PushMsg::PrivateCancelled(PrivateCancelled { with, reason }) => {
            Event::PrivateCancelled { with, reason }
        }
        PushMsg::Kicked(KickedPush(k)) => Event::Kicked {
            by: k.by,
            reason: k.reason,
            until: k.until,
        },
        PushMsg::Bye(Bye { reason }) => Event::Bye {
            message: env.message,
            restarting: reason.may_reconnect(),
        },
        PushMsg::Typing(TypingPush { user, room }) => Event::Typing { user, room },
        PushMsg::Reactions(r) => Event::Reactions(r),
        PushMsg::Edited(EditedPush(m)) => Event::Edited(m),
        PushMsg::Deleted(d) => Event::Deleted(d),
        PushMsg::Activity(a) => Event::Activity(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_protocol::push::Notice;
    use serde_json::{json, Value};

    fn env(kind: &str, data: Value) -> Envelope {
        serde_json::from_value(json!({"type": kind, "status": "ok", "message": null, "data": data}))
            .unwrap()
    }

    #[test]
    fn known_pushes_become_typed_events() {
        let e = to_event(env(
            "msg",
            json!({"to":"public","from":"a","text":"t","id":1,"ts":"2026-01-01T00:00:00.000Z","color":"#000000","room":"r"}),
        ));
        assert!(matches!(e, Event::Message(m) if m.id == 1 && m.room.as_deref() == Some("r")));

        let e = to_event(env("history", json!({"room": "r", "messages": []})));
        assert_eq!(
            e,
            Event::History {
                room: "r".into(),
                messages: vec![]
            }
        );

        let e = to_event(env(
            "event",
            json!({"kind":"joined","user":"a","room":"r","ts":"x"}),
        ));
        assert!(
            matches!(e, Event::Notice(Notice::Joined { ref room, .. }) if room == "r"),
            "{e:?}"
        );

        let e = to_event(env("list_room", json!({"r": ["a", "b"]})));
        assert!(matches!(e, Event::Rooms(l) if l.in_room && l.rooms["r"].len() == 2));

        let e = to_event(env(
            "private_ended",
            json!({"with": "b", "reason": "b logged out"}),
        ));
        assert_eq!(
            e,
            Event::PrivateEnded {
                with: "b".into(),
                reason: "b logged out".into()
            }
        );

        let e = to_event(env(
            "kicked",
            json!({"by": "root", "reason": "spam", "until": null}),
        ));
        assert_eq!(
            e,
            Event::Kicked {
                by: "root".into(),
                reason: "spam".into(),
                until: None
            }
        );
    }

    #[test]
    fn unknown_or_malformed_pushes_are_kept_as_they_came() {
        assert!(matches!(to_event(env("dance", json!({}))), Event::Other(_)));
        assert!(matches!(
            to_event(env("msg", json!({"text": 1}))),
            Event::Other(_)
        ));
        assert!(matches!(
            to_event(env("private_request", Value::Null)),
            Event::Other(_)
        ));
        assert!(matches!(
            to_event(env("event", json!({"kind": "teleported", "user": "a"}))),
            Event::Other(_)
        ));
    }
}
