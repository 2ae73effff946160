//! A wrapper that keeps private key PEM out of `Debug` output.

use std::fmt;

/// PEM text of a private key.
///
/// `Debug` prints `<redacted>`; the contents are only reachable through
/// [`SecretPem::expose`], so they cannot end up in logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretPem(String);

impl SecretPem {
    /// Wraps PEM text.
    pub fn new(pem: String) -> Self {
        SecretPem(pem)
    }

    /// Returns the PEM text. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretPem::new("-----BEGIN PRIVATE KEY-----\nabc\n".into());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s:#?}"), "<redacted>");
        assert!(s.expose().contains("abc"));
    }
}
