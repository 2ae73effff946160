//! The joining side: a live list of the hosts announcing on the LAN.
//!
//! Two listener threads feed one list of [`Sighting`]s: the UDP beacon listener (bound to
//! [`BEACON_PORT`] with address reuse, so several apps on one computer can listen, and
//! joined to [`BEACON_GROUP`] on every LAN adapter), and an mDNS browse of
//! [`SERVICE_TYPE`]. A sighting is keyed by the host's address and port, so a host heard
//! both ways is listed once. Nothing here connects anywhere: the list is only shown.
//!
//! Where a host is never comes from a beacon's text: for a UDP beacon it is the datagram's
//! source address, for mDNS the first announced IPv4 address on one of the searched
//! subnets (an mDNS record naming an address elsewhere is ignored).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::watch;
use ts_rs::TS;

use crate::adapters::{self, Adapter};
use crate::announce::mdns_interfaces;
use crate::beacon::Beacon;
use crate::{BEACON_GROUP, BEACON_PORT, SERVICE_TYPE, SIGHTING_TTL};

/// How often the listener threads look at the stop flag and prune old sightings.
const TICK: Duration = Duration::from_millis(250);

/// How a host was heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Its mDNS/DNS-SD record.
    Mdns,
    /// Its UDP beacon (broadcast or multicast).
    Beacon,
}

/// One host on the LAN, as last heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Where its chat server listens.
    pub addr: SocketAddrV4,
    /// What it announced most recently.
    pub beacon: Beacon,
    /// How it was heard (one or both ways).
    pub via: Vec<Via>,
    /// When it was first heard (the list is newest first).
    pub first_seen: Instant,
}

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct BrowseOptions {
    /// Browse mDNS too.
    pub mdns: bool,
    /// The address the beacon listener binds.
    pub bind: SocketAddrV4,
}

impl Default for BrowseOptions {
    fn default() -> Self {
        BrowseOptions {
            mdns: true,
            bind: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, BEACON_PORT),
        }
    }
}

#[derive(Debug)]
struct Entry {
    beacon: Beacon,
    first_seen: Instant,
    /// When the last UDP beacon came.
    beacon_seen: Option<Instant>,
    /// The mDNS instance that announced it, until mDNS says it left.
    mdns: Option<String>,
}

impl Entry {
    fn alive(&self, now: Instant) -> bool {
        self.mdns.is_some()
            || self
                .beacon_seen
                .is_some_and(|t| now.duration_since(t) < SIGHTING_TTL)
    }
}

/// The list, shared by the handle and the two listener threads.
struct Shared {
    /// Locked briefly by a listener to add or refresh one entry, and by readers to copy
    /// the list; never held while receiving.
    entries: Mutex<BTreeMap<SocketAddrV4, Entry>>,
    stop: AtomicBool,
    /// Counts changes; readers wait on it.
    changes: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<SocketAddrV4, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn heard_beacon(&self, addr: SocketAddrV4, beacon: Beacon) {
        let now = Instant::now();
        let changed = {
            let mut entries = self.lock();
            match entries.get_mut(&addr) {
                Some(entry) => {
                    let alive = entry.alive(now);
                    let changed = entry.beacon != beacon || !alive || entry.beacon_seen.is_none();
                    if !alive {
                        entry.first_seen = now;
                    }
                    entry.beacon = beacon;
                    entry.beacon_seen = Some(now);
                    changed
                }
                None => {
                    entries.insert(
                        addr,
                        Entry {
                            beacon,
                            first_seen: now,
                            beacon_seen: Some(now),
                            mdns: None,
                        },
                    );
                    true
                }
            }
        };
        if changed {
            self.changed();
        }
    }

