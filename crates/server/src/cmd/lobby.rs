//! Lobby requests: `list`, `create`, `enter`.

use hearth_protocol::envelope::{encode_list_reply, encode_push};
use hearth_protocol::push::HistoryPush;
use hearth_protocol::requests::{Create, Enter, Entered, List, RoomName, LIST_ROOM};
use hearth_protocol::{rules, ErrorCode, Request, RoomMembers};
use hearth_storage::{Page, StorageError};

use crate::cmd::history::{fit_messages, Keep};
use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::hub::{State, LOBBY};
use crate::outcome::{Answer, Handled, Outcome, Refusal};

/// Messages pushed as history when entering a room.
pub(crate) const ENTER_HISTORY: u32 = 50;

impl Handle for List {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// Every room in the lobby; only the current room (as `list_room`) inside
    /// one. Either way with the user's unread counts beside the rooms.
    async fn handle(self, conn: &mut ConnState) -> Outcome<RoomMembers> {
        let user_id = conn.me()?.id;
        let unread = conn
            .shared
            .db(move |store| store.unread_counts(user_id))
            .await
            .map_err(Refusal::internal)?;
        let id = conn.id;
        let (kind, rooms) = conn.shared.with_hub(|hub| match hub.state(id) {
            State::Room(idx) => (LIST_ROOM, hub.list_room(idx)),
            _ => (List::REPLY_TYPE, hub.list_all()),
        });
        conn.push(encode_list_reply(
            kind,
            &rooms,
            &super::conversation::wire_counts(unread),
            conn.request_id.as_ref(),
        ));
        Ok(Handled::Sent)
    }
}

/// The refusal for a room name that is taken.
fn room_exists(room: &str) -> Refusal {
    Refusal::new(ErrorCode::NameTaken, format!("{room} already exists"))
}

impl Handle for Create {
    const ALLOWED: Allowed = Allowed::Lobby;

    async fn handle(self, conn: &mut ConnState) -> Outcome<RoomName> {
        let room = self.room;
        rules::check_room_name(&room)?;
        if conn.shared.with_hub(|hub| hub.find_room(&room).is_some()) {
            return Err(room_exists(&room));
        }
        let name = room.clone();
        match conn.shared.db(move |store| store.create_room(&name)).await {
            Ok(created) => {
                conn.shared
                    .with_hub(|hub| hub.add_room(created.id, created.name.clone(), created.key));
                tracing::info!(room = %created.name, "room created");
                Ok(Handled::Reply(Answer::with_message(
                    format!("{} created successfully", created.name),
                    RoomName { room: created.name },
                )))
            }
            Err(StorageError::NameTaken) => Err(room_exists(&room)),
            Err(e) => Err(Refusal::internal(e)),
        }
    }
}

impl Handle for Enter {
    const ALLOWED: Allowed = Allowed::Lobby;

    /// The reply, then the room's recent history, then live traffic.
    async fn handle(self, conn: &mut ConnState) -> Outcome<Entered> {
        let id = conn.id;
        let room = self.room;
        let Some(idx) = conn.shared.with_hub(|hub| hub.find_room(&room)) else {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("Destination room {room} not found"),
            ));
        };
        if idx == LOBBY {
            return Err(Refusal::new(
                ErrorCode::WrongState,
                "You are already in lobby",
            ));
        }
        // Move in and hold live frames; `cutoff` is the newest message the room
        // had already received, so history up to it plus live frames after it
        // leave no gap and no duplicate.
        let (name, db_id, user, cutoff) = conn.shared.with_hub(|hub| {
            let cutoff = hub.move_to(id, idx, true);
            let user = hub.me(id).map(|u| u.name.clone()).unwrap_or_default();
            (
                hub.room_name(idx).to_owned(),
                hub.room_db_id(idx),
                user,
                cutoff,
            )
        });
        let answer = Answer::with_message(
            format!("Welcome to {name}"),
            Entered {
                username: user,
                room: name.clone(),
            },
        );
        conn.push(conn.reply_frame::<Enter>(&answer));
        let history = conn
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
                let (messages, _) = fit_messages(&messages, Keep::Newest);
                Some(encode_push(
                    &HistoryPush {
                        room: name,
                        messages,
                    },
                    None,
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "reading history failed");
                None
            }
        };
        conn.shared.with_hub(|hub| hub.release(id, frame));
        Ok(Handled::Sent)
    }
}
