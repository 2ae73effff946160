//! The UDP beacon path over real sockets on 127.0.0.1: an announcer's beacons reach a
//! browser, counts update, and datagrams that are not valid beacons never list a host.

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use hearth_certs::JoinCode;
use hearth_discovery::announce::{AnnounceOptions, BeaconTargets};
use hearth_discovery::{Announcer, Beacon, BrowseOptions, Browser, Sighting, Via};

fn browser() -> Browser {
    let browser = Browser::start(BrowseOptions {
        mdns: false,
        bind: "127.0.0.1:0".parse().unwrap(),
    });
    assert!(browser.problems().is_empty(), "{:?}", browser.problems());
    browser
}

fn code() -> JoinCode {
    JoinCode::parse("ABCD-EFGH-JKMN-PQRS").unwrap()
}

/// Waits (up to 10 s) until the list satisfies `want`.
fn wait_for(browser: &Browser, want: impl Fn(&[Sighting]) -> bool) -> Vec<Sighting> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = browser.sightings();
        if want(&list) {
            return list;
        }
        assert!(Instant::now() < deadline, "gave up waiting; list: {list:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_announced_host_is_listed_with_its_source_address_and_live_count() {
    let browser = browser();
    let target = browser.beacon_addr().unwrap();
    let mut changes = browser.subscribe();
    let beacon = Beacon::new("Zed's room", "zed-pc", 7878, code(), 1).unwrap();
    let announcer = Announcer::start(
        beacon.clone(),
        AnnounceOptions {
            mdns: false,
            targets: BeaconTargets::Only(vec![target]),
        },
    )
    .unwrap();
    let list = wait_for(&browser, |l| !l.is_empty());
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].addr,
        "127.0.0.1:7878".parse::<SocketAddrV4>().unwrap()
    );
    assert_eq!(list[0].beacon, beacon);
    assert_eq!(list[0].via, vec![Via::Beacon]);
    assert!(changes.has_changed().unwrap());
    changes.borrow_and_update();

    // A new count goes out at once, not at the next 2 s round.
    announcer.set_online(4);
    let list = wait_for(&browser, |l| {
        l.first().is_some_and(|s| s.beacon.online == 4)
    });
    assert_eq!(list.len(), 1);
    assert!(changes.has_changed().unwrap());
    assert_eq!(announcer.beacon().online, 4);
    drop(announcer);
}

#[test]
fn forged_and_foreign_datagrams_never_list_a_host_elsewhere() {
    let browser = browser();
    let target: SocketAddr = browser.beacon_addr().unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let good = Beacon::new("Real", "pc", 9000, code(), 0).unwrap().encode();
    let mut forged_fields = good.clone();
    forged_fields.truncate(good.len() - 1);
    forged_fields.extend_from_slice(br#","addr":"203.0.113.9:22","ip":"203.0.113.9"}"#);
    for datagram in [
        b"not a beacon".to_vec(),
        good[..good.len() / 2].to_vec(),
        [&good[..], b"trailing"].concat(),
        String::from_utf8_lossy(&good)
            .replace("9000", "0")
            .into_bytes(),
    ] {
        sender.send_to(&datagram, target).unwrap();
    }
    sender.send_to(&forged_fields, target).unwrap();
    wait_for(&browser, |l| !l.is_empty());
    // Give every datagram time to arrive: only the valid one (with extra keys) is listed,
    // at its sender's address.
    std::thread::sleep(Duration::from_millis(300));
    let list = browser.sightings();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0].addr,
        "127.0.0.1:9000".parse::<SocketAddrV4>().unwrap()
    );
    assert_eq!(list[0].beacon.name, "Real");
}