    fn heard_mdns(&self, addr: SocketAddrV4, beacon: Beacon, instance: String) {
        let now = Instant::now();
        let changed = {
            let mut entries = self.lock();
            let entry = entries.entry(addr).or_insert_with(|| Entry {
                beacon: beacon.clone(),
                first_seen: now,
                beacon_seen: None,
                mdns: None,
            });
            let changed = entry.beacon != beacon || entry.mdns.is_none();
            if !entry.alive(now) {
                entry.first_seen = now;
            }
            entry.beacon = beacon;
            entry.mdns = Some(instance);
            changed
        };
        if changed {
            self.changed();
        }
    }

    fn mdns_left(&self, instance: &str) {
        let changed = {
            let mut entries = self.lock();
            let mut changed = false;
            for entry in entries.values_mut() {
                if entry.mdns.as_deref() == Some(instance) {
                    entry.mdns = None;
                    changed = true;
                }
            }
            changed
        };
        if changed {
            self.prune();
            self.changed();
        }
    }

    /// Drops the hosts no longer heard; says whether any left.
    fn prune(&self) -> bool {
        let now = Instant::now();
        let mut entries = self.lock();
        let before = entries.len();
        entries.retain(|_, e| e.alive(now));
        entries.len() != before
    }
}

/// Listens for hosts while it lives; dropping it stops the listeners.
pub struct Browser {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    daemon: Option<ServiceDaemon>,
    searched: Vec<Adapter>,
    beacon_addr: Option<SocketAddr>,
    problems: Vec<String>,
    started: Instant,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("searched", &self.searched)
            .field("beacon_addr", &self.beacon_addr)
            .field("problems", &self.problems)
            .finish()
    }
}

impl Browser {
    /// Starts listening. A listener that cannot start (the beacon port held by another
    /// program without address reuse, no multicast) is reported in [`Browser::problems`];
    /// the other one still runs.
    pub fn start(options: BrowseOptions) -> Browser {
        let searched = adapters::lan();
        let shared = Arc::new(Shared {
            entries: Mutex::new(BTreeMap::new()),
            stop: AtomicBool::new(false),
            changes: watch::channel(0).0,
        });
        let mut browser = Browser {
            shared,
            threads: Vec::new(),
            daemon: None,
            searched,
            beacon_addr: None,
            problems: Vec::new(),
            started: Instant::now(),
        };
        match beacon_socket(options.bind, &browser.searched) {
            Ok(socket) => {
                browser.beacon_addr = socket.local_addr().ok();
                let shared = Arc::clone(&browser.shared);
                match spawn("hearth-beacons", move || listen_beacons(&shared, &socket)) {
                    Ok(t) => browser.threads.push(t),
                    Err(e) => browser.problems.push(format!("beacon listener: {e}")),
                }
            }
            Err(e) => browser.problems.push(format!(
                "cannot listen for beacons on UDP port {}: {e}",
                options.bind.port()
            )),
        }
        if options.mdns {
            match start_mdns(&browser.shared, browser.searched.clone()) {
                Ok((daemon, thread)) => {
                    browser.daemon = Some(daemon);
                    browser.threads.push(thread);
                }
                Err(e) => browser.problems.push(format!("mDNS: {e}")),
            }
        }
        browser
    }

    /// The hosts heard and still announcing, newest first.
    pub fn sightings(&self) -> Vec<Sighting> {
        self.shared.prune();
        let mut list: Vec<Sighting> = self
            .shared
            .lock()
            .iter()
            .map(|(addr, e)| {
                let mut via = Vec::new();
                if e.mdns.is_some() {
                    via.push(Via::Mdns);
                }
                if e.beacon_seen.is_some() {
                    via.push(Via::Beacon);
                }
                Sighting {
                    addr: *addr,
                    beacon: e.beacon.clone(),
                    via,
                    first_seen: e.first_seen,
                }
            })
            .collect();
        list.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then(a.addr.cmp(&b.addr)));
        list
    }

    /// A receiver that sees a new value whenever the list changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Wakes the subscribers without a change here (something the caller shows next to
    /// the list changed).
    pub fn nudge(&self) {
        self.shared.changed();
    }

    /// The adapters searched (the LAN adapters when browsing started).
    pub fn searched(&self) -> &[Adapter] {
        &self.searched
    }

    /// Where the beacon listener is bound, if it runs.
    pub fn beacon_addr(&self) -> Option<SocketAddr> {
        self.beacon_addr
    }

    /// Listeners that could not start, in plain words.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// How long it has been listening.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(daemon) = self.daemon.take() {
            if let Ok(done) = daemon.shutdown() {
                let _ = done.recv_timeout(Duration::from_secs(1));
            }
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.into()).spawn(f)
}

