//! Everything said and done once logged in: rooms, messages, history, private chats,
//! admin actions and the profile. Each command is one client-library call; replies are
//! converted to the IPC types, and pushes arrive through `events.rs`.

use hearth_client::{AssignableRole, HistoryQuery, ProfileUpdate};
use tauri::State;

use crate::error::{CmdResult, CommandError};
use crate::events::chat_message;
use crate::ipc::{
    AuditArgs, AuditEntry, FromArgs, HearthEvent, HistoryArgs, HistoryPage, KickArgs, PrivateList,
    ProfileArgs, RoomArgs, RoomMap, SendArgs, Session, SetRoleArgs, ToArgs, UsernameArgs, WithArgs,
};
use crate::state::Core;

impl Core {
    /// `list_rooms`: every room with its users (inside a room: only that room).
    pub async fn list_rooms(&self) -> CmdResult<RoomMap> {
        let (client, _) = self.client()?;
        Ok(client.list().await?.rooms)
    }

    /// `create_room`
    pub async fn create_room(&self, args: RoomArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.create(args.room.trim()).await?;
        Ok(())
    }

    /// `enter_room`: the room's history follows as a `history` event.
    pub async fn enter_room(&self, args: RoomArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.enter(args.room.trim()).await?;
        Ok(())
    }

    /// `exit_room`: back to the lobby.
    pub async fn exit_room(&self) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.exit().await?;
        Ok(())
    }

    /// `send_message`: to the current room (`to: "public"`) or over a private chat. The
    /// message itself comes back as a `msg` event.
    pub async fn send_message(&self, args: SendArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        if args.to == "public" {
            client.send_public(&args.text).await?;
        } else {
            client.send_private(&args.to, &args.text).await?;
        }
        Ok(())
    }

    /// `history`: one page, oldest first.
    pub async fn history(&self, args: HistoryArgs) -> CmdResult<HistoryPage> {
        let (client, _) = self.client()?;
        let me = self.session().ok().map(|s| s.username);
        let query = HistoryQuery {
            room: args.room.clone(),
            with: args.with.clone(),
            before_id: args.before_id,
            after_id: None,
            limit: args.limit,
        };
        let page = client.history(&query).await?;
        let room = page.room.or(args.room);
        Ok(HistoryPage {
            with: page.with.or(args.with),
            messages: page
                .messages
                .into_iter()
                .map(|m| chat_message(m, me.as_deref(), room.as_deref()))
                .collect(),
            room,
        })
    }

    /// `private_request`
    pub async fn private_request(&self, args: ToArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_request(&args.to).await?;
        Ok(())
    }

    /// `private_accept`
    pub async fn private_accept(&self, args: FromArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_accept(&args.from).await?;
        Ok(())
    }

    /// `private_reject`
    pub async fn private_reject(&self, args: FromArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_reject(&args.from).await?;
        Ok(())
    }

    /// `private_end`
    pub async fn private_end(&self, args: WithArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_end(&args.with).await?;
        Ok(())
    }

    /// `private_list`
    pub async fn private_list(&self) -> CmdResult<PrivateList> {
        let (client, _) = self.client()?;
        let links = client.private_list().await?;
        Ok(PrivateList {
            active: links.active,
            incoming: links.incoming,
            outgoing: links.outgoing,
        })
    }

    /// `kick`: with a required reason and a cooldown (0 = none).
    pub async fn kick(&self, args: KickArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        if args.reason.trim().is_empty() {
            return Err(CommandError::invalid("A reason is required."));
        }
        client
            .kick(args.username.trim(), args.reason.trim(), Some(args.minutes))
            .await?;
        Ok(())
    }

    /// `unkick`: lifts a cooldown.
    pub async fn unkick(&self, args: UsernameArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.unkick(args.username.trim()).await?;
        Ok(())
    }

    /// `set_role` (owner only).
    pub async fn set_role(&self, args: SetRoleArgs) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let role = match args.role.as_str() {
            "admin" => AssignableRole::Admin,
            "member" => AssignableRole::Member,
            _ => return Err(CommandError::invalid("The role must be admin or member.")),
        };
        client.role(args.username.trim(), role).await?;
        Ok(())
    }

    /// `audit`: newest first.
    pub async fn audit(&self, args: AuditArgs) -> CmdResult<Vec<AuditEntry>> {
        let (client, _) = self.client()?;
        Ok(client
            .audit(args.limit)
            .await?
            .into_iter()
            .map(|e| AuditEntry {
                ts: e.ts,
                kind: e.kind,
                user: e.user,
                by: e.by,
                ip: e.ip,
                port: e.port,
                detail: e.detail,
            })
            .collect())
    }

    /// `update_profile`: colour, name and/or password. Emits the new `session`; a
    /// remembered login for this server follows the new name and password.
    pub async fn update_profile(&self, args: ProfileArgs) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        let before = self.session()?;
        let generation = self.lock().conn.as_ref().map(|c| c.generation);
        let new_password = args.password.as_ref().map(|p| p.new.clone());
        let update = ProfileUpdate {
            color: args.color.clone(),
            username: args.username.as_deref().map(str::trim).map(str::to_owned),
            password: args.password.map(|p| (p.old, p.new)),
        };
        if update.color.is_none() && update.username.is_none() && update.password.is_none() {
            return Ok(before);
        }
        let info = client.profile(update).await?;
        let session = Session {
            username: info.username,
            color: if info.color.is_empty() {
                before.color.clone()
            } else {
                info.color
            },
            role: info.role.unwrap_or(before.role.clone()),
            ..before.clone()
        };
        if let Some(generation) = generation {
            self.set_session(generation, Some(session.clone()));
        }
        self.emit(HearthEvent::Session {
            session: session.clone(),
        });
        self.follow_saved_login(
            addr.to_string(),
            &before.username,
            &session.username,
            new_password,
        )
        .await;
        Ok(session)
    }

    /// Keeps a remembered login in step with a rename or a password change.
    async fn follow_saved_login(
        &self,
        server: String,
        old_name: &str,
        new_name: &str,
        new_password: Option<hearth_client::Secret>,
    ) {
        if old_name == new_name && new_password.is_none() {
            return;
        }
        let (old, new) = (old_name.to_owned(), new_name.to_owned());
        let key = server.clone();
        let updated = self
            .shared
            .keychain
            .blocking(move |k| match k.load(&key)? {
                Some(saved) if saved.username.to_lowercase() == old.to_lowercase() => {
                    let password = new_password.unwrap_or(saved.password);
                    k.save(&key, &new, &password).map(|()| true)
                }
                _ => Ok(false),
            })
            .await;
        match updated {
            Ok(true) => self.set_saved_user(server, Some(new_name.to_owned())).await,
            Ok(false) => {}
            Err(e) => log::info!("saved login not updated: {e}"),
        }
    }
}

