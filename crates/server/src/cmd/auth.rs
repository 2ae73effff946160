//! `ping`, `register`, `login` and `logout`.

use std::time::Instant;

use hearth_protocol::requests::{Account, LoggedIn, Login, Logout, Ping, Register};
use hearth_protocol::rules::{self, PALETTE};
use hearth_protocol::{ErrorCode, KickInfo};
use hearth_storage::{name_key, ts::format_ts, NewUser, StorageError, User};
use time::OffsetDateTime;

use crate::audit;
use crate::conn_state::{ConnState, LoginRow};
use crate::handle::{Allowed, Handle};
use crate::hub::OnlineUser;
use crate::outcome::{Answer, Handled, Outcome, Refusal};
use crate::roles::to_wire;

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
        let Login { username, password } = self;
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
        let name = username.clone();
        let user = conn
            .shared
            .db(move |store| store.user_by_name(&name))
            .await
            .map_err(Refusal::internal)?;
        let phc = user.as_ref().map(|u| u.pw_hash.clone());
        if !conn.shared.passwords.verify(password, phc).await {
            let delay = conn
                .shared
                .throttle()
                .failure(ip, &name_key(&username), Instant::now());
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            conn.failed_logins += 1;
            return Err(
                Refusal::new(ErrorCode::AuthFailed, "Invalid username or password")
                    .closing_if(conn.failed_logins >= MAX_FAILED_LOGINS_PER_CONNECTION),
            );
        }
        let Some(user) = user else {
            return Err(Refusal::internal("verified a password for no user"));
        };
        conn.shared.throttle().success(ip, &name_key(&user.name));
        let now = OffsetDateTime::now_utc();
        if let Some(refusal) = kicked_refusal(&user, now) {
            return Err(refusal);
        }

        let (user_id, peer) = (user.id, conn.peer);
        let row = conn
            .shared
            .db(move |store| store.session_start(user_id, &peer.ip().to_string(), peer.port(), now))
            .await
            .map_err(Refusal::internal)?;
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
            old.outbox
                .close_with(hearth_protocol::envelope::encode_push(
                    &hearth_protocol::push::Bye {
                        reason: hearth_protocol::push::ByeReason::Takeover,
                    },
                    None,
                ));
        }
        conn.login = Some(LoginRow { id: row });
        conn.auth_since = None;
        conn.record_user(&user.name);
        audit::record(
            &conn.shared,
            "login",
            &user.name,
            None,
            Some(conn.peer),
            None,
        )
        .await;
        tracing::info!("logged in");
        Ok(Handled::Reply(Answer::with_message(
            "Login successful",
            LoggedIn {
                username: user.name,
                chatroom: hearth_storage::LOBBY.to_owned(),
                color: user.color,
                role: to_wire(user.role),
            },
        )))
    }
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
        conn.auth_since = Some(Instant::now());
        conn.record_user("");
        Ok(Handled::Reply(Answer::with_message(
            format!("{} logout successfully", user.name),
            (),
        )))
    }
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