/// The beacon listener's socket: address reuse, the multicast group joined on every
/// searched adapter, and a short read timeout so the thread can stop.
fn beacon_socket(bind: SocketAddrV4, searched: &[Adapter]) -> std::io::Result<std::net::UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true)?;
    socket.bind(&SocketAddr::from(bind).into())?;
    if bind.ip().is_unspecified() {
        for adapter in searched {
            if let Err(e) = socket.join_multicast_v4(&BEACON_GROUP, &adapter.ip) {
                tracing::debug!("multicast on {}: {e}", adapter.label());
            }
        }
    }
    socket.set_read_timeout(Some(TICK))?;
    Ok(socket.into())
}

fn listen_beacons(shared: &Shared, socket: &std::net::UdpSocket) {
    let mut buf = [0u8; crate::beacon::MAX_BEACON_BYTES + 1];
    while !shared.stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buf) {
            Ok((len, SocketAddr::V4(from))) => match Beacon::decode(&buf[..len]) {
                Ok(beacon) => {
                    let addr = SocketAddrV4::new(*from.ip(), beacon.port);
                    shared.heard_beacon(addr, beacon);
                }
                Err(e) => tracing::debug!("ignored a datagram from {from}: {e}"),
            },
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                tracing::debug!("beacon listener: {e}");
                std::thread::sleep(TICK);
            }
        }
        if shared.prune() {
            shared.changed();
        }
    }
}

fn start_mdns(
    shared: &Arc<Shared>,
    searched: Vec<Adapter>,
) -> Result<(ServiceDaemon, JoinHandle<()>), mdns_sd::Error> {
    let daemon = ServiceDaemon::new()?;
    mdns_interfaces(&daemon)?;
    let events = daemon.browse(SERVICE_TYPE)?;
    let shared = Arc::clone(shared);
    let thread = spawn("hearth-mdns-browse", move || {
        while !shared.stop.load(Ordering::Relaxed) {
            match events.recv_timeout(TICK) {
                Ok(ServiceEvent::ServiceResolved(service)) => {
                    let props = service.get_properties();
                    let beacon = match Beacon::from_fields(|k| {
                        props.get_property_val_str(k).map(str::to_owned)
                    }) {
                        Ok(b) if b.port == service.get_port() => b,
                        Ok(_) => continue,
                        Err(e) => {
                            tracing::debug!("ignored mDNS record {}: {e}", service.get_fullname());
                            continue;
                        }
                    };
                    let mut addrs: Vec<Ipv4Addr> = service.get_addresses_v4().into_iter().collect();
                    addrs.sort();
                    if let Some(ip) = addrs
                        .into_iter()
                        .find(|ip| searched.iter().any(|a| a.contains(*ip)))
                    {
                        shared.heard_mdns(
                            SocketAddrV4::new(ip, beacon.port),
                            beacon,
                            service.get_fullname().to_owned(),
                        );
                    }
                }
                Ok(ServiceEvent::ServiceRemoved(_, fullname)) => shared.mdns_left(&fullname),
                Ok(_) => {}
                Err(_) if events.is_disconnected() => return,
                Err(_) => {}
            }
        }
    })
    .map_err(|e| mdns_sd::Error::Msg(e.to_string()))?;
    Ok((daemon, thread))
}
