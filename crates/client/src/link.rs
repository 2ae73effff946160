//! Join links: `hearth://HOST:PORT/CODE`, everything needed to join a server safely.

use std::fmt;
use std::str::FromStr;

use hearth_certs::JoinCode;

use crate::addr::ServerAddr;

/// The URL scheme of join links.
pub const SCHEME: &str = "hearth";

/// Why a join link was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The text does not start with `hearth://`.
    #[error("a join link starts with {SCHEME}://")]
    Scheme,
    /// There is no `/CODE` after the address.
    #[error("the join link has no join code after the address")]
    MissingCode,
    /// The `HOST:PORT` part is invalid.
    #[error(transparent)]
    Addr(#[from] crate::addr::AddrError),
    /// The code part is not a join code.
    #[error("{0}")]
    Code(String),
}

/// A server address plus the join code that pins its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinLink {
    /// Where the server listens.
    pub addr: ServerAddr,
    /// The code its certificate key must match.
    pub code: JoinCode,
}

impl JoinLink {
    /// A link to `addr` pinned by `code`.
    pub fn new(addr: ServerAddr, code: JoinCode) -> JoinLink {
        JoinLink { addr, code }
    }
}

impl FromStr for JoinLink {
    type Err = LinkError;

    /// Parses `hearth://HOST:PORT/CODE` (scheme case-insensitive, IPv6 hosts in
    /// brackets, the code as [`JoinCode::parse`] accepts it, one trailing `/` allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let prefix_len = SCHEME.len() + 3;
        let rest = match s.get(..prefix_len) {
            Some(p) if p.eq_ignore_ascii_case("hearth://") => &s[prefix_len..],
            _ => return Err(LinkError::Scheme),
        };
        let (authority, code) = rest.split_once('/').ok_or(LinkError::MissingCode)?;
        let code = code.strip_suffix('/').unwrap_or(code);
        if code.is_empty() {
            return Err(LinkError::MissingCode);
        }
        let addr: ServerAddr = authority.parse()?;
        let code = JoinCode::parse(code).map_err(|e| LinkError::Code(e.to_string()))?;
        Ok(JoinLink { addr, code })
    }
}

impl fmt::Display for JoinLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}://{}/{}", self.addr, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_certs::Fingerprint;

    fn code() -> JoinCode {
        JoinCode::from_fingerprint(&Fingerprint::of_spki_der(b"abc"))
    }

    #[test]
    fn formats_and_parses_back() {
        let link = JoinLink::new("192.168.1.20:7070".parse().unwrap(), code());
        let text = link.to_string();
        assert_eq!(text, "hearth://192.168.1.20:7070/Q9W1-DFWF-077Y-MGA1");
        assert_eq!(text.parse::<JoinLink>().unwrap(), link);
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        let link = JoinLink::new("[fe80::2]:7070".parse().unwrap(), code());
        assert_eq!(
            link.to_string(),
            "hearth://[fe80::2]:7070/Q9W1-DFWF-077Y-MGA1"
        );
        assert_eq!(link.to_string().parse::<JoinLink>().unwrap(), link);
    }

    #[test]
    fn parsing_is_forgiving_where_people_are() {
        let link: JoinLink = " HEARTH://Chat.Local:7070/q9w1dfwf077ymga1/ "
            .parse()
            .unwrap();
        assert_eq!(link.addr.to_string(), "chat.local:7070");
        assert_eq!(link.code, code());
    }

    #[test]
    fn rejects_bad_links() {
        assert_eq!(
            "http://a:1/Q9W1-DFWF-077Y-MGA1".parse::<JoinLink>(),
            Err(LinkError::Scheme)
        );
        assert_eq!(
            "hearth://a:1".parse::<JoinLink>(),
            Err(LinkError::MissingCode)
        );
        assert_eq!(
            "hearth://a:1/".parse::<JoinLink>(),
            Err(LinkError::MissingCode)
        );
        assert!(matches!(
            "hearth://a/Q9W1-DFWF-077Y-MGA1".parse::<JoinLink>(),
            Err(LinkError::Addr(_))
        ));
        assert!(matches!(
            "hearth://::1:7070/Q9W1-DFWF-077Y-MGA1".parse::<JoinLink>(),
            Err(LinkError::Addr(_))
        ));
        assert!(matches!(
            "hearth://a:1/Q9W1-DFWF-077Y".parse::<JoinLink>(),
            Err(LinkError::Code(_))
        ));
        assert!(matches!(
            "hearth://a:1/Q9W1-DFWF-077Y-MGA1/x".parse::<JoinLink>(),
            Err(LinkError::Code(_))
        ));
    }
}
