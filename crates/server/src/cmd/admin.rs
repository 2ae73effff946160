//! Admin requests: `role`, `kick`, `unkick`, `audit`. Every change is audited.

use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::{KickedPush, Notice};
use hearth_protocol::requests::{
    Audit, AuditPage, Kick, Kicked, RoleChanged, SetRole, Unkick, Username,
};
use hearth_protocol::{rules, AuditEntry, ErrorCode, KickInfo, Role};
use hearth_storage::{name_key, ts::format_ts, User};
use time::{Duration, OffsetDateTime};

use crate::audit;
use crate::cmd::auth::revoke_all_devices;
use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::outcome::{Answer, Handled, Outcome, Refusal};
use crate::roles::{to_stored, to_wire};

/// Cooldown when `kick` names none, in minutes.
pub(crate) const DEFAULT_KICK_MINUTES: u32 = 5;
/// Longest cooldown: 30 days.
pub(crate) const MAX_KICK_MINUTES: u32 = 30 * 24 * 60;
/// Audit rows returned when `audit` names no limit, and the most it returns.
const AUDIT_DEFAULT: u32 = 100;
const AUDIT_MAX: u32 = 1000;

fn require_admin(role: Role) -> Result<(), Refusal> {
    if role.is_admin() {
        Ok(())
    } else {
        Err(Refusal::new(
            ErrorCode::Forbidden,
            "only admins and the owner can do that",
        ))
    }
}

async fn find_user(conn: &ConnState, name: &str) -> Result<User, Refusal> {
    let lookup = name.to_owned();
    conn.shared
        .db(move |store| store.user_by_name(&lookup))
        .await
        .map_err(Refusal::internal)?
        .ok_or_else(|| Refusal::new(ErrorCode::NotFound, format!("no such user: {name}")))
}

fn now() -> String {
    format_ts(OffsetDateTime::now_utc())
}

impl Handle for SetRole {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// `role {username, role: "admin" | "member"}` (owner only).
    async fn handle(self, conn: &mut ConnState) -> Outcome<RoleChanged> {
        let me = conn.me()?;
        if me.role != Role::Owner {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "only the owner can change roles",
            ));
        }
        let new_role = match self.role.as_str() {
            "admin" => Role::Admin,
            "member" => Role::Member,
            _ => {
                return Err(Refusal::new(
                    ErrorCode::InvalidInput,
                    "role must be \"admin\" or \"member\"",
                ))
            }
        };
        let target = find_user(conn, &self.username).await?;
        if target.role == hearth_storage::Role::Owner {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "the owner's role cannot be changed",
            ));
        }
        let id = target.id;
        conn.shared
            .db(move |store| store.set_role(id, to_stored(new_role)))
            .await
            .map_err(Refusal::internal)?;
        let peer = conn.shared.with_hub(|hub| {
            // Everyone online hears about it, whether or not the target is online.
            let notice = Notice::Role {
                user: target.name.clone(),
                role: new_role,
                by: me.name.clone(),
                ts: now(),
            };
            hub.send_online(&encode_push(&notice, None));
            hub.set_role(id, new_role);
            hub.conn_of_user(id).and_then(|c| hub.peer(c))
        });
        audit::record(
            &conn.shared,
            "role",
            &target.name,
            Some(&me.name),
            peer,
            Some(new_role.as_str()),
        )
        .await;
        Ok(Handled::Reply(Answer::with_message(
            format!("{} is now {}", target.name, new_role),
            RoleChanged {
                username: target.name,
                role: new_role,
            },
        )))
    }
}

