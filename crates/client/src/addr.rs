//! Server addresses as people write them: `HOST:PORT`, with IPv6 hosts in brackets.

use std::fmt;
use std::str::FromStr;

/// Why a `HOST:PORT` string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server address {input:?}: {reason}")]
pub struct AddrError {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A server's host and port.
///
/// The host is kept without brackets; [`Display`](fmt::Display) adds them back
/// for IPv6 literals (`[::1]:7070`). Host names are compared case-insensitively
/// because they are stored in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerAddr {
    host: String,
    port: u16,
}

impl ServerAddr {
    /// Builds an address from a host (without brackets) and a port.
    pub fn new(host: impl Into<String>, port: u16) -> Result<ServerAddr, AddrError> {
        let host = host.into();
        check_host(&host).map_err(|reason| AddrError {
            input: host.clone(),
            reason,
        })?;
        Ok(ServerAddr {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The host name or IP address, without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// True when the host is an IPv6 literal (shown in brackets).
    pub fn is_ipv6(&self) -> bool {
        self.host.contains(':')
    }
}

impl ServerAddr {
    /// Reads an address as people type it: `host`, `host:port`, `[v6]:port`,
    /// or a bare IPv4 or IPv6 address; `default_port` when none is given.
    /// Surrounding spaces are ignored. This is the one address parser: the
    /// desktop app and its UI use it too.
    pub fn parse_typed(input: &str, default_port: u16) -> Result<ServerAddr, AddrError> {
        let s = input.trim();
        let fail = |reason| AddrError {
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(fail("the address is empty"));
        }
        let bare = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(s);
        if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
            return Ok(ServerAddr::from(std::net::SocketAddr::new(
                ip,
                default_port,
            )));
        }
        if !s.contains(':') {
            return ServerAddr::new(s, default_port).map_err(|e| fail(e.reason));
        }
        s.parse::<ServerAddr>().map_err(|e| fail(e.reason))
    }
}

impl From<std::net::SocketAddr> for ServerAddr {
    fn from(addr: std::net::SocketAddr) -> Self {
        ServerAddr {
            host: addr.ip().to_string(),
            port: addr.port(),
        }
    }
}

/// Rejects hosts that cannot be part of `HOST:PORT` or a URL authority.
fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("the host is empty");
    }
    if host.contains(':') {
        return host
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| "a host with ':' must be an IPv6 address");
    }
    if host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        Ok(())
    } else {
        Err("the host may contain only letters, digits, '.', '-' and '_'")
    }
}

impl FromStr for ServerAddr {
    type Err = AddrError;

    /// Parses `HOST:PORT` or `[IPV6]:PORT`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason| AddrError {
            input: s.to_owned(),
            reason,
        };
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, rest) = rest
                .split_once(']')
                .ok_or_else(|| fail("missing ']' after the IPv6 address"))?;
            let port = rest
                .strip_prefix(':')
                .ok_or_else(|| fail("expected ':PORT' after ']'"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(fail("the part in brackets is not an IPv6 address"));
            }
            (host, port)
        } else {
            let (host, port) = s
                .rsplit_once(':')
                .ok_or_else(|| fail("expected HOST:PORT"))?;
            if host.contains(':') {
                return Err(fail("write IPv6 addresses in brackets: [::1]:7070"));
            }
            (host, port)
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| fail("the port must be a number from 0 to 65535"))?;
        ServerAddr::new(host, port).map_err(|e| fail(e.reason))
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6() {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_ipv4_and_bracketed_ipv6() {
        let a: ServerAddr = "Chat.Local:7070".parse().unwrap();
        assert_eq!((a.host(), a.port()), ("chat.local", 7070));
        assert_eq!(a.to_string(), "chat.local:7070");

        let a: ServerAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(a.to_string(), "127.0.0.1:1");

        let a: ServerAddr = "[fe80::1]:443".parse().unwrap();
        assert_eq!(a.host(), "fe80::1");
        assert!(a.is_ipv6());
        assert_eq!(a.to_string(), "[fe80::1]:443");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "host",
            "host:",
            ":7070",
            "host:70000",
            "host:x",
            "::1:7070",
            "[::1]7070",
            "[::1:7070",
            "[nothost]:7070",
            "a b:7070",
            "a/b:7070",
        ] {
            assert!(bad.parse::<ServerAddr>().is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn typed_addresses_get_the_default_port() {
        let p = |s: &str| ServerAddr::parse_typed(s, 7878).map(|a| a.to_string());
        assert_eq!(p("192.168.1.20").unwrap(), "192.168.1.20:7878");
        assert_eq!(p(" host.lan:9000 ").unwrap(), "host.lan:9000");
        assert_eq!(p("Host.LAN").unwrap(), "host.lan:7878");
        assert_eq!(p("::1").unwrap(), "[::1]:7878");
        assert_eq!(p("[fd00::2]").unwrap(), "[fd00::2]:7878");
        assert_eq!(p("[fd00::2]:99").unwrap(), "[fd00::2]:99");
        for bad in [
            "",
            "   ",
            "host:notaport",
            "a b",
            "host:70000",
            "[nothost]:1",
        ] {
            assert!(p(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn from_socket_addr_brackets_ipv6() {
        let v6: std::net::SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(ServerAddr::from(v6).to_string(), "[::1]:9");
    }
}
