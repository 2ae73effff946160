//! `ping`, `register`, `login` (with a password or a login token) and `logout`.

use std::time::Instant;

use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::{Bye, ByeReason};
use hearth_protocol::requests::{Account, LoggedIn, Login, Logout, Ping, Register};
use hearth_protocol::rules::{self, PALETTE};
use hearth_protocol::{ErrorCode, KickInfo, Secret};
use hearth_storage::{name_key, ts::format_ts, Device, NewUser, StorageError, User};
use time::OffsetDateTime;

use crate::audit;
use crate::conn_state::{ConnState, LoginRow};
use crate::handle::{Allowed, Handle};
use crate::hub::OnlineUser;
use crate::outcome::{Answer, Handled, Outcome, Refusal};
use crate::roles::to_wire;
use crate::tokens;

/// Failed logins on one connection before it is closed.
const MAX_FAILED_LOGINS_PER_CONNECTION: u32 = 5;

impl Handle for Ping {
    const ALLOWED: Allowed = Allowed::Any;

    async fn handle(self, _conn: &mut ConnState) -> Outcome<()> {
        Ok(Handled::Reply(Answer::data(())))
    }
}

impl Handle for Register {
    const ALLOWED: Allowed = Allowed::Auth;

    async fn handle(self, conn: &mut ConnState) -> Outcome<Account> {
        let Register {
            username,
            password,
            color,
        } = self;
        rules::check_username(&username)?;
        rules::check_password(password.expose())?;
        let color = color.map(|c| rules::normalize_color(&c)).transpose()?;
        let pw_hash = conn
            .shared
            .passwords
            .hash(password)
            .await
            .map_err(Refusal::internal)?;

        // One registration at a time, so exactly one account becomes the owner.
        let _guard = conn.shared.register_lock.lock().await;
        let owner_name = conn.shared.config.owner.clone();
        let name = username.clone();
        let created = conn
            .shared
            .db(move |store| {
                let count = store.user_count()?;
                let role = match &owner_name {
                    Some(owner) if name_key(owner) == name_key(&name) => {
                        hearth_storage::Role::Owner
                    }
                    Some(_) => hearth_storage::Role::Member,
                    None if store.owner()?.is_none() => hearth_storage::Role::Owner,
                    None => hearth_storage::Role::Member,
                };
                let color =
                    color.unwrap_or_else(|| PALETTE[count as usize % PALETTE.len()].to_owned());
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
                Ok(Handled::Reply(Answer::with_message(
                    "Register successfully! You can now login",
                    Account {
                        username: user.name,
                        color: user.color,
                        role: to_wire(user.role),
                        token: None,
                    },
                )))
            }
            Err(StorageError::NameTaken) => Err(name_taken()),
            Err(e) => Err(Refusal::internal(e)),
        }
    }
}

/// The refusal for a name that is already registered.
pub(crate) fn name_taken() -> Refusal {
    Refusal::new(
        ErrorCode::NameTaken,
        "Username already in use, try another one",
    )
}

impl Handle for Login {
    const ALLOWED: Allowed = Allowed::Auth;

