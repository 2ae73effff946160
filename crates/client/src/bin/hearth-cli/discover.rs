//! `hearth-cli --discover`: list the hosts announcing on the LAN.
//!
//! Prints one `NAME ADDR:PORT CODE` line per host as it is heard (the room name may
//! contain spaces; the last two fields never do), listens for the whole timeout, and
//! exits 0 if it found any. With none it says on stderr which interfaces it searched and
//! how to join by address instead, and exits 1.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hearth_discovery::{BrowseOptions, Browser};

/// How often the list is looked at.
const POLL: Duration = Duration::from_millis(50);

/// Listens for `timeout`, printing hosts as they appear.
pub fn run(timeout: Duration) -> ExitCode {
    let browser = Browser::start(BrowseOptions::default());
    for problem in browser.problems() {
        eprintln!("hearth-cli: {problem}");
    }
    let deadline = Instant::now() + timeout;
    let mut printed = BTreeSet::new();
    let mut out = std::io::stdout();
    while Instant::now() < deadline {
        for sighting in browser.sightings() {
            if printed.insert(sighting.addr) {
                let b = &sighting.beacon;
                let _ = writeln!(out, "{} {} {}", b.name, sighting.addr, b.code);
                let _ = out.flush();
            }
        }
        std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
    }
    if !printed.is_empty() {
        return ExitCode::SUCCESS;
    }
    let searched: Vec<String> = browser.searched().iter().map(|a| a.label()).collect();
    eprintln!(
        "hearth-cli: no Hearth host found in {:.1} s. Searched: {}.",
        timeout.as_secs_f64(),
        if searched.is_empty() {
            "no network interface (only loopback, VPN or virtual adapters are up)".to_owned()
        } else {
            searched.join(", ")
        }
    );
    eprintln!(
        "hearth-cli: ask the host for the address and join code, then: \
         hearth-cli HOST:PORT --code CODE --user NAME"
    );
    ExitCode::FAILURE
}
