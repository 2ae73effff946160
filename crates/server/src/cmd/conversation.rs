//! What people do with messages after sending them: `read`, `typing`,
//! `react`, `edit`, `delete` and `search`.

use std::time::{Duration, Instant};

use hearth_protocol::push::{EditedPush, TypingPush};
use hearth_protocol::requests::{
    Delete, Edit, MessageDeleted, MessageReactions, React, Read, Search, SearchPage, Typing,
};
use hearth_protocol::rules::{
    self, EDIT_WINDOW_SECS, MAX_REACTION_EMOJIS, SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX,
    TYPING_RELAY_INTERVAL_MS,
};
use hearth_protocol::{ChatMessage, ErrorCode, UnreadCount};
use hearth_storage::{Conversation, MessageMeta};

use super::history::{chat_message, fit_messages, reaction, Keep};
use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::hub::{ConnId, Hub, RoomIdx, State};
use crate::outcome::{Answer, Handled, Outcome, Refusal};

/// A conversation named by a request: `room`, `with`, or (neither) the current room.
enum Place {
    Room { db_id: i64, name: String },
    Private { peer: i64, name: String },
}

impl Place {
    fn conversation(&self, me: i64) -> Conversation {
        match self {
            Place::Room { db_id, .. } => Conversation::Room(*db_id),
            Place::Private { peer, .. } => Conversation::Private { me, peer: *peer },
        }
    }
}

/// Finds the conversation a request names.
async fn place(
    conn: &ConnState,
    room: Option<String>,
    with: Option<String>,
) -> Result<Place, Refusal> {
    let id = conn.id;
    match (room, with) {
        (Some(_), Some(_)) => Err(Refusal::new(
            ErrorCode::InvalidInput,
            "name a room or a user ('with'), not both",
        )),
        (None, Some(with)) => {
            let me = conn.me()?.id;
            let name = with.clone();
            let user = conn
                .shared
                .db(move |store| store.user_by_name(&name))
                .await
                .map_err(Refusal::internal)?;
            match user {
                Some(user) if user.id == me => Err(Refusal::new(
                    ErrorCode::InvalidInput,
                    "that is you: name someone else",
                )),
                Some(user) => Ok(Place::Private {
                    peer: user.id,
                    name: user.name,
                }),
                None => Err(Refusal::new(
                    ErrorCode::NotFound,
                    format!("no such user: {with}"),
                )),
            }
        }
        (room, None) => conn.shared.with_hub(|hub| {
            let idx = match (&room, hub.state(id)) {
                (Some(name), _) => hub.find_room(name).ok_or_else(|| {
                    Refusal::new(ErrorCode::NotFound, format!("no such room: {name}"))
                })?,
                (None, State::Room(idx)) => idx,
                (None, _) => {
                    return Err(Refusal::new(
                        ErrorCode::WrongState,
                        "you are in the lobby: name a room or a user",
                    ));
                }
            };
            Ok(Place::Room {
                db_id: hub.room_db_id(idx),
                name: hub.room_name(idx).to_owned(),
            })
        }),
    }
}

/// Message `id` if this user may see it: any room message, or a private
/// message they sent or received. Deleted and unseen ones are "not found"
/// alike, so nobody learns what exists in others' private chats.
async fn visible_message(conn: &ConnState, id: i64, me: i64) -> Result<MessageMeta, Refusal> {
    let meta = conn
        .shared
        .db(move |store| store.message_meta(id))
        .await
        .map_err(Refusal::internal)?;
    match meta {
        Some(meta)
            if !meta.deleted
                && (meta.room_id.is_some()
                    || meta.sender_id == me
                    || meta.recipient_id == Some(me)) =>
        {
            Ok(meta)
        }
        _ => Err(Refusal::new(
            ErrorCode::NotFound,
            format!("no such message: {id}"),
        )),
    }
}

/// The room (index and name) of a room message, if the room is still there.
fn room_of(hub: &Hub, meta: &MessageMeta) -> Option<(RoomIdx, String)> {
    let idx = hub.room_by_db_id(meta.room_id?)?;
    Some((idx, hub.room_name(idx).to_owned()))
}