impl Handle for Kick {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// `kick {username, reason, minutes?}` (admins and the owner).
    async fn handle(self, conn: &mut ConnState) -> Outcome<Kicked> {
        let Kick {
            username,
            reason,
            minutes,
        } = self;
        let me = conn.me()?;
        require_admin(me.role)?;
        rules::check_reason(&reason)?;
        let minutes = minutes.unwrap_or(DEFAULT_KICK_MINUTES);
        if minutes > MAX_KICK_MINUTES {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                format!("minutes must be at most {MAX_KICK_MINUTES} (30 days)"),
            ));
        }
        let target = find_user(conn, &username).await?;
        if name_key(&target.name) == name_key(&me.name) {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you cannot kick yourself",
            ));
        }
        match (to_wire(target.role), me.role) {
            (Role::Owner, _) => {
                return Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "the owner cannot be kicked",
                ))
            }
            (Role::Admin, Role::Admin) => {
                return Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "only the owner can kick an admin",
                ));
            }
            _ => {}
        }
        let until = (minutes > 0)
            .then(|| OffsetDateTime::now_utc() + Duration::minutes(i64::from(minutes)));
        // A kick with no cooldown also lifts any cooldown still running.
        let (id, why, by) = (target.id, reason.clone(), me.name.clone());
        conn.shared
            .db(move |store| match until {
                Some(until) => store.set_kick(id, Some(until), &why, &by),
                None => store.clear_kick(id),
            })
            .await
            .map_err(Refusal::internal)?;
        if until.is_some() {
            // A cooldown also signs every device out: no token logs back in.
            revoke_all_devices(conn, &target.name, target.id, Some(&me.name), "kicked").await?;
        }
        let info = KickInfo {
            until: until.map(format_ts),
            by: me.name.clone(),
            reason: reason.clone(),
        };

        // Take the target offline now, so presence never shows a kicked user,
        // then tell everyone still online.
        let kicked_push = encode_push(&KickedPush(info.clone()), None);
        let peer = conn.shared.with_hub(|hub| {
            let taken = hub.conn_of_user(target.id).and_then(|c| {
                let peer = hub.peer(c);
                let outbox = hub.outbox_of(c)?;
                let user = hub.sign_out(c, Some("kicked"))?;
                hub.drop_private(&user, &format!("{} was kicked", user.name));
                outbox.close_with(kicked_push);
                peer
            });
            let notice = Notice::Kicked {
                user: target.name.clone(),
                by: info.by.clone(),
                reason: info.reason.clone(),
                until: info.until.clone(),
                ts: now(),
            };
            hub.send_online(&encode_push(&notice, None));
            taken
        });
        let detail = format!("{reason} ({minutes} min)");
        audit::record(
            &conn.shared,
            "kick",
            &target.name,
            Some(&me.name),
            peer,
            Some(&detail),
        )
        .await;
        Ok(Handled::Reply(Answer::with_message(
            format!("{} was kicked", target.name),
            Kicked {
                username: target.name,
                until: info.until,
                online: peer.is_some(),
            },
        )))
    }
}

impl Handle for Unkick {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// `unkick {username}`: lifts a cooldown.
    async fn handle(self, conn: &mut ConnState) -> Outcome<Username> {
        let me = conn.me()?;
        require_admin(me.role)?;
        let target = find_user(conn, &self.username).await?;
        let id = target.id;
        conn.shared
            .db(move |store| store.clear_kick(id))
            .await
            .map_err(Refusal::internal)?;
        audit::record(
            &conn.shared,
            "unkick",
            &target.name,
            Some(&me.name),
            None,
            None,
        )
        .await;
        Ok(Handled::Reply(Answer::with_message(
            format!("{} may log in again", target.name),
            Username {
                username: target.name,
            },
        )))
    }
}

impl Handle for Audit {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// `audit {limit?}`: newest first.
    async fn handle(self, conn: &mut ConnState) -> Outcome<AuditPage> {
        require_admin(conn.me()?.role)?;
        let limit = self.limit.unwrap_or(AUDIT_DEFAULT).clamp(1, AUDIT_MAX);
        let entries = conn
            .shared
            .db(move |store| store.audit_recent(limit))
            .await
            .map_err(Refusal::internal)?;
        Ok(Handled::Reply(Answer::data(AuditPage {
            entries: entries
                .into_iter()
                .map(|e| AuditEntry {
                    id: e.id,
                    ts: format_ts(e.ts),
                    kind: e.kind,
                    user: e.user,
                    by: e.by,
                    ip: e.ip,
                    port: e.port,
                    detail: e.detail,
                })
                .collect(),
        })))
    }
}
