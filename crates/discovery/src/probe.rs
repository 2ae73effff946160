//! Gathering the self-check's [`Facts`] on the real platform.
//!
//! - Adapters: [`crate::adapters::list`], everywhere.
//! - Port: binding it tells whether it is free (or Hearth's own, when hosting).
//! - Windows: the network category of each connected network (PowerShell's
//!   `Get-NetConnectionProfile`) and whether the installer's firewall rule exists
//!   (`netsh advfirewall firewall show rule name=Hearth`).
//! - Linux: the nftables ruleset (`nft list ruleset`; ufw and firewalld both end up there
//!   on current distributions), read by [`nft_verdict`]. Reading it needs root; without
//!   it the check says it could not run.
//! - macOS: its application firewall asks the user the first time Hearth listens, so
//!   neither is checked (the findings say so).
//!
//! These run programs and block: call [`gather`] off the async threads.

use std::net::{IpAddr, TcpListener};

use crate::selfcheck::{Facts, FirewallVerdict, NetworkCategory, PortState, Probe};

/// The name of the Windows Firewall rule the installer adds.
pub const FIREWALL_RULE_NAME: &str = "Hearth";

/// Facts for a host on `port`; `listening` says Hearth already listens on it.
pub fn gather(port: u16, listening: bool) -> Facts {
    Facts {
        adapters: crate::adapters::list().unwrap_or_default(),
        port,
        port_state: if listening {
            PortState::Listening
        } else {
            port_state(IpAddr::from([0, 0, 0, 0]), port)
        },
        network_profiles: network_profiles(),
        firewall_rule: firewall_rule(),
        firewall: firewall(port),
    }
}

/// Whether `port` can be bound on `ip` now.
pub fn port_state(ip: IpAddr, port: u16) -> PortState {
    match TcpListener::bind((ip, port)) {
        Ok(_) => PortState::Free,
        Err(_) => PortState::Taken,
    }
}

#[cfg(windows)]
fn hidden(program: &str) -> std::process::Command {
    use std::os::windows::process::CommandExt;
    /// Keeps a console window from flashing up.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    let mut command = std::process::Command::new(program);
    command.creation_flags(CREATE_NO_WINDOW);
    command
}

#[cfg(windows)]
fn network_profiles() -> Probe<Vec<(String, NetworkCategory)>> {
    let output = hidden("powershell.exe")
        .args([
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            "Get-NetConnectionProfile | ForEach-Object { \"$($_.InterfaceAlias)|$($_.NetworkCategory)\" }",
        ])
        .output();
    match output {
        Ok(o) if o.status.success() => {
            Probe::Known(parse_profiles(&String::from_utf8_lossy(&o.stdout)))
        }
        Ok(o) => Probe::Failed(String::from_utf8_lossy(&o.stderr).trim().to_owned()),
        Err(e) => Probe::Failed(e.to_string()),
    }
}

#[cfg(not(windows))]
fn network_profiles() -> Probe<Vec<(String, NetworkCategory)>> {
    Probe::Unsupported("Only Windows has network profiles.")
}

#[cfg(windows)]
fn firewall_rule() -> Probe<bool> {
    let output = hidden("netsh.exe")
        .args([
            "advfirewall",
            "firewall",
            "show",
            "rule",
            &format!("name={FIREWALL_RULE_NAME}"),
        ])
        .output();
    match output {
        // netsh exits 1 and prints "No rules match" when there is none.
        Ok(o) => Probe::Known(o.status.success()),
        Err(e) => Probe::Failed(e.to_string()),
    }
}

#[cfg(not(windows))]
fn firewall_rule() -> Probe<bool> {
    Probe::Unsupported("Only Windows Firewall keeps a rule per app.")
}

#[cfg(target_os = "linux")]
fn firewall(port: u16) -> Probe<FirewallVerdict> {
    let output = std::process::Command::new("nft")
        .args(["list", "ruleset"])
        .output();
    match output {
        Ok(o) if o.status.success() => {
            Probe::Known(nft_verdict(&String::from_utf8_lossy(&o.stdout), port))
        }
        Ok(o) => Probe::Failed(String::from_utf8_lossy(&o.stderr).trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Probe::Known(FirewallVerdict::NoFirewall)
        }
        Err(e) => Probe::Failed(e.to_string()),
    }
}

