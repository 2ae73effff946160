//! Who a message mentions: `@name` for users that exist, `@room` (admins
//! only) for everyone in the room. Not a request handler: `msg`, files and
//! `edit` use it.

use hearth_protocol::rules::{mentioned_names, MENTION_MAX_NAMES, ROOM_MENTION};
use hearth_protocol::ErrorCode;

use crate::conn_state::ConnState;
use crate::hub::RoomIdx;
use crate::message::Mentions;
use crate::outcome::Refusal;

/// Resolves the mentions of `text`, sent by this connection's user to `room`
/// (`None`: a private chat, where `@room` is plain text). Refuses `@room` from
/// someone who is not an admin.
pub(crate) async fn resolve(
    conn: &ConnState,
    text: &str,
    room: Option<RoomIdx>,
) -> Result<Mentions, Refusal> {
    let names = mentioned_names(text);
    if names.is_empty() {
        return Ok(Mentions::default());
    }
    let me = conn.me()?;
    let wants_room = room.is_some() && names.iter().any(|n| n.eq_ignore_ascii_case(ROOM_MENTION));
    if wants_room && !me.role.is_admin() {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "only admins can mention everyone with @room",
        ));
    }
    let lookups: Vec<String> = names
        .iter()
        .filter(|n| !n.eq_ignore_ascii_case(ROOM_MENTION))
        .take(MENTION_MAX_NAMES)
        .map(|n| (*n).to_owned())
        .collect();
    let found = if lookups.is_empty() {
        Vec::new()
    } else {
        conn.shared
            .db(move |store| {
                let mut found = Vec::new();
                for name in &lookups {
                    if let Some(user) = store.user_by_name(name)? {
                        found.push((user.id, user.name));
                    }
                }
                Ok(found)
            })
            .await
            .map_err(Refusal::internal)?
    };
    let mut named: Vec<(i64, String)> = Vec::new();
    for (id, name) in found {
        if id != me.id && !named.iter().any(|(seen, _)| *seen == id) {
            named.push((id, name));
        }
    }
    let present = match room {
        Some(idx) if wants_room => conn.shared.with_hub(|hub| {
            hub.member_ids(idx)
                .into_iter()
                .filter(|id| *id != me.id)
                .collect()
        }),
        _ => Vec::new(),
    };
    Ok(Mentions {
        named,
        room: wants_room,
        present,
    })
}
