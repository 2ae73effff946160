//! `profile {color?, username?, password?: {old, new}}`.

use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::Notice;
use hearth_protocol::requests::{Account, Profile};
use hearth_protocol::{rules, ErrorCode};
use hearth_storage::{ts::format_ts, StorageError};
use time::OffsetDateTime;

use crate::cmd::auth::{name_taken, revoke_all_devices};
use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::outcome::{Answer, Handled, Outcome, Refusal};
use crate::tokens;

/// Issues a login token for a new device of `user_id`; returns it and the device's id.
async fn issue_device(
    conn: &ConnState,
    user_id: i64,
    name: String,
) -> Result<(hearth_protocol::Secret, i64), Refusal> {
    let (token, hash) = tokens::issue();
    let ip = conn.peer.ip().to_string();
    let device = conn
        .shared
        .db(move |store| {
            store.add_device(user_id, &name, &hash, Some(&ip), OffsetDateTime::now_utc())
        })
        .await
        .map_err(Refusal::internal)?;
    crate::audit::record(
        &conn.shared,
        "device",
        &conn.me()?.name,
        None,
        Some(conn.peer),
        Some(&device.name),
    )
    .await;
    Ok((token, device.id))
}

impl Handle for Profile {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// Changes colour, name and/or password, then tells every online user.
    async fn handle(self, conn: &mut ConnState) -> Outcome<Account> {
        let Profile {
            color,
            username,
            password,
            device,
        } = self;
        if color.is_none() && username.is_none() && password.is_none() {
            return Err(Refusal::new(
                ErrorCode::InvalidInput,
                "give a color, a username or a password to change",
            ));
        }
        let color = color.map(|c| rules::normalize_color(&c)).transpose()?;
        if let Some(name) = &username {
            rules::check_username(name)?;
        }
        if let Some(change) = &password {
            rules::check_password(change.new.expose())?;
        }
        if let Some(name) = &device {
            rules::check_device_name(name)?;
        }
        let me = conn.me()?;
        let user_id = me.id;

        let mut token = None;
        if let Some(change) = password {
            let stored = conn
                .shared
                .db(move |store| store.user_by_id(user_id))
                .await
                .map_err(Refusal::internal)?
                .map(|u| u.pw_hash.clone());
            if !conn.shared.passwords.verify(change.old, stored).await {
                return Err(Refusal::new(
                    ErrorCode::AuthFailed,
                    "the current password is wrong",
                ));
            }
            let hash = conn
                .shared
                .passwords
                .hash(change.new)
                .await
                .map_err(Refusal::internal)?;
            conn.shared
                .db(move |store| store.set_password_hash(user_id, &hash))
                .await
                .map_err(Refusal::internal)?;
            // A new password signs every device out; this one may ask for a new token.
            revoke_all_devices(conn, &me.name, user_id, None, "the password changed").await?;
            let new_device = match device {
                Some(name) => Some(issue_device(conn, user_id, name).await?),
                None => None,
            };
            let device_id = new_device.as_ref().map(|(_, d)| *d);
            if let Some(login) = conn.login.as_mut() {
                login.device = device_id;
            }
            token = new_device.map(|(t, _)| t);
        }
        if let Some(new_name) = username.clone() {
            match conn
                .shared
                .db(move |store| store.rename_user(user_id, &new_name))
                .await
            {
                Ok(()) => {}
                Err(StorageError::NameTaken) => return Err(name_taken()),
                Err(e) => return Err(Refusal::internal(e)),
            }
        }
        if let Some(c) = color.clone() {
            conn.shared
                .db(move |store| store.set_color(user_id, &c))
                .await
                .map_err(Refusal::internal)?;
        }

        let id = conn.id;
        let user = conn.shared.with_hub(|hub| {
            let user = hub.update_profile(id, username.as_deref(), color.as_deref())?;
            let renamed = user.name != me.name;
            let notice = Notice::Profile {
                user: user.name.clone(),
                old_username: renamed.then(|| me.name.clone()),
                color: user.color.clone(),
                ts: format_ts(OffsetDateTime::now_utc()),
            };
            hub.send_online(&encode_push(&notice, None));
            Ok::<_, Refusal>(user)
        })?;
        conn.record_user(&user.name);
        Ok(Handled::Reply(Answer::with_message(
            "profile updated",
            Account {
                username: user.name,
                color: user.color,
                role: user.role,
                token,
            },
        )))
    }
}
