//! The host side: announce a room on every LAN adapter until dropped.
//!
//! Two announcers run side by side, so either alone is enough for a friend to find the
//! host: the mDNS daemon (its own thread, from `mdns-sd`) registers [`SERVICE_TYPE`], and
//! the beacon thread sends the UDP [`Beacon`] every [`BEACON_INTERVAL`] to each LAN
//! adapter's broadcast address and to [`BEACON_GROUP`] out of that adapter. The adapter
//! list is read again every round, so Wi-Fi that comes back later is announced on too.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use mdns_sd::{IfKind, IfPredicate, ServiceDaemon, ServiceInfo};
use socket2::{Domain, Protocol, Socket, Type};

use crate::adapters::{self, classify, AdapterKind};
use crate::beacon::Beacon;
use crate::{BEACON_GROUP, BEACON_INTERVAL, BEACON_PORT, SERVICE_TYPE};

/// Why announcing could not start.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// The mDNS daemon could not start or register.
    #[error("mDNS: {0}")]
    Mdns(#[from] mdns_sd::Error),
    /// The beacon thread could not start.
    #[error("beacon thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Where beacons go.
#[derive(Debug, Clone, Default)]
pub enum BeaconTargets {
    /// Each LAN adapter's broadcast address and [`BEACON_GROUP`], on [`BEACON_PORT`].
    #[default]
    Lan,
    /// Exactly these addresses (tests on one machine).
    Only(Vec<SocketAddr>),
}

/// What [`Announcer::start`] announces and how.
#[derive(Debug, Clone)]
pub struct AnnounceOptions {
    /// Register the mDNS service too.
    pub mdns: bool,
    /// Where the UDP beacons go.
    pub targets: BeaconTargets,
}

impl Default for AnnounceOptions {
    fn default() -> Self {
        AnnounceOptions {
            mdns: true,
            targets: BeaconTargets::Lan,
        }
    }
}

/// The current beacon and whether to stop, shared by the handle and the beacon thread.
struct Shared {
    /// Locked briefly to copy or change the beacon, and by the thread's timed wait
    /// (which releases it while waiting); never held while sending.
    state: Mutex<State>,
    /// Wakes the beacon thread to stop (or to send a changed beacon at once).
    wake: Condvar,
}

struct State {
    beacon: Beacon,
    stop: bool,
    changed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Announces one room while it lives; dropping it stops both announcers and says
/// goodbye over mDNS.
pub struct Announcer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    mdns: Option<Mdns>,
}

struct Mdns {
    daemon: ServiceDaemon,
    instance: String,
    host_label: String,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("beacon", &self.beacon())
            .field("mdns", &self.mdns.is_some())
            .finish()
    }
}

impl Announcer {
    /// Starts announcing `beacon`.
    pub fn start(beacon: Beacon, options: AnnounceOptions) -> Result<Announcer, AnnounceError> {
        let mdns = if options.mdns {
            Some(Mdns::start(&beacon)?)
        } else {
            None
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                beacon,
                stop: false,
                changed: false,
            }),
            wake: Condvar::new(),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("hearth-beacon".into())
                .spawn(move || beacon_loop(&shared, &options.targets))?
        };
        Ok(Announcer {
            shared,
            thread: Some(thread),
            mdns,
        })
    }

    /// What is announced now.
    pub fn beacon(&self) -> Beacon {
        self.shared.lock().beacon.clone()
    }

    /// Announces a new online count (sent at once when it changed).
    pub fn set_online(&self, online: u32) {
        let beacon = {
            let mut state = self.shared.lock();
            if state.beacon.online == online {
                return;
            }
            state.beacon.online = online;
            state.changed = true;
            state.beacon.clone()
        };
        self.shared.wake.notify_all();
        if let Some(mdns) = &self.mdns {
            mdns.update(&beacon);
        }
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(mdns) = self.mdns.take() {
            mdns.stop();
        }
    }
}

/// The mDNS predicate: IPv4 LAN adapters only (the same rule as the beacons).
pub(crate) fn mdns_interfaces(daemon: &ServiceDaemon) -> Result<(), mdns_sd::Error> {
    daemon.disable_interface(IfKind::All)?;
    daemon.enable_interface(IfKind::Predicate(IfPredicate::new(|i| {
        i.ip().is_ipv4() && classify(&i.name, i.is_loopback(), i.is_p2p()) == AdapterKind::Lan
    })))
}

impl Mdns {
    fn start(beacon: &Beacon) -> Result<Mdns, mdns_sd::Error> {
        let daemon = ServiceDaemon::new()?;
        mdns_interfaces(&daemon)?;
        let host_label = dns_label(&beacon.host);
        let mdns = Mdns {
            daemon,
            instance: format!("{host_label}-{}", beacon.port),
            host_label,
        };
        mdns.daemon.register(mdns.info(beacon)?)?;
        Ok(mdns)
    }

