//! `history`: pages of a room's public history or of a private conversation.

use hearth_protocol::frame::MAX_SERVER_FRAME;
use hearth_protocol::request::HistoryQuery;
use hearth_storage::{ts::format_ts, Page, StoredMessage};
use serde_json::{json, Value};

use crate::hub::State;
use crate::session::{Handled, Outcome, Refusal, Reply, Session};

/// Page size when the client names none.
pub(crate) const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
pub(crate) const MAX_LIMIT: u32 = 200;
/// Room left in a frame for everything around the message list.
const FRAME_SLACK: usize = 4 * 1024;

/// One stored message in the shape of a `msg` push's data.
pub(crate) fn message_json(m: &StoredMessage) -> Value {
    let mut v = json!({
        "id": m.id,
        "from": m.from,
        "to": m.to.as_deref().unwrap_or("public"),
        "text": m.text,
        "ts": format_ts(m.ts),
        "color": m.color,
    });
    match &m.room {
        Some(room) => v["room"] = json!(room),
        None => v["private"] = json!(true),
    }
    v
}

/// Messages as JSON, oldest first, trimmed so the frame stays under 1 MiB.
/// `keep_newest` drops from the old end (for backwards paging), otherwise
/// from the new end (so `after_id` paging simply continues).
pub(crate) fn fit_messages(messages: &[StoredMessage], keep_newest: bool) -> (Vec<Value>, bool) {
    let budget = MAX_SERVER_FRAME - FRAME_SLACK;
    let mut out: Vec<(Value, usize)> = Vec::with_capacity(messages.len());
    let mut used = 0;
    let mut trimmed = false;
    let order: Box<dyn Iterator<Item = &StoredMessage>> = if keep_newest {
        Box::new(messages.iter().rev())
    } else {
        Box::new(messages.iter())
    };
    for m in order {
        let v = message_json(m);
        let size = serde_json::to_vec(&v).map_or(usize::MAX, |b| b.len() + 1);
        if used + size > budget {
            trimmed = true;
            break;
        }
        used += size;
        out.push((v, size));
    }
    if keep_newest {
        out.reverse();
    }
    (out.into_iter().map(|(v, _)| v).collect(), trimmed)
}

/// Messages as JSON for the `history` push on enter.
pub(crate) fn messages_json(messages: &[StoredMessage]) -> Vec<Value> {
    fit_messages(messages, true).0
}

/// `history {room?, with?, before_id?, after_id?, limit?}`.
pub(crate) async fn page(s: &mut Session, state: State, q: HistoryQuery) -> Outcome {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let page = match (q.before_id, q.after_id) {
        (Some(_), Some(_)) => {
            return Err(Refusal::new("give before_id or after_id, not both"));
        }
        (Some(id), None) => Page::Before { id, limit },
        (None, Some(id)) => Page::After { id, limit },
        (None, None) => Page::Latest { limit },
    };
    let keep_newest = !matches!(page, Page::After { .. });
    let me = s.shared.hub().me(s.id)?.id;

    if let Some(with) = q.with {
        let name = with.clone();
        let messages = s
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
            return Err(Refusal::new(format!("no such user: {with}")));
        };
        let (list, more) = fit_messages(&messages, keep_newest);
        return Ok(Handled::Reply(Reply::data(
            json!({ "with": name, "messages": list, "trimmed": more }),
        )));
    }

    let room_idx = {
        let hub = s.shared.hub();
        match (&q.room, state) {
            (Some(name), _) => hub.find_room(name),
            (None, State::Room(idx)) => Some(idx),
            (None, _) => {
                return Err(Refusal::new(
                    "name a room (or 'with' a user) to read history",
                ));
            }
        }
        .map(|idx| (hub.room(idx).id, hub.room(idx).name.clone()))
    };
    let Some((db_id, name)) = room_idx else {
        return Err(Refusal::new(format!(
            "no such room: {}",
            q.room.unwrap_or_default()
        )));
    };
    let messages = s
        .shared
        .db(move |store| store.room_history(db_id, page))
        .await
        .map_err(Refusal::internal)?;
    let (list, more) = fit_messages(&messages, keep_newest);
    Ok(Handled::Reply(Reply::data(
        json!({ "room": name, "messages": list, "trimmed": more }),
    )))
}
