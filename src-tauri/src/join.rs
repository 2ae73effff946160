//! Joining a server: connect with a join code or trust on first use, trust or forget a
//! host, disconnect, and the remembered servers.
//!
//! Trust lives in the client library's known-hosts file (`known_hosts` in the app config
//! dir). `servers.json` beside it only remembers, per server, the last successful connect
//! and the username saved in the keychain (so listing servers never touches the
//! keychain).

use std::collections::BTreeMap;
use std::str::FromStr;

use hearth_client::{
    Client, ClientError, EventStream, Fingerprint, JoinCode, JoinLink, KnownHosts, OnUnknownHost,
    ServerAddr, Trust, TrustError,
};
use serde::{Deserialize, Serialize};

use crate::error::{CmdResult, CommandError};
use crate::ipc::{
    AddressArgs, ConnectArgs, ConnectResult, HearthEvent, ParsedAddress, SavedServer, TrustHostArgs,
};
use crate::state::{Core, ServerConn, TaskGuard, DEFAULT_PORT};

const SERVERS_FILE: &str = "servers.json";

/// What `servers.json` remembers about one server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ServerRecord {
    #[serde(default)]
    saved_user: Option<String>,
    #[serde(default)]
    last_used: Option<String>,
}

/// Reads what people type: `host`, `host:port`, `[v6]:port` or a bare IP address
/// (the client library's one parser). Without a port, [`DEFAULT_PORT`] is used.
pub fn parse_address(input: &str) -> CmdResult<ServerAddr> {
    if input.trim().is_empty() {
        return Err(CommandError::invalid("Type the host's address."));
    }
    ServerAddr::parse_typed(input, DEFAULT_PORT).map_err(|e| {
        CommandError::invalid(format!(
            "\"{}\" is not an address ({}). Use host or host:port.",
            e.input, e.reason
        ))
    })
}

/// Reads a join link, or else an address (see [`parse_address`]).
fn parse_target(input: &str) -> CmdResult<(ServerAddr, Option<JoinCode>)> {
    match JoinLink::from_str(input.trim()) {
        Ok(link) => Ok((link.addr, Some(link.code))),
        Err(_) => Ok((parse_address(input)?, None)),
    }
}

/// Reads a join code as typed (case, spaces, dashes and Crockford look-alikes are forgiven).
fn parse_code(input: &str) -> CmdResult<JoinCode> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    JoinCode::parse(&compact).map_err(|_| {
        CommandError::invalid("That join code is not valid. It looks like XXXX-XXXX-XXXX-XXXX.")
    })
}

fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Core {
    /// Dials `addr` with `trust` and makes it the current connection (closing any other).
    /// Emits `connecting`, then `connected` on success.
    pub(crate) async fn open(
        &self,
        addr: &ServerAddr,
        trust: Trust,
        remember: bool,
    ) -> Result<Client, ClientError> {
        self.emit(HearthEvent::Connecting {
            server: addr.to_string(),
        });
        let (client, events) = self.dial(addr, trust).await?;
        self.install(addr, client.clone(), events, remember).await;
        Ok(client)
    }

    async fn dial(
        &self,
        addr: &ServerAddr,
        trust: Trust,
    ) -> Result<(Client, EventStream), ClientError> {
        Client::connect_with(&addr.to_string(), trust, self.config().client.clone()).await
    }

    /// Makes a dialed client the current connection and starts forwarding its events.
    async fn install(
        &self,
        addr: &ServerAddr,
        client: Client,
        events: EventStream,
        remember: bool,
    ) {
        let old = {
            let mut inner = self.lock();
            let generation = inner.next_generation;
            inner.next_generation += 1;
            let forward = crate::events::forward(self.clone(), generation, events);
            inner.conn.replace(ServerConn {
                generation,
                client,
                addr: addr.clone(),
                session: None,
                _events: TaskGuard::spawn(forward),
            })
        };
        if let Some(old) = old {
            old.client.close().await;
        }
        self.emit(HearthEvent::Connected {
            server: addr.to_string(),
        });
        if remember {
            let server = addr.to_string();
            self.update_servers(move |servers| {
                servers.entry(server).or_default().last_used = Some(now_iso());
            })
            .await;
        }
    }

    /// `connect`: with a join code the key must match it (and is then remembered);
    /// without one the known-hosts file decides, and an unknown host comes back as
    /// `needs_trust` with its fingerprint so the user can check it.
    pub async fn connect(&self, args: ConnectArgs) -> CmdResult<ConnectResult> {
        let (addr, code) = parse_target(&args.address)?;
        let code = match args
            .join_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => Some(parse_code(c)?),
            None => code,
        };
        let server = addr.to_string();
        let known_hosts = self.config().paths.known_hosts();

        let Some(code) = code else {
            let trust = Trust::KnownHosts {
                path: known_hosts,
                on_unknown: OnUnknownHost::Refuse,
            };
            return match self.open(&addr, trust, true).await {
                Ok(_) => Ok(ConnectResult::Connected { server }),
                Err(ClientError::Trust(TrustError::UnknownHost { fingerprint, .. })) => {
                    Ok(ConnectResult::NeedsTrust {
                        server,
                        fingerprint: fingerprint.to_string(),
                    })
                }
                Err(e) => Err(e.into()),
            };
        };

        // The code proves the key. It must also agree with a key saved earlier: a
        // different one is refused (forget the server to start over).
        self.emit(HearthEvent::Connecting {
            server: server.clone(),
        });
        let (client, events) = self.dial(&addr, Trust::Code(code)).await?;
        let key = client
            .server_key()
            .ok_or_else(|| CommandError::internal("no server key"))?;
        let trusted = {
            let addr = addr.clone();
            blocking(move || KnownHosts::load(known_hosts)?.trust(&addr, key)).await
        };
        match trusted {
            Ok(()) => {}
            Err(hearth_client::known_hosts::KnownHostsError::AlreadySaved { .. }) => {
                client.close().await;
                return Err(CommandError::key_changed(
                    format!(
                        "The host at {server} has a different key than last time. Someone may be \
                         pretending to be it, so Hearth refused to connect. Only if the host's owner \
                         tells you they reset Hearth, forget this server and connect again."
                    ),
                    key.to_string(),
                ));
            }
            Err(e) => {
                client.close().await;
                return Err(CommandError::internal(e.to_string()));
            }
        }
        self.install(&addr, client, events, true).await;
        Ok(ConnectResult::Connected { server })
    }

    /// `trust_host`: connects only if the host still presents the fingerprint the user
    /// confirmed, and saves it in known hosts.
    pub async fn trust_host(&self, args: TrustHostArgs) -> CmdResult<ConnectResult> {
        let addr = parse_address(&args.address)?;
        let key = Fingerprint::from_str(args.fingerprint.trim())
            .map_err(|_| CommandError::invalid("That fingerprint is not valid."))?;
        let server = addr.to_string();
        self.emit(HearthEvent::Connecting {
            server: server.clone(),
        });
        let (client, events) = match self.dial(&addr, Trust::Key(key)).await {
            Ok(pair) => pair,
            Err(ClientError::Trust(TrustError::WrongKey { got, .. })) => {
                return Err(CommandError::key_changed(
                    "The host presented another key while you were deciding, so Hearth did not connect.",
                    got.to_string(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let path = self.config().paths.known_hosts();
        let saved = {
            let addr = addr.clone();
            blocking(move || KnownHosts::load(path)?.trust(&addr, key)).await
        };
        if let Err(e) = saved {
            client.close().await;
            return Err(match e {
                hearth_client::known_hosts::KnownHostsError::AlreadySaved { .. } => {
                    CommandError::key_changed(
                        format!("{server} is saved with another key. Forget it first."),
                        key.to_string(),
                    )
                }
                other => CommandError::internal(other.to_string()),
            });
        }
        self.install(&addr, client, events, true).await;
        Ok(ConnectResult::Connected { server })
    }

    /// `forget_host`: removes the saved key, the saved login and the record.
    pub async fn forget_host(&self, args: AddressArgs) -> CmdResult<()> {
        let addr = parse_address(&args.address)?;
        let path = self.config().paths.known_hosts();
        {
            let addr = addr.clone();
            blocking(move || KnownHosts::load(path)?.forget(&addr).map(drop))
                .await
                .map_err(|e| CommandError::internal(e.to_string()))?;
        }
        let server = addr.to_string();
        if let Err(e) = self
            .shared
            .keychain
            .blocking({
                let server = server.clone();
                move |k| k.forget(&server)
            })
            .await
        {
            log::info!("no saved login removed for {server}: {e}");
        }
        self.update_servers(move |servers| {
            servers.remove(&server);
        })
        .await;
        Ok(())
    }

    /// `disconnect`: closes the current connection (hosting, if any, goes on).
    pub async fn disconnect(&self) -> CmdResult<()> {
        self.drop_connection().await;
        Ok(())
    }

    /// `parse_address`: what the user typed in the Join form (an address or a join
    /// link), as the app understands it, or `invalid_input` with the reason.
    pub async fn parse_address(&self, args: AddressArgs) -> CmdResult<ParsedAddress> {
        let (addr, code) = parse_target(&args.address)?;
        Ok(ParsedAddress {
            address: addr.to_string(),
            join_code: code.map(|c| c.to_string()),
        })
    }

    /// `saved_servers`: every trusted or remembered server, sorted by address.
    pub async fn saved_servers(&self) -> CmdResult<Vec<SavedServer>> {
        let path = self.config().paths.known_hosts();
        let hosts = blocking(move || KnownHosts::load(path))
            .await
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let mut records = self.read_servers().await;
        for (addr, _) in hosts.iter() {
            records.entry(addr.to_string()).or_default();
        }
        Ok(records
            .into_iter()
            .map(|(address, record)| {
                let fingerprint = parse_address(&address)
                    .ok()
                    .and_then(|a| hosts.get(&a))
                    .map(|f| f.to_string());
                SavedServer {
                    address,
                    fingerprint,
                    saved_user: record.saved_user,
                    last_used: record.last_used,
                }
            })
            .collect())
    }

    /// Records (or clears) the username saved in the keychain for `server`.
    pub(crate) async fn set_saved_user(&self, server: String, username: Option<String>) {
        self.update_servers(move |servers| match username {
            Some(user) => servers.entry(server).or_default().saved_user = Some(user),
            None => {
                if let Some(record) = servers.get_mut(&server) {
                    record.saved_user = None;
                }
            }
        })
        .await;
    }

    async fn read_servers(&self) -> BTreeMap<String, ServerRecord> {
        let path = self.config().paths.config_dir.join(SERVERS_FILE);
        tokio::task::spawn_blocking(move || crate::files::read_json(&path))
            .await
            .unwrap_or_default()
    }

    /// Read-modify-write of `servers.json` on the blocking pool. Failures are logged: the
    /// list is a convenience and never blocks joining.
    async fn update_servers(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, ServerRecord>) + Send + 'static,
    ) {
        let core = self.clone();
        let path = self.config().paths.config_dir.join(SERVERS_FILE);
        let done = tokio::task::spawn_blocking(move || {
            // Held for the whole read-modify-write so two updates never lose each other.
            let _file = core
                .shared
                .servers_file
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let mut servers: BTreeMap<String, ServerRecord> = crate::files::read_json(&path);
            change(&mut servers);
            crate::files::write_json(&path, &servers)
        })
        .await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::warn!("cannot save the server list: {e}"),
            Err(e) => log::warn!("server list task failed: {e}"),
        }
    }
}

/// Runs small blocking file work (the known-hosts file) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, hearth_client::known_hosts::KnownHostsError> + Send + 'static,
) -> Result<T, hearth_client::known_hosts::KnownHostsError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(hearth_client::known_hosts::KnownHostsError::Io {
            action: "use",
            path: Default::default(),
            cause: std::io::Error::other(e.to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_addresses_are_both_understood() {
        let core_less =
            |s: &str| parse_target(s).map(|(a, c)| (a.to_string(), c.map(|c| c.to_string())));
        let code = JoinCode::from_fingerprint(&Fingerprint::of_spki_der(b"k")).to_string();
        assert_eq!(
            core_less(&format!("hearth://10.0.0.2:9000/{code}")).unwrap(),
            ("10.0.0.2:9000".to_owned(), Some(code))
        );
        assert_eq!(
            core_less("10.0.0.2").unwrap(),
            ("10.0.0.2:7878".to_owned(), None)
        );
        assert!(core_less("hearth://").is_err());
    }

    #[test]
    fn addresses_are_read_by_the_client_library_with_the_default_port() {
        // The parsing itself is the client library's (and tested there); the shell
        // adds the default port and a plain-language invalid_input.
        assert_eq!(
            parse_address("Host.LAN").unwrap().to_string(),
            "host.lan:7878"
        );
        let empty = parse_address(" ").unwrap_err();
        assert!(empty.is(hearth_client::ErrorCode::InvalidInput));
        assert_eq!(empty.message, "Type the host's address.");
        let bad = parse_address("host:notaport").unwrap_err();
        assert!(bad.is(hearth_client::ErrorCode::InvalidInput));
        assert!(
            bad.message.contains("the port must be a number"),
            "{}",
            bad.message
        );
    }
}
