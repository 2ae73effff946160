//! The Join screen's list of hosts on the LAN, and joining one of them.
//!
//! `discovery_start` starts a [`Browser`] (mDNS and UDP beacons, `hearth-discovery`) and a
//! task that emits the `discovery` event whenever the list changes, and once a second so
//! that "nothing found" shows after [`NOTHING_FOUND_AFTER`]. `discovery_stop` (or a
//! successful join) stops both.
//!
//! Trust: a beacon is a hint. Joining uses `connect` with a code: the one the user typed
//! if any (it always wins), else the announced one (trust on first use, no dialog). So
//! the server's key must match that code, and must agree with a key trusted earlier at
//! the address. A server whose key does not match the code it announced is marked "not
//! this host" and never joined. Nothing here connects anywhere by itself.

use std::collections::BTreeSet;
use std::net::SocketAddrV4;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_client::{KnownHosts, ServerAddr};
use hearth_discovery::{Browser, Sighting};

use crate::error::{AppCode, CmdResult, CommandError};
use crate::ipc::{
    ConnectArgs, ConnectResult, DiscoveredHost, DiscoveredTrust, DiscoveryJoinArgs, DiscoveryState,
    HearthEvent,
};
use crate::state::{Core, TaskGuard};

/// After this long with no host found, the list says why and offers the manual path.
pub const NOTHING_FOUND_AFTER: Duration = Duration::from_secs(5);

/// How often the list is re-sent without a change (for "nothing found" and expiry).
const REFRESH: Duration = Duration::from_secs(1);

/// Announcements found false: the address and the code it announced. Keyed by both, so a
/// forged beacon for a real host's address never hides the real host's own beacon.
type Refused = BTreeSet<(SocketAddrV4, String)>;

/// Discovery while the Join screen is open.
pub(crate) struct Discovery {
    browser: Arc<Browser>,
    /// Announcements (address and code) whose server's key did not match the code. A std
    /// mutex, held only to insert or copy.
    refused: Arc<Mutex<Refused>>,
    /// Emits the list; stops when dropped.
    _task: TaskGuard,
}

impl Core {
    /// `discovery_start`: (re)starts listening and returns the list so far (empty at
    /// first); `discovery` events follow.
    pub async fn discovery_start(&self) -> CmdResult<DiscoveryState> {
        self.discovery_stop().await?;
        let options = self.config().browse.clone();
        let browser = tokio::task::spawn_blocking(move || Browser::start(options))
            .await
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let browser = Arc::new(browser);
        let refused = Arc::new(Mutex::new(BTreeSet::new()));
        let task = {
            let core = self.clone();
            let browser = Arc::clone(&browser);
            let refused = Arc::clone(&refused);
            TaskGuard::spawn(async move {
                let mut changes = browser.subscribe();
                let mut last = None;
                loop {
                    let state = core.discovery_state(&browser, &refused).await;
                    if last.as_ref() != Some(&state) {
                        core.emit(HearthEvent::Discovery {
                            state: state.clone(),
                        });
                        last = Some(state);
                    }
                    tokio::select! {
                        changed = changes.changed() => if changed.is_err() { return },
                        () = tokio::time::sleep(REFRESH) => {}
                    }
                }
            })
        };
        let state = self.discovery_state(&browser, &refused).await;
        let old = self.shared_discovery().replace(Discovery {
            browser,
            refused,
            _task: task,
        });
        stop_later(old);
        Ok(state)
    }

    /// `discovery_stop`: stops listening (nothing happens when it is not running).
    pub async fn discovery_stop(&self) -> CmdResult<()> {
        let old = self.shared_discovery().take();
        stop_later(old);
        Ok(())
    }

