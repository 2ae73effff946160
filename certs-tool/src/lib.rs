//! Certificates for Hearth servers: self-signed certificate generation, key
//! fingerprints and human-friendly join codes.
//!
//! A Hearth server identifies itself with a self-signed certificate. Clients
//! do not trust it through a CA; instead they pin the server's **key
//! fingerprint** ([`Fingerprint`], SHA-256 over the certificate's
//! SubjectPublicKeyInfo), which survives re-issuing the certificate with the
//! same key. The first 80 bits of the fingerprint form the **join code**
//! ([`JoinCode`]), a short Crockford base32 string that people can read out
//! loud or type (`XXXX-XXXX-XXXX-XXXX`).
//!
//! Clients check a server with [`PinnedVerifier`], a rustls verifier that
//! pins the key through a decision callback.
//!
//! Typical server start-up:
//!
//! ```no_run
//! # fn main() -> Result<(), hearth_certs::CertError> {
//! let identity = hearth_certs::load_or_create_identity("data/tls".as_ref(), &[])?;
//! let code = hearth_certs::JoinCode::from_fingerprint(&identity.fingerprint);
//! println!("fingerprint {} join code {code}", identity.fingerprint);
//! # Ok(())
//! # }
//! ```

mod crockford;
mod error;
mod files;
mod fingerprint;
mod generate;
mod identity;
mod inspect;
mod join_code;
mod sans;
mod secret;
mod verifier;

pub use error::CertError;
pub use files::{write_pair, CERT_FILE_NAME, KEY_FILE_NAME};
pub use fingerprint::Fingerprint;
pub use generate::{generate, GeneratedCert, SUBJECT_COMMON_NAME};
pub use identity::{load_identity, load_or_create_identity, ServerIdentity};
pub use inspect::{inspect_pem_file, CertInfo};
pub use join_code::JoinCode;
pub use sans::{default_sans, local_addresses};
pub use secret::SecretPem;
pub use verifier::{KeyDecision, PinnedVerifier};
