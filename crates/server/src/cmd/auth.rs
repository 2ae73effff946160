//! `register`, `login` and `logout`.

use std::time::Instant;

use hearth_protocol::rules;
use hearth_protocol::Secret;
use hearth_storage::{name_key, ts::format_ts, NewUser, Role, StorageError, User};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::events::{event_frame, place_event};
use crate::hub::{OnlineUser, LOBBY};
use crate::session::{Handled, Login, Outcome, Refusal, Reply, Session};

/// Failed logins on one connection before it is closed.
const MAX_FAILED_LOGINS_PER_CONNECTION: u32 = 5;

/// Readable name colours handed out when a user does not pick one.
const PALETTE: [&str; 12] = [
    "#e0605e", "#e8944a", "#d4b43c", "#6cbf5a", "#3fb6a8", "#4aa3df", "#6f7ee8", "#a070e0",
    "#d867b8", "#c98a5a", "#8fae3c", "#5c9ead",
];

/// `register {username, password, color?}`.
pub(crate) async fn register(
    s: &mut Session,
    username: String,
    password: Secret,
    color: Option<String>,
) -> Outcome {
    rules::check_username(&username)?;
    rules::check_password(password.expose())?;
    let color = color.map(|c| rules::normalize_color(&c)).transpose()?;
    let pw_hash = s
        .shared
        .passwords
        .hash(password)
        .await
        .map_err(Refusal::internal)?;

    // One registration at a time, so exactly one account becomes the owner.
    let _guard = s.shared.register_lock.lock().await;
    let owner_name = s.shared.config.owner.clone();
    let name = username.clone();
    let created = s
        .shared
        .db(move |store| {
            let count = store.user_count()?;
            let role = match &owner_name {
                Some(owner) if name_key(owner) == name_key(&name) => Role::Owner,
                Some(_) => Role::Member,
                None if store.owner()?.is_none() => Role::Owner,
                None => Role::Member,
            };
            let color = color.unwrap_or_else(|| PALETTE[count as usize % PALETTE.len()].to_owned());
            store.create_user(&NewUser {
                name: &name,
                pw_hash: &pw_hash,
                color: &color,
                role,
            })
        })
        .await;
    match created {
        Ok(user) => {
            tracing::info!(user = %user.name, role = user.role.as_str(), "registered");
            Ok(Handled::Reply(Reply {
                message: Some("Register successfully! You can now login".into()),
                data: Some(json!({
                    "username": user.name,
                    "color": user.color,
                    "role": user.role.as_str(),
                })),
                ..Reply::default()
            }))
        }
        Err(StorageError::NameTaken) => {
            Err(Refusal::new("Username already in use, try another one"))
        }
        Err(e) => Err(Refusal::internal(e)),
    }
}

