//! `ping`, `register`, `login` (with a password or a login token) and `logout`.

use std::net::SocketAddr;
use std::time::Instant;

use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::{Bye, ByeReason};
use hearth_protocol::requests::{Account, LoggedIn, Login, Logout, Ping, Register};
use hearth_protocol::rules::{self, PALETTE};
use hearth_protocol::{ErrorCode, KickInfo, Secret};
use hearth_storage::{
    name_key, ts::format_ts, Device, NewUser, StorageError, Store, UnreadCount, User,
};
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
        let issue = device.map(|name| (name, tokens::issue()));
        let (user, admitted) = match (password, token) {
            (Some(password), _) => {
                let Some(user) = check_password(conn, &username, password).await? else {
                    return Err(failed_login(conn, &username).await);
                };
                // After the hash: it takes a while.
                let now = OffsetDateTime::now_utc();
                let admitted = match kicked_refusal(&user, now) {
                    Some(refusal) => Err(refusal),
                    None => {
                        let admission = Admission {
                            user: user.clone(),
                            used_device: None,
                            issue,
                            peer: conn.peer,
                            now,
                        };
                        conn.shared
                            .db(move |store| store.transaction(|store| admit(store, admission)))
                            .await
                            .map_err(Refusal::internal)
                    }
                };
                (user, admitted)
            }
            (None, Some(token)) => {
                let now = OffsetDateTime::now_utc();
                match token_login(conn, &username, &token, issue, now).await? {
                    TokenLogin::Admitted(user, admitted) => (user, Ok(admitted)),
                    TokenLogin::Kicked(user, refusal) => (user, Err(refusal)),
                    TokenLogin::RevokedByKick(refusal) => return Err(refusal),
                    TokenLogin::Refused => return Err(failed_login(conn, &username).await),
                }
            }
            (None, None) => return Err(failed_login(conn, &username).await),
        };
        // The credentials were right: the throttle forgets this address's
        // failures, whether or not a kick then refuses the login.
        conn.shared.throttle().success(ip, &user.key);
        let Admitted {
            row,
            issued,
            audited,
            unread,
            device_id,
        } = admitted?;
        for (kind, written) in audited {
            audit::log_failure(kind, written);
        }
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
) -> Result<Option<User>, Refusal> {
    let name = username.to_owned();
    let user = conn
        .shared
        .db(move |store| store.user_by_name(&name))
        .await
        .map_err(Refusal::internal)?;
    let phc = user.as_ref().map(|u| u.pw_hash.clone());
    if conn.shared.passwords.verify(password, phc).await {
        Ok(user)
    } else {
        Ok(None)
    }
}

/// How a login with a device token ended.
enum TokenLogin {
    /// A live token of the account: the login is recorded.
    Admitted(User, Admitted),
    /// A live token, but the account is kicked and its cooldown runs.
    Kicked(User, Refusal),
    /// A token revoked by a kick whose cooldown still runs: the client hears
    /// why instead of "invalid".
    RevokedByKick(Refusal),
    /// No such token for this account (or revoked otherwise): like a wrong
    /// password.
    Refused,
}

/// Logs in `username` with a device `token`, in one trip to the database and
/// one transaction: the token is looked up, and a live token of that account
/// is marked used and the login recorded ([`admit`]). No Argon2 here: a token
/// is 256 random bits. Under a crowd reconnecting at once, each login so
/// costs one commit, and the message writer waits behind one short
/// transaction per login instead of four.
async fn token_login(
    conn: &ConnState,
    username: &str,
    token: &Secret,
    issue: Option<(String, (Secret, String))>,
    now: OffsetDateTime,
) -> Result<TokenLogin, Refusal> {
    let (name, hash, peer) = (username.to_owned(), tokens::hash(token.expose()), conn.peer);
    conn.shared
        .db(move |store| {
            store.transaction(|store| {
                let Some(device) = store.device_by_token_hash(&hash)? else {
                    return Ok(TokenLogin::Refused);
                };
                let user = match store.user_by_id(device.user_id)? {
                    Some(user) if user.name == name || user.key == name_key(&name) => user,
                    _ => return Ok(TokenLogin::Refused),
                };
                if device.revoked {
                    return Ok(match kicked_refusal(&user, now) {
                        Some(refusal) => TokenLogin::RevokedByKick(refusal),
                        None => TokenLogin::Refused,
                    });
                }
                if let Some(refusal) = kicked_refusal(&user, now) {
                    return Ok(TokenLogin::Kicked(user, refusal));
                }
                store.touch_device(device.id, Some(&peer.ip().to_string()), now)?;
                let admission = Admission {
                    user: user.clone(),
                    used_device: Some(device),
                    issue,
                    peer,
                    now,
                };
                Ok(TokenLogin::Admitted(user, admit(store, admission)?))
            })
        })
        .await
        .map_err(Refusal::internal)
}

