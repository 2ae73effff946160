//! Accounts on the current server: register, log in (optionally remembered in the OS
//! keychain, see `keychain.rs`), log in with the saved login, forget it, log out.

use hearth_client::{ErrorCode as ServerCode, Secret};
use hearth_protocol::requests::Register;

use crate::error::{CmdResult, CommandError};
use crate::ipc::{AddressArgs, LoginArgs, SavedLogin, Session};
use crate::join::parse_address;
use crate::keychain::KeychainError;
use crate::state::Core;

impl Core {
    /// `register`: makes an account on the current server (does not log in).
    pub async fn register(&self, args: Register) -> CmdResult<()> {
        let (client, _) = self.client()?;
        client
            .register(args.username.trim(), &args.password, args.color.as_deref())
            .await?;
        Ok(())
    }

    /// Logs in on the current connection and records the session.
    pub(crate) async fn login_current(
        &self,
        username: &str,
        password: &Secret,
    ) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        let generation = self.lock().conn.as_ref().map(|c| c.generation);
        let info = client.login(username, password).await?;
        let session = Session {
            server: addr.to_string(),
            username: info.username,
            color: info.color,
            role: info.role,
        };
        if let Some(generation) = generation {
            self.set_session(generation, Some(session.clone()));
        }
        Ok(session)
    }

    /// `login`. With `remember`, the keychain is checked first, so that a missing keychain
    /// is reported (`keychain_unavailable`) before anything happens and the UI can offer
    /// to log in without remembering.
    pub async fn login(&self, args: LoginArgs) -> CmdResult<Session> {
        let (_, addr) = self.client()?;
        if args.remember {
            self.shared.keychain.blocking(|k| k.probe()).await?;
        }
        let session = self
            .login_current(args.username.trim(), &args.password)
            .await?;
        if args.remember {
            let server = addr.to_string();
            let (user, password) = (session.username.clone(), args.password.clone());
            let saved = {
                let server = server.clone();
                self.shared
                    .keychain
                    .blocking(move |k| k.save(&server, &user, &password))
                    .await
            };
            match saved {
                Ok(()) => {
                    self.set_saved_user(server, Some(session.username.clone()))
                        .await
                }
                Err(e) => log::warn!("logged in, but the login could not be saved: {e}"),
            }
        }
        Ok(session)
    }

    /// `login_saved`: logs in with the login saved for the current server.
    pub async fn login_saved(&self) -> CmdResult<Session> {
        let (_, addr) = self.client()?;
        let server = addr.to_string();
        let saved = self
            .shared
            .keychain
            .blocking(move |k| k.load(&server))
            .await?
            .ok_or_else(|| {
                CommandError::new(ServerCode::AuthFailed, "No saved login for this server.")
            })?;
        self.login_current(&saved.username, &saved.password).await
    }

    /// `saved_login`: the username saved for a server. A missing keychain counts as none.
    pub async fn saved_login(&self, args: AddressArgs) -> CmdResult<Option<SavedLogin>> {
        let server = parse_address(&args.address)?.to_string();
        match self
            .shared
            .keychain
            .blocking(move |k| k.load(&server))
            .await
        {
            Ok(saved) => Ok(saved.map(|s| SavedLogin {
                username: s.username,
            })),
            Err(KeychainError::Unavailable(why)) => {
                log::info!("no keychain, so no saved login: {why}");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `forget_login`: deletes the login saved for a server.
    pub async fn forget_login(&self, args: AddressArgs) -> CmdResult<()> {
        let server = parse_address(&args.address)?.to_string();
        let key = server.clone();
        self.shared
            .keychain
            .blocking(move |k| k.forget(&key))
            .await?;
        self.set_saved_user(server, None).await;
        Ok(())
    }

    /// `logout`: back to the login screen on the same connection.
    pub async fn logout(&self) -> CmdResult<()> {
        let (client, _) = self.client()?;
        let generation = self.lock().conn.as_ref().map(|c| c.generation);
        client.logout().await?;
        if let Some(generation) = generation {
            self.set_session(generation, None);
        }
        Ok(())
    }
}
