//! Everything said and done once logged in: rooms, messages, history, private chats,
//! admin actions and the profile. Each command is one client-library call; replies are
//! converted to the IPC types, and pushes arrive through `events.rs`.

use hearth_client::AssignableRole;
use hearth_protocol::requests::{
    Audit, Create, Enter, History, Kick, Msg, PrivateAccept, PrivateEnd, PrivateReject,
    PrivateRequest, Profile, SetRole, Unkick,
};
use hearth_protocol::{AuditEntry, PrivateLinks, PUBLIC};

use crate::error::{CmdResult, CommandError};
use crate::events::message_view;
use crate::ipc::{HearthEvent, HistoryView, RoomMap, Session};
use crate::state::Core;

impl Core {
    /// `list_rooms`: every room with its users (inside a room: only that room).
    pub async fn list_rooms(&self) -> CmdResult<RoomMap> {
        let (client, _) = self.client()?;
        Ok(RoomMap(client.list().await?.rooms.0.into_iter().collect()))
    }

    /// `create_room`
    pub async fn create_room(&self, args: Create) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.create(args.room.trim()).await?;
        Ok(())
    }

    /// `enter_room`: the room's history follows as a `history` event.
    pub async fn enter_room(&self, args: Enter) -> CmdResult<()> {
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
    pub async fn send_message(&self, args: Msg) -> CmdResult<()> {
        let (client, _) = self.client()?;
        if args.to == PUBLIC {
            client.send_public(&args.text).await?;
        } else {
            client.send_private(&args.to, &args.text).await?;
        }
        Ok(())
    }

    /// `history`: one page, oldest first.
    pub async fn history(&self, args: History) -> CmdResult<HistoryView> {
        let (client, _) = self.client()?;
        let me = self.session().ok().map(|s| s.username);
        let (asked_room, asked_with) = (args.room.clone(), args.with.clone());
        let page = client.history(args).await?;
        let room = page.room.or(asked_room);
        Ok(HistoryView {
            with: page.with.or(asked_with),
            messages: page
                .messages
                .into_iter()
                .map(|m| message_view(m, me.as_deref(), room.as_deref()))
                .collect(),
            room,
        })
    }

    /// `private_request`
    pub async fn private_request(&self, args: PrivateRequest) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_request(&args.to).await?;
        Ok(())
    }

    /// `private_accept`
    pub async fn private_accept(&self, args: PrivateAccept) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_accept(&args.from).await?;
        Ok(())
    }

    /// `private_reject`
    pub async fn private_reject(&self, args: PrivateReject) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_reject(&args.from).await?;
        Ok(())
    }

    /// `private_end`
    pub async fn private_end(&self, args: PrivateEnd) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.private_end(&args.with).await?;
        Ok(())
    }

    /// `private_list`
    pub async fn private_list(&self) -> CmdResult<PrivateLinks> {
        let (client, _) = self.client()?;
        Ok(client.private_list().await?)
    }

    /// `kick`: with a required reason and a cooldown (0 = none).
    pub async fn kick(&self, args: Kick) -> CmdResult<()> {
        let (client, _) = self.client()?;
        if args.reason.trim().is_empty() {
            return Err(CommandError::invalid("A reason is required."));
        }
        client
            .kick(args.username.trim(), args.reason.trim(), args.minutes)
            .await?;
        Ok(())
    }

    /// `unkick`: lifts a cooldown.
    pub async fn unkick(&self, args: Unkick) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.unkick(args.username.trim()).await?;
        Ok(())
    }

    /// `set_role` (owner only).
    pub async fn set_role(&self, args: SetRole) -> CmdResult<()> {
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
    pub async fn audit(&self, args: Audit) -> CmdResult<Vec<AuditEntry>> {
        let (client, _) = self.client()?;
        Ok(client.audit(args.limit).await?)
    }

    /// `update_profile`: colour, name and/or password. Emits the new `session`; a
    /// remembered login for this server follows the new name and password.
    pub async fn update_profile(&self, args: Profile) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        let before = self.session()?;
        let generation = self.lock().conn.as_ref().map(|c| c.generation);
        let new_password = args.password.as_ref().map(|p| p.new.clone());
        let update = Profile {
            username: args.username.as_deref().map(str::trim).map(str::to_owned),
            ..args
        };
        if update.color.is_none() && update.username.is_none() && update.password.is_none() {
            return Ok(before);
        }
        let account = client.profile(update).await?;
        let session = Session {
            username: account.username,
            color: account.color,
            role: account.role,
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
