//! Loading a server's TLS identity (certificate chain and key) from disk.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::files::{CERT_FILE_NAME, KEY_FILE_NAME};
use crate::{default_sans, generate, write_pair, CertError, Fingerprint};

/// What a TLS server needs to present itself: the certificate chain, the
/// private key, and the key fingerprint of the leaf certificate.
///
/// `Debug` output redacts the private key.
pub struct ServerIdentity {
    /// The certificate chain, leaf first.
    pub cert_chain: Vec<CertificateDer<'static>>,
    /// The leaf certificate's private key.
    pub key: PrivateKeyDer<'static>,
    /// The fingerprint of the leaf certificate's public key.
    pub fingerprint: Fingerprint,
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("cert_chain_len", &self.cert_chain.len())
            .field("key", &format_args!("<redacted>"))
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// Loads `dir/cert.pem` (every certificate in it, leaf first) and
/// `dir/key.pem` (the first private key in it).
///
/// Fails if either file is missing or unreadable, holds no certificate or
/// key, the leaf certificate does not parse, or the key is a PKCS#8 key that
/// does not belong to the leaf certificate. (Keys in other encodings are not
/// checked here; the TLS library rejects unusable ones when configured.)
pub fn load_identity(dir: &Path) -> Result<ServerIdentity, CertError> {
    let cert_path = dir.join(CERT_FILE_NAME);
    let key_path = dir.join(KEY_FILE_NAME);

    let cert_chain = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| pem_error(&cert_path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(&cert_path, e))?;
    let Some(leaf) = cert_chain.first() else {
        return Err(CertError::NoCertificate { path: cert_path });
    };

    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| match e {
        pem::Error::NoItemsFound => CertError::NoPrivateKey {
            path: key_path.clone(),
        },
        other => pem_error(&key_path, other),
    })?;

    let (_, parsed) = X509Certificate::from_der(leaf)
        .map_err(|e| CertError::InvalidCertificate(e.to_string()))?;
    if let Ok(pair) = rcgen::KeyPair::try_from(&key) {
        use rcgen::PublicKeyData;
        if pair.der_bytes() != parsed.public_key().subject_public_key.data.as_ref() {
            return Err(CertError::KeyMismatch {
                cert: cert_path,
                key: key_path,
            });
        }
    }
    let fingerprint = Fingerprint::of_spki_der(parsed.public_key().raw);

    Ok(ServerIdentity {
        cert_chain,
        key,
        fingerprint,
    })
}

/// Loads the identity in `dir`, first creating it if neither `cert.pem` nor
/// `key.pem` exists there.
///
/// A new identity is a [generated](generate) certificate for
/// [`default_sans(extra_sans)`](default_sans), written with [`write_pair`].
/// If only one of the two files exists, nothing is overwritten and
/// [`CertError::IncompletePair`] is returned: replacing a lone key would
/// silently change the server's fingerprint.
pub fn load_or_create_identity(
    dir: &Path,
    extra_sans: &[String],
) -> Result<ServerIdentity, CertError> {
    let cert_path = dir.join(CERT_FILE_NAME);
    let key_path = dir.join(KEY_FILE_NAME);
    match (exists(&cert_path)?, exists(&key_path)?) {
        (true, true) => {}
        (false, false) => write_pair(dir, &generate(&default_sans(extra_sans))?)?,
        (true, false) => {
            return Err(CertError::IncompletePair {
                present: cert_path,
                missing: key_path,
            })
        }
        (false, true) => {
            return Err(CertError::IncompletePair {
                present: key_path,
                missing: cert_path,
            })
        }
    }
    load_identity(dir)
}

fn exists(path: &Path) -> Result<bool, CertError> {
    path.try_exists()
        .map_err(|e| CertError::io("check", path, e))
}

/// Maps a PEM error, surfacing I/O errors as [`CertError::Io`].
fn pem_error(path: &Path, error: pem::Error) -> CertError {
    let path: PathBuf = path.to_path_buf();
    match error {
        pem::Error::Io(cause) => CertError::Io {
            action: "read",
            path,
            cause,
        },
        pem::Error::NoItemsFound => CertError::NoCertificate { path },
        cause => CertError::Pem { path, cause },
    }
}