/// Sends `frame` to everyone who sees message `meta` live: the members of its
/// room, or both partners of a private message; never to `except` (who gets
/// the reply instead).
fn send_about(hub: &mut Hub, meta: &MessageMeta, frame: &bytes::Bytes, except: ConnId) {
    match room_of(hub, meta) {
        Some((idx, _)) => hub.send_room_except(idx, frame, Some(except)),
        None => {
            for user in [Some(meta.sender_id), meta.recipient_id]
                .into_iter()
                .flatten()
            {
                if let Some(c) = hub.conn_of_user(user) {
                    if c != except {
                        hub.send(c, frame.clone());
                    }
                }
            }
        }
    }
}

fn wire_count(count: hearth_storage::UnreadCount) -> UnreadCount {
    UnreadCount {
        room: count.room,
        with: count.with,
        last_read: count.last_read,
        unread: count.unread,
        mentions: count.mentions,
    }
}

/// The wire form of a user's unread counts (for the login and `list` replies).
pub(crate) fn wire_counts(counts: Vec<hearth_storage::UnreadCount>) -> Vec<UnreadCount> {
    counts.into_iter().map(wire_count).collect()
}

impl Handle for Read {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<UnreadCount> {
        let me = conn.me()?.id;
        let conv = place(conn, self.room, self.with).await?.conversation(me);
        let id = self.id;
        let count = conn
            .shared
            .db(move |store| store.mark_read(me, conv, id))
            .await
            .map_err(Refusal::internal)?;
        Ok(Handled::Reply(Answer::data(wire_count(count))))
    }
}

impl Handle for Typing {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<()> {
        let now = Instant::now();
        let interval = Duration::from_millis(u64::from(TYPING_RELAY_INTERVAL_MS));
        if conn.last_typing.is_some_and(|at| now < at + interval) {
            return Err(Refusal::new(
                ErrorCode::SlowDown,
                "typing is relayed at most once every 2 seconds",
            ));
        }
        let id = conn.id;
        let me = conn.me()?;
        if let Some(with) = self.with {
            if self.room.is_some() {
                return Err(Refusal::new(
                    ErrorCode::InvalidInput,
                    "name a room or a user ('with'), not both",
                ));
            }
            conn.shared.with_hub(|hub| {
                let (peer, _) = hub.linked_partner(me.id, &with).ok_or_else(|| {
                    Refusal::new(
                        ErrorCode::NotLinked,
                        format!("no open private chat with {with}"),
                    )
                })?;
                let push = TypingPush {
                    user: me.name.clone(),
                    room: None,
                };
                hub.push_to_user(peer, &push);
                Ok::<_, Refusal>(())
            })?;
        } else {
            conn.shared.with_hub(|hub| {
                let State::Room(idx) = hub.state(id) else {
                    return Err(Refusal::new(ErrorCode::WrongState, "you are not in a room"));
                };
                if let Some(room) = &self.room {
                    if hub.find_room(room) != Some(idx) {
                        return Err(Refusal::new(
                            ErrorCode::WrongState,
                            format!("you are not in {room}"),
                        ));
                    }
                }
                let push = TypingPush {
                    user: me.name.clone(),
                    room: Some(hub.room_name(idx).to_owned()),
                };
                let frame = hearth_protocol::envelope::encode_push(&push, None);
                hub.send_room_except(idx, &frame, Some(id));
                Ok(())
            })?;
        }
        conn.last_typing = Some(now);
        Ok(Handled::Reply(Answer::data(())))
    }
}

impl Handle for React {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<MessageReactions> {
        rules::check_emoji(&self.emoji)?;
        let me = conn.me()?.id;
        let meta = visible_message(conn, self.id, me).await?;
        let (id, emoji) = (self.id, self.emoji);
        let now = conn.shared.config.clock.now();
        let groups = conn
            .shared
            .db(move |store| store.toggle_reaction(id, me, &emoji, MAX_REACTION_EMOJIS, now))
            .await
            .map_err(Refusal::internal)?
            .ok_or_else(|| {
                Refusal::new(
                    ErrorCode::InvalidInput,
                    format!("a message carries at most {MAX_REACTION_EMOJIS} different reactions"),
                )
            })?;
        let conn_id = conn.id;
        let reactions = conn.shared.with_hub(|hub| {
            let reactions = MessageReactions {
                id,
                room: room_of(hub, &meta).map(|(_, name)| name),
                reactions: groups.iter().map(reaction).collect(),
            };
            let frame = hearth_protocol::envelope::encode_push(&reactions, None);
            send_about(hub, &meta, &frame, conn_id);
            reactions
        });
        Ok(Handled::Reply(Answer::data(reactions)))
    }
}

