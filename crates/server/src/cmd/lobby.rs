//! Lobby requests: `list`, `create`, `enter`.

use hearth_protocol::envelope::ok_frame;
use hearth_protocol::rules;
use hearth_storage::{Page, StorageError};
use serde_json::{json, Map, Value};

use crate::cmd::history::messages_json;
use crate::events::place_event;
use crate::hub::{State, LOBBY};
use crate::session::{Handled, Outcome, Refusal, Reply, Session};

/// Messages pushed as history when entering a room.
pub(crate) const ENTER_HISTORY: u32 = 50;

/// `list`: every room in the lobby; only the current room (as `list_room`) inside one.
pub(crate) fn list(s: &mut Session, state: State) -> Outcome {
    let hub = s.shared.hub();
    Ok(Handled::Reply(match state {
        State::Room(idx) => {
            let (name, members) = hub.room_entry(idx);
            let mut data = Map::new();
            data.insert(name, members);
            Reply {
                kind: Some("list_room"),
                data: Some(Value::Object(data)),
                ..Reply::default()
            }
        }
        _ => Reply::data(Value::Object(hub.list_all())),
    }))
}

/// `create {room}`.
pub(crate) async fn create(s: &mut Session, room: String) -> Outcome {
    rules::check_room_name(&room)?;
    if s.shared.hub().find_room(&room).is_some() {
        return Err(Refusal::new(format!("{room} already exists")));
    }
    let name = room.clone();
    match s.shared.db(move |store| store.create_room(&name)).await {
        Ok(created) => {
            s.shared
                .with_hub(|hub| hub.add_room(created.id, created.name.clone()));
            tracing::info!(room = %created.name, "room created");
            Ok(Handled::Reply(Reply {
                message: Some(format!("{} created successfully", created.name)),
                data: Some(json!({ "room": created.name })),
                ..Reply::default()
            }))
        }
        Err(StorageError::NameTaken) => Err(Refusal::new(format!("{room} already exists"))),
        Err(e) => Err(Refusal::internal(e)),
    }
}

/// `enter {room}`: reply, then the room's recent history, then live traffic.
pub(crate) async fn enter(s: &mut Session, room: String) -> Outcome {
    let id = s.id;
    let Some(idx) = s.shared.hub().find_room(&room) else {
        return Err(Refusal::new(format!("Destination room {room} not found")));
    };
    if idx == LOBBY {
        return Err(Refusal::new("You are already in lobby"));
    }
    // Move in and hold live frames; `cutoff` is the newest message the room
    // had already received, so history up to it plus live frames after it
    // leave no gap and no duplicate.
    let (name, db_id, user, cutoff) = s.shared.with_hub(|hub| {
        let cutoff = hub.move_to(id, idx, true);
        let user = hub.user(id).map(|u| u.name.clone()).unwrap_or_default();
        place_event(hub, "left", &user, LOBBY);
        place_event(hub, "joined", &user, idx);
        let r = hub.room(idx);
        (r.name.clone(), r.id, user, cutoff)
    });
    let reply = Reply {
        message: Some(format!("Welcome to {name}")),
        data: Some(json!({ "username": user, "room": name })),
        ..Reply::default()
    };
    s.push(s.reply_frame(&reply));
    let history = s
        .shared
        .db(move |store| {
            store.room_history(
                db_id,
                Page::Before {
                    id: cutoff + 1,
                    limit: ENTER_HISTORY,
                },
            )
        })
        .await;
    let frame = match history {
        Ok(messages) => {
            let data = json!({ "room": name, "messages": messages_json(&messages) });
            Some(ok_frame("history", None, Some(&data), None))
        }
        Err(e) => {
            tracing::error!(error = %e, "reading history failed");
            None
        }
    };
    s.shared.with_hub(|hub| hub.release(id, frame));
    Ok(Handled::Sent)
}
