//! Key fingerprints: SHA-256 over a certificate's SubjectPublicKeyInfo.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::CertError;

/// The SHA-256 digest of a certificate's DER-encoded SubjectPublicKeyInfo.
///
/// Because it covers the public key rather than the whole certificate, the
/// fingerprint stays the same when the certificate is re-issued with the same
/// key. It is displayed as `SHA256:<64 lowercase hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Wraps a raw 32-byte digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Fingerprint(bytes)
    }

    /// Fingerprint of a DER-encoded X.509 certificate.
    ///
    /// Fails if `der` is not a parseable certificate.
    pub fn of_cert_der(der: &[u8]) -> Result<Fingerprint, CertError> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| CertError::InvalidCertificate(e.to_string()))?;
        Ok(Self::of_spki_der(cert.public_key().raw))
    }

    /// Fingerprint of DER-encoded SubjectPublicKeyInfo bytes.
    ///
    /// The bytes are hashed as given, without validation.
    pub fn of_spki_der(spki_der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(spki_der).into())
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0x0f));
        }
        s
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SHA256:{}", self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = CertError;

    /// Parses `SHA256:<hex>` (prefix case-insensitive) or bare hex; hex
    /// digits may be in either case. Surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let hex = match trimmed.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("SHA256:") => &trimmed[7..],
            _ => trimmed,
        };
        if hex.len() != 64 {
            return Err(CertError::InvalidFingerprint(format!(
                "expected 64 hex digits, got {} characters",
                hex.chars().count()
            )));
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            match (hex_value(pair[0]), hex_value(pair[1])) {
                (Some(hi), Some(lo)) => *slot = (hi << 4) | lo,
                _ => {
                    return Err(CertError::InvalidFingerprint(
                        "contains a character that is not a hex digit".into(),
                    ))
                }
            }
        }
        Ok(Fingerprint(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_display() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x0f;
        let fp = Fingerprint::from_bytes(bytes);
        let hex = fp.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.starts_with("ab00"));
        assert!(hex.ends_with("000f"));
        assert_eq!(fp.to_string(), format!("SHA256:{hex}"));
        assert_eq!(fp.as_bytes(), &bytes);
    }

    #[test]
    fn known_sha256_vector() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let fp = Fingerprint::of_spki_der(b"abc");
        assert_eq!(
            fp.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parse_round_trip_and_forms() {
        let fp = Fingerprint::of_spki_der(b"hearth");
        assert_eq!(fp.to_string().parse::<Fingerprint>().unwrap(), fp);
        assert_eq!(fp.to_hex().parse::<Fingerprint>().unwrap(), fp);
        let upper = format!("  sha256:{}\n", fp.to_hex().to_uppercase());
        assert_eq!(upper.parse::<Fingerprint>().unwrap(), fp);
    }

    #[test]
    fn parse_rejects_bad_input() {
        let fp = Fingerprint::of_spki_der(b"hearth").to_hex();
        for bad in [
            String::new(),
            "SHA256:".to_string(),
            fp[..62].to_string(),
            format!("{fp}00"),
            format!("{}g", &fp[..63]),
            format!("SHA1:{fp}"),
            format!("{}é", &fp[..62]),
        ] {
            assert!(
                matches!(
                    bad.parse::<Fingerprint>(),
                    Err(CertError::InvalidFingerprint(_))
                ),
                "accepted {bad:?}"
            );
        }
    }

    #[test]
    fn of_cert_der_rejects_garbage() {
        assert!(matches!(
            Fingerprint::of_cert_der(b"not a certificate"),
            Err(CertError::InvalidCertificate(_))
        ));
    }
}
