//! The announcement a host makes: room name, host name, port, protocol version, join code
//! and how many are online. One list of fields ([`Beacon::fields`]) is both the mDNS TXT
//! record and the UDP beacon, so the two can never disagree.
//!
//! UDP datagram: the 6 bytes [`MAGIC`] then one UTF-8 JSON object whose values are all
//! strings, e.g. `HRTHB1{"name":"Zed's room","host":"zed-pc","port":"7878","v":"1",
//! "code":"ABCD-EFGH-JKMN-PQRS","online":"3"}`; at most [`MAX_BEACON_BYTES`]. Unknown keys
//! are ignored (new fields are added, never changed). There is no address field: where a
//! host is comes from the datagram's source (or the mDNS record), never from its text.

use hearth_certs::JoinCode;

/// The first bytes of every beacon datagram ("Hearth beacon, format 1").
pub const MAGIC: &[u8; 6] = b"HRTHB1";
/// The largest beacon datagram sent or accepted.
pub const MAX_BEACON_BYTES: usize = 1024;
/// The longest room name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest host name, in characters.
pub const MAX_HOST_CHARS: usize = 64;
/// The largest online count believed.
const MAX_ONLINE: u32 = 1_000_000;

/// One host's announcement, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beacon {
    /// The room name shown to users ("Zed's room").
    pub name: String,
    /// The host computer's name.
    pub host: String,
    /// The chat server's TCP port.
    pub port: u16,
    /// [`hearth_protocol::PROTOCOL_VERSION`] of the host.
    pub version: u32,
    /// The full join code: the server's key must match it.
    pub code: JoinCode,
    /// Users logged in right now.
    pub online: u32,
}

