//! What would stop friends from finding or reaching a host, decided in plain words.
//!
//! [`assess`] is pure: it decides over [`Facts`], which [`crate::probe`] gathers on the
//! real platform (and tests make up). A check that cannot run on a platform is a
//! [`Probe::Unsupported`] and becomes a finding that says so, never a guess.

use serde::Serialize;
use ts_rs::TS;

use crate::adapters::{Adapter, AdapterKind};

/// The outcome of asking the platform one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe<T> {
    /// The answer.
    Known(T),
    /// This platform has no such thing, or no way to ask (the text says which).
    Unsupported(&'static str),
    /// Asking failed (the text says why).
    Failed(String),
}

/// The chat port, as the check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    /// Hearth itself listens on it.
    Listening,
    /// Nothing listens on it; hosting can use it.
    Free,
    /// Another program holds it.
    Taken,
}

/// Windows' category of a connected network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkCategory {
    /// Public: Windows blocks incoming connections.
    Public,
    /// Private (home or work).
    Private,
    /// A domain network.
    Domain,
}

/// What a host firewall does to the chat port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallVerdict {
    /// No filtering of incoming connections.
    NoFirewall,
    /// Filtering, and the port is let in.
    Allows,
    /// Incoming connections to the port are dropped or rejected.
    Drops,
}

/// Everything the check looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Every IPv4 adapter that is up, classified.
    pub adapters: Vec<Adapter>,
    /// The chat port.
    pub port: u16,
    /// Who holds the port.
    pub port_state: PortState,
    /// Windows: each connected network's interface alias and category.
    pub network_profiles: Probe<Vec<(String, NetworkCategory)>>,
    /// Windows: whether a firewall rule lets Hearth accept connections.
    pub firewall_rule: Probe<bool>,
    /// Linux: what the nftables ruleset does to the port.
    pub firewall: Probe<FirewallVerdict>,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Friends cannot find or reach the host until it is fixed.
    Problem,
    /// Likely to get in the way.
    Warning,
    /// Worth knowing (a check that could not run, an adapter left out).
    Info,
    /// A check that passed.
    Ok,
}

/// Which finding it is (the UI may pick an icon by it; the text is in the finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// Announcing on these LAN adapters.
    LanReady,
    /// No network adapter besides loopback.
    NoLan,
    /// Only VPN or virtual adapters.
    OnlyVirtual,
    /// Some adapters are left out on purpose.
    AdaptersSkipped,
    /// Another program holds the chat port.
    PortTaken,
    /// Windows treats the network as Public.
    PublicNetwork,
    /// No Windows Firewall rule for Hearth.
    NoFirewallRule,
    /// A firewall drops the chat port.
    FirewallDrops,
    /// The firewall lets the chat port in.
    FirewallOpen,
    /// A check could not run here.
    NotChecked,
}

/// One thing the check found, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Finding {
    /// Which finding.
    pub code: FindingCode,
    /// How much it matters.
    pub severity: Severity,
    /// One line: what is wrong (or right).
    pub title: String,
    /// What to do about it, or why it could not be checked.
    pub detail: String,
}

fn finding(code: FindingCode, severity: Severity, title: String, detail: String) -> Finding {
    Finding {
        code,
        severity,
        title,
        detail,
    }
}

/// The findings for `facts`, the most serious first.
pub fn assess(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    adapters(facts, &mut out);
    port(facts, &mut out);
    network_profiles(facts, &mut out);
    firewall_rule(facts, &mut out);
    firewall(facts, &mut out);
    out.sort_by_key(|f| f.severity);
    out
}

