//! `profile {color?, username?, password?: {old, new}}`.

use hearth_protocol::request::PasswordChange;
use hearth_protocol::rules;
use hearth_storage::{name_key, StorageError};
use serde_json::json;

use crate::cmd::auth::profile_event;
use crate::session::{Handled, Outcome, Refusal, Reply, Session};

/// Changes colour, name and/or password, then tells every online user.
pub(crate) async fn update(
    s: &mut Session,
    color: Option<String>,
    username: Option<String>,
    password: Option<PasswordChange>,
) -> Outcome {
    if color.is_none() && username.is_none() && password.is_none() {
        return Err(Refusal::new(
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
    let (user_id, old_name) = {
        let hub = s.shared.hub();
        let me = hub.me(s.id)?;
        (me.id, me.name.clone())
    };

    if let Some(change) = password {
        let stored = s
            .shared
            .db(move |store| store.user_by_id(user_id))
            .await
            .map_err(Refusal::internal)?
            .map(|u| u.pw_hash.clone());
        if !s.shared.passwords.verify(change.old, stored).await {
            return Err(Refusal::new("the current password is wrong"));
        }
        let hash = s
            .shared
            .passwords
            .hash(change.new)
            .await
            .map_err(Refusal::internal)?;
        s.shared
            .db(move |store| store.set_password_hash(user_id, &hash))
            .await
            .map_err(Refusal::internal)?;
    }
    if let Some(new_name) = username.clone() {
        let result = s
            .shared
            .db(move |store| store.rename_user(user_id, &new_name))
            .await;
        match result {
            Ok(()) => {}
            Err(StorageError::NameTaken) => {
                return Err(Refusal::new("Username already in use, try another one"));
            }
            Err(e) => return Err(Refusal::internal(e)),
        }
    }
    if let Some(c) = color.clone() {
        s.shared
            .db(move |store| store.set_color(user_id, &c))
            .await
            .map_err(Refusal::internal)?;
    }

    let id = s.id;
    let (name, color, role) = s.shared.with_hub(|hub| {
        let (old_key, new_key) = {
            let Some(me) = hub.user_mut(id) else {
                return (old_name.clone(), String::new(), "member");
            };
            let old_key = me.key.clone();
            if let Some(n) = &username {
                me.name = n.clone();
                me.key = name_key(n);
            }
            if let Some(c) = &color {
                me.color = c.clone();
            }
            (old_key, me.key.clone())
        };
        if old_key != new_key || username.is_some() {
            hub.rekey(id, &old_key, new_key);
        }
        let me = hub.user(id).cloned();
        me.map_or((old_name.clone(), String::new(), "member"), |u| {
            (u.name, u.color, u.role.as_str())
        })
    });
    let renamed = (name != old_name).then_some(old_name.as_str());
    profile_event(s, &name, renamed, &color);
    Ok(Handled::Reply(Reply {
        message: Some("profile updated".into()),
        data: Some(json!({ "username": name, "color": color, "role": role })),
        ..Reply::default()
    }))
}