/// What a login with good credentials writes.
struct Admission {
    /// Who logs in.
    user: User,
    /// The device whose token was used, if one was.
    used_device: Option<Device>,
    /// A new device to sign in (its name, and its token with that token's hash).
    issue: Option<(String, (Secret, String))>,
    /// Where from.
    peer: SocketAddr,
    /// When.
    now: OffsetDateTime,
}

/// What recording a login gave back.
struct Admitted {
    /// The session row.
    row: i64,
    /// The new device's token and row, when one was asked for.
    issued: Option<(Secret, Device)>,
    /// The audit rows written (or not): logged back on the connection's task.
    audited: Vec<(&'static str, Result<(), StorageError>)>,
    /// The user's unread counts, for the reply.
    unread: Vec<UnreadCount>,
    /// The device this connection is signed in with, if any.
    device_id: Option<i64>,
}

/// Records a login, inside the caller's transaction: the new device (if asked
/// for), the session row, the audit rows, and reads the unread counts.
fn admit(store: &Store, admission: Admission) -> Result<Admitted, StorageError> {
    let Admission {
        user,
        used_device,
        issue,
        peer,
        now,
    } = admission;
    let ip = peer.ip().to_string();
    let issued = match issue {
        Some((name, (token, hash))) => {
            let device = store.add_device(user.id, &name, &hash, Some(&ip), now)?;
            Some((token, device))
        }
        None => None,
    };
    let row = store.session_start(user.id, &ip, peer.port(), now)?;
    let how = used_device
        .as_ref()
        .map(|d| format!("with the login token of {}", d.name));
    let mut audited = vec![(
        "login",
        audit::write(store, "login", &user.name, None, Some(peer), how.as_deref()),
    )];
    if let Some((_, device)) = &issued {
        let detail = Some(device.name.as_str());
        let written = audit::write(store, "device", &user.name, None, Some(peer), detail);
        audited.push(("device", written));
    }
    let unread = store.unread_counts(user.id)?;
    let device_id = used_device
        .as_ref()
        .or(issued.as_ref().map(|(_, d)| d))
        .map(|d| d.id);
    Ok(Admitted {
        row,
        issued,
        audited,
        unread,
        device_id,
    })
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
        let audit_row = EndAudit {
            kind: "logout",
            user: &user.name,
            detail: None,
        };
        end_login(conn, "logout", Some(audit_row)).await;
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

/// The audit row that goes with the end of a login.
pub(crate) struct EndAudit<'a> {
    /// `logout` or `disconnect`.
    pub kind: &'static str,
    /// Whose login ended.
    pub user: &'a str,
    /// Why, if the kind does not say it all.
    pub detail: Option<&'a str>,
}

/// Closes this connection's row in the sessions table and writes the audit
/// row for it, in one trip to the database and one transaction (a crowd
/// disconnecting at once costs one commit each). Either failing is logged and
/// does not stop the other.
pub(crate) async fn end_login(
    conn: &mut ConnState,
    reason: &'static str,
    audit_row: Option<EndAudit<'_>>,
) {
    let login = conn.login.take();
    if login.is_none() && audit_row.is_none() {
        return;
    }
    let now = OffsetDateTime::now_utc();
    let peer = conn.peer;
    let audit_row = audit_row.map(|a| (a.kind, a.user.to_owned(), a.detail.map(str::to_owned)));
    let done = conn
        .shared
        .db(move |store| {
            store.transaction(|store| {
                let ended = login.map(|login| store.session_end(login.id, now, reason));
                let audited = audit_row.map(|(kind, user, detail)| {
                    let written =
                        audit::write(store, kind, &user, None, Some(peer), detail.as_deref());
                    (kind, written)
                });
                Ok((ended, audited))
            })
        })
        .await;
    match done {
        Ok((ended, audited)) => {
            if let Some(Err(e)) = ended {
                tracing::warn!(error = %e, "could not close session row");
            }
            if let Some((kind, written)) = audited {
                audit::log_failure(kind, written);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not record the end of the login"),
    }
}