/// Why bytes or fields are not a beacon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeaconError {
    /// The datagram does not start with [`MAGIC`] (not a Hearth beacon).
    #[error("not a Hearth beacon")]
    NotABeacon,
    /// Longer than [`MAX_BEACON_BYTES`].
    #[error("beacon longer than {MAX_BEACON_BYTES} bytes")]
    TooLong,
    /// The body is not one JSON object of strings.
    #[error("beacon body is not a JSON object of strings")]
    Malformed,
    /// A field is missing.
    #[error("beacon has no {0}")]
    Missing(&'static str),
    /// A field's value is out of range or badly formed.
    #[error("beacon {0} is invalid")]
    Invalid(&'static str),
}

impl Beacon {
    /// A beacon for a host, checking the room name the same way a received one is checked.
    pub fn new(
        name: &str,
        host: &str,
        port: u16,
        code: JoinCode,
        online: u32,
    ) -> Result<Beacon, BeaconError> {
        let beacon = Beacon {
            name: name.trim().to_owned(),
            host: clip(host, MAX_HOST_CHARS),
            port,
            version: hearth_protocol::PROTOCOL_VERSION,
            code,
            online,
        };
        Beacon::from_fields(|key| {
            beacon
                .fields()
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
        })
    }

    /// The fields, in order: the TXT record's keys and the datagram's JSON keys.
    pub fn fields(&self) -> [(&'static str, String); 6] {
        [
            ("name", self.name.clone()),
            ("host", self.host.clone()),
            ("port", self.port.to_string()),
            ("v", self.version.to_string()),
            ("code", self.code.to_string()),
            ("online", self.online.to_string()),
        ]
    }

    /// Reads and validates the fields that `get` returns by key.
    pub fn from_fields(get: impl Fn(&str) -> Option<String>) -> Result<Beacon, BeaconError> {
        let field = |key: &'static str| get(key).ok_or(BeaconError::Missing(key));
        let name = check_name(&field("name")?)?;
        let host = field("host")?;
        if host.chars().count() > MAX_HOST_CHARS || has_control(&host) {
            return Err(BeaconError::Invalid("host"));
        }
        let port = number(&field("port")?)
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or(BeaconError::Invalid("port"))?;
        let version = number(&field("v")?)
            .filter(|v| *v >= 1)
            .ok_or(BeaconError::Invalid("v"))?;
        let code = field("code")?;
        // Only the canonical form: a beacon is written by software, not typed.
        let code = JoinCode::parse(&code)
            .ok()
            .filter(|c| c.to_string() == code)
            .ok_or(BeaconError::Invalid("code"))?;
        let online = number(&field("online")?)
            .filter(|n| *n <= MAX_ONLINE)
            .ok_or(BeaconError::Invalid("online"))?;
        Ok(Beacon {
            name,
            host,
            port,
            version,
            code,
            online,
        })
    }

    /// The UDP datagram.
    pub fn encode(&self) -> Vec<u8> {
        let object: serde_json::Map<String, serde_json::Value> = self
            .fields()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
            .collect();
        let mut out = MAGIC.to_vec();
        // Writing a map of strings into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &object);
        out
    }

    /// Reads a UDP datagram.
    pub fn decode(datagram: &[u8]) -> Result<Beacon, BeaconError> {
        let body = datagram
            .strip_prefix(MAGIC.as_slice())
            .ok_or(BeaconError::NotABeacon)?;
        if datagram.len() > MAX_BEACON_BYTES {
            return Err(BeaconError::TooLong);
        }
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(body).map_err(|_| BeaconError::Malformed)?;
        if object.values().any(|v| !v.is_string()) {
            return Err(BeaconError::Malformed);
        }
        Beacon::from_fields(|key| object.get(key).and_then(|v| v.as_str()).map(str::to_owned))
    }
}

/// A room name as announced: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control
/// characters.
pub fn check_name(name: &str) -> Result<String, BeaconError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || has_control(name) {
        return Err(BeaconError::Invalid("name"));
    }
    Ok(name.to_owned())
}

/// A decimal number without sign, spaces or leading zeros.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn clip(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> JoinCode {
        JoinCode::parse("ABCD-EFGH-JKMN-PQRS").unwrap()
    }

    fn beacon() -> Beacon {
        Beacon::new("Zed's room", "zed-pc", 7878, code(), 3).unwrap()
    }

    #[test]
    fn a_beacon_survives_encoding() {
        let b = beacon();
        let bytes = b.encode();
        assert!(bytes.starts_with(MAGIC));
        assert!(bytes.len() < MAX_BEACON_BYTES);
        assert_eq!(Beacon::decode(&bytes).unwrap(), b);
        assert_eq!(b.version, hearth_protocol::PROTOCOL_VERSION);
    }

    #[test]
    fn the_longest_beacon_fits_in_a_datagram() {
        let name = "𝕳".repeat(MAX_NAME_CHARS);
        let host = "h".repeat(300);
        let b = Beacon::new(&name, &host, 65535, code(), MAX_ONLINE).unwrap();
        assert_eq!(b.host.chars().count(), MAX_HOST_CHARS);
        let bytes = b.encode();
        assert!(bytes.len() <= MAX_BEACON_BYTES, "{}", bytes.len());
        assert_eq!(Beacon::decode(&bytes).unwrap(), b);
    }

    #[test]
    fn every_truncation_is_refused() {
        let bytes = beacon().encode();
        for len in 0..bytes.len() {
            assert!(
                Beacon::decode(&bytes[..len]).is_err(),
                "accepted {len} bytes"
            );
        }
    }

    #[test]
    fn other_traffic_and_oversized_datagrams_are_not_beacons() {
        assert_eq!(
            Beacon::decode(b"M-SEARCH * HTTP/1.1\r\n"),
            Err(BeaconError::NotABeacon)
        );
        let mut big = MAGIC.to_vec();
        big.extend(std::iter::repeat_n(b' ', MAX_BEACON_BYTES));
        assert_eq!(Beacon::decode(&big), Err(BeaconError::TooLong));
    }

    fn forged(edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> Vec<u8> {
        let bytes = beacon().encode();
        let mut object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes[MAGIC.len()..]).unwrap();
        edit(&mut object);
        let mut out = MAGIC.to_vec();
        out.extend(serde_json::to_vec(&object).unwrap());
        out
    }

    #[test]
    fn forged_fields_are_refused() {
        let cases: Vec<(&str, serde_json::Value, BeaconError)> = vec![
            ("port", "0".into(), BeaconError::Invalid("port")),
            ("port", "65536".into(), BeaconError::Invalid("port")),
            ("port", "+80".into(), BeaconError::Invalid("port")),
            ("port", "080".into(), BeaconError::Invalid("port")),
            ("port", 7878.into(), BeaconError::Malformed),
            ("v", "0".into(), BeaconError::Invalid("v")),
            (
                "code",
                "abcd-efgh-jkmn-pqrs".into(),
                BeaconError::Invalid("code"),
            ),
            ("code", "ABCD-EFGH".into(), BeaconError::Invalid("code")),
            ("name", "".into(), BeaconError::Invalid("name")),
            ("name", "a\u{7}b".into(), BeaconError::Invalid("name")),
            ("name", "x".repeat(65).into(), BeaconError::Invalid("name")),
            ("host", "evil\nhost".into(), BeaconError::Invalid("host")),
            ("online", "99999999".into(), BeaconError::Invalid("online")),
        ];
        for (key, value, want) in cases {
            let bytes = forged(|o| {
                o.insert(key.to_owned(), value.clone());
            });
            assert_eq!(Beacon::decode(&bytes), Err(want), "{key} = {value}");
        }
        for key in ["name", "host", "port", "v", "code", "online"] {
            let bytes = forged(|o| {
                o.remove(key);
            });
            assert_eq!(Beacon::decode(&bytes), Err(BeaconError::Missing(key)));
        }
        assert_eq!(
            Beacon::decode(&[MAGIC.as_slice(), b"[\"name\"]"].concat()),
            Err(BeaconError::Malformed)
        );
        assert_eq!(
            Beacon::decode(&[MAGIC.as_slice(), b"{\"name\":\"\xed\xa0\x80\"}"].concat()),
            Err(BeaconError::Malformed)
        );
    }

    #[test]
    fn an_address_in_a_forged_beacon_is_ignored() {
        // Extra keys are allowed (future fields), but nothing reads an address from text.
        let bytes = forged(|o| {
            o.insert("addr".into(), "203.0.113.9:22".into());
            o.insert("ip".into(), "203.0.113.9".into());
        });
        let b = Beacon::decode(&bytes).unwrap();
        assert_eq!(b, beacon());
        assert!(!format!("{b:?}").contains("203.0.113.9"));
    }

    #[test]
    fn room_names_are_checked_when_announcing_too() {
        assert_eq!(
            Beacon::new("  ", "pc", 7878, code(), 0),
            Err(BeaconError::Invalid("name"))
        );
        assert_eq!(
            Beacon::new("ok", "pc", 0, code(), 0),
            Err(BeaconError::Invalid("port"))
        );
        assert_eq!(
            Beacon::new(" Zed ", "p\u{0}c", 1, code(), 0).unwrap().host,
            "pc"
        );
    }
}
