//! Room requests: `exit` and `msg` (public, or private over a link).

use std::time::Instant;

use hearth_protocol::rules;
use hearth_protocol::RequestId;
use time::OffsetDateTime;

use crate::events::place_event;
use crate::flood::MAX_STRIKES;
use crate::hub::{State, LOBBY};
use crate::persist::{Pending, Target};
use crate::session::{Handled, Outcome, Refusal, Reply, Session};

/// `exit`: back to the lobby.
pub(crate) fn exit(s: &mut Session, state: State) -> Outcome {
    let State::Room(idx) = state else {
        return Err(Refusal::new("you are not in a room"));
    };
    let id = s.id;
    let name = s.shared.with_hub(|hub| {
        hub.move_to(id, LOBBY, false);
        let user = hub.user(id).map(|u| u.name.clone()).unwrap_or_default();
        place_event(hub, "left", &user, idx);
        place_event(hub, "joined", &user, LOBBY);
        hub.room(idx).name.clone()
    });
    Ok(Handled::Reply(Reply::message(format!(
        "Exit {name}, back to lobby"
    ))))
}

/// `msg {to, text}`: `to: "public"` for the current room, or a user name over
/// an active private link. Success has no reply: the sender gets its own copy.
pub(crate) async fn msg(
    s: &mut Session,
    state: State,
    to: String,
    text: String,
    request_id: Option<RequestId>,
) -> Outcome {
    rules::check_text(&text)?;
    if !s.bucket.take(Instant::now()) {
        let mut refusal = Refusal::new("slow down: you are sending messages too fast");
        refusal.close = s.bucket.strikes >= MAX_STRIKES;
        return Err(refusal);
    }
    let id = s.id;
    let pending = {
        let hub = s.shared.hub();
        let me = hub.me(id)?;
        let target = if to == "public" {
            let State::Room(idx) = state else {
                return Err(Refusal::new(
                    "you are in the lobby: enter a room to send public messages",
                ));
            };
            let room = hub.room(idx);
            Target::Room {
                idx,
                db_id: room.id,
                name: room.name.clone(),
            }
        } else {
            match crate::cmd::private::linked_partner(&hub, me.id, &to) {
                Some((user_id, name)) => Target::Private { user_id, name },
                None => {
                    return Err(Refusal::new(format!(
                        "you have no private chat with {to}: send a private request first"
                    )))
                }
            }
        };
        Pending {
            sender_conn: id,
            sender_id: me.id,
            from: me.name.clone(),
            color: me.color.clone(),
            text,
            ts: OffsetDateTime::now_utc(),
            request_id,
            target,
        }
    };
    // A full pipeline makes this wait: back-pressure lands on the sender.
    if s.shared.messages.send(pending).await.is_err() {
        return Err(Refusal::new("the server is shutting down"));
    }
    Ok(Handled::Silent)
}
