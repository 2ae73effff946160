//! Lobby requests: `list`, `create`, `enter`; `list`/`exit` in a room; `ping`.

mod common;

use common::{start_server, EnvelopeExt, ErrorCode};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_in_the_lobby_shows_every_room_lobby_first() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("anna").await;
    let mut b = server.user("ben").await;

    let list = a.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list");
    assert_eq!(list.d(), &json!({ "lobby": ["anna", "ben"] }));

    a.ok("create", json!({ "room": "zeta" })).await;
    a.ok("create", json!({ "room": "Alpha" })).await;
    b.enter("zeta").await;
    let list = a.ok("list", Value::Null).await;
    let rooms: Vec<&String> = list.d().as_object().expect("object").keys().collect();
    assert_eq!(rooms.first().map(|s| s.as_str()), Some("lobby"), "{list:?}");
    assert_eq!(rooms.len(), 3, "{list:?}");
    assert_eq!(list.d()["lobby"], json!(["anna"]));
    assert_eq!(list.d()["zeta"], json!(["ben"]));
    assert_eq!(list.d()["Alpha"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_refuses_duplicates_and_invalid_names() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("cleo").await;
    let reply = a.ok("create", json!({ "room": "Games" })).await;
    assert_eq!(reply.text(), "Games created successfully");
    assert_eq!(reply.d()["room"], "Games");

    for dup in ["Games", "games", "GAMES", "lobby", "LOBBY"] {
        let msg = a
            .err("create", json!({ "room": dup }), ErrorCode::NameTaken)
            .await;
        assert!(msg.contains("already exists"), "{dup}: {msg}");
    }
    let long = "r".repeat(33);
    for bad in ["", "two words", "a/b", "hash#tag", long.as_str()] {
        a.err("create", json!({ "room": bad }), ErrorCode::InvalidInput)
            .await;
    }
    a.ok("create", json!({ "room": "Café-2.0_x" })).await;
    let list = a.ok("list", Value::Null).await;
    assert_eq!(list.d().as_object().map(|o| o.len()), Some(3), "{list:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_replies_with_user_and_room_then_pushes_history() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("dora").await;
    a.ok("create", json!({ "room": "Den" })).await;

    let msg = a
        .err("enter", json!({ "room": "nowhere" }), ErrorCode::NotFound)
        .await;
    assert!(msg.contains("not found"), "{msg}");
    let msg = a
        .err("enter", json!({ "room": "lobby" }), ErrorCode::WrongState)
        .await;
    assert!(msg.contains("lobby"), "{msg}");

    let reply = a.ok("enter", json!({ "room": "den" })).await;
    assert_eq!(reply.d(), &json!({ "username": "dora", "room": "Den" }));
    let history = a.push("history", common::any).await;
    assert_eq!(history.d()["room"], "Den");
    assert_eq!(history.d()["messages"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_in_a_room_answers_list_room_and_exit_returns_to_the_lobby() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("eve").await;
    let mut b = server.user("fay").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.ok("create", json!({ "room": "Other" })).await;
    a.enter("Den").await;
    b.enter("Den").await;

    let list = a.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list_room");
    assert_eq!(list.d(), &json!({ "Den": ["eve", "fay"] }));

    let reply = a.ok("exit", Value::Null).await;
    assert_eq!(reply.text(), "Exit Den, back to lobby");
    let list = a.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list");
    assert_eq!(list.d()["lobby"], json!(["eve"]));
    assert_eq!(list.d()["Den"], json!(["fay"]));
    assert_eq!(list.d()["Other"], json!([]));
    // Back in the lobby: entering again works.
    a.enter("Other").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_in_every_state_and_echoes_ids() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;

    // Without an id, as the original clients send it.
    c.send("ping", Value::Null).await;
    let pong = c.next().await;
    assert_eq!(pong.kind, "pong");
    assert!(pong.is_ok());
    assert!(pong.id.is_none());

    c.send_with_id("ping", Value::Null, json!("abc")).await;
    let pong = c.next().await;
    assert_eq!(pong.kind, "pong");
    assert_eq!(serde_json::to_value(&pong.id).unwrap(), json!("abc"));
    c.send_with_id("ping", json!({}), json!(42)).await;
    let pong = c.next().await;
    assert_eq!(serde_json::to_value(&pong.id).unwrap(), json!(42));

    c.register_and_login("gus").await;
    assert_eq!(c.ok("ping", Value::Null).await.kind, "pong");
    c.ok("create", json!({ "room": "r" })).await;
    c.enter("r").await;
    assert_eq!(c.ok("ping", Value::Null).await.kind, "pong");
}