/// `login {username, password}`.
pub(crate) async fn login(s: &mut Session, username: String, password: Secret) -> Outcome {
    let ip = s.peer.ip();
    if let Err(wait) = s.shared.throttle().check_ip(ip, Instant::now()) {
        return Err(Refusal::new(format!(
            "too many failed logins from your address; try again in {} s",
            wait.as_secs() + 1
        )));
    }
    let name = username.clone();
    let user = s
        .shared
        .db(move |store| store.user_by_name(&name))
        .await
        .map_err(Refusal::internal)?;
    let phc = user.as_ref().map(|u| u.pw_hash.clone());
    if !s.shared.passwords.verify(password, phc).await {
        let delay = s
            .shared
            .throttle()
            .failure(ip, &name_key(&username), Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        s.failed_logins += 1;
        let mut refusal = Refusal::new("Invalid username or password");
        refusal.close = s.failed_logins >= MAX_FAILED_LOGINS_PER_CONNECTION;
        return Err(refusal);
    }
    let Some(user) = user else {
        return Err(Refusal::internal("verified a password for no user"));
    };
    s.shared.throttle().success(ip, &name_key(&user.name));
    let now = OffsetDateTime::now_utc();
    if let Some(refusal) = kicked_refusal(&user, now) {
        return Err(refusal);
    }

    let (user_id, peer) = (user.id, s.peer);
    let session_id = s
        .shared
        .db(move |store| store.session_start(user_id, &peer.ip().to_string(), peer.port(), now))
        .await
        .map_err(Refusal::internal)?;
    let online = OnlineUser {
        id: user.id,
        name: user.name.clone(),
        key: name_key(&user.name),
        color: user.color.clone(),
        role: user.role,
    };
    let id = s.id;
    let taken = s.shared.with_hub(|hub| {
        let taken = hub.login(id, online);
        if let Some(old) = &taken {
            if let Some(room) = old.room.filter(|r| *r != LOBBY) {
                place_event(hub, "left", &user.name, room);
            }
        }
        place_event(hub, "joined", &user.name, LOBBY);
        taken
    });
    if let Some(old) = taken {
        old.outbox.close_with(crate::events::bye_frame(
            "You logged in from another place; this connection is closed",
            "takeover",
        ));
    }
    s.login = Some(Login { session_id });
    s.auth_since = None;
    audit::record(&s.shared, "login", &user.name, None, Some(s.peer), None).await;
    tracing::info!(user = %user.name, peer = %s.peer, "logged in");
    Ok(Handled::Reply(Reply {
        message: Some("Login successful".into()),
        data: Some(json!({
            "username": user.name,
            "chatroom": "lobby",
            "color": user.color,
            "role": user.role.as_str(),
        })),
        ..Reply::default()
    }))
}

/// The refusal for a login during a kick cooldown, if one is running.
fn kicked_refusal(user: &User, now: OffsetDateTime) -> Option<Refusal> {
    let kick = user.kick.as_ref()?;
    let how_long = match kick.until {
        Some(until) if until <= now => return None,
        Some(until) => {
            let mins = ((until - now).whole_seconds() + 59) / 60;
            format!(
                "you may rejoin in {mins} minute{}",
                if mins == 1 { "" } else { "s" }
            )
        }
        None => "until an admin lifts it".to_owned(),
    };
    Some(Refusal {
        message: format!(
            "You were kicked by {}: {}; {}",
            kick.by, kick.reason, how_long
        ),
        data: Some(json!({
            "until": kick.until.map(format_ts),
            "by": kick.by,
            "reason": kick.reason,
        })),
        close: false,
    })
}

/// `logout`: back to the auth state on the same connection.
pub(crate) async fn logout(s: &mut Session) -> Outcome {
    let id = s.id;
    let left = s.shared.with_hub(|hub| hub.sign_out(id));
    let Some(user) = left else {
        return Err(Refusal::new("you are not logged in"));
    };
    crate::cmd::private::drop_links(&s.shared, &user, "logged out");
    end_session(s, "logout").await;
    audit::record(&s.shared, "logout", &user.name, None, Some(s.peer), None).await;
    s.auth_since = Some(Instant::now());
    Ok(Handled::Reply(Reply::message(format!(
        "{} logout successfully",
        user.name
    ))))
}

/// Closes this connection's row in the sessions table.
pub(crate) async fn end_session(s: &mut Session, reason: &'static str) {
    if let Some(login) = s.login.take() {
        let now = OffsetDateTime::now_utc();
        if let Err(e) = s
            .shared
            .db(move |store| store.session_end(login.session_id, now, reason))
            .await
        {
            tracing::warn!(error = %e, "could not close session row");
        }
    }
}

/// Tells every online user about a profile change.
pub(crate) fn profile_event(s: &Session, user: &str, old_username: Option<&str>, color: &str) {
    let mut extra = json!({ "color": color });
    if let Some(old) = old_username {
        extra["old_username"] = json!(old);
    }
    let frame = event_frame("profile", user, extra);
    s.shared.with_hub(|hub| hub.send_online(&frame));
}
