//! Finding a Hearth host on the LAN without typing an IP.
//!
//! A host announces itself two ways, and a joining app listens for both:
//! - **mDNS/DNS-SD** as [`SERVICE_TYPE`] (the `mdns-sd` crate, pure Rust: no Bonjour or
//!   Avahi needed), with the [`Beacon`]'s fields in the TXT record;
//! - a **UDP beacon** (one [`Beacon`] per datagram) every [`BEACON_INTERVAL`] to each
//!   adapter's broadcast address and to the multicast group [`BEACON_GROUP`], both on
//!   [`BEACON_PORT`]. Broadcast still works where switches or firewalls drop multicast.
//!
//! Layout: [`beacon`] (the announcement and its two encodings), [`adapters`] (which
//! network interfaces are searched and announced on), [`announce`] (the host side),
//! [`browse`] (the joining side), [`selfcheck`] (what would stop friends from finding or
//! reaching a host, decided over [`selfcheck::Facts`] that [`probe`] gathers per platform).
//!
//! A beacon is only a hint: its address is where the datagram came from (or the mDNS
//! record's address on a searched subnet), it never makes anything connect by itself, and
//! the join code it carries is checked against the server's key when the user joins.

pub mod adapters;
pub mod announce;
pub mod beacon;
pub mod browse;
pub mod probe;
pub mod selfcheck;

use std::net::Ipv4Addr;
use std::time::Duration;

pub use adapters::{Adapter, AdapterKind};
pub use announce::{AnnounceError, Announcer};
pub use beacon::{Beacon, BeaconError};
pub use browse::{BrowseOptions, Browser, Sighting, Via};
pub use selfcheck::{Finding, FindingCode, Severity};

/// The DNS-SD service type hosts register.
pub const SERVICE_TYPE: &str = "_hearth._tcp.local.";

/// UDP port of the beacons (the chat server's default is 7878; beacons use the next one).
pub const BEACON_PORT: u16 = 7879;

/// Link-local multicast group the beacons are also sent to (224.0.0.0/24 is never
/// forwarded by routers, so beacons stay on the LAN).
pub const BEACON_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 187);

/// How often a host sends its beacon.
pub const BEACON_INTERVAL: Duration = Duration::from_secs(2);

/// A host not heard from for this long (and not kept by mDNS) leaves the list.
pub const SIGHTING_TTL: Duration = Duration::from_secs(7);

/// This computer's host name, as shown next to a discovered host's room name.
pub fn host_name() -> String {
    whoami::hostname().unwrap_or_else(|_| "hearth-host".to_owned())
}
