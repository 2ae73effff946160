//! Which network interfaces discovery uses: the adapter filter.
//!
//! The rule ([`classify`]), applied to every IPv4 interface that is up:
//! - **loopback** is skipped (friends are never on it);
//! - **point-to-point** links (the OS's `IFF_POINTOPOINT` flag: PPP, most VPN tunnels)
//!   are skipped;
//! - **VPN** adapters by name are skipped: `tun*`, `tap*`, `wg*`, `utun*`, `ppp*`,
//!   `ipsec*`, `zt*`, `tailscale*`, `nordlynx*`, and Windows names containing `vpn`,
//!   `wireguard`, `tailscale`, `zerotier`, `tap-windows` or `hamachi`;
//! - **virtual** (hypervisor and container) adapters by name are skipped: `docker*`,
//!   `br-` + 12 hex digits (Docker networks), `virbr*`, `vboxnet*`, `vmnet*`, `lxcbr*`,
//!   `lxdbr*`, `cni*`, `flannel*`, `podman*`, and Windows names containing `vethernet`
//!   (Hyper-V, WSL), `virtualbox`, `vmware` or `hyper-v`;
//! - everything else is an ordinary **LAN** adapter and is used: Ethernet, Wi-Fi, plain
//!   bridges (`br0`) and veth pairs (`veth*`, as in network-namespace tests).

use std::net::Ipv4Addr;

use serde::Serialize;
use ts_rs::TS;

/// What kind of network an interface is, as far as discovery cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AdapterKind {
    /// Ethernet, Wi-Fi, a bridge or a veth: searched and announced on.
    Lan,
    /// 127.0.0.0/8.
    Loopback,
    /// A point-to-point link.
    PointToPoint,
    /// A VPN adapter, by its name.
    Vpn,
    /// A hypervisor or container adapter, by its name.
    Virtual,
}

/// One IPv4 address of one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// The OS's name for the interface (`eth0`, `Wi-Fi`).
    pub name: String,
    /// Its IPv4 address.
    pub ip: Ipv4Addr,
    /// The subnet's prefix length.
    pub prefix_len: u8,
    /// The OS's broadcast address for the subnet, if it has one.
    pub broadcast: Option<Ipv4Addr>,
    /// What kind it is ([`classify`]).
    pub kind: AdapterKind,
}

impl Adapter {
    /// Whether discovery uses it.
    pub fn is_lan(&self) -> bool {
        self.kind == AdapterKind::Lan
    }

    /// Whether `ip` is on this adapter's subnet.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = mask(self.prefix_len);
        u32::from(ip) & mask == u32::from(self.ip) & mask
    }

    /// Where to send a subnet broadcast: the OS's address when it is one of the subnet's
    /// other addresses, else the subnet's last address. (An interface configured without a
    /// broadcast address reports its own address there, as `ip addr add 10.0.0.1/24`
    /// leaves it.)
    pub fn broadcast_addr(&self) -> Ipv4Addr {
        let computed = Ipv4Addr::from(u32::from(self.ip) | !mask(self.prefix_len));
        match self.broadcast {
            Some(b) if b != self.ip && !b.is_unspecified() && self.contains(b) => b,
            _ => computed,
        }
    }

    /// `eth0 (192.168.1.5)`, as the "searched" and self-check texts show it.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.ip)
    }
}

fn mask(prefix_len: u8) -> u32 {
    match prefix_len {
        0 => 0,
        n if n >= 32 => u32::MAX,
        n => u32::MAX << (32 - u32::from(n)),
    }
}

/// The rule in this module's doc, over an interface's name and flags.
pub fn classify(name: &str, is_loopback: bool, is_p2p: bool) -> AdapterKind {
    if is_loopback {
        return AdapterKind::Loopback;
    }
    if is_p2p {
        return AdapterKind::PointToPoint;
    }
    let lower = name.to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| lower.starts_with(p));
    let contains = |parts: &[&str]| parts.iter().any(|p| lower.contains(p));
    if starts(&[
        "tun",
        "tap",
        "wg",
        "utun",
        "ppp",
        "ipsec",
        "zt",
        "tailscale",
        "nordlynx",
    ]) || contains(&[
        "vpn",
        "wireguard",
        "tailscale",
        "zerotier",
        "tap-windows",
        "hamachi",
    ]) {
        return AdapterKind::Vpn;
    }
    let docker_network = lower
        .strip_prefix("br-")
        .is_some_and(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    if docker_network
        || starts(&[
            "docker", "virbr", "vboxnet", "vmnet", "lxcbr", "lxdbr", "cni", "flannel", "podman",
        ])
        || contains(&["vethernet", "virtualbox", "vmware", "hyper-v"])
    {
        return AdapterKind::Virtual;
    }
    AdapterKind::Lan
}

