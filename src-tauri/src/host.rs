//! Hosting a room: the embedded `hearth_server` on `0.0.0.0:<port>` with its data in the
//! app data dir, the host's own account (made the owner and logged in through the client
//! library, pinned to the server's own key), the LAN addresses, join code and its QR code,
//! the room announced on the LAN (`hearth-discovery`), a live connected count, the
//! self-check (`host_check`), and a clean stop.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hearth_client::{ClientError, ErrorCode as ServerCode, ServerAddr, Trust};
use hearth_discovery::{Announcer, Beacon, Finding};
use hearth_server::RunningServer;
use tokio::net::TcpListener;

use crate::error::{AppCode, CmdResult, CommandError};
use crate::ipc::{
    HearthEvent, HostAddress, HostCheckArgs, HostInfo, HostStartArgs, HostStarted, JoinQr, Session,
};
use crate::state::{Core, HostSlot, TaskGuard};

/// How far above a taken port to look for a free one to suggest.
const PORT_SEARCH: u16 = 100;

/// A running embedded server and what the host panel shows about it.
pub(crate) struct Host {
    server: RunningServer,
    info: HostInfo,
    /// Announces the room on the LAN (none when announcing is off or failed).
    announcer: Option<Arc<Announcer>>,
    /// Emits `host_status` (and announces the count) when the logged-in count changes;
    /// stops when dropped.
    _stats: TaskGuard,
}

impl Host {
    /// The panel's data, with the current connected count.
    fn info(&self) -> HostInfo {
        HostInfo {
            connected: online(&self.server),
            ..self.info.clone()
        }
    }

    /// Closes the room for good: clients get a final `bye` and stop reconnecting.
    pub(crate) async fn stop(self) {
        let Host {
            server,
            _stats,
            announcer,
            ..
        } = self;
        drop(_stats);
        // Saying goodbye over mDNS waits for the daemon: off the async threads.
        if let Some(announcer) = announcer {
            let _ = tokio::task::spawn_blocking(move || drop(announcer)).await;
        }
        if let Err(e) = server.close().await {
            log::warn!("the hosted server stopped with an error: {e}");
        }
    }
}

fn online(server: &RunningServer) -> u32 {
    u32::try_from(server.stats().borrow().online).unwrap_or(u32::MAX)
}

/// Every LAN address of this computer, each with `port`: loopback and IPv6 link-local
/// addresses (`fe80::/10`, useless without the interface's scope) excluded.
pub fn lan_addresses(port: u16) -> Vec<HostAddress> {
    hearth_certs::local_addresses()
        .into_iter()
        .filter(|ip| !ip.is_loopback())
        .filter(|ip| !matches!(ip, IpAddr::V6(v6) if v6.is_unicast_link_local()))
        .map(|ip| HostAddress {
            ip: ip.to_string(),
            port,
        })
        .collect()
}

/// `hearth://HOST:PORT/CODE` for the first LAN address (loopback when there is none).
fn join_link(addresses: &[HostAddress], port: u16, code: &str) -> String {
    let host = addresses
        .first()
        .map(|a| a.ip.clone())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let addr = SocketAddr::new(host.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])), port);
    format!("{}://{addr}/{code}", hearth_client::link::SCHEME)
}

/// The join link as a QR code for the UI to draw: its modules as SVG path data, each run of
/// dark modules in a row one rectangle (see [`JoinQr`]). Data rather than an SVG document, so
/// that the web process draws it as inline SVG instead of parsing an image with libxml2 in an
/// SVG page of its own (1.2 MiB less while hosting, docs/PERFORMANCE.md).
pub fn join_qr(link: &str) -> Option<JoinQr> {
    let code = match qrcode::QrCode::new(link.as_bytes()) {
        Ok(code) => code,
        // A join link is far below a QR code's capacity; never reached.
        Err(e) => {
            log::warn!("no QR code for the join link: {e}");
            return None;
        }
    };
    let width = code.width();
    let modules = code.to_colors();
    let mut dark_path = String::new();
    for (y, row) in modules.chunks(width).enumerate() {
        let mut x = 0;
        for run in row.chunk_by(|a, b| a == b) {
            let n = run.len();
            if run[0] == qrcode::Color::Dark {
                // Writing to a String cannot fail.
                let _ = write!(dark_path, "M{x} {y}h{n}v1h-{n}z");
            }
            x += n;
        }
    }
    Some(JoinQr {
        width: u32::try_from(width).ok()?,
        dark_path,
    })
}