    fn info(&self, beacon: &Beacon) -> Result<ServiceInfo, mdns_sd::Error> {
        let properties: Vec<(&str, String)> = beacon.fields().into_iter().collect();
        Ok(ServiceInfo::new(
            SERVICE_TYPE,
            &self.instance,
            &format!("{}.local.", self.host_label),
            "",
            beacon.port,
            &properties[..],
        )?
        .enable_addr_auto())
    }

    fn update(&self, beacon: &Beacon) {
        // Registering the same instance again re-announces it with the new TXT record.
        match self.info(beacon) {
            Ok(info) => {
                if let Err(e) = self.daemon.register(info) {
                    tracing::debug!("mDNS update failed: {e}");
                }
            }
            Err(e) => tracing::debug!("mDNS update failed: {e}"),
        }
    }

    fn stop(self) {
        let fullname = format!("{}.{SERVICE_TYPE}", self.instance);
        if let Ok(done) = self.daemon.unregister(&fullname) {
            let _ = done.recv_timeout(std::time::Duration::from_secs(1));
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(std::time::Duration::from_secs(1));
        }
    }
}

/// A DNS label from a host name: letters, digits and `-`, at most 63 bytes.
fn dns_label(host: &str) -> String {
    let label: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(63)
        .collect();
    let label = label.trim_matches('-').to_owned();
    if label.is_empty() {
        "hearth-host".to_owned()
    } else {
        label
    }
}

fn beacon_loop(shared: &Shared, targets: &BeaconTargets) {
    let mut state = shared.lock();
    while !state.stop {
        let datagram = state.beacon.encode();
        state.changed = false;
        drop(state);
        send_round(&datagram, targets);
        state = shared.lock();
        let deadline = std::time::Instant::now() + BEACON_INTERVAL;
        while !state.stop && !state.changed {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            state = shared
                .wake
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// Sends one datagram everywhere it goes this round; failures are logged at debug level
/// (an adapter going away mid-round is normal).
fn send_round(datagram: &[u8], targets: &BeaconTargets) {
    match targets {
        BeaconTargets::Only(addrs) => {
            if let Ok(socket) = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)) {
                for addr in addrs {
                    let _ = socket.send_to(datagram, addr);
                }
            }
        }
        BeaconTargets::Lan => {
            let lan = adapters::lan();
            tracing::trace!("beacon round on {} adapters", lan.len());
            for adapter in lan {
                tracing::trace!(
                    "beacon to {} on {}",
                    adapter.broadcast_addr(),
                    adapter.label()
                );
                if let Err(e) = send_on(datagram, adapter.ip, adapter.broadcast_addr()) {
                    tracing::debug!("beacon on {}: {e}", adapter.label());
                }
            }
        }
    }
}

/// Broadcast and multicast out of the adapter that has `ip`.
fn send_on(datagram: &[u8], ip: Ipv4Addr, broadcast: Ipv4Addr) -> std::io::Result<()> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_broadcast(true)?;
    socket.set_multicast_if_v4(&ip)?;
    socket.set_multicast_ttl_v4(1)?;
    socket.bind(&SocketAddr::from(SocketAddrV4::new(ip, 0)).into())?;
    let broadcast_result = socket.send_to(
        datagram,
        &SocketAddr::from(SocketAddrV4::new(broadcast, BEACON_PORT)).into(),
    );
    let multicast_result = socket.send_to(
        datagram,
        &SocketAddr::from(SocketAddrV4::new(BEACON_GROUP, BEACON_PORT)).into(),
    );
    // Each path is tried whatever happened to the other; both are reported.
    match (broadcast_result, multicast_result) {
        (Ok(_), Ok(_)) => Ok(()),
        (Err(e), Ok(_)) => Err(std::io::Error::new(
            e.kind(),
            format!("broadcast to {broadcast}: {e}"),
        )),
        (Ok(_), Err(e)) => Err(std::io::Error::new(e.kind(), format!("multicast: {e}"))),
        (Err(b), Err(m)) => Err(std::io::Error::new(
            b.kind(),
            format!("broadcast to {broadcast}: {b}; multicast: {m}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_are_safe() {
        assert_eq!(dns_label("zed-pc"), "zed-pc");
        assert_eq!(dns_label("Zed's PC.lan"), "Zed-s-PC-lan");
        assert_eq!(dns_label("💻"), "hearth-host");
        assert_eq!(dns_label(&"a".repeat(100)).len(), 63);
    }
}
