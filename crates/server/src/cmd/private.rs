//! Private chats with consent: request → accept/reject → messages → end.
//!
//! Links and pending requests are keyed by user id, so a rename or a takeover
//! login keeps them; logging out, disconnecting or being kicked ends them.

use hearth_protocol::envelope::ok_frame;
use serde_json::{json, Value};

use crate::hub::{Hub, OnlineUser};
use crate::session::{Handled, Outcome, Refusal, Reply, Session};
use crate::shared::Shared;

fn pair(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

/// Sends a push of `kind` with `data` to the connection of user `user_id`.
fn push_to_user(hub: &mut Hub, user_id: i64, kind: &str, data: Value) {
    if let Some(conn) = hub.conn_of_user(user_id) {
        hub.send(conn, ok_frame(kind, None, Some(&data), None));
    }
}

/// Me and the online user called `name`, or a refusal.
fn me_and(hub: &Hub, s: &Session, name: &str) -> Result<(OnlineUser, OnlineUser), Refusal> {
    let me = hub.me(s.id)?.clone();
    let other = hub
        .online_conn(name)
        .and_then(|c| hub.user(c))
        .cloned()
        .ok_or_else(|| Refusal::new(format!("{name} is not online")))?;
    if other.id == me.id {
        return Err(Refusal::new("you cannot open a private chat with yourself"));
    }
    Ok((me, other))
}

/// The partner called `name` if `me` has an active link with them.
pub(crate) fn linked_partner(hub: &Hub, me: i64, name: &str) -> Option<(i64, String)> {
    let other = hub.user(hub.online_conn(name)?)?;
    hub.links
        .contains(&pair(me, other.id))
        .then(|| (other.id, other.name.clone()))
}

fn start_link(hub: &mut Hub, me: &OnlineUser, other: &OnlineUser) {
    hub.requests.remove(&(other.id, me.id));
    hub.requests.remove(&(me.id, other.id));
    hub.links.insert(pair(me.id, other.id));
    push_to_user(hub, me.id, "private_started", json!({ "with": other.name }));
    push_to_user(hub, other.id, "private_started", json!({ "with": me.name }));
}

/// `private_request {to}`.
pub(crate) fn request(s: &mut Session, to: String) -> Outcome {
    s.shared.with_hub(|hub| {
        let (me, other) = me_and(hub, s, &to)?;
        if hub.links.contains(&pair(me.id, other.id)) {
            return Err(Refusal::new(format!(
                "you already have a private chat with {}",
                other.name
            )));
        }
        if hub.requests.contains(&(other.id, me.id)) {
            start_link(hub, &me, &other);
            return Ok(Handled::Reply(Reply {
                message: Some(format!(
                    "{} had asked you too: private chat started",
                    other.name
                )),
                data: Some(json!({ "to": other.name, "started": true })),
                ..Reply::default()
            }));
        }
        if hub.requests.insert((me.id, other.id)) {
            push_to_user(hub, other.id, "private_request", json!({ "from": me.name }));
        }
        Ok(Handled::Reply(Reply {
            message: Some(format!(
                "private chat requested; waiting for {}",
                other.name
            )),
            data: Some(json!({ "to": other.name, "started": false })),
            ..Reply::default()
        }))
    })
}

/// `private_accept {from}`.
pub(crate) fn accept(s: &mut Session, from: String) -> Outcome {
    s.shared.with_hub(|hub| {
        let (me, other) = me_and(hub, s, &from)?;
        if !hub.requests.contains(&(other.id, me.id)) {
            return Err(Refusal::new(format!(
                "{} has not asked you for a private chat",
                other.name
            )));
        }
        start_link(hub, &me, &other);
        Ok(Handled::Reply(Reply::data(json!({ "with": other.name }))))
    })
}

/// `private_reject {from}`.
pub(crate) fn reject(s: &mut Session, from: String) -> Outcome {
    s.shared.with_hub(|hub| {
        let (me, other) = me_and(hub, s, &from)?;
        if !hub.requests.remove(&(other.id, me.id)) {
            return Err(Refusal::new(format!(
                "{} has not asked you for a private chat",
                other.name
            )));
        }
        push_to_user(hub, other.id, "private_rejected", json!({ "by": me.name }));
        Ok(Handled::Reply(Reply::data(json!({ "from": other.name }))))
    })
}

/// `private_end {with}`.
pub(crate) fn end(s: &mut Session, with: String) -> Outcome {
    s.shared.with_hub(|hub| {
        let (me, other) = me_and(hub, s, &with)?;
        if !hub.links.remove(&pair(me.id, other.id)) {
            return Err(Refusal::new(format!(
                "you have no private chat with {}",
                other.name
            )));
        }
        let reason = format!("ended by {}", me.name);
        push_to_user(
            hub,
            me.id,
            "private_ended",
            json!({ "with": other.name, "reason": reason }),
        );
        push_to_user(
            hub,
            other.id,
            "private_ended",
            json!({ "with": me.name, "reason": reason }),
        );
        Ok(Handled::Reply(Reply::data(json!({ "with": other.name }))))
    })
}

/// `private_list`: active links and pending requests both ways.
pub(crate) fn list(s: &mut Session) -> Outcome {
    let hub = s.shared.hub();
    let me = hub.me(s.id)?.id;
    let name = |id: i64| hub.online_user(id).map(|u| u.name.clone());
    let mut active: Vec<String> = hub
        .links
        .iter()
        .filter_map(|&(a, b)| match (a == me, b == me) {
            (true, _) => name(b),
            (_, true) => name(a),
            _ => None,
        })
        .collect();
    let mut incoming: Vec<String> = hub
        .requests
        .iter()
        .filter(|(_, to)| *to == me)
        .filter_map(|(from, _)| name(*from))
        .collect();
    let mut outgoing: Vec<String> = hub
        .requests
        .iter()
        .filter(|(from, _)| *from == me)
        .filter_map(|(_, to)| name(*to))
        .collect();
    active.sort();
    incoming.sort();
    outgoing.sort();
    Ok(Handled::Reply(Reply::data(json!({
        "active": active,
        "incoming": incoming,
        "outgoing": outgoing,
    }))))
}

/// Ends every link and pending request of `user`, telling the other side why.
pub(crate) fn drop_links(shared: &Shared, user: &OnlineUser, reason: &str) {
    shared.with_hub(|hub| {
        let ended: Vec<(i64, i64)> = hub
            .links
            .iter()
            .copied()
            .filter(|&(a, b)| a == user.id || b == user.id)
            .collect();
        for link in ended {
            hub.links.remove(&link);
            let other = if link.0 == user.id { link.1 } else { link.0 };
            push_to_user(
                hub,
                other,
                "private_ended",
                json!({ "with": user.name, "reason": reason }),
            );
        }
        let cancelled: Vec<(i64, i64)> = hub
            .requests
            .iter()
            .copied()
            .filter(|&(from, to)| from == user.id || to == user.id)
            .collect();
        for req in cancelled {
            hub.requests.remove(&req);
            let other = if req.0 == user.id { req.1 } else { req.0 };
            push_to_user(
                hub,
                other,
                "private_cancelled",
                json!({ "with": user.name, "reason": reason }),
            );
        }
    });
}
