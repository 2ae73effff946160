//! The shell end to end, without a window: a real embedded server on 127.0.0.1 (port 0),
//! real TLS, SQLite and known-hosts files in temporary directories, and keyring's mock
//! store. The commands are driven through `Core` (the code every command calls) and,
//! in the last tests, through Tauri's IPC with `tauri::test::mock_builder()`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use hearth_desktop::error::{AppCode, ErrorCode};
use hearth_desktop::events::Emit;
use hearth_desktop::ipc::{
    AddressArgs, ConnectArgs, ConnectResult, DiscoveredHost, DiscoveredTrust, DiscoveryJoinArgs,
    HearthEvent, HostCheckArgs, HostStartArgs, LoginArgs, NotifyLevel, Session, Settings,
    TrustHostArgs,
};
use hearth_desktop::keychain::SavedCredential;
use hearth_desktop::{Core, CoreConfig, Paths};
use hearth_discovery::FindingCode;
use hearth_protocol::requests::{Create, Enter, Kick, Msg, Register};
use hearth_protocol::{ErrorCode as ServerCode, Role};
use serde_json::{json, Value};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

/// One app instance: a `Core` with its own directories and a channel in place of the UI.
struct App {
    core: Core,
    events: mpsc::UnboundedReceiver<Emit>,
    _dir: tempfile::TempDir,
}

fn mock_keyring() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
}

fn app() -> App {
    app_with(|_| {})
}

/// An app whose config `change` adjusts after the test defaults.
fn app_with(change: impl FnOnce(&mut CoreConfig)) -> App {
    mock_keyring();
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(Paths {
        data_dir: dir.path().join("data"),
        config_dir: dir.path().join("config"),
    });
    config.bind_ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    config.default_port = 0;
    // Never announce on or listen to this machine's real LAN in tests.
    config.announce = None;
    config.browse = hearth_discovery::BrowseOptions {
        mdns: false,
        bind: "127.0.0.1:0".parse().unwrap(),
    };
    change(&mut config);
    // Cheap password hashing keeps the tests fast; the app keeps the server's defaults.
    config.server_tuning = |c| {
        c.argon2_memory_kib = 256;
        c.argon2_iterations = 1;
        c.presence_delay = Duration::from_millis(1);
    };
    let (tx, events) = mpsc::unbounded_channel();
    let core = Core::new(
        config,
        std::sync::Arc::new(move |e| {
            let _ = tx.send(e);
        }),
    );
    App {
        core,
        events,
        _dir: dir,
    }
}

