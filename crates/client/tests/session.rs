//! Reconnecting and its limits, over real TLS against real servers:
//! a server restart is survived with no lost and no duplicated message, a
//! short drop is invisible to others, and a kick or a takeover is final.

mod common;

use std::time::Duration;

use common::{collect_for, quick, start_server, wait_for, within, Relay};
use hearth_client::{
    Client, ClientError, ClientOptions, ConnectionState, Event, EventStream, Secret, Trust,
};

fn pw() -> Secret {
    Secret::new("correct horse")
}

async fn user(
    addr: &str,
    trust: Trust,
    name: &str,
    register: bool,
    options: ClientOptions,
) -> (Client, EventStream) {
    let (c, e) = within("connect", Client::connect_with(addr, trust, options))
        .await
        .expect("connects");
    if register {
        c.register(name, &pw(), None).await.expect("register");
    }
    c.login(name, &pw()).await.expect("login");
    (c, e)
}

/// Texts of the room messages among `events`, in order.
fn texts(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_after_a_server_restart_resumes_the_room_without_gaps_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start_server(&data, "127.0.0.1:0").await;
    let addr = server.addr_text();
    let trust = Trust::Code(server.code());

    // Alice reaches the server through a relay that keeps her out until
    // Bob has said more than a history page (200 messages) without her.
    let relay = Relay::start(server.addr).await;
    let (alice, mut alice_events) = user(
        &relay.addr.to_string(),
        trust.clone(),
        "alice",
        true,
        quick(),
    )
    .await;
    alice.create("fun").await.unwrap();
    alice.enter("fun").await.unwrap();
    let (bob, mut bob_events) = user(&addr, trust.clone(), "bob", true, quick()).await;
    bob.enter("fun").await.unwrap();
    for i in 0..5 {
        bob.send_public(&format!("m{i}")).await.unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 5 {
        if let Event::Message(m) = within("live messages", alice_events.recv()).await.unwrap() {
            got.push(m.text);
        }
    }

    // The server vanishes (no goodbye) and comes back on the same port and data.
    relay.refuse_new(true);
    let port = server.addr;
    server.crash().await;
    let server = start_server(&data, &port.to_string()).await;
    assert_eq!(server.addr, port);

    wait_for(&mut bob_events, "bob reconnects", |e| match e {
        Event::Connection(ConnectionState::Reconnected { room }) => {
            assert_eq!(room.as_deref(), Some("fun"));
            Some(())
        }
        _ => None,
    })
    .await;
    // More than one history page (200) is said while Alice is away.
    for i in 5..255 {
        bob.send_public(&format!("m{i}")).await.unwrap();
    }
    assert!(!alice.status().connected, "alice is still away");
    relay.refuse_new(false);
    wait_for(&mut alice_events, "alice reconnects", |e| match e {
        Event::Connection(ConnectionState::Reconnected { room }) => {
            assert_eq!(room.as_deref(), Some("fun"));
            Some(())
        }
        Event::Message(m) => {
            got.push(m.text.clone());
            None
        }
        _ => None,
    })
    .await;
    assert_eq!(alice.status().room.as_deref(), Some("fun"));
    bob.send_public("m255").await.unwrap();

    let rest = within("alice catches up", async {
        let mut rest = Vec::new();
        while rest.last().map(String::as_str) != Some("m255") {
            match alice_events.recv().await.expect("events") {
                Event::Message(m) => rest.push(m.text),
                Event::History { messages, .. } => {
                    panic!(
                        "no history push after a resume ({} messages)",
                        messages.len()
                    )
                }
                Event::Connection(ConnectionState::Disconnected { reason }) => {
                    panic!("alice gave up: {reason}")
                }
                _ => {}
            }
        }
        rest
    })
    .await;
    got.extend(rest);
    let expected: Vec<String> = (0..256).map(|i| format!("m{i}")).collect();
    assert_eq!(got, expected, "every message once, in order");
    // Nothing late and duplicated either.
    let late = collect_for(&mut alice_events, Duration::from_millis(500)).await;
    assert!(texts(&late).is_empty(), "{late:?}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_server_restart_is_waited_out_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start_server(&data, "127.0.0.1:0").await;
    let trust = Trust::Code(server.code());
    let (carol, mut events) = user(&server.addr_text(), trust, "carol", true, quick()).await;
    carol.create("den").await.unwrap();
    carol.enter("den").await.unwrap();

    // A graceful shutdown says `bye` with reason "shutdown": not final.
    let port = server.addr;
    server.shutdown().await;
    wait_for(&mut events, "restarting bye", |e| match e {
        Event::Bye {
            restarting: true, ..
        } => Some(()),
        Event::Bye { .. } => panic!("a shutdown bye must not be final: {e:?}"),
        _ => None,
    })
    .await;
    let server = start_server(&data, &port.to_string()).await;
    wait_for(&mut events, "carol reconnects", |e| match e {
        Event::Connection(ConnectionState::Reconnected { room }) => {
            assert_eq!(room.as_deref(), Some("den"));
            Some(())
        }
        Event::Connection(ConnectionState::Disconnected { reason }) => {
            panic!("gave up after a restart: {reason}")
        }
        _ => None,
    })
    .await;
    carol.send_public("back again").await.unwrap();
    wait_for(&mut events, "own message after resume", |e| match e {
        Event::Message(m) if m.text == "back again" => Some(()),
        _ => None,
    })
    .await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_drop_is_invisible_to_others_and_resumes_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let relay = Relay::start(server.addr).await;
    let trust = Trust::Code(server.code());

    let (alice, mut alice_events) =
        user(&server.addr_text(), trust.clone(), "alice", true, quick()).await;
    alice.create("fun").await.unwrap();
    alice.enter("fun").await.unwrap();
    let (bob, mut bob_events) = user(&relay.addr.to_string(), trust, "bob", true, quick()).await;
    bob.enter("fun").await.unwrap();
    wait_for(&mut alice_events, "bob joined", |e| match e {
        Event::Notice(n) if n.kind() == "joined" && n.user() == "bob" => Some(()),
        _ => None,
    })
    .await;

    relay.cut();
    wait_for(&mut bob_events, "bob reconnects", |e| match e {
        Event::Connection(ConnectionState::Reconnected { room }) => {
            assert_eq!(room.as_deref(), Some("fun"));
            Some(())
        }
        _ => None,
    })
    .await;
    alice.send_public("still there?").await.unwrap();
    wait_for(&mut bob_events, "bob hears alice", |e| match e {
        Event::Message(m) if m.text == "still there?" => Some(()),
        _ => None,
    })
    .await;
    bob.send_public("yes").await.unwrap();

    let seen = collect_for(&mut alice_events, Duration::from_secs(1)).await;
    assert!(texts(&seen).contains(&"yes".to_owned()), "{seen:?}");
    for e in &seen {
        if let Event::Notice(n) = e {
            assert!(
                !(n.user() == "bob" && matches!(n.kind(), "disconnected" | "joined" | "left")),
                "bob's blip was shown: {n:?}"
            );
        }
    }
    let own = collect_for(&mut bob_events, Duration::from_millis(300)).await;
    for e in &own {
        if let Event::Notice(n) = e {
            assert_ne!(n.user(), "bob", "bob sees no notice about himself: {n:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kick_is_final_and_not_followed_by_a_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let trust = Trust::Code(server.code());
    let (root, _root_events) = user(&addr, trust.clone(), "root", true, quick()).await;
    let (bob, mut bob_events) = user(&addr, trust.clone(), "bob", true, quick()).await;

    let ack = root.kick("bob", "spamming", Some(5)).await.unwrap();
    assert!(ack.message.unwrap_or_default().contains("bob"));

    let until = wait_for(&mut bob_events, "bob is kicked", |e| match e {
        Event::Kicked { by, reason, until } => {
            assert_eq!((by.as_str(), reason.as_str()), ("root", "spamming"));
            Some(until.clone())
        }
        _ => None,
    })
    .await;
    assert!(until.is_some(), "a 5 minute cooldown has an end");
    let rest = collect_for(&mut bob_events, Duration::from_secs(2)).await;
    assert!(
        matches!(
            rest.last(),
            Some(Event::Connection(ConnectionState::Disconnected { reason })) if reason.contains("kicked")
        ),
        "{rest:?}"
    );
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e, Event::Connection(ConnectionState::Reconnecting { .. }))),
        "no reconnect after a kick: {rest:?}"
    );
    assert!(!bob.status().connected);
    assert!(matches!(bob.ping().await, Err(ClientError::Closed)));
    let lobby = root.list().await.unwrap();
    assert_eq!(lobby.list.rooms["lobby"], vec!["root".to_owned()]);

    // Logging in again during the cooldown is refused, with its end in the error.
    let (again, _e) = Client::connect(&addr, trust).await.unwrap();
    let err = again.login("bob", &pw()).await.unwrap_err();
    assert!(err.to_string().contains("root"), "{err}");
    assert_eq!(err.kick_until(), Some(until.as_deref()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_bye_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let trust = Trust::Code(server.code());
    let (first, mut first_events) = user(&addr, trust.clone(), "carol", true, quick()).await;
    let (_second, _e) = user(&addr, trust, "carol", false, quick()).await;

    wait_for(&mut first_events, "bye", |e| match e {
        Event::Bye { message, .. } => Some(message.clone()),
        _ => None,
    })
    .await;
    let rest = collect_for(&mut first_events, Duration::from_secs(1)).await;
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e, Event::Connection(ConnectionState::Reconnecting { .. }))),
        "{rest:?}"
    );
    assert!(!first.status().connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_token_carries_the_reconnect_and_a_revoked_one_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let relay = Relay::start(server.addr).await;
    let trust = Trust::Code(server.code());
    let (root, _root_events) = user(&addr, trust.clone(), "root", true, quick()).await;

    let (dana, mut dana_events) = within(
        "connect",
        Client::connect_with(&relay.addr.to_string(), trust.clone(), quick()),
    )
    .await
    .unwrap();
    dana.register("dana", &pw(), None).await.unwrap();
    let logged_in = dana
        .login_device("dana", &pw(), "dana's laptop")
        .await
        .unwrap();
    assert!(
        logged_in.token.is_some(),
        "a device login is issued a token"
    );

    // A dropped connection logs back in with the token, not the password.
    relay.cut();
    wait_for(&mut dana_events, "dana reconnects", |e| match e {
        Event::Connection(ConnectionState::Reconnected { .. }) => Some(()),
        _ => None,
    })
    .await;
    let audit = root.audit(Some(20)).await.unwrap();
    let last_login = audit
        .iter()
        .find(|e| e.kind == "login" && e.user == "dana")
        .expect("dana's login is audited");
    assert_eq!(
        last_login.detail.as_deref(),
        Some("with the login token of dana's laptop")
    );

    // While dana is away, her password changes elsewhere: every token is
    // revoked, so the next reconnect is refused for good, not retried.
    relay.refuse_new(true);
    relay.cut();
    wait_for(&mut dana_events, "dana is away", |e| match e {
        Event::Connection(ConnectionState::Reconnecting { .. }) => Some(()),
        _ => None,
    })
    .await;
    let (elsewhere, _e) = user(&addr, trust, "dana", false, quick()).await;
    elsewhere
        .profile(hearth_protocol::requests::Profile {
            password: Some(hearth_protocol::requests::PasswordChange {
                old: pw(),
                new: Secret::new("battery staple"),
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    elsewhere.logout().await.unwrap();
    relay.refuse_new(false);
    let reason = wait_for(&mut dana_events, "dana gives up", |e| match e {
        Event::Connection(ConnectionState::Disconnected { reason }) => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert!(reason.contains("Invalid username or password"), "{reason}");
    let rest = collect_for(&mut dana_events, Duration::from_millis(500)).await;
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e, Event::Connection(ConnectionState::Reconnecting { .. }))),
        "no retry after the token was refused: {rest:?}"
    );
}
