//! Room requests: `exit` and `msg` (public, or private over an open chat).

use std::time::Instant;

use hearth_protocol::requests::{Exit, Msg};
use hearth_protocol::{rules, ChatMessage, ErrorCode, PUBLIC};

use crate::conn_state::ConnState;
use crate::flood::MAX_STRIKES;
use crate::handle::{Allowed, Handle};
use crate::hub::{ConnId, Hub, State, LOBBY};
use crate::message::{AcceptedMessage, Mentions, Target};
use crate::outcome::{Answer, Handled, Outcome, Refusal};

impl Handle for Exit {
    const ALLOWED: Allowed = Allowed::Room;

    /// Back to the lobby.
    async fn handle(self, conn: &mut ConnState) -> Outcome<()> {
        let id = conn.id;
        let left = conn.shared.with_hub(|hub| match hub.state(id) {
            State::Room(idx) => {
                hub.move_to(id, LOBBY, false);
                Some(hub.room_name(idx).to_owned())
            }
            _ => None,
        });
        let Some(name) = left else {
            return Err(Refusal::new(ErrorCode::WrongState, "you are not in a room"));
        };
        Ok(Handled::Reply(Answer::with_message(
            format!("Exit {name}, back to lobby"),
            (),
        )))
    }
}

impl Handle for Msg {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// `to: "public"` for the current room, or a user name over an open private
    /// chat. Success has no reply: the sender gets its own copy of the push.
    async fn handle(self, conn: &mut ConnState) -> Outcome<ChatMessage> {
        let Msg { to, text } = self;
        rules::check_text(&text)?;
        if !conn.bucket.take(Instant::now()) {
            return Err(Refusal::new(
                ErrorCode::SlowDown,
                "slow down: you are sending messages too fast",
            )
            .closing_if(conn.bucket.strikes >= MAX_STRIKES));
        }
        let id = conn.id;
        let request_id = conn.request_id.clone();
        let now = conn.shared.config.clock.now();
        let mut accepted = conn.shared.with_hub(|hub| {
            let me = hub.me(id)?;
            let target = target(hub, id, me.id, &to)?;
            Ok::<_, Refusal>(AcceptedMessage {
                sender_conn: id,
                sender_id: me.id,
                from: me.name.clone(),
                color: me.color.clone(),
                text,
                file: None,
                ts: now,
                request_id,
                target,
                mentions: Mentions::default(),
            })
        })?;
        let room = match &accepted.target {
            Target::Room { idx, .. } => Some(*idx),
            Target::Private { .. } => None,
        };
        accepted.mentions = super::mentions::resolve(conn, &accepted.text, room).await?;
        // A full pipeline makes this wait: back-pressure lands on the sender.
        // The writer thread lives as long as any connection does, so a closed
        // pipeline means it failed.
        if conn.shared.messages.send(accepted).await.is_err() {
            return Err(Refusal::internal("the message pipeline is closed"));
        }
        Ok(Handled::Silent)
    }
}

/// Where a message (or a file) sent by connection `id` of user `me` to `to`
/// goes: `"public"` is the current room, anything else a private partner.
pub(crate) fn target(hub: &Hub, id: ConnId, me: i64, to: &str) -> Result<Target, Refusal> {
    if to == PUBLIC {
        let State::Room(idx) = hub.state(id) else {
            return Err(Refusal::new(
                ErrorCode::WrongState,
                "you are in the lobby: enter a room to send public messages",
            ));
        };
        return Ok(Target::Room {
            idx,
            db_id: hub.room_db_id(idx),
            name: hub.room_name(idx).to_owned(),
        });
    }
    match hub.linked_partner(me, to) {
        Some((user_id, name)) => Ok(Target::Private { user_id, name }),
        None => Err(Refusal::new(
            ErrorCode::NotLinked,
            format!("you have no private chat with {to}: send a private request first"),
        )),
    }
}