/// The room name: the one given, else "USERNAME's room"; `invalid_input` when it cannot
/// be announced.
fn room_name(args: &HostStartArgs) -> CmdResult<String> {
    let name = match args.room_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("{}'s room", args.username.trim()),
    };
    hearth_discovery::beacon::check_name(&name).map_err(|_| {
        CommandError::invalid(format!(
            "The room name must be 1 to {} characters.",
            hearth_discovery::beacon::MAX_NAME_CHARS
        ))
    })
}

/// A port near `taken` that can be bound on `ip` right now.
fn free_port_near(ip: IpAddr, taken: u16) -> Option<u16> {
    (1..=PORT_SEARCH)
        .filter_map(|step| taken.checked_add(step))
        .find(|port| std::net::TcpListener::bind((ip, *port)).is_ok())
        .or_else(|| {
            std::net::TcpListener::bind((ip, 0))
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .ok()
        })
}

impl Core {
    /// `host_start`: starts the embedded server, makes the host's account the owner and
    /// logs it in. Fails with `port_in_use` (and a suggested free port) when the port is
    /// taken. On any failure nothing keeps running.
    pub async fn host_start(&self, args: HostStartArgs) -> CmdResult<HostStarted> {
        let port = match args.port {
            None => self.config().default_port,
            Some(p) => u16::try_from(p).ok().filter(|p| *p != 0).ok_or_else(|| {
                CommandError::invalid("The port must be a number from 1 to 65535.")
            })?,
        };
        let quota_mib = hearth_server::config::DEFAULT_FILES_QUOTA_BYTES >> 20;
        if let Some(mib) = args.max_file_mib {
            if mib == 0 || u64::from(mib) > quota_mib {
                return Err(CommandError::invalid(format!(
                    "The largest file must be 1 to {quota_mib} MiB."
                )));
            }
        }
        {
            let mut inner = self.lock();
            match inner.host {
                HostSlot::Idle => inner.host = HostSlot::Busy,
                _ => {
                    return Err(CommandError::server_error(
                        "You are already hosting a room.",
                    ))
                }
            }
        }
        let started = self.start_hosting(port, args).await;
        let mut inner = self.lock();
        match started {
            Ok((host, session)) => {
                let host_info = host.info();
                inner.host = HostSlot::Running(Box::new(host));
                Ok(HostStarted {
                    host: host_info,
                    session,
                })
            }
            Err(e) => {
                inner.host = HostSlot::Idle;
                Err(e)
            }
        }
    }

    async fn start_hosting(&self, port: u16, args: HostStartArgs) -> CmdResult<(Host, Session)> {
        let room_name = room_name(&args)?;
        let ip = self.config().bind_ip;
        let listener = match TcpListener::bind((ip, port)).await {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                let suggested = free_port_near(ip, port);
                return Err(CommandError::new(
                    AppCode::PortInUse,
                    format!("Port {port} is already in use on this computer."),
                )
                .with(|d| d.suggested_port = suggested));
            }
            Err(e) => {
                return Err(CommandError::new(
                    AppCode::PortInUse,
                    format!("Cannot listen on port {port}: {e}"),
                ))
            }
        };
        let mut config = hearth_server::Config::new(self.config().paths.server_dir());
        config.owner = Some(args.username.trim().to_owned());
        if let Some(mib) = args.max_file_mib {
            config.max_file_bytes = u64::from(mib) << 20;
        }
        (self.config().server_tuning)(&mut config);
        let server = hearth_server::start(config, listener)
            .await
            .map_err(|e| CommandError::internal(format!("The server could not start: {e}")))?;
        let port = server.local_addr().port();
        let key = server.fingerprint();

        // The host's own account is an ordinary client of its own server, pinned to its key.
        let own = ServerAddr::new("127.0.0.1", port)
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let session = match self.own_login(&own, key, &args).await {
            Ok(session) => session,
            Err(e) => {
                self.drop_connection().await;
                let _ = server.close().await;
                return Err(e);
            }
        };

