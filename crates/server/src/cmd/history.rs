//! `history`: pages of a room's public history or of a private conversation.

use hearth_protocol::frame::MAX_SERVER_FRAME;
use hearth_protocol::requests::{History, HistoryPage};
use hearth_protocol::{ChatMessage, ErrorCode, Reaction, DELETED_TEXT, PUBLIC};
use hearth_storage::{ts::format_ts, Page, ReactionGroup, StoredMessage};

use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::hub::State;
use crate::message::file_info;
use crate::outcome::{Answer, Handled, Outcome, Refusal};

/// Page size when the client names none.
pub(crate) const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
pub(crate) const MAX_LIMIT: u32 = 200;
/// Room left in a frame for everything around the message list.
const FRAME_SLACK: usize = 4 * 1024;

/// One stored message in the shape of a `msg` push's data.
pub(crate) fn chat_message(m: &StoredMessage) -> ChatMessage {
    ChatMessage {
        to: m.to.clone().unwrap_or_else(|| PUBLIC.to_owned()),
        from: m.from.clone(),
        text: if m.deleted {
            DELETED_TEXT.to_owned()
        } else {
            m.text.clone()
        },
        id: m.id,
        ts: format_ts(m.ts),
        color: m.color.clone(),
        private: m.room.is_none(),
        room: m.room.clone(),
        file: m.file.as_ref().map(|f| file_info(&f.meta, f.available)),
        mentions: m.mentions.clone(),
        mention_room: m.mention_room,
        edited: m.edited.map(format_ts),
        deleted: m.deleted,
        reactions: m.reactions.iter().map(reaction).collect(),
    }
}

/// A stored reaction group on the wire.
pub(crate) fn reaction(group: &ReactionGroup) -> Reaction {
    Reaction {
        emoji: group.emoji.clone(),
        users: group.users.clone(),
    }
}

/// Which end of a page survives when it must be trimmed to fit in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Drop from the old end (backwards paging, the history push).
    Newest,
    /// Drop from the new end (so `after_id` paging simply continues).
    Oldest,
}

/// Messages oldest first, trimmed so the frame stays under 1 MiB; the flag
/// says whether any were dropped.
pub(crate) fn fit_messages(messages: &[StoredMessage], keep: Keep) -> (Vec<ChatMessage>, bool) {
    let budget = MAX_SERVER_FRAME - FRAME_SLACK;
    let mut out = Vec::with_capacity(messages.len());
    let mut used = 0;
    let mut trimmed = false;
    let order: Box<dyn Iterator<Item = &StoredMessage>> = match keep {
        Keep::Newest => Box::new(messages.iter().rev()),
        Keep::Oldest => Box::new(messages.iter()),
    };
    for m in order {
        let message = chat_message(m);
        let size = serde_json::to_vec(&message).map_or(usize::MAX, |b| b.len() + 1);
        if used + size > budget {
            trimmed = true;
            break;
        }
        used += size;
        out.push(message);
    }
    if keep == Keep::Newest {
        out.reverse();
    }
    (out, trimmed)
}

impl Handle for History {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<HistoryPage> {
        let q = self;
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let page = match (q.before_id, q.after_id) {
            (Some(_), Some(_)) => {
                return Err(Refusal::new(
                    ErrorCode::InvalidInput,
                    "give before_id or after_id, not both",
                ));
            }
            (Some(id), None) => Page::Before { id, limit },
            (None, Some(id)) => Page::After { id, limit },
            (None, None) => Page::Latest { limit },
        };
        let keep = match page {
            Page::After { .. } => Keep::Oldest,
            _ => Keep::Newest,
        };
        let me = conn.me()?.id;

        if let Some(with) = q.with {
            let name = with.clone();
            let messages = conn
                .shared
                .db(move |store| match store.user_by_name(&name)? {
                    Some(other) => Ok(Some((
                        other.name.clone(),
                        store.private_history(me, other.id, page)?,
                    ))),
                    None => Ok(None),
                })
                .await
                .map_err(Refusal::internal)?;
            let Some((name, messages)) = messages else {
                return Err(Refusal::new(
                    ErrorCode::NotFound,
                    format!("no such user: {with}"),
                ));
            };
            let (messages, trimmed) = fit_messages(&messages, keep);
            return Ok(Handled::Reply(Answer::data(HistoryPage {
                room: None,
                with: Some(name),
                messages,
                trimmed,
            })));
        }

        let id = conn.id;
        let room = conn.shared.with_hub(|hub| {
            let idx = match (&q.room, hub.state(id)) {
                (Some(name), _) => hub.find_room(name),
                (None, State::Room(idx)) => Some(idx),
                (None, _) => {
                    return Err(Refusal::new(
                        ErrorCode::InvalidInput,
                        "name a room (or 'with' a user) to read history",
                    ));
                }
            };
            Ok(idx.map(|idx| (hub.room_db_id(idx), hub.room_name(idx).to_owned())))
        })?;
        let Some((db_id, name)) = room else {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no such room: {}", q.room.unwrap_or_default()),
            ));
        };
        let messages = conn
            .shared
            .db(move |store| store.room_history(db_id, page))
            .await
            .map_err(Refusal::internal)?;
        let (messages, trimmed) = fit_messages(&messages, keep);
        Ok(Handled::Reply(Answer::data(HistoryPage {
            room: Some(name),
            with: None,
            messages,
            trimmed,
        })))
    }
}
