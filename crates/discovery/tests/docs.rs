//! docs/PROTOCOL.md section 9 and the code agree: the field table, the constants, the
//! adapter rule's names, and the example datagram.

use hearth_discovery::adapters::{classify, AdapterKind};
use hearth_discovery::beacon::{MAGIC, MAX_BEACON_BYTES, MAX_HOST_CHARS, MAX_NAME_CHARS};
use hearth_discovery::{Beacon, BEACON_GROUP, BEACON_INTERVAL, BEACON_PORT, SERVICE_TYPE};

fn section() -> String {
    let doc = include_str!("../../../docs/PROTOCOL.md");
    let start = doc
        .find("## 9. LAN discovery")
        .expect("PROTOCOL.md has section 9");
    let rest = &doc[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_owned()
}

#[test]
fn the_field_table_lists_exactly_the_beacon_fields_in_order() {
    let doc = section();
    let keys: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    let example = Beacon::decode(example_datagram(&doc).as_bytes()).expect("the example decodes");
    let fields: Vec<String> = example
        .fields()
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(keys, fields);
}

fn example_datagram(doc: &str) -> String {
    doc.lines()
        .find(|l| l.starts_with(std::str::from_utf8(MAGIC).unwrap()))
        .expect("an example datagram")
        .to_owned()
}

#[test]
fn the_example_is_what_the_code_would_send() {
    let doc = section();
    let text = example_datagram(&doc);
    let beacon = Beacon::decode(text.as_bytes()).unwrap();
    assert_eq!(beacon.encode(), text.as_bytes());
    assert_eq!(beacon.version, hearth_protocol::PROTOCOL_VERSION);
}

#[test]
fn the_constants_are_the_documented_ones() {
    let doc = section();
    for fact in [
        format!("`{SERVICE_TYPE}`"),
        format!("`{BEACON_GROUP}`"),
        format!("UDP port\n  `{BEACON_PORT}`"),
        format!("every {} s", BEACON_INTERVAL.as_secs()),
        format!("`{}`", std::str::from_utf8(MAGIC).unwrap()),
        format!("at most {MAX_BEACON_BYTES} bytes"),
        format!("1 to {MAX_NAME_CHARS} characters"),
        format!("at most {MAX_HOST_CHARS} characters"),
    ] {
        assert!(
            doc.contains(&fact),
            "PROTOCOL.md section 9 does not say {fact:?}"
        );
    }
}

#[test]
fn every_adapter_name_in_the_doc_is_classified_as_it_says() {
    let doc = section();
    let listed = |after: &str| -> Vec<String> {
        let from = doc.find(after).unwrap_or_else(|| panic!("{after:?}")) + after.len();
        let list = &doc[from..from + doc[from..].find(')').unwrap()];
        list.split('`')
            .skip(1)
            .step_by(2)
            .filter(|n| *n != "br-")
            .map(|n| n.replace('*', "0"))
            .collect()
    };
    let vpn = listed("VPN adapters (");
    let virt = listed("container adapters (");
    assert!(vpn.len() > 10 && virt.len() > 10);
    for name in vpn {
        assert_eq!(classify(&name, false, false), AdapterKind::Vpn, "{name}");
    }
    for name in virt {
        assert_eq!(
            classify(&name, false, false),
            AdapterKind::Virtual,
            "{name}"
        );
    }
    assert_eq!(
        classify("br-0123456789ab", false, false),
        AdapterKind::Virtual
    );
    for name in ["eth0", "wlan0", "br0", "veth0"] {
        assert_eq!(classify(name, false, false), AdapterKind::Lan, "{name}");
    }
}

#[test]
fn the_installer_adds_and_removes_the_rule_the_self_check_looks_for() {
    let hooks = include_str!("../../../src-tauri/windows/hooks.nsh");
    let name = format!("name=\"{}\"", hearth_discovery::probe::FIREWALL_RULE_NAME);
    let lines: Vec<&str> = hooks.lines().filter(|l| l.contains("netsh")).collect();
    assert!(lines
        .iter()
        .any(|l| l.contains("add rule") && l.contains(&name) && l.contains("profile=private")));
    assert!(lines
        .iter()
        .any(|l| l.contains("delete rule") && l.contains(&name)));
    assert!(lines.iter().all(|l| l.contains(&name)), "{lines:?}");
}
