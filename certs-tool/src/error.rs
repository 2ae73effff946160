//! The library's error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while generating, writing, loading or
/// inspecting certificates, or while parsing fingerprints and join codes.
///
/// Each message is complete on its own (it already includes the underlying
/// cause, so no `source()` chain is exposed) and never contains private key
/// material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// A filesystem operation failed.
    #[error("cannot {action} {}: {cause}", path.display())]
    Io {
        /// What was being done, e.g. "read" or "create directory".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        cause: io::Error,
    },

    /// A PEM file could not be decoded.
    #[error("invalid PEM in {}: {cause}", path.display())]
    Pem {
        /// The file that failed to decode.
        path: PathBuf,
        /// The underlying PEM error.
        cause: rustls_pki_types::pem::Error,
    },

    /// A PEM file contained no certificate.
    #[error("no certificate found in {}", path.display())]
    NoCertificate {
        /// The file that was searched.
        path: PathBuf,
    },

    /// A PEM file contained no private key.
    #[error("no private key found in {}", path.display())]
    NoPrivateKey {
        /// The file that was searched.
        path: PathBuf,
    },

    /// Only one of the certificate and key files exists, so the pair can be
    /// neither loaded nor safely regenerated.
    #[error(
        "{} exists but {} is missing; restore it or remove both to create a new identity",
        present.display(),
        missing.display()
    )]
    IncompletePair {
        /// The file that exists.
        present: PathBuf,
        /// The file that is missing.
        missing: PathBuf,
    },

    /// The private key does not belong to the certificate.
    #[error("private key in {} does not match the certificate in {}", key.display(), cert.display())]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },

    /// Bytes that should be an X.509 certificate could not be parsed.
    #[error("invalid X.509 certificate: {0}")]
    InvalidCertificate(String),

    /// A subject alternative name is neither an IP address nor a valid DNS name.
    #[error("invalid subject alternative name {name:?}: {reason}")]
    InvalidSan {
        /// The offending name.
        name: String,
        /// Why it was rejected.
        reason: String,
    },

    /// Certificate or key generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(rcgen::Error),

    /// A fingerprint string could not be parsed.
    #[error("invalid fingerprint: {0}")]
    InvalidFingerprint(String),

    /// A join code string could not be parsed.
    #[error("invalid join code: {0}")]
    InvalidJoinCode(String),
}

impl CertError {
    /// Builds a [`CertError::Io`] for `action` on `path`.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, cause: io::Error) -> Self {
        CertError::Io {
            action,
            path: path.into(),
            cause,
        }
    }
}

impl From<rcgen::Error> for CertError {
    fn from(error: rcgen::Error) -> Self {
        CertError::Generate(error)
    }
}