    /// `discovery_join`: connects to a listed host with the typed code, else the
    /// announced one. On success discovery stops (the Join screen is left).
    pub async fn discovery_join(&self, args: DiscoveryJoinArgs) -> CmdResult<ConnectResult> {
        let (sighting, refused) = {
            let guard = self.shared_discovery();
            let discovery = guard.as_ref().ok_or_else(|| {
                CommandError::invalid("The list of hosts is closed. Open Join again.")
            })?;
            let sighting = discovery
                .browser
                .sightings()
                .into_iter()
                .find(|s| s.addr.to_string() == args.address.trim());
            (sighting, Arc::clone(&discovery.refused))
        };
        let sighting = sighting.ok_or_else(|| {
            CommandError::invalid(format!(
                "{} is no longer announcing. Wait for it to reappear, or join by address.",
                args.address.trim()
            ))
        })?;
        let typed = args
            .join_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let key = (sighting.addr, sighting.beacon.code.to_string());
        if typed.is_none() && lock(&refused).contains(&key) {
            return Err(not_this_host(&sighting));
        }
        let announced = sighting.beacon.code.to_string();
        let result = self
            .connect(ConnectArgs {
                address: sighting.addr.to_string(),
                join_code: Some(typed.clone().unwrap_or(announced)),
            })
            .await;
        match result {
            Err(e) if typed.is_none() && e.code == AppCode::WrongCode.into() => {
                lock(&refused).insert(key);
                log::warn!(
                    "{} announced code {} but its key does not match it",
                    sighting.addr,
                    sighting.beacon.code
                );
                // The list shows it as "not this host" from now on.
                if let Some(d) = self.shared_discovery().as_ref() {
                    d.browser.nudge();
                }
                Err(not_this_host(&sighting))
            }
            Ok(connected) => {
                self.discovery_stop().await?;
                Ok(connected)
            }
            Err(e) => Err(e),
        }
    }

    fn shared_discovery(&self) -> std::sync::MutexGuard<'_, Option<Discovery>> {
        lock(&self.shared.discovery)
    }

    async fn discovery_state(&self, browser: &Browser, refused: &Mutex<Refused>) -> DiscoveryState {
        let sightings = browser.sightings();
        let refused = lock(refused).clone();
        let path = self.config().paths.known_hosts();
        let known = tokio::task::spawn_blocking(move || KnownHosts::load(path).ok())
            .await
            .ok()
            .flatten();
        let hosts: Vec<DiscoveredHost> = sightings
            .into_iter()
            .map(|s| {
                let trust = trust_of(&s, &refused, known.as_ref());
                DiscoveredHost {
                    name: s.beacon.name,
                    host_name: s.beacon.host,
                    address: s.addr.to_string(),
                    join_code: s.beacon.code.to_string(),
                    online: s.beacon.online,
                    via: s.via,
                    trust,
                }
            })
            .collect();
        DiscoveryState {
            nothing_found: hosts.is_empty() && browser.elapsed() >= NOTHING_FOUND_AFTER,
            hosts,
            searched: browser.searched().iter().map(|a| a.label()).collect(),
            problems: browser.problems().to_vec(),
        }
    }
}

/// How far a sighting can be trusted: refused, else what known hosts say of its address.
fn trust_of(sighting: &Sighting, refused: &Refused, known: Option<&KnownHosts>) -> DiscoveredTrust {
    if refused.contains(&(sighting.addr, sighting.beacon.code.to_string())) {
        return DiscoveredTrust::NotThisHost;
    }
    let saved = ServerAddr::new(sighting.addr.ip().to_string(), sighting.addr.port())
        .ok()
        .and_then(|addr| known?.get(&addr));
    match saved {
        None => DiscoveredTrust::New,
        Some(key) if sighting.beacon.code.matches(&key) => DiscoveredTrust::Known,
        Some(_) => DiscoveredTrust::KeyChanged,
    }
}

fn not_this_host(sighting: &Sighting) -> CommandError {
    CommandError::new(
        AppCode::NotThisHost,
        format!(
            "The computer at {} is not \"{}\": its key does not match the code it announced \
             ({}). Hearth did not join. Ask the host for the address and join code.",
            sighting.addr, sighting.beacon.name, sighting.beacon.code
        ),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops a discovery off the async threads (stopping its listeners blocks briefly).
fn stop_later(discovery: Option<Discovery>) {
    if let Some(discovery) = discovery {
        drop(discovery._task);
        let browser = discovery.browser;
        tokio::task::spawn_blocking(move || drop(browser));
    }
}