    async fn handle(self, conn: &mut ConnState) -> Outcome<LoggedIn> {
        let Login {
            username,
            password,
            token,
            device,
        } = self;
        if let Some(name) = &device {
            rules::check_device_name(name)?;
        }
        let ip = conn.peer.ip();
        if let Err(wait) = conn.shared.throttle().check_ip(ip, Instant::now()) {
            return Err(Refusal::new(
                ErrorCode::SlowDown,
                format!(
                    "too many failed logins from your address; try again in {} s",
                    wait.as_secs() + 1
                ),
            ));
        }
        let checked = match (password, token) {
            (Some(password), _) => check_password(conn, &username, password).await?,
            (None, Some(token)) => check_token(conn, &username, &token).await?,
            (None, None) => None,
        };
        let Some((user, used_device)) = checked else {
            return Err(failed_login(conn, &username).await);
        };
        conn.shared.throttle().success(ip, &user.key);
        let now = OffsetDateTime::now_utc();
        if let Some(refusal) = kicked_refusal(&user, now) {
            return Err(refusal);
        }

        // One trip to the database for what a login writes and reads: the new
        // device (if asked for), the session row, the audit rows and the unread
        // counts. Under a burst of logins every trip also queues behind the
        // message writer's transactions.
        let (user_id, peer, name) = (user.id, conn.peer, user.name.clone());
        let issue = device.map(|name| (name, tokens::issue()));
        let how = used_device
            .as_ref()
            .map(|d| format!("with the login token of {}", d.name));
        let (row, issued, audited, unread) = conn
            .shared
            .db(move |store| {
                let ip = peer.ip().to_string();
                let issued = match issue {
                    Some((name, (token, hash))) => {
                        let device = store.add_device(user_id, &name, &hash, Some(&ip), now)?;
                        Some((token, device))
                    }
                    None => None,
                };
                let row = store.session_start(user_id, &ip, peer.port(), now)?;
                let mut audited = vec![(
                    "login",
                    audit::write(store, "login", &name, None, Some(peer), how.as_deref()),
                )];
                if let Some((_, device)) = &issued {
                    let detail = Some(device.name.as_str());
                    let written = audit::write(store, "device", &name, None, Some(peer), detail);
                    audited.push(("device", written));
                }
                let unread = store.unread_counts(user_id)?;
                Ok((row, issued, audited, unread))
            })
            .await
            .map_err(Refusal::internal)?;
        for (kind, written) in audited {
            audit::log_failure(kind, written);
        }
        let device_id = used_device
            .as_ref()
            .or(issued.as_ref().map(|(_, d)| d))
            .map(|d| d.id);
        let online = OnlineUser {
            id: user.id,
            name: user.name.clone(),
            key: user.key.clone(),
            color: user.color.clone(),
            role: to_wire(user.role),
        };
        let id = conn.id;
        let taken = conn.shared.with_hub(|hub| hub.login(id, online));
        if let Some(old) = taken {
            old.outbox.close_with(encode_push(
                &Bye {
                    reason: ByeReason::Takeover,
                },
                None,
            ));
        }
        conn.login = Some(LoginRow {
            id: row,
            device: device_id,
        });
        conn.auth_since = None;
        conn.record_user(&user.name);
        tracing::info!("logged in");
        Ok(Handled::Reply(Answer::with_message(
            "Login successful",
            LoggedIn {
                username: user.name,
                chatroom: hearth_storage::LOBBY.to_owned(),
                color: user.color,
                role: to_wire(user.role),
                token: issued.map(|(token, _)| token),
                unread: super::conversation::wire_counts(unread),
            },
        )))
    }
}

/// The account `username` if `password` is its password. An unknown user costs
/// the same Argon2 time as a wrong password.
async fn check_password(
    conn: &ConnState,
    username: &str,
    password: Secret,
) -> Result<Option<(User, Option<Device>)>, Refusal> {
    let name = username.to_owned();
    let user = conn
        .shared
        .db(move |store| store.user_by_name(&name))
        .await
        .map_err(Refusal::internal)?;
    let phc = user.as_ref().map(|u| u.pw_hash.clone());
    if conn.shared.passwords.verify(password, phc).await {
        Ok(user.map(|u| (u, None)))
    } else {
        Ok(None)
    }
}

