//! Registration, login, takeover, logout, the auth deadline and state checks.

mod common;

use std::time::Duration;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, PASSWORD};
use serde_json::{json, Value};

fn is_color(v: &Value) -> bool {
    v.as_str().is_some_and(|c| {
        c.len() == 7
            && c.starts_with('#')
            && c[1..]
                .chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_ok_then_taken_case_insensitively() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;

    let reply = c.register("Alice", PASSWORD).await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(reply.text(), "Register successfully! You can now login");
    assert_eq!(reply.d()["username"], "Alice");
    assert!(is_color(&reply.d()["color"]), "{reply:?}");

    for taken in ["Alice", "alice", "ALICE", "aLiCe"] {
        let reply = c.register(taken, "another1").await;
        assert!(!reply.is_ok(), "{taken} should be taken: {reply:?}");
        assert_refusal(&reply, ErrorCode::NameTaken);
        assert!(reply.text().contains("already in use"), "{reply:?}");
    }

    // Unicode names, unique under Unicode lower-casing.
    let reply = c.register("Zoë", PASSWORD).await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(reply.d()["username"], "Zoë");
    for taken in ["zoë", "ZOË"] {
        let reply = c.register(taken, PASSWORD).await;
        assert!(!reply.is_ok(), "{taken} should be taken: {reply:?}");
        assert_refusal(&reply, ErrorCode::NameTaken);
    }
    let reply = c.register("Ωmega_1.x-y", PASSWORD).await;
    assert!(reply.is_ok(), "{reply:?}");

    // Registering leaves the connection in the auth state: login works next.
    let reply = c.login("alice", PASSWORD).await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(
        reply.d()["username"],
        "Alice",
        "name is shown with the case given"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_refuses_bad_names_and_short_passwords() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    let long = "x".repeat(33);
    for bad in [
        "",
        "two words",
        "a/b",
        "semi;colon",
        "emoji😀",
        "tab\t",
        long.as_str(),
    ] {
        let reply = c.register(bad, PASSWORD).await;
        assert!(!reply.is_ok(), "{bad:?} should be refused: {reply:?}");
        assert_refusal(&reply, ErrorCode::InvalidInput);
        assert!(!reply.text().is_empty());
    }
    let reply = c.register("shortpw", "abc").await;
    assert!(!reply.is_ok(), "{reply:?}");
    assert_refusal(&reply, ErrorCode::InvalidInput);
    assert!(reply.text().contains("at least 4"), "{reply:?}");

    // Boundary cases that must work.
    let reply = c.register(&"y".repeat(32), "abcd").await;
    assert!(reply.is_ok(), "{reply:?}");
    // Refused registrations created nothing.
    let reply = c.login("shortpw", "abc").await;
    assert!(!reply.is_ok(), "{reply:?}");
    assert_refusal(&reply, ErrorCode::AuthFailed);
    c.sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_reply_has_name_room_color_and_role() {
    let server = start_server(|_| {}).await;
    let mut first = server.connect().await;
    let data = first.register_and_login("Owner1").await;
    assert_eq!(data["username"], "Owner1");
    assert_eq!(data["chatroom"], "lobby");
    assert_eq!(data["role"], "owner", "the first account becomes the owner");
    assert!(is_color(&data["color"]), "{data}");

    let mut c = server.connect().await;
    assert!(c.register("bob", PASSWORD).await.is_ok());
    let reply = c.login("BOB", PASSWORD).await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(reply.text(), "Login successful");
    assert_eq!(
        reply
            .d()
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "username".into(),
            "chatroom".into(),
            "color".into(),
            "role".into()
        ])
    );
    assert_eq!(reply.d()["username"], "bob");
    assert_eq!(reply.d()["chatroom"], "lobby");
    assert_eq!(reply.d()["role"], "member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refuses_wrong_password_and_unknown_user() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    assert!(c.register("carol", PASSWORD).await.is_ok());

    let wrong = c.login("carol", "not the password").await;
    assert!(!wrong.is_ok(), "{wrong:?}");
    assert_refusal(&wrong, ErrorCode::AuthFailed);
    let unknown = c.login("nobody", PASSWORD).await;
    assert!(!unknown.is_ok(), "{unknown:?}");
    assert_refusal(&unknown, ErrorCode::AuthFailed);
    assert!(
        wrong.text().contains("Invalid username or password"),
        "{wrong:?}"
    );
    assert_eq!(wrong.text(), unknown.text(), "no hint which part was wrong");

    // Still in the auth state and usable.
    let msg = c.err("list", Value::Null, ErrorCode::WrongState).await;
    assert!(msg.contains("auth"), "{msg}");
    let ok = c.login("carol", PASSWORD).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_login_takes_over_the_first_connection() {
    let server = start_server(|_| {}).await;
    let mut old = server.user("dave").await;
    let mut watcher = server.user("erin").await;
    old.ok("create", json!({ "room": "den" })).await;
    old.enter("den").await;

    let mut new = server.login("dave", PASSWORD).await;
    let bye = old.push("bye", common::any).await;
    assert!(bye.is_ok());
    assert!(!bye.text().is_empty(), "bye carries a reason: {bye:?}");
    assert_eq!(bye.d()["reason"], "takeover");
    old.expect_closed().await;

    // The new connection works and presence shows dave once, in the lobby.
    let list = new.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list");
    assert_eq!(list.d()["lobby"], json!(["erin", "dave"]));
    assert_eq!(list.d()["den"], json!([]));
    watcher
        .push("list", |d| {
            d["lobby"] == json!(["erin", "dave"]) && d["den"] == json!([])
        })
        .await;
    new.enter("den").await;
    new.say("still here").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_returns_to_auth_on_the_same_connection() {
    let server = start_server(|_| {}).await;
    let mut c = server.user("frank").await;
    let reply = c.ok("logout", Value::Null).await;
    assert_eq!(reply.text(), "frank logout successfully");

    let msg = c.err("list", Value::Null, ErrorCode::WrongState).await;
    assert!(msg.contains("auth state"), "{msg}");
    let msg = c.err("logout", Value::Null, ErrorCode::WrongState).await;
    assert!(msg.contains("auth state"), "{msg}");

    let again = c.login("frank", PASSWORD).await;
    assert!(again.is_ok(), "{again:?}");
    c.ok("create", json!({ "room": "r1" })).await;
    c.enter("r1").await;
    // Logging out from a room also works and leaves the room.
    c.ok("logout", Value::Null).await;
    let mut other = server.user("gina").await;
    let list = other.ok("list", Value::Null).await;
    assert_eq!(list.d()["r1"], json!([]));
    assert_eq!(list.d()["lobby"], json!(["gina"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_timeout_closes_idle_unauthenticated_connections_only() {
    let server = start_server(|c| c.auth_timeout = Duration::from_secs(3)).await;
    let mut idle = server.connect().await;
    let mut active = server.user("hank").await;
    let mut again = server.user("ivy").await;
    again.ok("logout", Value::Null).await;

    let bye = idle.push("bye", common::any).await;
    assert!(bye.text().contains("Not logged in in time"), "{bye:?}");
    idle.expect_closed().await;
    // After logout the deadline starts again.
    let bye = again.push("bye", common::any).await;
    assert!(bye.text().contains("Not logged in in time"), "{bye:?}");
    again.expect_closed().await;

    // A logged-in connection is not subject to it.
    active.sync().await;
    assert!(active.pending_of("bye", common::any).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_the_wrong_state_are_refused_naming_the_state() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    let auth_refused = [
        ("list", Value::Null),
        ("logout", Value::Null),
        ("create", json!({ "room": "x" })),
        ("enter", json!({ "room": "x" })),
        ("exit", Value::Null),
        ("msg", json!({ "to": "public", "text": "hi" })),
        ("profile", json!({ "color": "#000000" })),
        ("private_list", Value::Null),
        ("history", json!({ "room": "lobby" })),
        ("audit", Value::Null),
    ];
    for (kind, data) in auth_refused {
        let msg = c.err(kind, data, ErrorCode::WrongState).await;
        assert!(msg.contains("auth state"), "{kind}: {msg}");
        assert!(msg.contains(kind), "{kind}: {msg}");
    }
    c.sync().await;

    c.register_and_login("jack").await;
    for (kind, data) in [
        (
            "register",
            json!({ "username": "x1", "password": PASSWORD }),
        ),
        ("login", json!({ "username": "jack", "password": PASSWORD })),
        ("exit", Value::Null),
    ] {
        let msg = c.err(kind, data, ErrorCode::WrongState).await;
        assert!(msg.contains("lobby state"), "{kind}: {msg}");
    }
    c.ok("create", json!({ "room": "hall" })).await;
    c.enter("hall").await;
    for (kind, data) in [
        (
            "register",
            json!({ "username": "x1", "password": PASSWORD }),
        ),
        ("login", json!({ "username": "jack", "password": PASSWORD })),
        ("create", json!({ "room": "other" })),
        ("enter", json!({ "room": "hall" })),
    ] {
        let msg = c.err(kind, data, ErrorCode::WrongState).await;
        assert!(msg.contains("room state"), "{kind}: {msg}");
    }
    // Still usable, still in the room.
    let list = c.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list_room");
    c.say("still fine").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_but_a_right_password_is_not_slowed() {
    let server = start_server(|_| {}).await;
    let mut setup = server.connect().await;
    assert!(setup.register("kim", PASSWORD).await.is_ok());

    // Five failures on one connection close it.
    let mut c = server.connect().await;
    for i in 0..5 {
        let reply = c.login(&format!("nobody{i}"), "wrong pass").await;
        assert!(!reply.is_ok(), "{reply:?}");
        assert_refusal(&reply, ErrorCode::AuthFailed);
    }
    c.expect_closed().await;
    // It says why before closing (found by the `connection` fuzz target: a
    // close with no `bye` looked like the server dropping a request).
    let bye: Vec<_> = c.pending.iter().filter(|e| e.kind == "bye").collect();
    assert_eq!(bye.len(), 1, "{:?}", c.pending);
    assert_eq!(bye[0].data.as_ref().unwrap()["reason"], "refused");
    assert_eq!(
        bye[0].message.as_deref(),
        Some("Too many refused attempts on this connection; closing")
    );

    // Failures do not slow the real owner down.
    let started = tokio::time::Instant::now();
    let mut c = server.connect().await;
    for _ in 0..4 {
        let reply = c.login("kim", "wrong pass").await;
        assert!(!reply.is_ok());
        assert_refusal(&reply, ErrorCode::AuthFailed);
    }
    let ok = c.login("kim", PASSWORD).await;
    assert!(ok.is_ok(), "{ok:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no delay before the right password"
    );

    // Ten failures from one address block it, even for a right password.
    for round in 0..2 {
        let mut c = server.connect().await;
        for i in 0..5 {
            let reply = c.login(&format!("x{round}{i}"), "wrong pass").await;
            assert!(!reply.is_ok());
            assert_refusal(&reply, ErrorCode::AuthFailed);
        }
    }
    let mut c = server.connect().await;
    let refused = c.login("kim", PASSWORD).await;
    assert!(!refused.is_ok(), "{refused:?}");
    assert_refusal(&refused, ErrorCode::SlowDown);
    assert!(
        refused.text().contains("too many failed logins"),
        "{refused:?}"
    );
}
