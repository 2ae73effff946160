//! Colours at registration and `profile` changes (colour, name, password).

mod common;

use std::collections::BTreeSet;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, PASSWORD};
use serde_json::{json, Value};

fn is_color(v: &Value) -> bool {
    v.as_str().is_some_and(|c| {
        c.len() == 7
            && c.starts_with('#')
            && c[1..]
                .chars()
                .all(|ch| ch.is_ascii_digit() || ('a'..='f').contains(&ch))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_takes_a_color_and_stores_it_in_lower_case() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    let reply = c
        .request(
            "register",
            json!({ "username": "hue", "password": PASSWORD, "color": "#A1B2C3" }),
        )
        .await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(reply.d()["color"], "#a1b2c3");
    for bad in [
        "red", "#abc", "#gggggg", "a1b2c3", "#a1b2c3d", "", " #a1b2c3",
    ] {
        let msg = c
            .err(
                "register",
                json!({ "username": "other", "password": PASSWORD, "color": bad }),
                ErrorCode::InvalidInput,
            )
            .await;
        assert!(msg.contains("#rrggbb"), "{bad:?}: {msg}");
    }
    let login = c.login("hue", PASSWORD).await;
    assert_eq!(login.d()["color"], "#a1b2c3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_colors_are_valid_and_distinct_for_the_first_users() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    let mut colors = BTreeSet::new();
    for i in 0..6 {
        let reply = c.register(&format!("u{i}"), PASSWORD).await;
        let color = &reply.d()["color"];
        assert!(is_color(color), "{reply:?}");
        colors.insert(color.as_str().unwrap().to_owned());
    }
    assert_eq!(colors.len(), 6, "{colors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_color_change_is_told_to_every_online_user() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("paint").await;
    let mut lobby = server.user("see").await;
    let mut room = server.user("roomer").await;
    room.ok("create", json!({ "room": "Den" })).await;
    room.enter("Den").await;
    a.enter("Den").await;

    let msg = a.err("profile", json!({}), ErrorCode::InvalidInput).await;
    assert!(!msg.is_empty());
    let msg = a
        .err(
            "profile",
            json!({ "color": "blue" }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("#rrggbb"), "{msg}");

    let reply = a.ok("profile", json!({ "color": "#00FF7f" })).await;
    assert_eq!(
        reply.d(),
        &json!({ "username": "paint", "color": "#00ff7f", "role": "owner" })
    );
    for c in [&mut lobby, &mut room, &mut a] {
        let ev = c.push("event", |d| d["kind"] == "profile").await;
        assert_eq!(ev.d()["user"], "paint");
        assert_eq!(ev.d()["color"], "#00ff7f");
        assert!(ev.d().get("old_username").is_none(), "no rename: {ev:?}");
        assert!(ev.d()["ts"].is_string());
    }
    // New messages carry the new colour, and so does the next login.
    let own = a.say("in green").await;
    assert_eq!(own["color"], "#00ff7f");
    a.ok("logout", Value::Null).await;
    assert_eq!(a.login("paint", PASSWORD).await.d()["color"], "#00ff7f");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_is_visible_to_others_and_keeps_history_and_links() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("alice").await;
    let mut b = server.user("bob").await;
    let mut c = server.user("carol").await;
    c.ok("create", json!({ "room": "Den" })).await;
    c.enter("Den").await;
    a.enter("Den").await;
    a.say("before the rename").await;
    // A private link with bob.
    a.ok("private_request", json!({ "to": "bob" })).await;
    b.ok("private_accept", json!({ "from": "alice" })).await;
    a.push("private_started", common::any).await;
    c.push("list_room", |d| d == &json!({ "Den": ["carol", "alice"] }))
        .await;

    for taken in ["bob", "BOB", "carol"] {
        let msg = a
            .err(
                "profile",
                json!({ "username": taken }),
                ErrorCode::NameTaken,
            )
            .await;
        assert!(msg.contains("already in use"), "{taken}: {msg}");
    }
    a.err(
        "profile",
        json!({ "username": "bad name" }),
        ErrorCode::InvalidInput,
    )
    .await;

    let reply = a.ok("profile", json!({ "username": "Alicia" })).await;
    assert_eq!(reply.d()["username"], "Alicia");
    for x in [&mut b, &mut c] {
        let ev = x.push("event", |d| d["kind"] == "profile").await;
        assert_eq!(ev.d()["user"], "Alicia");
        assert_eq!(ev.d()["old_username"], "alice");
        assert!(ev.d()["color"].is_string());
    }
    // Presence follows the rename.
    c.push("list_room", |d| d == &json!({ "Den": ["carol", "Alicia"] }))
        .await;
    b.push("list", |d| d["Den"] == json!(["carol", "Alicia"]))
        .await;

    // Messages and history use the new name.
    a.say("after the rename").await;
    let seen = c.push("msg", |d| d["text"] == "after the rename").await;
    assert_eq!(seen.d()["from"], "Alicia");
    let h = c.ok("history", Value::Null).await;
    let from: Vec<&str> = h.d()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["from"].as_str().unwrap())
        .collect();
    assert_eq!(from, ["Alicia", "Alicia"]);

    // The private link survives under the new name.
    b.ok("msg", json!({ "to": "Alicia", "text": "new name?" }))
        .await;
    a.push("msg", |d| d["text"] == "new name?").await;
    let msg = b
        .err(
            "msg",
            json!({ "to": "alice", "text": "old name" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("send a private request first"), "{msg}");

    // Log in with the new name only; the old one is free for someone else.
    let mut other = server.connect().await;
    let refused = other.login("alice", PASSWORD).await;
    assert!(!refused.is_ok());
    assert_refusal(&refused, ErrorCode::AuthFailed);
    let ok = other.login("alicia", PASSWORD).await;
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(ok.d()["username"], "Alicia");
    let mut newcomer = server.connect().await;
    assert!(newcomer.register("alice", PASSWORD).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_needs_the_old_one_and_replaces_it() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("pat").await;
    let msg = a
        .err(
            "profile",
            json!({ "password": { "old": "wrong one", "new": "fresh pass" } }),
            ErrorCode::AuthFailed,
        )
        .await;
    assert!(msg.contains("current password is wrong"), "{msg}");
    let msg = a
        .err(
            "profile",
            json!({ "password": { "old": PASSWORD, "new": "abc" } }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("at least 4"), "{msg}");
    // A password change without `old` does not fit the request: bad data.
    a.err(
        "profile",
        json!({ "password": { "new": "no old given" } }),
        ErrorCode::BadRequest,
    )
    .await;

    a.ok(
        "profile",
        json!({ "password": { "old": PASSWORD, "new": "fresh pass" } }),
    )
    .await;
    a.ok("logout", Value::Null).await;
    let old = a.login("pat", PASSWORD).await;
    assert!(!old.is_ok(), "the old password no longer works: {old:?}");
    assert_refusal(&old, ErrorCode::AuthFailed);
    let new = a.login("pat", "fresh pass").await;
    assert!(new.is_ok(), "{new:?}");
}