/// `list_rooms`
#[tauri::command]
pub async fn list_rooms(core: State<'_, Core>) -> CmdResult<RoomMap> {
    core.list_rooms().await
}

/// `create_room`
#[tauri::command]
pub async fn create_room(core: State<'_, Core>, args: RoomArgs) -> CmdResult<()> {
    core.create_room(args).await
}

/// `enter_room`
#[tauri::command]
pub async fn enter_room(core: State<'_, Core>, args: RoomArgs) -> CmdResult<()> {
    core.enter_room(args).await
}

/// `exit_room`
#[tauri::command]
pub async fn exit_room(core: State<'_, Core>) -> CmdResult<()> {
    core.exit_room().await
}

/// `send_message`
#[tauri::command]
pub async fn send_message(core: State<'_, Core>, args: SendArgs) -> CmdResult<()> {
    core.send_message(args).await
}

/// `history`
#[tauri::command]
pub async fn history(core: State<'_, Core>, args: HistoryArgs) -> CmdResult<HistoryPage> {
    core.history(args).await
}

/// `private_request`
#[tauri::command]
pub async fn private_request(core: State<'_, Core>, args: ToArgs) -> CmdResult<()> {
    core.private_request(args).await
}

/// `private_accept`
#[tauri::command]
pub async fn private_accept(core: State<'_, Core>, args: FromArgs) -> CmdResult<()> {
    core.private_accept(args).await
}

/// `private_reject`
#[tauri::command]
pub async fn private_reject(core: State<'_, Core>, args: FromArgs) -> CmdResult<()> {
    core.private_reject(args).await
}

/// `private_end`
#[tauri::command]
pub async fn private_end(core: State<'_, Core>, args: WithArgs) -> CmdResult<()> {
    core.private_end(args).await
}

/// `private_list`
#[tauri::command]
pub async fn private_list(core: State<'_, Core>) -> CmdResult<PrivateList> {
    core.private_list().await
}

/// `kick`
#[tauri::command]
pub async fn kick(core: State<'_, Core>, args: KickArgs) -> CmdResult<()> {
    core.kick(args).await
}

/// `unkick`
#[tauri::command]
pub async fn unkick(core: State<'_, Core>, args: UsernameArgs) -> CmdResult<()> {
    core.unkick(args).await
}

/// `set_role`
#[tauri::command]
pub async fn set_role(core: State<'_, Core>, args: SetRoleArgs) -> CmdResult<()> {
    core.set_role(args).await
}

/// `audit`
#[tauri::command]
pub async fn audit(core: State<'_, Core>, args: AuditArgs) -> CmdResult<Vec<AuditEntry>> {
    core.audit(args).await
}

/// `update_profile`
#[tauri::command]
pub async fn update_profile(core: State<'_, Core>, args: ProfileArgs) -> CmdResult<Session> {
    core.update_profile(args).await
}
