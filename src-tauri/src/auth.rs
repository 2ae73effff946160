//! Accounts on the current server: register, log in (optionally remembered in the OS
//! keychain, see `keychain.rs`), log in with the saved login, forget it, log out, and
//! the account's signed-in devices.
//!
//! "Remember me" never stores the password: the login asks the server for a login
//! token for this device (named after the computer), and the keychain keeps that.
//! Logging out on a remembered device revokes its token and forgets the entry.

use hearth_client::{Client, ErrorCode as ServerCode, Secret, ServerAddr};
use hearth_protocol::requests::{DeviceList, LoggedIn, Register, RevokeDevice};

use crate::error::{CmdResult, CommandError};
use crate::ipc::{AddressArgs, LoginArgs, SavedLogin, Session};
use crate::join::parse_address;
use crate::keychain::{KeychainError, SavedCredential};

/// The name this device gives itself for its login token ("Alice's MacBook").
pub(crate) fn device_name() -> String {
    let name = whoami::devicename()
        .or_else(|_| whoami::hostname())
        .unwrap_or_default();
    let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    if name.trim().is_empty() {
        "Hearth desktop app".to_owned()
    } else {
        name
    }
}
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
        let generation = self.generation();
        let info = client.login(username, password).await?;
        Ok(self.record_login(&addr, generation, info))
    }

    /// The current connection's generation.
    fn generation(&self) -> Option<u64> {
        self.lock().conn.as_ref().map(|c| c.generation)
    }

    /// Records the session of a login made on connection `generation`.
    fn record_login(&self, addr: &ServerAddr, generation: Option<u64>, info: LoggedIn) -> Session {
        let session = Session {
            server: addr.to_string(),
            username: info.username,
            color: info.color,
            role: info.role,
            unread: info.unread,
        };
        if let Some(generation) = generation {
            self.set_session(generation, Some(session.clone()));
        }
        session
    }

    /// Logs in with the password and has the server issue this device a login token,
    /// then keeps the token (never the password) in the keychain.
    async fn login_remembered(
        &self,
        client: &Client,
        addr: &ServerAddr,
        username: &str,
        password: &Secret,
    ) -> CmdResult<Session> {
        let generation = self.generation();
        let info = client
            .login_device(username, password, &device_name())
            .await?;
        let token = info.token.clone();
        let session = self.record_login(addr, generation, info);
        match token {
            Some(token) => self.save_token(addr, &session.username, token).await,
            None => log::warn!("the server issued no login token, so the login was not saved"),
        }
        Ok(session)
    }

    /// Keeps `token` as the saved login for `addr`.
    pub(crate) async fn save_token(&self, addr: &ServerAddr, username: &str, token: Secret) {
        let server = addr.to_string();
        let saved = {
            let (server, user) = (server.clone(), username.to_owned());
            self.shared
                .keychain
                .blocking(move |k| k.save(&server, &user, &token))
                .await
        };
        match saved {
            Ok(()) => self.set_saved_user(server, Some(username.to_owned())).await,
            Err(e) => log::warn!("logged in, but the login could not be saved: {e}"),
        }
    }

    /// `login`. With `remember`, the keychain is checked first, so that a missing keychain
    /// is reported (`keychain_unavailable`) before anything happens and the UI can offer
    /// to log in without remembering.
    pub async fn login(&self, args: LoginArgs) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        if !args.remember {
            return self
                .login_current(args.username.trim(), &args.password)
                .await;
        }
        self.shared.keychain.blocking(|k| k.probe()).await?;
        self.login_remembered(&client, &addr, args.username.trim(), &args.password)
            .await
    }

    /// `login_saved`: logs in with the login token saved for the current server. A token
    /// that no longer works (revoked from another device, a password change, a kick) is
    /// forgotten, and the user is asked to log in again.
    pub async fn login_saved(&self) -> CmdResult<Session> {
        let (client, addr) = self.client()?;
        let server = addr.to_string();
        let saved = self
            .shared
            .keychain
            .blocking(move |k| k.load(&server))
            .await?
            .ok_or_else(|| {
                CommandError::new(ServerCode::AuthFailed, "No saved login for this server.")
            })?;
        match saved.credential {
            SavedCredential::Token(token) => {
                let generation = self.generation();
                match client.login_token(&saved.username, &token).await {
                    Ok(info) => Ok(self.record_login(&addr, generation, info)),
                    Err(e) => {
                        let e = CommandError::from(e);
                        if !e.is(ServerCode::AuthFailed) {
                            return Err(e);
                        }
                        self.forget_saved_login(&addr).await;
                        Err(CommandError::new(
                            ServerCode::AuthFailed,
                            "This computer's saved login was signed out. Log in again.",
                        ))
                    }
                }
            }
            // Saved by an earlier version: exchange the password for a token once.
            SavedCredential::LegacyPassword(password) => {
                self.login_remembered(&client, &addr, &saved.username, &password)
                    .await
            }
        }
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

    /// Deletes the saved login for `addr`; a failure is only logged.
    pub(crate) async fn forget_saved_login(&self, addr: &ServerAddr) {
        let server = addr.to_string();
        let key = server.clone();
        match self.shared.keychain.blocking(move |k| k.forget(&key)).await {
            Ok(()) => self.set_saved_user(server, None).await,
            Err(e) => log::info!("saved login for {server} not removed: {e}"),
        }
    }

    /// True when a login is saved for `addr` (a missing keychain counts as none).
    pub(crate) async fn has_saved_login(&self, addr: &ServerAddr) -> bool {
        let server = addr.to_string();
        matches!(
            self.shared
                .keychain
                .blocking(move |k| k.load(&server))
                .await,
            Ok(Some(_))
        )
    }

    /// `logout`: back to the login screen on the same connection. On a remembered
    /// device this is "log out on this device": its token is revoked and forgotten.
    pub async fn logout(&self) -> CmdResult<()> {
        let (client, addr) = self.client()?;
        let generation = self.generation();
        if self.has_saved_login(&addr).await {
            client.logout_and_forget_device().await?;
            self.forget_saved_login(&addr).await;
        } else {
            client.logout().await?;
        }
        if let Some(generation) = generation {
            self.set_session(generation, None);
        }
        Ok(())
    }

    /// `list_devices`: the devices signed in to this account with a login token.
    pub async fn list_devices(&self) -> CmdResult<DeviceList> {
        let (client, _) = self.client()?;
        Ok(client
            .request(hearth_protocol::requests::Devices {})
            .await?
            .data)
    }

    /// `revoke_device`: signs one device out for good. Revoking this device's own token
    /// also forgets its saved login.
    pub async fn revoke_device(&self, args: RevokeDevice) -> CmdResult<()> {
        let (client, addr) = self.client()?;
        let current = client
            .request(hearth_protocol::requests::Devices {})
            .await?
            .data
            .devices
            .into_iter()
            .any(|d| d.current && d.id == args.id);
        client.request(args).await?;
        if current {
            self.forget_saved_login(&addr).await;
        }
        Ok(())
    }
}