fn labels(adapters: &[&Adapter]) -> String {
    adapters
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn adapters(facts: &Facts, out: &mut Vec<Finding>) {
    let lan: Vec<&Adapter> = facts.adapters.iter().filter(|a| a.is_lan()).collect();
    let skipped: Vec<&Adapter> = facts
        .adapters
        .iter()
        .filter(|a| !a.is_lan() && a.kind != AdapterKind::Loopback)
        .collect();
    if lan.is_empty() && skipped.is_empty() {
        out.push(finding(
            FindingCode::NoLan,
            Severity::Problem,
            "This computer is not connected to a network.".into(),
            "Connect to the same Wi-Fi or wired network as your friends, then check again.".into(),
        ));
    } else if lan.is_empty() {
        out.push(finding(
            FindingCode::OnlyVirtual,
            Severity::Problem,
            format!(
                "Only VPN or virtual adapters are connected: {}.",
                labels(&skipped)
            ),
            "Friends on your LAN cannot reach those. Connect to the same Wi-Fi or wired network \
             as your friends (a VPN may also need to be switched off), then check again."
                .into(),
        ));
    } else {
        out.push(finding(
            FindingCode::LanReady,
            Severity::Ok,
            format!("Announcing on {}.", labels(&lan)),
            "Friends on these networks see this room in their Join list.".into(),
        ));
        if !skipped.is_empty() {
            out.push(finding(
                FindingCode::AdaptersSkipped,
                Severity::Info,
                format!("Not announcing on {}.", labels(&skipped)),
                "VPN and virtual machine adapters are left out: friends are not on them. \
                 Someone reaching you through one can still join by address."
                    .into(),
            ));
        }
    }
}

fn port(facts: &Facts, out: &mut Vec<Finding>) {
    if facts.port_state == PortState::Taken {
        out.push(finding(
            FindingCode::PortTaken,
            Severity::Problem,
            format!("Port {} is used by another program.", facts.port),
            "Choose another port in the host settings, or close the program that uses it.".into(),
        ));
    }
}

fn not_checked(what: &str, why: &str) -> Finding {
    finding(
        FindingCode::NotChecked,
        Severity::Info,
        format!("{what}: not checked."),
        why.to_owned(),
    )
}

fn network_profiles(facts: &Facts, out: &mut Vec<Finding>) {
    match &facts.network_profiles {
        Probe::Known(profiles) => {
            let public: Vec<&str> = profiles
                .iter()
                .filter(|(_, c)| *c == NetworkCategory::Public)
                .map(|(name, _)| name.as_str())
                .collect();
            if !public.is_empty() {
                out.push(finding(
                    FindingCode::PublicNetwork,
                    Severity::Problem,
                    format!(
                        "Windows treats {} as a Public network, which blocks friends.",
                        public.join(", ")
                    ),
                    "If you trust this network: Settings → Network & internet → your network → \
                     Network profile type → Private. Then check again."
                        .into(),
                ));
            }
        }
        Probe::Unsupported(why) => out.push(not_checked("Network profile", why)),
        Probe::Failed(e) => out.push(not_checked(
            "Network profile",
            &format!("Windows did not say ({e})."),
        )),
    }
}

fn firewall_rule(facts: &Facts, out: &mut Vec<Finding>) {
    match &facts.firewall_rule {
        Probe::Known(true) => {}
        Probe::Known(false) => out.push(finding(
            FindingCode::NoFirewallRule,
            Severity::Problem,
            "Windows Firewall has no rule that lets Hearth accept connections.".into(),
            "Reinstall Hearth (the installer adds the rule), or: Windows Security → Firewall & \
             network protection → Allow an app through firewall → Hearth, Private."
                .into(),
        )),
        Probe::Unsupported(why) => out.push(not_checked("Windows Firewall rule", why)),
        Probe::Failed(e) => out.push(not_checked(
            "Windows Firewall rule",
            &format!("Windows did not say ({e})."),
        )),
    }
}

fn firewall(facts: &Facts, out: &mut Vec<Finding>) {
    let port = facts.port;
    match &facts.firewall {
        Probe::Known(FirewallVerdict::Drops) => out.push(finding(
            FindingCode::FirewallDrops,
            Severity::Problem,
            format!("The firewall drops connections to port {port}."),
            format!(
                "Let the port in: `sudo ufw allow {port}/tcp` with ufw, or `sudo nft add rule \
                 inet filter input tcp dport {port} accept` with nftables (for the table and \
                 chain your ruleset uses). For discovery, also allow UDP {}.",
                crate::BEACON_PORT
            ),
        )),
        Probe::Known(FirewallVerdict::Allows) => out.push(finding(
            FindingCode::FirewallOpen,
            Severity::Ok,
            format!("The firewall lets port {port} in."),
            String::new(),
        )),
        Probe::Known(FirewallVerdict::NoFirewall) => {}
        Probe::Unsupported(why) => out.push(not_checked("Firewall", why)),
        Probe::Failed(e) => out.push(not_checked(
            "Firewall",
            &format!("Could not read the firewall rules ({e})."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn adapter(name: &str, kind: AdapterKind) -> Adapter {
        Adapter {
            name: name.into(),
            ip: Ipv4Addr::new(192, 168, 1, 5),
            prefix_len: 24,
            broadcast: None,
            kind,
        }
    }

    fn linux_facts() -> Facts {
        Facts {
            adapters: vec![
                adapter("lo", AdapterKind::Loopback),
                adapter("eth0", AdapterKind::Lan),
            ],
            port: 7878,
            port_state: PortState::Listening,
            network_profiles: Probe::Unsupported("Only Windows has network profiles."),
            firewall_rule: Probe::Unsupported("Only Windows Firewall keeps rules per app."),
            firewall: Probe::Known(FirewallVerdict::NoFirewall),
        }
    }

    fn codes(facts: &Facts) -> Vec<FindingCode> {
        assess(facts).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_healthy_linux_host_is_ready_and_says_what_it_did_not_check() {
        let found = assess(&linux_facts());
        assert_eq!(found[0].code, FindingCode::NotChecked);
        assert!(found.iter().all(|f| f.severity >= Severity::Info));
        let ready = found
            .iter()
            .find(|f| f.code == FindingCode::LanReady)
            .unwrap();
        assert!(
            ready.title.contains("eth0 (192.168.1.5)"),
            "{}",
            ready.title
        );
        let skipped: Vec<&str> = found
            .iter()
            .filter(|f| f.code == FindingCode::NotChecked)
            .map(|f| f.detail.as_str())
            .collect();
        assert_eq!(skipped.len(), 2);
        assert!(skipped.iter().any(|d| d.contains("network profiles")));
    }

    #[test]
    fn no_network_and_only_virtual_networks_are_problems() {
        let mut facts = linux_facts();
        facts.adapters = vec![adapter("lo", AdapterKind::Loopback)];
        assert_eq!(codes(&facts)[0], FindingCode::NoLan);
        facts.adapters.push(adapter("tun0", AdapterKind::Vpn));
        facts
            .adapters
            .push(adapter("docker0", AdapterKind::Virtual));
        let found = assess(&facts);
        assert_eq!(found[0].code, FindingCode::OnlyVirtual);
        assert_eq!(found[0].severity, Severity::Problem);
        assert!(found[0].title.contains("tun0") && found[0].title.contains("docker0"));
        facts.adapters.push(adapter("wlan0", AdapterKind::Lan));
        let codes = codes(&facts);
        assert!(codes.contains(&FindingCode::LanReady));
        assert!(codes.contains(&FindingCode::AdaptersSkipped));
        assert!(!codes.contains(&FindingCode::OnlyVirtual));
    }

    #[test]
    fn a_taken_port_is_a_problem_only_when_another_program_has_it() {
        let mut facts = linux_facts();
        assert!(!codes(&facts).contains(&FindingCode::PortTaken));
        facts.port_state = PortState::Free;
        assert!(!codes(&facts).contains(&FindingCode::PortTaken));
        facts.port_state = PortState::Taken;
        let found = assess(&facts);
        assert_eq!(found[0].code, FindingCode::PortTaken);
        assert!(found[0].title.contains("7878"));
    }

    #[test]
    fn windows_public_networks_and_a_missing_rule_are_problems() {
        let mut facts = linux_facts();
        facts.firewall = Probe::Unsupported("Windows Firewall is checked by its rule.");
        facts.network_profiles = Probe::Known(vec![
            ("Ethernet".into(), NetworkCategory::Private),
            ("Wi-Fi".into(), NetworkCategory::Public),
        ]);
        facts.firewall_rule = Probe::Known(false);
        let found = assess(&facts);
        let public = found
            .iter()
            .find(|f| f.code == FindingCode::PublicNetwork)
            .unwrap();
        assert!(public.title.contains("Wi-Fi") && !public.title.contains("Ethernet"));
        assert!(public.detail.contains("Private"));
        assert!(found.iter().any(|f| f.code == FindingCode::NoFirewallRule));
        facts.network_profiles = Probe::Known(vec![("Wi-Fi".into(), NetworkCategory::Domain)]);
        facts.firewall_rule = Probe::Known(true);
        assert!(assess(&facts)
            .iter()
            .all(|f| f.severity != Severity::Problem));
        facts.network_profiles = Probe::Failed("powershell not found".into());
        let found = assess(&facts);
        assert!(found
            .iter()
            .any(|f| f.code == FindingCode::NotChecked && f.detail.contains("powershell")));
    }

    #[test]
    fn a_dropping_firewall_says_how_to_open_the_port() {
        let mut facts = linux_facts();
        facts.firewall = Probe::Known(FirewallVerdict::Drops);
        let found = assess(&facts);
        assert_eq!(found[0].code, FindingCode::FirewallDrops);
        assert!(found[0].detail.contains("ufw allow 7878/tcp"));
        facts.firewall = Probe::Known(FirewallVerdict::Allows);
        assert!(codes(&facts).contains(&FindingCode::FirewallOpen));
        facts.firewall = Probe::Failed("Operation not permitted".into());
        assert!(assess(&facts)
            .iter()
            .any(|f| f.code == FindingCode::NotChecked && f.detail.contains("not permitted")));
    }
}
