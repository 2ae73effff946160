//! "Remember me": one login per server in the OS keychain (keyring v3).
//!
//! Windows and macOS use their native stores. Linux uses the Secret Service, which needs a
//! D-Bus session and an unlocked keyring; without one every call fails and the UI is told
//! `keychain_unavailable` (and offers not to remember). Tests install keyring's mock
//! builder.
//!
//! Each entry is service [`SERVICE`], account `host:port`, and its secret is the JSON
//! `{"username", "token"}`: the login token the server issued to this device, never the
//! password. (Entries written by earlier versions hold `{"username", "password"}`; they
//! are read once, exchanged for a token and rewritten.) The keychain calls block (D-Bus,
//! Security.framework), so the async wrappers run them on the blocking pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hearth_client::Secret;
use serde::{Deserialize, Serialize};

/// The keychain service name of every Hearth entry.
pub const SERVICE: &str = "app.hearth.desktop";

/// Account name of the entry that [`Keychain::probe`] writes and deletes.
const PROBE_ACCOUNT: &str = "hearth-keychain-probe";

/// A keychain failure.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// There is no usable store (no Secret Service, locked, access denied).
    #[error("no usable keychain: {0}")]
    Unavailable(String),
    /// The store answered but something else went wrong.
    #[error("{0}")]
    Other(String),
}

impl From<keyring::Error> for KeychainError {
    fn from(e: keyring::Error) -> Self {
        match e {
            keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
                KeychainError::Unavailable(e.to_string())
            }
            other => KeychainError::Other(other.to_string()),
        }
    }
}

/// What proves a saved login. `Debug` never shows it (it is a [`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedCredential {
    /// The login token the server issued to this device.
    Token(Secret),
    /// A password, as earlier versions saved it (exchanged for a token on first use).
    LegacyPassword(Secret),
}

/// A saved login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLogin {
    /// The account name.
    pub username: String,
    /// Its token (or, from an earlier version, its password).
    pub credential: SavedCredential,
}

/// What is written into the keychain entry.
#[derive(Serialize)]
struct Stored<'a> {
    username: &'a str,
    token: &'a str,
}

/// What a keychain entry may hold: a token, or (written by an earlier version)
/// a password.
#[derive(Deserialize)]
struct Found {
    username: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The keychain, with the entries opened so far.
///
/// Entries are cached so that each server keeps one handle. The native stores do not
/// need this, but keyring's mock store keeps a password only inside the entry object
/// that set it, so without the cache tests could never read back what they saved.
#[derive(Clone, Default)]
pub struct Keychain {
    /// Account (`host:port`) → entry. A std mutex: it is held only to look up or insert
    /// a handle, never across a keychain call or an `.await`.
    entries: Arc<Mutex<HashMap<String, Arc<keyring::Entry>>>>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keychain")
    }
}

impl Keychain {
    fn entry(&self, account: &str) -> Result<Arc<keyring::Entry>, KeychainError> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = entries.get(account) {
            return Ok(entry.clone());
        }
        let entry = Arc::new(keyring::Entry::new(SERVICE, account)?);
        entries.insert(account.to_owned(), entry.clone());
        Ok(entry)
    }

    /// Checks that a login could be saved, by writing and deleting a throwaway entry.
    pub fn probe(&self) -> Result<(), KeychainError> {
        let entry = self.entry(PROBE_ACCOUNT)?;
        entry.set_password("probe")?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Saves the login token for `server` (`host:port`), replacing any earlier login.
    pub fn save(&self, server: &str, username: &str, token: &Secret) -> Result<(), KeychainError> {
        let json = serde_json::to_string(&Stored {
            username,
            token: token.expose(),
        })
        .map_err(|e| KeychainError::Other(e.to_string()))?;
        self.entry(server)?.set_password(&json)?;
        Ok(())
    }

    /// The login saved for `server`, if any.
    pub fn load(&self, server: &str) -> Result<Option<StoredLogin>, KeychainError> {
        let json = match self.entry(server)?.get_password() {
            Ok(json) => json,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let unreadable = || KeychainError::Other("the saved login is unreadable".into());
        let found: Found = serde_json::from_str(&json).map_err(|_| unreadable())?;
        let credential = match (found.token, found.password) {
            (Some(token), _) => SavedCredential::Token(Secret::new(token)),
            (None, Some(password)) => SavedCredential::LegacyPassword(Secret::new(password)),
            (None, None) => return Err(unreadable()),
        };
        Ok(Some(StoredLogin {
            username: found.username,
            credential,
        }))
    }

    /// Deletes the login saved for `server`; a missing one is fine.
    pub fn forget(&self, server: &str) -> Result<(), KeychainError> {
        match self.entry(server)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `f` with this keychain on the blocking pool (keychain calls block).
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, KeychainError>
    where
        T: Send + 'static,
        F: FnOnce(&Keychain) -> Result<T, KeychainError> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| KeychainError::Other(format!("keychain task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_forgets_with_the_mock_store() {
        crate::test_support::mock_keyring();
        let k = Keychain::default();
        k.probe().unwrap();
        assert_eq!(k.load("host.lan:7878").unwrap(), None);
        k.save("host.lan:7878", "alice", &Secret::new("tok1"))
            .unwrap();
        let got = k.load("host.lan:7878").unwrap().unwrap();
        assert_eq!(got.username, "alice");
        assert_eq!(got.credential, SavedCredential::Token(Secret::new("tok1")));
        assert!(!format!("{got:?}").contains("tok1"), "Debug redacts");
        // An entry an earlier version wrote, with the password, still reads.
        k.entry("host.lan:7878")
            .unwrap()
            .set_password(r#"{"username":"alice","password":"p\"w1"}"#)
            .unwrap();
        let old = k.load("host.lan:7878").unwrap().unwrap();
        assert_eq!(
            old.credential,
            SavedCredential::LegacyPassword(Secret::new("p\"w1"))
        );
        k.forget("host.lan:7878").unwrap();
        assert_eq!(k.load("host.lan:7878").unwrap(), None);
        k.forget("host.lan:7878").unwrap();
    }

    #[test]
    fn platform_failures_mean_unavailable() {
        crate::test_support::mock_keyring();
        let k = Keychain::default();
        let entry = k.entry(PROBE_ACCOUNT).unwrap();
        let mock: &keyring::mock::MockCredential = entry.get_credential().downcast_ref().unwrap();
        mock.set_error(keyring::Error::NoStorageAccess("locked".into()));
        assert!(matches!(k.probe(), Err(KeychainError::Unavailable(_))));
        k.probe().unwrap();
    }
}