#[cfg(target_os = "macos")]
fn firewall(_port: u16) -> Probe<FirewallVerdict> {
    Probe::Unsupported("macOS asks you itself the first time Hearth accepts connections.")
}

#[cfg(windows)]
fn firewall(_port: u16) -> Probe<FirewallVerdict> {
    Probe::Unsupported("Windows Firewall is checked by Hearth's rule and the network profile.")
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn firewall(_port: u16) -> Probe<FirewallVerdict> {
    Probe::Unsupported("Firewalls are checked on Linux and Windows only.")
}

/// Reads `Get-NetConnectionProfile` lines `ALIAS|CATEGORY`.
pub fn parse_profiles(text: &str) -> Vec<(String, NetworkCategory)> {
    text.lines()
        .filter_map(|line| {
            let (alias, category) = line.trim().rsplit_once('|')?;
            let category = match category.trim() {
                "Public" => NetworkCategory::Public,
                "Private" => NetworkCategory::Private,
                "DomainAuthenticated" => NetworkCategory::Domain,
                _ => return None,
            };
            Some((alias.trim().to_owned(), category))
        })
        .collect()
}

/// What an `nft list ruleset` does to new TCP connections to `port`.
///
/// Only base chains on the `input` hook count. The port is dropped when a rule names it
/// (`tcp dport`, `th dport`, a set or a range) with `drop` or `reject`, or when a chain's
/// policy (or a final catch-all rule) drops and no rule accepts the port or accepts
/// whole sources (`ip saddr … accept`). Anything it cannot read is taken as letting the
/// port in: the check only warns about what it can see.
pub fn nft_verdict(ruleset: &str, port: u16) -> FirewallVerdict {
    let mut verdict = FirewallVerdict::NoFirewall;
    for chain in input_chains(ruleset) {
        let mut default_drop = false;
        let mut accepted = false;
        for line in &chain {
            let line = line.trim();
            let action = line.split_whitespace().last().unwrap_or("");
            let drops =
                matches!(action, "drop" | "reject") || line.ends_with("reject with tcp reset");
            if line.contains("policy drop") || (drops && is_catch_all(line)) {
                default_drop = true;
            } else if names_tcp_port(line, port) {
                if drops {
                    return FirewallVerdict::Drops;
                }
                if action == "accept" {
                    accepted = true;
                }
            } else if action == "accept" && line.contains("saddr") && !line.contains("dport") {
                accepted = true;
            }
        }
        verdict = match (default_drop, accepted) {
            (true, false) => return FirewallVerdict::Drops,
            (true, true) => FirewallVerdict::Allows,
            (false, _) if verdict == FirewallVerdict::NoFirewall => FirewallVerdict::NoFirewall,
            (false, _) => verdict,
        };
    }
    verdict
}

/// A rule with nothing but counters before its verdict.
fn is_catch_all(line: &str) -> bool {
    line.split_whitespace()
        .filter(|w| !matches!(*w, "counter" | "packets" | "bytes" | "log"))
        .all(|w| w.bytes().all(|b| b.is_ascii_digit()) || matches!(w, "drop" | "reject"))
}

/// The lines of each base chain hooked on `input`.
fn input_chains(ruleset: &str) -> Vec<Vec<&str>> {
    let mut chains = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in ruleset.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("chain ") && trimmed.ends_with('{') {
            current = Some(Vec::new());
        } else if trimmed == "}" {
            if let Some(chain) = current.take() {
                if chain.iter().any(|l| l.contains("hook input")) {
                    chains.push(chain);
                }
            }
        } else if let Some(chain) = current.as_mut() {
            chain.push(trimmed);
        }
    }
    chains
}

