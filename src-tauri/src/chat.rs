//! Everything said and done once logged in: rooms, messages, history, private chats,
//! admin actions and the profile. Each command is one client-library call; replies are
//! converted to the IPC types, and pushes arrive through `events.rs`.

use hearth_client::AssignableRole;
use hearth_protocol::requests::{
    Audit, Create, Delete, Edit, Enter, History, Kick, Msg, PrivateAccept, PrivateEnd,
    PrivateReject, PrivateRequest, Profile, React, Read, Search, SetRole, Typing, Unkick,
};
use hearth_protocol::{AuditEntry, PrivateLinks, UnreadCount, PUBLIC};

use crate::error::{CmdResult, CommandError};
use crate::events::{message_view, message_views};
use crate::ipc::{HearthEvent, HistoryView, RoomListing, RoomMap, SearchView, Session};
use crate::state::Core;

impl Core {
    /// `list_rooms`: every room with its users (inside a room: only that
    /// room), and the unread counts.
    pub async fn list_rooms(&self) -> CmdResult<RoomListing> {
        let (client, _) = self.client()?;
        let reply = client.list().await?;
        Ok(RoomListing {
            rooms: RoomMap(reply.list.rooms.0.into_iter().collect()),
            unread: reply.unread,
        })
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
            messages: message_views(page.messages, me.as_deref(), room.as_deref()),
            room,
        })
    }

    /// `react`: gives or takes back an emoji on a message (the change comes
    /// back to everyone, this user included, as a `reactions` event).
    pub async fn react(&self, args: React) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let reactions = client.react(args.id, &args.emoji).await?;
        self.emit(HearthEvent::Reactions {
            id: reactions.id,
            room: reactions.room,
            reactions: reactions.reactions,
        });
        Ok(())
    }

    /// `edit_message`: replaces the text of one of this user's messages.
    pub async fn edit_message(&self, args: Edit) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let me = self.session().ok().map(|s| s.username);
        let edited = client.edit(args.id, &args.text).await?;
        let room = edited.room.clone();
        self.emit(HearthEvent::Edited {
            message: message_view(edited, me.as_deref(), room.as_deref()),
        });
        Ok(())
    }

    /// `delete_message`: deletes a message (this user's own, or as an admin any in a room).
    pub async fn delete_message(&self, args: Delete) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let gone = client.delete(args.id).await?;
        self.emit(HearthEvent::Deleted {
            id: gone.id,
            room: gone.room,
            by: gone.by,
        });
        Ok(())
    }

    /// `search`: matches in a room or a private chat, newest first.
    pub async fn search(&self, args: Search) -> CmdResult<SearchView> {
        let (client, _) = self.client()?;
        let me = self.session().ok().map(|s| s.username);
        let page = client.search(args).await?;
        let room = page.room.clone();
        Ok(SearchView {
            with: page.with,
            messages: message_views(page.messages, me.as_deref(), room.as_deref()),
            room,
            more: page.more,
        })
    }

    /// `mark_read`: everything up to a message is read; returns the counts after.
    pub async fn mark_read(&self, args: Read) -> CmdResult<UnreadCount> {
        let (client, _) = self.client()?;
        Ok(client.read(args).await?)
    }

    /// `typing`: tells the others this user is typing (the UI sends it at
    /// most every `TYPING_SEND_INTERVAL_MS`, and not at all when the user
    /// turned sharing it off).
    pub async fn typing(&self, args: Typing) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client.typing(args).await?;
        Ok(())
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

    /// `update_profile`: colour, name and/or password. Emits the new `session`. On a
    /// remembered device, a password change (which signs every device out) asks for a
    /// fresh login token, and a rename updates the saved login.
    pub async fn update_profile(&self, args: Profile) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        let before = self.session()?;
        let generation = self.lock().conn.as_ref().map(|c| c.generation);
        let remembered = self.has_saved_login(&addr).await;
        let update = Profile {
            username: args.username.as_deref().map(str::trim).map(str::to_owned),
            device: (remembered && args.password.is_some()).then(crate::auth::device_name),
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
        if remembered {
            self.follow_saved_login(&addr, &session.username, account.token)
                .await;
        }
        Ok(session)
    }

    /// Keeps a remembered login in step with a rename, or with the fresh token a
    /// password change issued.
    async fn follow_saved_login(
        &self,
        addr: &hearth_client::ServerAddr,
        name: &str,
        fresh: Option<hearth_client::Secret>,
    ) {
        let token = match fresh {
            Some(token) => Some(token),
            None => {
                let server = addr.to_string();
                match self
                    .shared
                    .keychain
                    .blocking(move |k| k.load(&server))
                    .await
                {
                    Ok(Some(crate::keychain::StoredLogin {
                        credential: crate::keychain::SavedCredential::Token(token),
                        ..
                    })) => Some(token),
                    _ => None,
                }
            }
        };
        match token {
            Some(token) => self.save_token(addr, name, token).await,
            // Only a password was saved (an earlier version) and it just changed.
            None => self.forget_saved_login(addr).await,
        }
    }
}