impl App {
    /// Waits for the first event that `pick` accepts, skipping the others.
    async fn wait_for<T>(&mut self, what: &str, mut pick: impl FnMut(&Emit) -> Option<T>) -> T {
        let found = tokio::time::timeout(WAIT, async {
            while let Some(e) = self.events.recv().await {
                if let Some(t) = pick(&e) {
                    return Some(t);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(t)) => t,
            _ => panic!("no {what} event"),
        }
    }
}

fn secret(s: &str) -> hearth_client::Secret {
    hearth_client::Secret::new(s)
}

/// Registers `name` (password `<name>-pw`) on the app's server and logs in.
async fn sign_up(app: &App, name: &str, color: &str, remember: bool) -> Session {
    app.core
        .register(Register {
            username: name.into(),
            password: secret(&format!("{name}-pw")),
            color: Some(color.into()),
        })
        .await
        .unwrap();
    app.core
        .login(LoginArgs {
            username: name.into(),
            password: secret(&format!("{name}-pw")),
            remember,
        })
        .await
        .unwrap()
}

async fn host(app: &App, owner: &str) -> hearth_desktop::ipc::HostStarted {
    app.core
        .host_start(HostStartArgs {
            port: None,
            username: owner.into(),
            password: secret("owner-pw"),
            color: Some("#ff8800".into()),
            max_file_mib: None,
            room_name: None,
        })
        .await
        .expect("host_start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_a_room_then_a_friend_joins_with_the_code_chats_and_is_kicked() {
    let mut host_app = app();
    let started = host(&host_app, "Hostess").await;
    let port = started.host.port;
    assert_ne!(port, 0);
    assert_eq!(started.session.role, Role::Owner);
    assert_eq!(started.session.username, "Hostess");
    assert_eq!(started.session.server, format!("127.0.0.1:{port}"));
    assert_eq!(started.host.join_code.len(), 19, "XXXX-XXXX-XXXX-XXXX");
    assert!(started.host.fingerprint.starts_with("SHA256:"));
    assert!(started.host.join_link.starts_with("hearth://"));
    assert!(started
        .host
        .addresses
        .iter()
        .all(|a| !a.ip.parse::<IpAddr>().unwrap().is_loopback() && a.port == port));
    assert_eq!(
        host_app
            .core
            .host_status()
            .await
            .unwrap()
            .unwrap()
            .join_code,
        started.host.join_code
    );
    host_app
        .wait_for("host_status 1", |e| match e.event {
            HearthEvent::HostStatus { connected: 1 } => Some(()),
            _ => None,
        })
        .await;
    host_app
        .core
        .create_room(Create {
            room: "games".into(),
        })
        .await
        .unwrap();
    host_app
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();

    // A friend joins with the code shown on the host panel.
    let mut friend = app();
    let joined = friend
        .core
        .connect(ConnectArgs {
            address: format!("127.0.0.1:{port}"),
            join_code: Some(started.host.join_code.to_lowercase()),
        })
        .await
        .unwrap();
    assert_eq!(
        joined,
        ConnectResult::Connected {
            server: format!("127.0.0.1:{port}")
        }
    );
    let bob = sign_up(&friend, "bob", "#3366ff", true).await;
    assert_eq!((bob.role, bob.color.as_str()), (Role::Member, "#3366ff"));
    host_app
        .wait_for("host_status 2", |e| match e.event {
            HearthEvent::HostStatus { connected: 2 } => Some(()),
            _ => None,
        })
        .await;

    // "Remember me" kept a login token for this device in the keychain, never the password.
    let saved = friend
        .core
        .keychain()
        .load(&format!("127.0.0.1:{port}"))
        .unwrap()
        .unwrap();
    assert_eq!(saved.username, "bob");
    match &saved.credential {
        SavedCredential::Token(token) => assert_ne!(token.expose(), "bob-pw"),
        other => panic!("the keychain holds {other:?}, not a token"),
    }

    // The code pinned the key, "remember me" saved the login: both show in saved servers.
    let saved = friend.core.saved_servers().await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].address, format!("127.0.0.1:{port}"));
    assert_eq!(
        saved[0].fingerprint.as_deref(),
        Some(started.host.fingerprint.as_str())
    );
    assert_eq!(saved[0].saved_user.as_deref(), Some("bob"));
    assert!(saved[0].last_used.is_some());

    friend
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();
    friend
        .core
        .send_message(Msg {
            to: "public".into(),
            text: "hello @Hostess".into(),
        })
        .await
        .unwrap();
    let (message, alert) = host_app
        .wait_for("bob's message", |e| match &e.event {
            HearthEvent::Msg { message } if message.from == "bob" => {
                Some((message.clone(), e.alert.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!(message.text, "hello @Hostess");
    assert_eq!(message.color, "#3366ff");
    assert_eq!(message.room.as_deref(), Some("games"));
    assert_eq!(alert.unwrap().title, "bob mentioned you in games");

    // The owner kicks bob: bob's app gets the kick and loses its session.
    host_app
        .core
        .kick(Kick {
            username: "bob".into(),
            reason: "spamming".into(),
            minutes: Some(5),
        })
        .await
        .unwrap();
    let (by, reason, until) = friend
        .wait_for("kicked", |e| match &e.event {
            HearthEvent::Kicked { by, reason, until } => {
                Some((by.clone(), reason.clone(), until.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!((by.as_str(), reason.as_str()), ("Hostess", "spamming"));
    assert!(until.is_some());
    let gone = tokio::time::timeout(WAIT, async {
        loop {
            if let Err(e) = friend.core.list_rooms().await {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(gone.code, ErrorCode::App(AppCode::NotConnected));

    // Back during the cooldown: the saved login is refused with who, why and until when.
    friend
        .core
        .connect(ConnectArgs {
            address: format!("127.0.0.1:{port}"),
            join_code: None,
        })
        .await
        .unwrap();
    let refused = friend.core.login_saved().await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Protocol(ServerCode::Kicked));
    assert_eq!(refused.details().by.as_deref(), Some("Hostess"));
    assert_eq!(refused.details().reason.as_deref(), Some("spamming"));

    // Stopping says goodbye to the friend (whose client treats it as a restart and starts
    // reconnecting) and frees the port.
    host_app.core.host_stop().await.unwrap();
    assert!(host_app.core.host_status().await.unwrap().is_none());
    friend
        .wait_for("bye or reconnecting", |e| match e.event {
            HearthEvent::Bye { .. } | HearthEvent::Reconnecting { .. } => Some(()),
            _ => None,
        })
        .await;
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_on_first_use_then_a_changed_key_is_refused() {
    let host_app = app();
    let started = host(&host_app, "root").await;
    let address = format!("127.0.0.1:{}", started.host.port);

    let friend = app();
    let first = friend
        .core
        .connect(ConnectArgs {
            address: address.clone(),
            join_code: None,
        })
        .await
        .unwrap();
    assert_eq!(
        first,
        ConnectResult::NeedsTrust {
            server: address.clone(),
            fingerprint: started.host.fingerprint.clone(),
        }
    );
    let trusted = friend
        .core
        .trust_host(TrustHostArgs {
            address: address.clone(),
            fingerprint: started.host.fingerprint.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        trusted,
        ConnectResult::Connected {
            server: address.clone()
        }
    );
    friend.core.disconnect().await.unwrap();

    // Known now: no question asked.
    let again = friend
        .core
        .connect(ConnectArgs {
            address: address.clone(),
            join_code: None,
        })
        .await
        .unwrap();
    assert_eq!(
        again,
        ConnectResult::Connected {
            server: address.clone()
        }
    );
    friend.core.disconnect().await.unwrap();

    // Pretend the saved key was another one: the host's real key is now "changed".
    let path = friend.core.config().paths.known_hosts();
    let addr: hearth_client::ServerAddr = address.parse().unwrap();
    let mut hosts = hearth_client::KnownHosts::load(&path).unwrap();
    hosts.forget(&addr).unwrap();
    hosts
        .trust(
            &addr,
            hearth_client::Fingerprint::of_spki_der(b"someone else"),
        )
        .unwrap();
    let refused = friend
        .core
        .connect(ConnectArgs {
            address: address.clone(),
            join_code: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::App(AppCode::KeyChanged));
    assert_eq!(
        refused.details().fingerprint.as_deref(),
        Some(started.host.fingerprint.as_str())
    );
    let with_code = friend
        .core
        .connect(ConnectArgs {
            address: address.clone(),
            join_code: Some(started.host.join_code.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(with_code.code, ErrorCode::App(AppCode::KeyChanged));

    // A wrong code is refused before anything is sent.
    friend
        .core
        .forget_host(AddressArgs {
            address: address.clone(),
        })
        .await
        .unwrap();
    let other =
        hearth_client::JoinCode::from_fingerprint(&hearth_client::Fingerprint::of_spki_der(b"x"));
    let wrong = friend
        .core
        .connect(ConnectArgs {
            address: address.clone(),
            join_code: Some(other.to_string()),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::App(AppCode::WrongCode));
    assert!(friend.core.saved_servers().await.unwrap().is_empty());
    host_app.core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_reported_with_a_free_one() {
    let app = app();
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = app
        .core
        .host_start(HostStartArgs {
            port: Some(u32::from(port)),
            username: "root".into(),
            password: secret("pw12"),
            color: None,
            max_file_mib: None,
            room_name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::App(AppCode::PortInUse));
    let suggested = err.details().suggested_port.unwrap();
    assert_ne!(suggested, port);
    assert!(
        app.core.host_status().await.unwrap().is_none(),
        "nothing keeps running"
    );
    let err = app
        .core
        .host_start(HostStartArgs {
            port: Some(70_000),
            username: "root".into(),
            password: secret("pw12"),
            color: None,
            max_file_mib: None,
            room_name: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Protocol(ServerCode::InvalidInput));
    for mib in [0, 2049] {
        let err = app
            .core
            .host_start(HostStartArgs {
                port: None,
                username: "root".into(),
                password: secret("pw12"),
                color: None,
                max_file_mib: Some(mib),
                room_name: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Protocol(ServerCode::InvalidInput));
        assert_eq!(err.message, "The largest file must be 1 to 2048 MiB.");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosts_file_size_setting_is_what_the_server_enforces() {
    use hearth_desktop::ipc::SendFileArgs;
    use hearth_protocol::files::Base64;
    let app = app();
    app.core
        .host_start(HostStartArgs {
            port: None,
            username: "root".into(),
            password: secret("pw12"),
            color: None,
            max_file_mib: Some(1),
            room_name: None,
        })
        .await
        .unwrap();
    app.core
        .create_room(Create {
            room: "games".into(),
        })
        .await
        .unwrap();
    app.core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();
    let send = |size: usize| SendFileArgs {
        transfer: format!("t{size}"),
        to: "public".into(),
        name: "big.bin".into(),
        data: Base64(vec![7; size]),
    };
    let err = app.core.send_file(send((1 << 20) + 1)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Protocol(ServerCode::FileTooBig));
    assert_eq!(
        err.message,
        "The file big.bin is 1.0 MiB; this host takes files of up to 1.0 MiB"
    );
    app.core
        .send_file(send(1 << 20))
        .await
        .expect("exactly the cap is fine");
}

// ---------------------------------------------------------------- through Tauri's IPC

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let body = if args.is_null() {
        json!({})
    } else {
        json!({ "args": args })
    };
    tauri::test::get_ipc_response(
        webview,
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn commands_answer_through_ipc_with_typed_values_and_coded_errors() {
    let app_state = app();
    let core = app_state.core.clone();
    let app = hearth_desktop::with_commands(tauri::test::mock_builder())
        .manage(core)
        .build(tauri::test::mock_context(tauri::test::noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    assert_eq!(
        invoke(&webview, "get_settings", Value::Null),
        Ok(json!({"notifications": "mentions", "share_typing": true,
                  "do_not_disturb": false, "mention_sound": false}))
    );
    // A settings object of an earlier version (a bool, fields missing) still reads.
    assert_eq!(
        invoke(&webview, "set_settings", json!({"notifications": false})),
        Ok(json!({"notifications": "off", "share_typing": true,
                  "do_not_disturb": false, "mention_sound": false}))
    );
    assert_eq!(
        app_state.core.settings(),
        Settings {
            notifications: NotifyLevel::Off,
            ..Settings::default()
        }
    );
    let all = json!({"notifications": "all", "share_typing": false,
                     "do_not_disturb": true, "mention_sound": true});
    assert_eq!(invoke(&webview, "set_settings", all.clone()), Ok(all));
    assert_eq!(
        invoke(&webview, "host_status", Value::Null),
        Ok(Value::Null)
    );
    assert_eq!(
        invoke(&webview, "saved_servers", Value::Null),
        Ok(json!([]))
    );
    assert_eq!(
        invoke(&webview, "list_rooms", Value::Null),
        Err(json!({"code": "not_connected", "message": "You are not connected to a server."}))
    );
    let bad = invoke(&webview, "connect", json!({"address": "host:notaport"})).unwrap_err();
    assert_eq!(bad["code"], "invalid_input");
    assert_eq!(
        invoke(&webview, "saved_login", json!({"address": "10.0.0.9"})),
        Ok(Value::Null)
    );

    // Host through IPC, exactly as the UI does.
    let started = invoke(
        &webview,
        "host_start",
        json!({"port": null, "username": "root", "password": "pw1234", "color": "#aa3300"}),
    )
    .unwrap();
    assert_eq!(started["session"]["role"], "owner");
    assert_eq!(started["session"]["color"], "#aa3300");
    assert!(started["host"]["join_link"]
        .as_str()
        .unwrap()
        .starts_with("hearth://"));
    let again = invoke(
        &webview,
        "host_start",
        json!({"username": "root", "password": "pw1234"}),
    )
    .unwrap_err();
    assert_eq!(again["code"], "server_error");
    assert_eq!(
        invoke(&webview, "create_room", json!({"room": "games"})),
        Ok(Value::Null)
    );
    let rooms = invoke(&webview, "list_rooms", Value::Null).unwrap();
    assert_eq!(
        rooms,
        json!({"rooms": {"games": [], "lobby": ["root"]}, "unread": []})
    );
    assert_eq!(
        invoke(
            &webview,
            "kick",
            json!({"username": "root", "reason": "x", "minutes": 0})
        )
        .unwrap_err()["code"],
        "forbidden"
    );
    let audit = invoke(&webview, "audit", json!({"limit": 5})).unwrap();
    assert_eq!(audit[0]["kind"], "login");
    let profile = invoke(&webview, "update_profile", json!({"color": "#00aa55"})).unwrap();
    assert_eq!(profile["color"], "#00aa55");
    assert_eq!(invoke(&webview, "host_stop", Value::Null), Ok(Value::Null));
    assert_eq!(
        invoke(&webview, "host_status", Value::Null),
        Ok(Value::Null)
    );
}

// ---------------------------------------------------------------- the UI's recorded session

/// Where the recording of a friend's session lives (the UI's tests replay it).
const FIXTURE: &str = "../ui/tests/fixtures/friend-session.json";

/// What the friend's app emitted during one step of the scenario, and the name
/// of the point the step ends at.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct Step {
    checkpoint: String,
    events: Vec<Value>,
}

impl App {
    /// Records events until every one of `wanted` has been seen (in any order).
    async fn record_until(&mut self, what: &str, wanted: &[fn(&Value) -> bool]) -> Vec<Value> {
        let mut seen = vec![false; wanted.len()];
        let mut events = Vec::new();
        while !seen.iter().all(|s| *s) {
            let event = match tokio::time::timeout(WAIT, self.events.recv()).await {
                Ok(Some(e)) => serde_json::to_value(&e.event).unwrap(),
                _ => panic!("{what}: still waiting after {events:?}"),
            };
            for (i, want) in wanted.iter().enumerate() {
                if !seen[i] && want(&event) {
                    seen[i] = true;
                }
            }
            events.push(event);
        }
        events
    }
}

/// The same event with its times and the test server's random port made fixed.
fn normalized(mut event: Value, server: &str) -> Value {
    fn walk(v: &mut Value, server: &str) {
        match v {
            Value::Object(map) => {
                for key in ["ts", "until"] {
                    if map.get(key).is_some_and(Value::is_string) {
                        map.insert(key.into(), json!("2026-01-01T00:00:00.000Z"));
                    }
                }
                for (_, inner) in map.iter_mut() {
                    walk(inner, server);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, server)),
            Value::String(s) if s == server => *s = "host.lan:7878".into(),
            _ => {}
        }
    }
    walk(&mut event, server);
    event
}

fn kind_is(event: &Value, kind: &str) -> bool {
    event["kind"] == kind
}

/// A friend joins a hosted room with the join code, logs in, enters a room with
/// history, is mentioned, chats privately with the host and is kicked. What the
/// friend's app emitted at each step is the UI's fixture: its tests replay it
/// through the stores, and drive the mock backend through the same steps, and
/// check both end in the same state. The fixture must match a fresh recording
/// (`HEARTH_WRITE_FIXTURES=1` rewrites it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_a_friends_session_for_the_ui_tests() {
    let host_app = app();
    let started = host(&host_app, "Hostess").await;
    let server = format!("127.0.0.1:{}", started.host.port);
    let core = &host_app.core;
    core.create_room(Create {
        room: "games".into(),
    })
    .await
    .unwrap();
    core.enter_room(Enter {
        room: "games".into(),
    })
    .await
    .unwrap();
    core.send_message(Msg {
        to: "public".into(),
        text: "welcome to games".into(),
    })
    .await
    .unwrap();

    let mut friend = app();
    let mut steps = Vec::new();
    let mut step = |checkpoint: &str, events: Vec<Value>| {
        steps.push(Step {
            checkpoint: checkpoint.into(),
            events: events.into_iter().map(|e| normalized(e, &server)).collect(),
        });
    };

    friend
        .core
        .connect(ConnectArgs {
            address: server.clone(),
            join_code: Some(started.host.join_code.clone()),
        })
        .await
        .unwrap();
    step(
        "joined_server",
        friend
            .record_until("connected", &[|e| kind_is(e, "connected")])
            .await,
    );

    sign_up(&friend, "bob", "#3366ff", false).await;
    step(
        "logged_in",
        friend
            .record_until(
                "the lobby list with bob",
                &[
                    |e| kind_is(e, "rooms") && e["rooms"]["lobby"] == json!(["bob"]),
                    |e| kind_is(e, "notice") && e["notice"] == "joined" && e["user"] == "bob",
                ],
            )
            .await,
    );

    friend
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();
    step(
        "in_room",
        friend
            .record_until(
                "history, members and the joined notice",
                &[
                    |e| kind_is(e, "history"),
                    |e| kind_is(e, "members") && e["users"] == json!(["Hostess", "bob"]),
                    |e| kind_is(e, "notice") && e["notice"] == "joined" && e["room"] == "games",
                ],
            )
            .await,
    );

    core.send_message(Msg {
        to: "public".into(),
        text: "hello @bob".into(),
    })
    .await
    .unwrap();
    step(
        "mentioned",
        friend
            .record_until("the mention", &[|e| e["message"]["text"] == "hello @bob"])
            .await,
    );

    core.private_request(hearth_protocol::requests::PrivateRequest { to: "bob".into() })
        .await
        .unwrap();
    let mut events = friend
        .record_until("the private request", &[|e| kind_is(e, "private_request")])
        .await;
    friend
        .core
        .private_accept(hearth_protocol::requests::PrivateAccept {
            from: "Hostess".into(),
        })
        .await
        .unwrap();
    events.extend(
        friend
            .record_until("the private chat", &[|e| kind_is(e, "private_started")])
            .await,
    );
    core.send_message(Msg {
        to: "bob".into(),
        text: "psst".into(),
    })
    .await
    .unwrap();
    events.extend(
        friend
            .record_until("the private message", &[|e| e["message"]["text"] == "psst"])
            .await,
    );
    step("private_chat", events);

    core.kick(Kick {
        username: "bob".into(),
        reason: "spamming".into(),
        minutes: Some(5),
    })
    .await
    .unwrap();
    step(
        "kicked",
        friend
            .record_until("the kick", &[|e| kind_is(e, "kicked")])
            .await,
    );
    host_app.core.shutdown().await;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("HEARTH_WRITE_FIXTURES").is_some() {
        let text = serde_json::to_string_pretty(&json!({
            "about": "What the desktop shell emitted to a friend's UI, step by step (recorded by \
                      `cargo test -p hearth-desktop --test desktop records_a_friends_session`; \
                      HEARTH_WRITE_FIXTURES=1 rewrites it). ui/tests/recorded.test.ts replays it.",
            "steps": steps,
        }))
        .unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let committed: Vec<Step> = serde_json::from_value(committed["steps"].clone()).unwrap();
    // Within a step the order of independent pushes may vary (presence is
    // debounced on its own task), so each step is compared as a set.
    let sorted = |steps: &[Step]| -> Vec<(String, Vec<String>)> {
        steps
            .iter()
            .map(|s| {
                let mut events: Vec<String> = s.events.iter().map(Value::to_string).collect();
                events.sort();
                (s.checkpoint.clone(), events)
            })
            .collect()
    };
    assert_eq!(
        sorted(&committed),
        sorted(&steps),
        "{FIXTURE} no longer matches what the shell emits: run with HEARTH_WRITE_FIXTURES=1 and \
         check the UI tests that replay it"
    );
}

/// A real 2x2 PNG (so the host makes a thumbnail of it).
fn tiny_png() -> Vec<u8> {
    let text = "\"iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNgYDgRxXCCgaHiRFTFCQAaqATFVEBS+wAAAABJRU5ErkJggg==\"";
    serde_json::from_str::<hearth_protocol::files::Base64>(text)
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_image_is_sent_shown_and_saved_where_the_dialog_says() {
    use hearth_desktop::ipc::{FileBytesArgs, SaveFileArgs, SendFileArgs, TransferArgs};
    use hearth_protocol::files::Base64;

    let saves = tempfile::tempdir().unwrap();
    let target = saves.path().join("kept.png");
    let chosen = target.clone();
    let mut host_app = app();
    host_app
        .core
        .set_save_dialog(std::sync::Arc::new(move |name: &str| {
            assert_eq!(name, "shot.png", "the dialog suggests the file's name");
            Some(chosen.clone())
        }));
    host(&host_app, "Hostess").await;
    host_app
        .core
        .create_room(Create {
            room: "games".into(),
        })
        .await
        .unwrap();
    host_app
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();

    let image = tiny_png();
    host_app
        .core
        .send_file(SendFileArgs {
            transfer: "t1".into(),
            to: "public".into(),
            name: "shot.png".into(),
            data: Base64(image.clone()),
        })
        .await
        .expect("sent");
    // The last progress event and the file's message may come in either order.
    let mut progressed = false;
    let mut message = None;
    while !(progressed && message.is_some()) {
        match host_app
            .wait_for("progress or the message", |e| Some(e.event.clone()))
            .await
        {
            HearthEvent::Transfer {
                transfer,
                done,
                total,
            } if transfer == "t1" && done == total => progressed = true,
            HearthEvent::Msg { message: m } if m.file.is_some() => message = Some(m),
            _ => {}
        }
    }
    let message = message.unwrap();
    let file = message.file.clone().unwrap();
    assert_eq!(
        (file.name.as_str(), file.mime.as_str(), file.size),
        ("shot.png", "image/png", image.len() as u64)
    );
    assert_eq!(file.image.map(|i| (i.width, i.height)), Some((2, 2)));

    let thumb = host_app
        .core
        .file_bytes(FileBytesArgs {
            id: message.id,
            thumbnail: true,
        })
        .await
        .unwrap();
    assert_eq!(thumb.mime, "image/png");
    let full = host_app
        .core
        .file_bytes(FileBytesArgs {
            id: message.id,
            thumbnail: false,
        })
        .await
        .unwrap();
    assert_eq!((full.mime.as_str(), &full.data.0), ("image/png", &image));

    let path = host_app
        .core
        .save_file(SaveFileArgs {
            transfer: "t2".into(),
            id: message.id,
            name: "shot.png".into(),
        })
        .await
        .unwrap();
    assert_eq!(path.as_deref(), Some(target.to_str().unwrap()));
    assert_eq!(std::fs::read(&target).unwrap(), image);
    assert!(!saves.path().join("kept.png.part").exists());

    // Cancelling something already finished is no error.
    host_app
        .core
        .cancel_transfer(TransferArgs {
            transfer: "t1".into(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversation_commands_reach_the_other_app_as_events() {
    let mut host_app = app();
    let started = host(&host_app, "Hostess").await;
    let port = started.host.port;
    host_app
        .core
        .create_room(Create {
            room: "games".into(),
        })
        .await
        .unwrap();
    let mut friend = app();
    friend
        .core
        .connect(ConnectArgs {
            address: format!("127.0.0.1:{port}"),
            join_code: Some(started.host.join_code.clone()),
        })
        .await
        .unwrap();
    sign_up(&friend, "bob", "#3366ff", false).await;
    friend
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();

    // The host is in the lobby: bob's mention arrives as activity, with an alert.
    friend
        .core
        .send_message(Msg {
            to: "public".into(),
            text: "gg @hostess".into(),
        })
        .await
        .unwrap();
    let (id, alert) = host_app
        .wait_for("activity", |e| match &e.event {
            HearthEvent::Activity {
                id,
                room,
                mentions_me: true,
                ..
            } if room == "games" => Some((*id, e.alert.clone())),
            _ => None,
        })
        .await;
    let alert = alert.expect("a mention alerts");
    assert_eq!(alert.kind, hearth_desktop::attention::AlertKind::Mention);
    // Read marks and counts.
    let count = host_app
        .core
        .mark_read(hearth_protocol::requests::Read {
            room: Some("games".into()),
            id,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((count.unread, count.mentions, count.last_read), (0, 0, id));

    host_app
        .core
        .enter_room(Enter {
            room: "games".into(),
        })
        .await
        .unwrap();
    // Typing, reactions, edits and deletions come to the other app as events.
    friend
        .core
        .typing(hearth_protocol::requests::Typing::default())
        .await
        .unwrap();
    host_app
        .wait_for("typing", |e| match &e.event {
            HearthEvent::Typing { user, room } if user == "bob" => room.clone(),
            _ => None,
        })
        .await;
    host_app
        .core
        .react(hearth_protocol::requests::React {
            id,
            emoji: "🎉".into(),
        })
        .await
        .unwrap();
    friend
        .wait_for("reactions", |e| match &e.event {
            HearthEvent::Reactions {
                id: r, reactions, ..
            } if *r == id => (reactions[0].users == ["Hostess"]).then_some(()),
            _ => None,
        })
        .await;
    let refused = host_app
        .core
        .react(hearth_protocol::requests::React {
            id,
            emoji: "yay".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Protocol(ServerCode::NotEmoji));
    friend
        .core
        .edit_message(hearth_protocol::requests::Edit {
            id,
            text: "gg all".into(),
        })
        .await
        .unwrap();
    let edited = host_app
        .wait_for("edited", |e| match &e.event {
            HearthEvent::Edited { message } if message.id == id => Some(message.clone()),
            _ => None,
        })
        .await;
    assert_eq!(edited.text, "gg all");
    assert!(edited.edited.is_some() && !edited.mentions_me);
    let found = host_app
        .core
        .search(hearth_protocol::requests::Search {
            query: "gg".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.messages.len(), 1);
    assert_eq!(found.room.as_deref(), Some("games"));
    // The owner deletes bob's message; bob's app hears it.
    host_app
        .core
        .delete_message(hearth_protocol::requests::Delete { id })
        .await
        .unwrap();
    friend
        .wait_for("deleted", |e| match &e.event {
            HearthEvent::Deleted { id: d, by, .. } if *d == id => (by == "Hostess").then_some(()),
            _ => None,
        })
        .await;
}

#[tokio::test]
async fn the_unread_total_goes_to_the_taskbar_badge() {
    let app = app();
    let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&shown);
    app.core.set_badge(std::sync::Arc::new(move |n| {
        record.lock().unwrap().push(n);
    }));
    for total in [3, 0] {
        app.core
            .set_unread_total(hearth_desktop::ipc::UnreadTotal { total })
            .await
            .unwrap();
    }
    assert_eq!(*shown.lock().unwrap(), [Some(3), None], "no badge at 0");
}

/// A UDP port free on 127.0.0.1 right now.
fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for a `discovery` event whose list `pick` accepts.
async fn discovered<T>(
    app: &mut App,
    what: &str,
    mut pick: impl FnMut(&[DiscoveredHost]) -> Option<T>,
) -> T {
    app.wait_for(what, |e| match &e.event {
        HearthEvent::Discovery { state } => pick(&state.hosts),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_friend_finds_the_host_on_the_lan_and_a_forged_announcement_is_never_joined() {
    use hearth_discovery::announce::{AnnounceOptions, BeaconTargets};
    let beacons = std::net::SocketAddr::from(([127, 0, 0, 1], free_udp_port()));
    let host_app = app_with(|c| {
        c.announce = Some(AnnounceOptions {
            mdns: false,
            targets: BeaconTargets::Only(vec![beacons]),
        })
    });
    let mut friend = app_with(|c| {
        c.browse = hearth_discovery::BrowseOptions {
            mdns: false,
            bind: match beacons {
                std::net::SocketAddr::V4(v4) => v4,
                _ => unreachable!(),
            },
        }
    });
    let started = host(&host_app, "Zed").await.host;
    assert!(started.announcing);
    assert_eq!(started.room_name, "Zed's room");
    let qr = started
        .join_qr
        .as_ref()
        .expect("the join link as a QR code");
    assert!(
        qr.width >= 21 && qr.dark_path.starts_with("M0 0h7v1h-7z"),
        "{qr:?}"
    );
    let host_addr = format!("127.0.0.1:{}", started.port);

    // Someone else on the LAN runs a server and announces it under Zed's name and code.
    let impostor = app();
    let impostor_port = host(&impostor, "Mallory").await.host.port;
    let forged = hearth_discovery::Beacon::new(
        "Zed's room",
        "zed-pc",
        impostor_port,
        hearth_client::JoinCode::parse(&started.join_code).unwrap(),
        2,
    )
    .unwrap()
    .encode();

    let first = friend.core.discovery_start().await.unwrap();
    assert!(!first.nothing_found);
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std_socket.send_to(&forged, beacons).unwrap();
    let forged_addr = format!("127.0.0.1:{impostor_port}");
    let hosts = discovered(&mut friend, "both hosts", |hosts| {
        (hosts.len() == 2).then(|| hosts.to_vec())
    })
    .await;
    let real = hosts.iter().find(|h| h.address == host_addr).unwrap();
    assert_eq!(real.name, "Zed's room");
    assert_eq!(real.join_code, started.join_code);
    assert_eq!(real.trust, DiscoveredTrust::New);
    assert_eq!(real.via, vec![hearth_discovery::Via::Beacon]);
    assert!(real.online >= 1);

    // Joining the forged one: its server's key does not match the code; never joined.
    let refused = friend
        .core
        .discovery_join(DiscoveryJoinArgs {
            address: forged_addr.clone(),
            join_code: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, AppCode::NotThisHost.into());
    assert!(
        refused.message.contains("not \"Zed's room\""),
        "{}",
        refused.message
    );
    discovered(&mut friend, "the forged host marked", |hosts| {
        hosts
            .iter()
            .any(|h| h.address == forged_addr && h.trust == DiscoveredTrust::NotThisHost)
            .then_some(())
    })
    .await;
    let not_joined = friend.core.list_rooms().await.unwrap_err();
    assert_eq!(not_joined.code, AppCode::NotConnected.into());
    // The host itself is not marked: the refusal is for that address and code only.
    let again = friend.core.discovery_start().await.unwrap();
    assert!(again
        .hosts
        .iter()
        .all(|h| h.trust != DiscoveredTrust::NotThisHost));

    // Joining the real one uses its announced code; no dialog; discovery then stops.
    discovered(&mut friend, "the real host again", |hosts| {
        hosts.iter().any(|h| h.address == host_addr).then_some(())
    })
    .await;
    let joined = friend
        .core
        .discovery_join(DiscoveryJoinArgs {
            address: host_addr.clone(),
            join_code: None,
        })
        .await
        .unwrap();
    assert_eq!(
        joined,
        ConnectResult::Connected {
            server: host_addr.clone()
        }
    );
    sign_up(&friend, "inna", "#3366ff", false).await;
    let closed = friend
        .core
        .discovery_join(DiscoveryJoinArgs {
            address: host_addr.clone(),
            join_code: None,
        })
        .await
        .unwrap_err();
    assert_eq!(closed.code, ErrorCode::Protocol(ServerCode::InvalidInput));

    // Seen again, it is a known host (its key is saved); a wrong typed code wins and fails.
    friend.core.discovery_start().await.unwrap();
    discovered(&mut friend, "the known host", |hosts| {
        hosts
            .iter()
            .any(|h| h.address == host_addr && h.trust == DiscoveredTrust::Known)
            .then_some(())
    })
    .await;
    let typed = friend
        .core
        .discovery_join(DiscoveryJoinArgs {
            address: host_addr.clone(),
            join_code: Some("0000-0000-0000-0000".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(typed.code, AppCode::WrongCode.into());
    friend.core.discovery_stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_check_names_a_taken_port_and_says_what_it_did_not_check() {
    let app = app();
    let held = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let findings = app
        .core
        .host_check(HostCheckArgs {
            port: Some(u32::from(port)),
        })
        .await
        .unwrap();
    assert_eq!(findings[0].code, FindingCode::PortTaken, "{findings:?}");
    assert!(findings.windows(2).all(|w| w[0].severity <= w[1].severity));
    assert!(findings
        .iter()
        .any(|f| f.code == FindingCode::NotChecked && f.title.starts_with("Network profile")));
    drop(held);
    let free = app
        .core
        .host_check(HostCheckArgs {
            port: Some(u32::from(port)),
        })
        .await
        .unwrap();
    assert!(free.iter().all(|f| f.code != FindingCode::PortTaken));
    let refused = app
        .core
        .host_check(HostCheckArgs { port: Some(70000) })
        .await;
    assert_eq!(
        refused.unwrap_err().code,
        ErrorCode::Protocol(ServerCode::InvalidInput)
    );
}
