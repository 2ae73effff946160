//! Admin requests: `role`, `kick`, `unkick`, `audit`. Every change is audited.

use hearth_protocol::envelope::ok_frame;
use hearth_protocol::rules;
use hearth_storage::{ts::format_ts, Role, User};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::audit;
use crate::events::event_frame;
use crate::session::{Handled, Outcome, Refusal, Reply, Session};

/// Cooldown when `kick` names none, in minutes.
pub(crate) const DEFAULT_KICK_MINUTES: u32 = 5;
/// Longest cooldown: 30 days.
pub(crate) const MAX_KICK_MINUTES: u32 = 30 * 24 * 60;
/// Audit rows returned when `audit` names no limit, and the most it returns.
const AUDIT_DEFAULT: u32 = 100;
const AUDIT_MAX: u32 = 1000;

/// The caller's name and role, as the hub knows them now.
fn me(s: &Session) -> Result<(String, Role), Refusal> {
    let hub = s.shared.hub();
    let user = hub.me(s.id)?;
    Ok((user.name.clone(), user.role))
}

fn require_admin(role: Role) -> Result<(), Refusal> {
    match role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Member => Err(Refusal::new("only admins and the owner can do that")),
    }
}

async fn find_user(s: &Session, name: &str) -> Result<User, Refusal> {
    let lookup = name.to_owned();
    s.shared
        .db(move |store| store.user_by_name(&lookup))
        .await
        .map_err(Refusal::internal)?
        .ok_or_else(|| Refusal::new(format!("no such user: {name}")))
}

/// `role {username, role: "admin" | "member"}` (owner only).
pub(crate) async fn role(s: &mut Session, username: String, role: String) -> Outcome {
    let (me, my_role) = me(s)?;
    if my_role != Role::Owner {
        return Err(Refusal::new("only the owner can change roles"));
    }
    let new_role = match role.as_str() {
        "admin" => Role::Admin,
        "member" => Role::Member,
        _ => return Err(Refusal::new("role must be \"admin\" or \"member\"")),
    };
    let target = find_user(s, &username).await?;
    if target.role == Role::Owner {
        return Err(Refusal::new("the owner's role cannot be changed"));
    }
    let id = target.id;
    s.shared
        .db(move |store| store.set_role(id, new_role))
        .await
        .map_err(Refusal::internal)?;
    let peer = s.shared.with_hub(|hub| {
        // Everyone online hears about it, whether or not the target is online.
        let frame = event_frame(
            "role",
            &target.name,
            json!({ "role": new_role.as_str(), "by": me }),
        );
        hub.send_online(&frame);
        let conn = hub.conn_of_user(id)?;
        if let Some(u) = hub.user_mut(conn) {
            u.role = new_role;
        }
        hub.peer(conn)
    });
    audit::record(
        &s.shared,
        "role",
        &target.name,
        Some(&me),
        peer,
        Some(new_role.as_str()),
    )
    .await;
    Ok(Handled::Reply(Reply {
        message: Some(format!("{} is now {}", target.name, new_role.as_str())),
        data: Some(json!({ "username": target.name, "role": new_role.as_str() })),
        ..Reply::default()
    }))
}

/// `kick {username, reason, minutes?}` (admins and the owner).
pub(crate) async fn kick(
    s: &mut Session,
    username: String,
    reason: String,
    minutes: Option<u32>,
) -> Outcome {
    let (me, my_role) = me(s)?;
    require_admin(my_role)?;
    rules::check_reason(&reason)?;
    let minutes = minutes.unwrap_or(DEFAULT_KICK_MINUTES);
    if minutes > MAX_KICK_MINUTES {
        return Err(Refusal::new(format!(
            "minutes must be at most {MAX_KICK_MINUTES} (30 days)"
        )));
    }
    let target = find_user(s, &username).await?;
    if hearth_storage::name_key(&target.name) == hearth_storage::name_key(&me) {
        return Err(Refusal::new("you cannot kick yourself"));
    }
    match (target.role, my_role) {
        (Role::Owner, _) => return Err(Refusal::new("the owner cannot be kicked")),
        (Role::Admin, Role::Admin) => {
            return Err(Refusal::new("only the owner can kick an admin"));
        }
        _ => {}
    }
    let until =
        (minutes > 0).then(|| OffsetDateTime::now_utc() + Duration::minutes(i64::from(minutes)));
    // A kick with no cooldown also lifts any cooldown still running.
    let (id, why, by) = (target.id, reason.clone(), me.clone());
    s.shared
        .db(move |store| match until {
            Some(until) => store.set_kick(id, Some(until), &why, &by),
            None => store.clear_kick(id),
        })
        .await
        .map_err(Refusal::internal)?;
    let until_text = until.map(format_ts);

    // Take the target offline now, so presence never shows a kicked user.
    let kicked_push = ok_frame(
        "kicked",
        Some(&format!("You were kicked by {me}: {reason}")),
        Some(&json!({ "by": me, "reason": reason, "until": until_text })),
        None,
    );
    let removed = s.shared.with_hub(|hub| {
        let conn = hub.conn_of_user(target.id)?;
        let peer = hub.peer(conn);
        let outbox = hub.outbox(conn)?;
        hub.set_end_reason(conn, "kicked");
        let user = hub.sign_out(conn)?;
        Some((user, outbox, peer))
    });
    let peer = match removed {
        Some((user, outbox, peer)) => {
            crate::cmd::private::drop_links(&s.shared, &user, &format!("{} was kicked", user.name));
            outbox.close_with(kicked_push);
            peer
        }
        None => None,
    };
    let event = event_frame(
        "kicked",
        &target.name,
        json!({ "by": me, "reason": reason, "until": until_text }),
    );
    s.shared.with_hub(|hub| hub.send_online(&event));
    let detail = format!("{reason} ({minutes} min)");
    audit::record(
        &s.shared,
        "kick",
        &target.name,
        Some(&me),
        peer,
        Some(&detail),
    )
    .await;
    Ok(Handled::Reply(Reply {
        message: Some(format!("{} was kicked", target.name)),
        data: Some(
            json!({ "username": target.name, "until": until_text, "online": peer.is_some() }),
        ),
        ..Reply::default()
    }))
}

/// `unkick {username}`: lifts a cooldown.
pub(crate) async fn unkick(s: &mut Session, username: String) -> Outcome {
    let (me, my_role) = me(s)?;
    require_admin(my_role)?;
    let target = find_user(s, &username).await?;
    let id = target.id;
    s.shared
        .db(move |store| store.clear_kick(id))
        .await
        .map_err(Refusal::internal)?;
    audit::record(&s.shared, "unkick", &target.name, Some(&me), None, None).await;
    Ok(Handled::Reply(Reply {
        message: Some(format!("{} may log in again", target.name)),
        data: Some(json!({ "username": target.name })),
        ..Reply::default()
    }))
}

/// `audit {limit?}`: newest first.
pub(crate) async fn audit(s: &mut Session, limit: Option<u32>) -> Outcome {
    let (_, my_role) = me(s)?;
    require_admin(my_role)?;
    let limit = limit.unwrap_or(AUDIT_DEFAULT).clamp(1, AUDIT_MAX);
    let entries = s
        .shared
        .db(move |store| store.audit_recent(limit))
        .await
        .map_err(Refusal::internal)?;
    let entries: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "ts": format_ts(e.ts),
                "kind": e.kind,
                "user": e.user,
                "by": e.by,
                "ip": e.ip,
                "port": e.port,
                "detail": e.detail,
            })
        })
        .collect();
    Ok(Handled::Reply(Reply::data(json!({ "entries": entries }))))
}