impl Handle for Edit {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<ChatMessage> {
        rules::check_text(&self.text)?;
        let me = conn.me()?.id;
        let meta = visible_message(conn, self.id, me).await?;
        if meta.sender_id != me {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you can edit only your own messages",
            ));
        }
        if meta.has_file {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                "a file has no text to edit; delete it instead",
            ));
        }
        let now = conn.shared.config.clock.now();
        if now - meta.ts > time::Duration::seconds(i64::from(EDIT_WINDOW_SECS)) {
            return Err(Refusal::new(
                ErrorCode::TooLate,
                "messages can be edited for 24 hours after sending",
            ));
        }
        let room = conn
            .shared
            .with_hub(|hub| room_of(hub, &meta).map(|(idx, _)| idx));
        let mentions = super::mentions::resolve(conn, &self.text, room).await?;
        let (id, text) = (self.id, self.text);
        let edited = conn
            .shared
            .db(move |store| {
                store.edit_message(id, &text, &mentions.rows(), mentions.room, now)?;
                store.message(id)
            })
            .await
            .map_err(Refusal::internal)?
            .ok_or_else(|| Refusal::internal("an edited message vanished"))?;
        let message = chat_message(&edited);
        let conn_id = conn.id;
        let frame = hearth_protocol::envelope::encode_push(&EditedPush(message.clone()), None);
        conn.shared
            .with_hub(|hub| send_about(hub, &meta, &frame, conn_id));
        Ok(Handled::Reply(Answer::data(message)))
    }
}

impl Handle for Delete {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<MessageDeleted> {
        let me = conn.me()?;
        let meta = visible_message(conn, self.id, me.id).await?;
        let moderates = meta.room_id.is_some() && me.role.is_admin();
        if meta.sender_id != me.id && !moderates {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you can delete only your own messages (admins: any in a room)",
            ));
        }
        let id = self.id;
        let now = conn.shared.config.clock.now();
        let deleted = conn
            .shared
            .db(move |store| store.delete_message(id, now))
            .await
            .map_err(Refusal::internal)?;
        if let Some(sha256) = deleted.unused_blob {
            let disk = std::sync::Arc::clone(&conn.shared.disk);
            let removed = tokio::task::spawn_blocking(move || disk.remove(&sha256)).await;
            if let Ok(Err(e)) = removed {
                tracing::warn!(error = %e, "could not remove a deleted message's file");
            }
        }
        tracing::info!(
            message = id,
            by_author = meta.sender_id == me.id,
            "message deleted"
        );
        let conn_id = conn.id;
        let gone = conn.shared.with_hub(|hub| {
            let gone = MessageDeleted {
                id,
                room: room_of(hub, &meta).map(|(_, name)| name),
                by: me.name.clone(),
            };
            let frame = hearth_protocol::envelope::encode_push(&gone, None);
            send_about(hub, &meta, &frame, conn_id);
            gone
        });
        Ok(Handled::Reply(Answer::data(gone)))
    }
}

impl Handle for Search {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<SearchPage> {
        rules::check_query(&self.query)?;
        let me = conn.me()?.id;
        let place = place(conn, self.room, self.with).await?;
        let scope = place.conversation(me);
        let limit = self
            .limit
            .unwrap_or(SEARCH_PAGE_DEFAULT)
            .clamp(1, SEARCH_PAGE_MAX);
        let (query, before) = (self.query, self.before);
        let mut found = conn
            .shared
            .db(move |store| store.search(scope, &query, before, limit + 1))
            .await
            .map_err(Refusal::internal)?;
        let mut more = found.len() > limit as usize;
        found.truncate(limit as usize);
        // Newest first; trimming keeps the front, so the next page goes on
        // from the last message sent.
        let (messages, trimmed) = fit_messages(&found, Keep::Oldest);
        more |= trimmed;
        let (room, with) = match place {
            Place::Room { name, .. } => (Some(name), None),
            Place::Private { name, .. } => (None, Some(name)),
        };
        Ok(Handled::Reply(Answer::data(SearchPage {
            room,
            with,
            messages,
            more,
        })))
    }
}