/// Whether a rule matches TCP destination `port` (`tcp dport 7878`, `th dport { 22, 7878 }`,
/// `tcp dport 7000-8000`).
fn names_tcp_port(line: &str, port: u16) -> bool {
    let Some(at) = line.find("dport ") else {
        return false;
    };
    if line[..at].trim_end().ends_with("udp") {
        return false;
    }
    let rest = line[at + "dport ".len()..].trim_start();
    let items: Vec<&str> = if let Some(set) = rest.strip_prefix('{') {
        set.split('}').next().unwrap_or("").split(',').collect()
    } else {
        rest.split_whitespace().take(1).collect()
    };
    items.iter().any(|item| {
        let item = item.trim();
        match item.split_once('-') {
            Some((lo, hi)) => match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
                (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
                _ => false,
            },
            None => item.parse::<u16>() == Ok(port),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UFW_LIKE: &str = r#"
table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy drop;
		ct state related,established counter packets 10 bytes 900 accept
		iifname "lo" accept
		tcp dport 22 accept
	}
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
	}
}
"#;

    #[test]
    fn no_input_chain_is_no_firewall() {
        assert_eq!(nft_verdict("", 7878), FirewallVerdict::NoFirewall);
        let forward_only = "table inet f {\n chain fwd {\n type filter hook forward priority 0; policy drop;\n }\n}\n";
        assert_eq!(nft_verdict(forward_only, 7878), FirewallVerdict::NoFirewall);
        let open = "table inet f {\n chain in {\n type filter hook input priority 0; policy accept;\n }\n}\n";
        assert_eq!(nft_verdict(open, 7878), FirewallVerdict::NoFirewall);
    }

    #[test]
    fn a_drop_policy_without_the_port_drops_it() {
        assert_eq!(nft_verdict(UFW_LIKE, 7878), FirewallVerdict::Drops);
        assert_eq!(nft_verdict(UFW_LIKE, 22), FirewallVerdict::Allows);
    }

    #[test]
    fn sets_ranges_and_whole_subnets_let_it_in() {
        for rule in [
            "tcp dport { 22, 7878 } accept",
            "tcp dport 7000-8000 counter packets 0 bytes 0 accept",
            "meta l4proto tcp th dport 7878 accept",
            "ip saddr 192.168.1.0/24 accept",
        ] {
            let ruleset = UFW_LIKE.replace("tcp dport 22 accept", rule);
            assert_eq!(
                nft_verdict(&ruleset, 7878),
                FirewallVerdict::Allows,
                "{rule}"
            );
        }
        let udp_only = UFW_LIKE.replace("tcp dport 22 accept", "udp dport 7878 accept");
        assert_eq!(nft_verdict(&udp_only, 7878), FirewallVerdict::Drops);
    }

    #[test]
    fn an_explicit_drop_or_a_catch_all_drop_drops_it() {
        let explicit = "table inet f {\n chain in {\n type filter hook input priority 0; policy accept;\n tcp dport 7878 drop\n }\n}\n";
        assert_eq!(nft_verdict(explicit, 7878), FirewallVerdict::Drops);
        assert_eq!(nft_verdict(explicit, 7879), FirewallVerdict::NoFirewall);
        let catch_all = "table inet f {\n chain in {\n type filter hook input priority 0; policy accept;\n tcp dport 22 accept\n counter packets 3 bytes 180 reject\n }\n}\n";
        assert_eq!(nft_verdict(catch_all, 7878), FirewallVerdict::Drops);
    }

    #[test]
    fn windows_profiles_are_read() {
        let text = "Ethernet|Private\r\nWi-Fi 2|Public\r\nCorp|DomainAuthenticated\r\nodd line\r\n";
        assert_eq!(
            parse_profiles(text),
            vec![
                ("Ethernet".into(), NetworkCategory::Private),
                ("Wi-Fi 2".into(), NetworkCategory::Public),
                ("Corp".into(), NetworkCategory::Domain),
            ]
        );
    }

    #[test]
    fn a_held_port_is_taken() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        assert_eq!(
            port_state(IpAddr::from([127, 0, 0, 1]), port),
            PortState::Taken
        );
        drop(held);
        assert_eq!(
            port_state(IpAddr::from([127, 0, 0, 1]), port),
            PortState::Free
        );
    }
}
