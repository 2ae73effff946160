//! Login tokens: 256 random bits, shown to their device once; only their
//! SHA-256 is stored, so a copy of the database logs nobody in.

use hearth_protocol::Secret;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh token (64 hex digits) and the hash to store for it.
pub(crate) fn issue() -> (Secret, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let hash = hash(&token);
    (Secret::new(token), hash)
}

/// The stored form of a token: its SHA-256 in hex.
pub(crate) fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = issue();
        let (b, _) = issue();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(hash(a.expose()), hash_a);
        assert_ne!(hash_a, a.expose());
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
