//! Which names and addresses a freshly generated certificate should cover.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Every address of every local network interface, loopback included, in
/// the order the OS reports them and without duplicates.
///
/// IPv6 link-local (`fe80::/10`) addresses are left out: they need a zone
/// index to be reachable, which a certificate cannot carry. If the
/// interfaces cannot be listed, only the loopback addresses are returned.
pub fn local_addresses() -> Vec<IpAddr> {
    let found = match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces.iter().map(|i| i.ip()).collect(),
        Err(_) => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
    };
    let mut seen = HashSet::new();
    found.into_iter().filter(|ip| seen.insert(*ip)).collect()
}

/// The subject alternative names for a new server certificate:
/// `localhost`, `127.0.0.1`, `::1`, every [local address](local_addresses),
/// then `extra`.
///
/// Blank entries are dropped, surrounding whitespace is trimmed, IP
/// addresses are written in canonical form, and duplicates are removed
/// (IP addresses by value, names case-insensitively), keeping the first.
pub fn default_sans(extra: &[String]) -> Vec<String> {
    let builtin = ["localhost", "127.0.0.1", "::1"].map(String::from);
    let local = local_addresses().into_iter().map(|ip| ip.to_string());
    dedup_sans(
        builtin
            .into_iter()
            .chain(local)
            .chain(extra.iter().cloned()),
    )
}

/// Trims, canonicalises and deduplicates SAN strings, keeping order.
fn dedup_sans(sans: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for san in sans {
        let trimmed = san.trim();
        if trimmed.is_empty() {
            continue;
        }
        let canonical = match trimmed.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => trimmed.to_string(),
        };
        if seen.insert(canonical.to_ascii_lowercase()) {
            out.push(canonical);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_include_loopback() {
        let addrs = local_addresses();
        assert!(addrs.iter().any(IpAddr::is_loopback), "{addrs:?}");
        let unique: HashSet<_> = addrs.iter().collect();
        assert_eq!(unique.len(), addrs.len());
    }

    #[test]
    fn default_sans_starts_with_builtins_and_ends_with_extra() {
        let sans = default_sans(&["chat.example".into(), "10.9.8.7".into()]);
        assert_eq!(&sans[..3], ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(&sans[sans.len() - 2..], ["chat.example", "10.9.8.7"]);
        for ip in local_addresses() {
            assert!(sans.contains(&ip.to_string()), "{ip} missing from {sans:?}");
        }
    }

    #[test]
    fn default_sans_deduplicates() {
        let extra = [
            "LOCALHOST".to_string(),
            "0:0:0:0:0:0:0:1".to_string(),
            " 127.0.0.1 ".to_string(),
            "".to_string(),
            "Host.Lan".to_string(),
            "host.lan".to_string(),
        ];
        let sans = default_sans(&extra);
        let lower: Vec<_> = sans.iter().map(|s| s.to_ascii_lowercase()).collect();
        let unique: HashSet<_> = lower.iter().collect();
        assert_eq!(unique.len(), sans.len(), "{sans:?}");
        assert_eq!(sans.iter().filter(|s| *s == "::1").count(), 1);
        assert!(sans.contains(&"Host.Lan".to_string()));
        assert!(!sans.contains(&"host.lan".to_string()));
        assert!(!sans.iter().any(|s| s.is_empty()));
    }
}
