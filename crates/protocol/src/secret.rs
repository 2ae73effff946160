//! A string that must never be printed: passwords in requests.

use serde::{Deserialize, Serialize};

/// A secret string. `Debug` prints `<redacted>`; read it with [`Secret::expose`].
/// It serializes as the plain string (a client must send it), so only ever
/// serialize it into a request frame.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
// A newtype struct: serde_json reads and writes it as the bare string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself. Keep the result out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(s.expose(), "hunter22");
    }
}