/// Every IPv4 address of every interface that is up, classified.
pub fn list() -> std::io::Result<Vec<Adapter>> {
    let mut adapters: Vec<Adapter> = if_addrs::get_if_addrs()?
        .into_iter()
        .filter(|i| i.is_oper_up() || matches!(i.oper_status, if_addrs::IfOperStatus::Unknown))
        .filter_map(|i| match &i.addr {
            if_addrs::IfAddr::V4(v4) => Some(Adapter {
                kind: classify(&i.name, i.is_loopback(), i.is_p2p()),
                name: i.name.clone(),
                ip: v4.ip,
                prefix_len: v4.prefixlen,
                broadcast: v4.broadcast,
            }),
            if_addrs::IfAddr::V6(_) => None,
        })
        .collect();
    adapters.sort_by(|a, b| {
        (a.kind != AdapterKind::Lan, &a.name).cmp(&(b.kind != AdapterKind::Lan, &b.name))
    });
    Ok(adapters)
}

/// The adapters discovery uses (see [`list`]); empty when listing fails.
pub fn lan() -> Vec<Adapter> {
    list()
        .unwrap_or_default()
        .into_iter()
        .filter(Adapter::is_lan)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_interfaces_are_lan() {
        for name in [
            "eth0",
            "enp3s0",
            "wlan0",
            "wlp2s0",
            "en0",
            "br0",
            "br-lan",
            "veth0",
            "veth-lp1",
            "lan0",
            "Ethernet",
            "Wi-Fi",
            "Ethernet 2",
        ] {
            assert_eq!(classify(name, false, false), AdapterKind::Lan, "{name}");
        }
    }

    #[test]
    fn vpn_and_virtual_adapters_are_skipped() {
        for name in [
            "tun0",
            "tap1",
            "wg0",
            "utun3",
            "ppp0",
            "zt5u4y6abc",
            "tailscale0",
            "nordlynx",
            "OpenVPN TAP-Windows6",
            "ProtonVPN",
            "WireGuard Tunnel",
            "Hamachi",
        ] {
            assert_eq!(classify(name, false, false), AdapterKind::Vpn, "{name}");
        }
        for name in [
            "docker0",
            "br-3f2a1b4c5d6e",
            "virbr0",
            "vboxnet0",
            "vmnet8",
            "lxcbr0",
            "lxdbr0",
            "cni0",
            "flannel.1",
            "podman0",
            "vEthernet (WSL)",
            "vEthernet (Default Switch)",
            "VirtualBox Host-Only Network",
            "VMware Network Adapter VMnet1",
        ] {
            assert_eq!(classify(name, false, false), AdapterKind::Virtual, "{name}");
        }
    }

    #[test]
    fn flags_come_before_names() {
        assert_eq!(classify("lo", true, false), AdapterKind::Loopback);
        assert_eq!(classify("eth0", false, true), AdapterKind::PointToPoint);
    }

    #[test]
    fn subnets_and_broadcasts() {
        let a = Adapter {
            name: "eth0".into(),
            ip: Ipv4Addr::new(10, 77, 0, 5),
            prefix_len: 24,
            broadcast: None,
            kind: AdapterKind::Lan,
        };
        assert_eq!(a.broadcast_addr(), Ipv4Addr::new(10, 77, 0, 255));
        assert!(a.contains(Ipv4Addr::new(10, 77, 0, 200)));
        assert!(!a.contains(Ipv4Addr::new(10, 77, 1, 5)));
        let wide = Adapter {
            prefix_len: 16,
            ..a.clone()
        };
        assert_eq!(wide.broadcast_addr(), Ipv4Addr::new(10, 77, 255, 255));
        assert!(wide.contains(Ipv4Addr::new(10, 77, 9, 9)));
        let given = Adapter {
            broadcast: Some(Ipv4Addr::new(10, 77, 0, 127)),
            ..a.clone()
        };
        assert_eq!(given.broadcast_addr(), Ipv4Addr::new(10, 77, 0, 127));
        // No broadcast address configured: the OS reports the interface's own address.
        for reported in [a.ip, Ipv4Addr::UNSPECIFIED, Ipv4Addr::new(192, 168, 0, 255)] {
            let odd = Adapter {
                broadcast: Some(reported),
                ..a.clone()
            };
            assert_eq!(
                odd.broadcast_addr(),
                Ipv4Addr::new(10, 77, 0, 255),
                "{reported}"
            );
        }
    }

    #[test]
    fn this_machine_lists_without_loopback_in_lan() {
        assert!(lan().iter().all(|a| !a.ip.is_loopback()));
    }
}
