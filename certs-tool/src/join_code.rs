//! Join codes: the first 80 bits of a fingerprint in Crockford base32.

use std::fmt;
use std::str::FromStr;

use crate::crockford;
use crate::{CertError, Fingerprint};

/// A short, typeable prefix of a server's [`Fingerprint`]: its first 80 bits
/// as 16 Crockford base32 symbols, shown as `XXXX-XXXX-XXXX-XXXX`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinCode([u8; 10]);

impl JoinCode {
    /// The join code of `fingerprint`.
    pub fn from_fingerprint(fingerprint: &Fingerprint) -> JoinCode {
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&fingerprint.as_bytes()[..10]);
        JoinCode(bytes)
    }

    /// Parses a join code as a person might type it.
    ///
    /// Case-insensitive; dashes and whitespace are ignored; Crockford's
    /// aliases are accepted (`O` for `0`, `I` and `L` for `1`). Anything
    /// else, or a number of symbols other than 16, is rejected.
    pub fn parse(input: &str) -> Result<JoinCode, CertError> {
        let mut values = [0u8; crockford::SYMBOLS];
        let mut count = 0usize;
        for c in input.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let value = crockford::symbol_value(c).ok_or_else(|| {
                CertError::InvalidJoinCode(format!(
                    "{c:?} is not allowed; use digits and letters except U"
                ))
            })?;
            if let Some(slot) = values.get_mut(count) {
                *slot = value;
            }
            count += 1;
        }
        if count != crockford::SYMBOLS {
            return Err(CertError::InvalidJoinCode(format!(
                "expected {} characters (not counting dashes), got {count}",
                crockford::SYMBOLS
            )));
        }
        Ok(JoinCode(crockford::decode(&values)))
    }

    /// The 10 raw bytes (the fingerprint's first 80 bits).
    pub fn as_bytes(&self) -> &[u8; 10] {
        &self.0
    }

    /// Whether `fingerprint` starts with this code, compared in constant time.
    pub fn matches(&self, fingerprint: &Fingerprint) -> bool {
        let diff = self
            .0
            .iter()
            .zip(fingerprint.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbols = crockford::encode(&self.0);
        for (i, group) in symbols.chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            for &c in group {
                write!(f, "{}", char::from(c))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinCode({self})")
    }
}

impl FromStr for JoinCode {
    type Err = CertError;

    /// Same as [`JoinCode::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JoinCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint_with_prefix(prefix: [u8; 10]) -> Fingerprint {
        let mut bytes = [0x5au8; 32];
        bytes[..10].copy_from_slice(&prefix);
        Fingerprint::from_bytes(bytes)
    }

    #[test]
    fn all_zero_fingerprint() {
        let code = JoinCode::from_fingerprint(&Fingerprint::from_bytes([0; 32]));
        assert_eq!(code.to_string(), "0000-0000-0000-0000");
    }

    #[test]
    fn hand_computed_vector() {
        let fp =
            fingerprint_with_prefix([0x00, 0x44, 0x32, 0x14, 0xC7, 0x42, 0x54, 0xB6, 0x35, 0xCF]);
        assert_eq!(
            JoinCode::from_fingerprint(&fp).to_string(),
            "0123-4567-89AB-CDEF"
        );
        let fp =
            fingerprint_with_prefix([0x84, 0x65, 0x3A, 0x56, 0xD7, 0xC6, 0x75, 0xBE, 0x77, 0xDF]);
        assert_eq!(
            JoinCode::from_fingerprint(&fp).to_string(),
            "GHJK-MNPQ-RSTV-WXYZ"
        );
    }

    #[test]
    fn sha256_vector() {
        // SHA-256("abc") = ba7816bf8f01cfea4141..., first 80 bits in base32
        // (RFC 4648 "XJ4BNP4PAHH6UQKB", mapped to Crockford's alphabet).
        let code = JoinCode::from_fingerprint(&Fingerprint::of_spki_der(b"abc"));
        assert_eq!(code.to_string(), "Q9W1-DFWF-077Y-MGA1");
    }

    #[test]
    fn display_parse_round_trip() {
        for seed in 0u8..=255 {
            let prefix = core::array::from_fn(|i| {
                seed.wrapping_mul(31)
                    .wrapping_add((i as u8).wrapping_mul(97))
            });
            let code = JoinCode::from_fingerprint(&fingerprint_with_prefix(prefix));
            let text = code.to_string();
            assert_eq!(text.len(), 19);
            assert_eq!(JoinCode::parse(&text).unwrap(), code);
            assert_eq!(text.parse::<JoinCode>().unwrap(), code);
            assert_eq!(code.as_bytes(), &prefix);
        }
    }

    #[test]
    fn parse_is_forgiving() {
        let code = JoinCode::parse("0123-4567-89AB-CDEF").unwrap();
        for input in [
            "0123456789abcdef",
            "  0123 4567\t89ab-cdef\n",
            "o123-4567-89ab-cdef",
            "0I23-4567-89AB-CDEF",
            "0l23-4567-89AB-CDEF",
            "0-1-2-3-4-5-6-7-8-9-a-b-c-d-e-f",
        ] {
            assert_eq!(JoinCode::parse(input).unwrap(), code, "input {input:?}");
        }
    }

    #[test]
    fn parse_rejects_bad_input() {
        for input in [
            "",
            "0123-4567-89AB-CDE",
            "0123-4567-89AB-CDEF0",
            "0123-4567-89AB-CDEU",
            "0123-4567-89AB-CDE*",
            "0123_4567_89AB_CDEF",
            "0123-4567-89AB-CDEé",
        ] {
            match JoinCode::parse(input) {
                Err(CertError::InvalidJoinCode(msg)) => assert!(!msg.is_empty()),
                other => panic!("{input:?} gave {other:?}"),
            }
        }
        let err = JoinCode::parse("0123-4567-89AB-CDE")
            .unwrap_err()
            .to_string();
        assert!(err.contains("got 15"), "{err}");
        let err = JoinCode::parse("0123-4567-89AB-CDEU")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'U'"), "{err}");
    }

    #[test]
    fn matches_only_its_fingerprint() {
        let fp = Fingerprint::of_spki_der(b"server key");
        let code = JoinCode::from_fingerprint(&fp);
        assert!(code.matches(&fp));
        let mut other = *fp.as_bytes();
        other[9] ^= 1;
        assert!(!code.matches(&Fingerprint::from_bytes(other)));
        // Bytes after the first 80 bits do not matter.
        let mut tail = *fp.as_bytes();
        tail[10] ^= 0xff;
        assert!(code.matches(&Fingerprint::from_bytes(tail)));
    }
}