/// The account `username` and the device `token` belongs to, if it is a live
/// token of that account. No Argon2 here: a token is 256 random bits. A token
/// revoked by a kick still says so while the cooldown runs (the kicked refusal
/// comes next); any other revoked token fails like a wrong password.
async fn check_token(
    conn: &ConnState,
    username: &str,
    token: &Secret,
) -> Result<Option<(User, Option<Device>)>, Refusal> {
    let (name, hash, ip) = (
        username.to_owned(),
        tokens::hash(token.expose()),
        conn.peer.ip().to_string(),
    );
    let found = conn
        .shared
        .db(move |store| {
            let Some(device) = store.device_by_token_hash(&hash)? else {
                return Ok(None);
            };
            match store.user_by_id(device.user_id)? {
                Some(user) if user.name == name || user.key == name_key(&name) => {
                    if !device.revoked {
                        store.touch_device(device.id, Some(&ip), OffsetDateTime::now_utc())?;
                    }
                    Ok(Some((user, device)))
                }
                _ => Ok(None),
            }
        })
        .await
        .map_err(Refusal::internal)?;
    match found {
        Some((user, device)) if !device.revoked => Ok(Some((user, Some(device)))),
        Some((user, _)) => match kicked_refusal(&user, OffsetDateTime::now_utc()) {
            Some(kicked) => Err(kicked),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// Counts a failed login (password or token alike) and gives its refusal,
/// after the delay the throttle asks for.
async fn failed_login(conn: &mut ConnState, username: &str) -> Refusal {
    let delay = conn
        .shared
        .throttle()
        .failure(conn.peer.ip(), &name_key(username), Instant::now());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    conn.failed_logins += 1;
    Refusal::new(ErrorCode::AuthFailed, "Invalid username or password")
        .closing_if(conn.failed_logins >= MAX_FAILED_LOGINS_PER_CONNECTION)
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
    let info = KickInfo {
        until: kick.until.map(format_ts),
        by: kick.by.clone(),
        reason: kick.reason.clone(),
    };
    let mut refusal = Refusal::new(
        ErrorCode::Kicked,
        format!(
            "You were kicked by {}: {}; {}",
            kick.by, kick.reason, how_long
        ),
    );
    refusal.data = serde_json::to_value(info).ok();
    Some(refusal)
}

impl Handle for Logout {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<()> {
        let id = conn.id;
        let user = conn
            .shared
            .with_hub(|hub| {
                let user = hub.sign_out(id, None)?;
                hub.drop_private(&user, "logged out");
                Some(user)
            })
            .ok_or_else(|| Refusal::new(ErrorCode::WrongState, "you are not logged in"))?;
        let device = conn.login.and_then(|l| l.device);
        end_login_row(conn, "logout").await;
        audit::record(
            &conn.shared,
            "logout",
            &user.name,
            None,
            Some(conn.peer),
            None,
        )
        .await;
        if let (true, Some(device)) = (self.forget_device, device) {
            revoke_device(
                conn,
                &user.name,
                user.id,
                device,
                "logged out on this device",
            )
            .await?;
        }
        conn.auth_since = Some(Instant::now());
        conn.record_user("");
        Ok(Handled::Reply(Answer::with_message(
            format!("{} logout successfully", user.name),
            (),
        )))
    }
}

/// Revokes device `device` of user `user_id` and audits why; `None` when the
/// user has no such device signed in.
pub(crate) async fn revoke_device(
    conn: &ConnState,
    name: &str,
    user_id: i64,
    device: i64,
    why: &str,
) -> Result<Option<Device>, Refusal> {
    let now = OffsetDateTime::now_utc();
    let revoked = conn
        .shared
        .db(move |store| store.revoke_device(user_id, device, now))
        .await
        .map_err(Refusal::internal)?;
    if let Some(d) = &revoked {
        let detail = format!("{}: {why}", d.name);
        audit::record(
            &conn.shared,
            "revoke",
            name,
            None,
            Some(conn.peer),
            Some(&detail),
        )
        .await;
    }
    Ok(revoked)
}

/// Revokes every device of user `user_id` and audits why.
pub(crate) async fn revoke_all_devices(
    conn: &ConnState,
    name: &str,
    user_id: i64,
    by: Option<&str>,
    why: &str,
) -> Result<(), Refusal> {
    let now = OffsetDateTime::now_utc();
    let revoked = conn
        .shared
        .db(move |store| store.revoke_all_devices(user_id, now))
        .await
        .map_err(Refusal::internal)?;
    if !revoked.is_empty() {
        let detail = format!("{}: {why}", revoked.join(", "));
        audit::record(&conn.shared, "revoke", name, by, None, Some(&detail)).await;
    }
    Ok(())
}

/// Closes this connection's row in the sessions table.
pub(crate) async fn end_login_row(conn: &mut ConnState, reason: &'static str) {
    if let Some(login) = conn.login.take() {
        let now = OffsetDateTime::now_utc();
        if let Err(e) = conn
            .shared
            .db(move |store| store.session_end(login.id, now, reason))
            .await
        {
            tracing::warn!(error = %e, "could not close session row");
        }
    }
}
