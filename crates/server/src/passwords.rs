//! Argon2id password hashing, off the async threads and rationed.
//!
//! Hashing is deliberately expensive, so it runs on the blocking pool behind a
//! semaphore sized to leave at least one core for chat traffic: a burst of
//! logins queues here instead of stalling message delivery.

use std::sync::Arc;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use hearth_protocol::Secret;
use tokio::sync::Semaphore;

use crate::error::ServerError;

/// Hashes and verifies passwords.
#[derive(Debug)]
pub(crate) struct Passwords {
    params: Params,
    permits: Semaphore,
    /// A real hash of a random password, verified for unknown users so that
    /// "no such user" takes as long as "wrong password".
    decoy: String,
}

impl Passwords {
    /// Uses `memory_kib` and `iterations` for new hashes.
    pub(crate) fn new(memory_kib: u32, iterations: u32) -> Result<Arc<Passwords>, ServerError> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| ServerError::Config(format!("argon2 parameters: {e}")))?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let decoy = hash_with(&params, "decoy password that nobody has")?;
        Ok(Arc::new(Passwords {
            params,
            permits: Semaphore::new((cores / 2).max(1)),
            decoy,
        }))
    }

    /// Hashes a new password into a PHC string.
    pub(crate) async fn hash(self: &Arc<Self>, password: Secret) -> Result<String, ServerError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ServerError::ShuttingDown)?;
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || hash_with(&me.params, password.expose()))
            .await
            .map_err(|e| ServerError::Internal(format!("hash task: {e}")))?
    }

    /// Checks a password against a stored PHC string; `None` (unknown user)
    /// costs the same and returns false.
    pub(crate) async fn verify(self: &Arc<Self>, password: Secret, phc: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let (stored, known) = match &phc {
                Some(p) => (p.as_str(), true),
                None => (me.decoy.as_str(), false),
            };
            let Ok(parsed) = PasswordHash::new(stored) else {
                return false;
            };
            let ok = Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok();
            ok && known
        })
        .await
        .unwrap_or(false)
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, ServerError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(format!("hashing failed: {e}")))
}