        let addresses = lan_addresses(port);
        let code = server.join_code().to_string();
        let announcer = self.announce(&room_name, port, server.join_code());
        let link = join_link(&addresses, port, &code);
        let info = HostInfo {
            join_qr: join_qr(&link),
            join_link: link,
            addresses,
            port,
            join_code: code,
            fingerprint: key.to_string(),
            connected: 0,
            room_name,
            announcing: announcer.is_some(),
        };
        let stats = self.watch_stats(server.stats(), announcer.clone());
        log::info!("hosting on port {port}, join code {}", info.join_code);
        Ok((
            Host {
                server,
                info,
                announcer,
                _stats: stats,
            },
            session,
        ))
    }

    /// Connects to the own server, registers the owner account if it is new, logs in.
    async fn own_login(
        &self,
        own: &ServerAddr,
        key: hearth_client::Fingerprint,
        args: &HostStartArgs,
    ) -> CmdResult<Session> {
        let client = self.open(own, Trust::Key(key), false).await?;
        let username = args.username.trim();
        match client
            .register(username, &args.password, args.color.as_deref())
            .await
        {
            Ok(_) => {}
            Err(ClientError::Server {
                code: ServerCode::NameTaken,
                ..
            }) => {}
            Err(e) => return Err(e.into()),
        }
        match self.login_current(username, &args.password).await {
            Err(e) if e.is(ServerCode::AuthFailed) => Err(CommandError::new(
                ServerCode::AuthFailed,
                "That name already has an account here with a different password.",
            )),
            other => other,
        }
    }

    /// Starts announcing the room on the LAN, unless the config says not to (or the
    /// server listens on loopback only). A failure is logged: friends can still join by
    /// address, and the host panel says the room is not announced.
    fn announce(
        &self,
        room_name: &str,
        port: u16,
        code: hearth_client::JoinCode,
    ) -> Option<Arc<Announcer>> {
        let options = self.config().announce.clone()?;
        let lan_targets = matches!(
            options.targets,
            hearth_discovery::announce::BeaconTargets::Lan
        );
        if lan_targets && self.config().bind_ip.is_loopback() {
            return None;
        }
        let host = hearth_discovery::host_name();
        let started = Beacon::new(room_name, &host, port, code, 1)
            .map_err(|e| e.to_string())
            .and_then(|b| Announcer::start(b, options).map_err(|e| e.to_string()));
        match started {
            Ok(announcer) => Some(Arc::new(announcer)),
            Err(e) => {
                log::warn!("the room is not announced on the LAN: {e}");
                None
            }
        }
    }

    /// `host_check`: what would stop friends from finding or reaching this host, most
    /// serious first (the hosted room's port while hosting, else the given port).
    pub async fn host_check(&self, args: HostCheckArgs) -> CmdResult<Vec<Finding>> {
        let hosting = match &self.lock().host {
            HostSlot::Running(host) => Some(host.info.port),
            _ => None,
        };
        let port = match (hosting, args.port) {
            (Some(port), _) => port,
            (None, None) => self.config().default_port,
            (None, Some(p)) => u16::try_from(p).ok().filter(|p| *p != 0).ok_or_else(|| {
                CommandError::invalid("The port must be a number from 1 to 65535.")
            })?,
        };
        let facts = tokio::task::spawn_blocking(move || {
            hearth_discovery::probe::gather(port, hosting.is_some())
        })
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?;
        Ok(hearth_discovery::selfcheck::assess(&facts))
    }

    fn watch_stats(
        &self,
        mut stats: tokio::sync::watch::Receiver<hearth_server::Stats>,
        announcer: Option<Arc<Announcer>>,
    ) -> TaskGuard {
        let core = self.clone();
        TaskGuard::spawn(async move {
            let mut last = None;
            loop {
                let online = u32::try_from(stats.borrow_and_update().online).unwrap_or(u32::MAX);
                if last != Some(online) {
                    last = Some(online);
                    if let Some(announcer) = &announcer {
                        announcer.set_online(online);
                    }
                    core.emit(HearthEvent::HostStatus { connected: online });
                }
                if stats.changed().await.is_err() {
                    return;
                }
            }
        })
    }

    /// `host_stop`: closes the host's own connection if it is the current one, says goodbye
    /// to every client and stops the server.
    pub async fn host_stop(&self) -> CmdResult<()> {
        let host = {
            let mut inner = self.lock();
            match std::mem::replace(&mut inner.host, HostSlot::Busy) {
                HostSlot::Running(host) => host,
                other => {
                    inner.host = other;
                    return Err(CommandError::server_error("You are not hosting."));
                }
            }
        };
        let own_port = host.info.port;
        let own = {
            let mut inner = self.lock();
            let is_own = inner
                .conn
                .as_ref()
                .is_some_and(|c| c.addr.host() == "127.0.0.1" && c.addr.port() == own_port);
            if is_own {
                inner.conn.take()
            } else {
                None
            }
        };
        if let Some(own) = own {
            own.client.close().await;
        }
        host.stop().await;
        self.lock().host = HostSlot::Idle;
        log::info!("stopped hosting");
        Ok(())
    }

    /// `host_status`: the host panel's data, or `None` when not hosting.
    pub async fn host_status(&self) -> CmdResult<Option<HostInfo>> {
        Ok(match &self.lock().host {
            HostSlot::Running(host) => Some(host.info()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs `dark_path` draws, in order, as `(x, y, n)`: each must be exactly
    /// `M{x} {y}h{n}v1h-{n}z`.
    fn runs_of(qr: &JoinQr) -> Vec<(usize, usize, usize)> {
        qr.dark_path
            .split('M')
            .skip(1)
            .map(|run| {
                let (at, rest) = run.split_once('h').expect("M{x} {y}h");
                let (x, y) = at.split_once(' ').expect("{x} {y}");
                let n = rest.split_once('v').expect("h{n}v").0;
                let [x, y, n] = [x, y, n].map(|v| v.parse::<usize>().expect("a number"));
                assert_eq!(run, format!("{x} {y}h{n}v1h-{n}z"));
                (x, y, n)
            })
            .collect()
    }

    /// The modules `dark_path` draws, read back: every run inside the square, no module
    /// drawn twice.
    fn modules_of(qr: &JoinQr) -> Vec<Vec<bool>> {
        let width = qr.width as usize;
        let mut grid = vec![vec![false; width]; width];
        for (x, y, n) in runs_of(qr) {
            assert!(
                n > 0 && x + n <= width && y < width,
                "{x} {y} {n} outside {width}"
            );
            for module in &mut grid[y][x..x + n] {
                assert!(!*module, "drawn twice: {x} {y} {n}");
                *module = true;
            }
        }
        grid
    }

    #[test]
    fn the_join_qr_scans_back_to_the_link() {
        let link = "hearth://192.168.1.20:7878/ABCD-EFGH-JKMN-PQRS";
        let qr = join_qr(link).expect("a join link fits a QR code");
        let grid = modules_of(&qr);
        // Every module as the encoder made it, none lost in the path...
        let encoded = qrcode::QrCode::new(link.as_bytes()).expect("encodes");
        let width = encoded.width();
        let expected: Vec<Vec<bool>> = encoded
            .to_colors()
            .chunks(width)
            .map(|row| row.iter().map(|&c| c == qrcode::Color::Dark).collect())
            .collect();
        assert_eq!(grid, expected);
        // ...and the right way round: a reader finds the link in it (error correction would
        // hide a few wrong modules, hence the comparison above).
        // As a camera sees the panel: light around the code, 4 pixels per module.
        const MARGIN: usize = 4;
        const SCALE: usize = 4;
        let side = (grid.len() + 2 * MARGIN) * SCALE;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let module = |p: usize| (p / SCALE).checked_sub(MARGIN);
            match (module(x), module(y)) {
                (Some(mx), Some(my)) if grid.get(my).and_then(|row| row.get(mx)) == Some(&true) => {
                    0
                }
                _ => 255,
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        let (_, content) = grids[0].decode().expect("it decodes");
        assert_eq!(content, link);
    }

    #[test]
    fn runs_of_dark_modules_are_drawn_whole() {
        let qr = join_qr("hearth://10.0.0.5:7878/ABCD-EFGH-JKMN-PQRS").expect("encodes");
        // A run never ends where the next one in its row starts: adjacent runs are one.
        let runs = runs_of(&qr);
        for pair in runs.windows(2) {
            let ((x, y, n), (next_x, next_y, _)) = (pair[0], pair[1]);
            assert!(y < next_y || (y == next_y && x + n < next_x), "{pair:?}");
        }
        // The top left finder's first row is the first run: seven dark modules.
        assert_eq!(runs[0], (0, 0, 7));
    }

    #[test]
    fn links_use_the_first_lan_address() {
        let a = vec![
            HostAddress {
                ip: "192.168.1.5".into(),
                port: 7878,
            },
            HostAddress {
                ip: "fd00::1".into(),
                port: 7878,
            },
        ];
        assert_eq!(
            join_link(&a, 7878, "AAAA-BBBB-CCCC-DDDD"),
            "hearth://192.168.1.5:7878/AAAA-BBBB-CCCC-DDDD"
        );
        assert_eq!(
            join_link(&a[1..], 7878, "AAAA-BBBB-CCCC-DDDD"),
            "hearth://[fd00::1]:7878/AAAA-BBBB-CCCC-DDDD"
        );
        assert_eq!(join_link(&[], 9000, "X"), "hearth://127.0.0.1:9000/X");
        assert!(lan_addresses(1)
            .iter()
            .all(|a| a.ip != "127.0.0.1" && a.ip != "::1" && !a.ip.starts_with("fe80:")));
    }

    #[test]
    fn a_taken_port_gets_a_free_suggestion() {
        let ip = IpAddr::from([127, 0, 0, 1]);
        let taken = std::net::TcpListener::bind((ip, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let free = free_port_near(ip, port).unwrap();
        assert_ne!(free, port);
        std::net::TcpListener::bind((ip, free)).unwrap();
    }
}
