//! Turning a server push into an [`Event`]. Pure: no state, no I/O.

use hearth_protocol::Envelope;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::event::{Event, Notice};
use crate::types::{room_list, Message};

#[derive(Deserialize)]
struct HistoryPush {
    room: String,
    #[serde(default)]
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct KickedPush {
    #[serde(default)]
    by: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: Option<String>,
}

fn data_as<T: DeserializeOwned>(env: &Envelope) -> Option<T> {
    serde_json::from_value(env.data.clone()?).ok()
}

fn field(env: &Envelope, name: &str) -> Option<String> {
    Some(env.data.as_ref()?.get(name)?.as_str()?.to_owned())
}

fn notice(env: &Envelope) -> Option<Notice> {
    let data = env.data.clone()?;
    Some(Notice {
        kind: data.get("kind")?.as_str()?.to_owned(),
        user: data.get("user")?.as_str()?.to_owned(),
        room: data.get("room").and_then(Value::as_str).map(str::to_owned),
        ts: data.get("ts").and_then(Value::as_str).map(str::to_owned),
        data,
    })
}

/// The event for a push; anything unknown or malformed becomes [`Event::Other`].
pub(crate) fn to_event(env: Envelope) -> Event {
    if !env.is_ok() {
        return Event::Other(env);
    }
    let parsed = match env.kind.as_str() {
        "msg" => data_as::<Message>(&env).map(Event::Message),
        "history" => data_as::<HistoryPush>(&env).map(|h| Event::History {
            room: h.room,
            messages: h.messages,
        }),
        "event" => notice(&env).map(Event::Notice),
        "list" => room_list(env.data.as_ref(), false).map(Event::Rooms),
        "list_room" => room_list(env.data.as_ref(), true).map(Event::Rooms),
        "private_request" => field(&env, "from").map(|from| Event::PrivateRequest { from }),
        "private_started" => field(&env, "with").map(|with| Event::PrivateStarted { with }),
        "private_rejected" => field(&env, "by").map(|by| Event::PrivateRejected { by }),
        "private_ended" => field(&env, "with").map(|with| Event::PrivateEnded {
            with,
            reason: field(&env, "reason"),
        }),
        "private_cancelled" => field(&env, "with").map(|with| Event::PrivateCancelled {
            with,
            reason: field(&env, "reason"),
        }),
        "kicked" => data_as::<KickedPush>(&env).map(|k| Event::Kicked {
            by: k.by,
            reason: k.reason,
            until: k.until,
        }),
        "bye" => Some(Event::Bye {
            message: env.message.clone(),
            restarting: field(&env, "reason").as_deref() == Some("shutdown"),
        }),
        _ => None,
    };
    parsed.unwrap_or(Event::Other(env))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            matches!(e, Event::Notice(n) if n.kind == "joined" && n.room.as_deref() == Some("r"))
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
                reason: Some("b logged out".into())
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
    }
}
