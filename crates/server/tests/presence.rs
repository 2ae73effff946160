//! Presence pushes: `list` to the lobby, `list_room` to room members, `event`
//! joined/left/disconnected, and none of them after a plain message.

mod common;

use common::{start_server, EnvelopeExt, ErrorCode};
use serde_json::{json, Value};

fn event<'a>(kind: &'a str, user: &'a str, room: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |d| d["kind"] == kind && d["user"] == user && d["room"] == room
}

fn has_ts(d: &Value) -> bool {
    d["ts"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z') && s.len() >= 20)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lobby_gets_list_pushes_on_login_create_enter_exit_and_disconnect() {
    let server = start_server(|_| {}).await;
    let mut w = server.user("watcher").await;

    // Login.
    let mut x = server.user("xena").await;
    w.push("list", |d| d == &json!({ "lobby": ["watcher", "xena"] }))
        .await;
    let joined = w.push("event", event("joined", "xena", "lobby")).await;
    assert!(has_ts(joined.d()), "{joined:?}");

    // Create.
    x.ok("create", json!({ "room": "Den" })).await;
    w.push("list", |d| {
        d == &json!({ "lobby": ["watcher", "xena"], "Den": [] })
    })
    .await;

    // Enter.
    x.enter("Den").await;
    w.push("list", |d| {
        d == &json!({ "lobby": ["watcher"], "Den": ["xena"] })
    })
    .await;
    w.push("event", event("left", "xena", "lobby")).await;

    // Exit.
    x.ok("exit", Value::Null).await;
    w.push("list", |d| {
        d == &json!({ "lobby": ["watcher", "xena"], "Den": [] })
    })
    .await;
    w.push("event", event("joined", "xena", "lobby")).await;

    // Disconnect (no logout).
    x.drop_connection();
    w.push("list", |d| d == &json!({ "lobby": ["watcher"], "Den": [] }))
        .await;
    let gone = w
        .push("event", event("disconnected", "xena", "lobby"))
        .await;
    assert!(has_ts(gone.d()), "{gone:?}");

    // Logout.
    let mut y = server.user("yuri").await;
    w.push("list", |d| d["lobby"] == json!(["watcher", "yuri"]))
        .await;
    y.ok("logout", Value::Null).await;
    w.push("list", |d| d["lobby"] == json!(["watcher"])).await;
    w.push("event", event("left", "yuri", "lobby")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_members_get_list_room_and_events_on_membership_changes() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("alma").await;
    let mut b = server.user("bert").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma"] }))
        .await;
    // A joiner sees its own `joined`.
    a.push("event", event("joined", "alma", "Den")).await;

    b.enter("Den").await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma", "bert"] }))
        .await;
    let joined = a.push("event", event("joined", "bert", "Den")).await;
    assert!(has_ts(joined.d()));
    b.push("list_room", |d| d == &json!({ "Den": ["alma", "bert"] }))
        .await;

    b.ok("exit", Value::Null).await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma"] }))
        .await;
    a.push("event", event("left", "bert", "Den")).await;

    b.enter("Den").await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma", "bert"] }))
        .await;
    b.drop_connection();
    a.push("list_room", |d| d == &json!({ "Den": ["alma"] }))
        .await;
    let gone = a.push("event", event("disconnected", "bert", "Den")).await;
    assert!(has_ts(gone.d()));

    // Logging out from inside the room is a `left`.
    let mut c = server.user("cato").await;
    c.enter("Den").await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma", "cato"] }))
        .await;
    c.ok("logout", Value::Null).await;
    a.push("list_room", |d| d == &json!({ "Den": ["alma"] }))
        .await;
    a.push("event", event("left", "cato", "Den")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stay_in_their_place() {
    let server = start_server(|_| {}).await;
    let mut lobby = server.user("lola").await;
    let mut inside = server.user("ines").await;
    let mut other = server.user("otto").await;
    inside.ok("create", json!({ "room": "Den" })).await;
    inside.ok("create", json!({ "room": "Far" })).await;
    inside.enter("Den").await;
    other.enter("Far").await;
    // Settle: each has the pushes that describe the current state.
    inside
        .push("list_room", |d| d == &json!({ "Den": ["ines"] }))
        .await;
    other
        .push("list_room", |d| d == &json!({ "Far": ["otto"] }))
        .await;
    lobby
        .push("list", |d| {
            d == &json!({ "lobby": ["lola"], "Den": ["ines"], "Far": ["otto"] })
        })
        .await;
    lobby.clear();
    inside.clear();
    other.clear();

    // Someone enters Den: Den hears `joined`, the lobby hears `left`, Far hears nothing.
    let mut d = server.user("dan").await;
    d.enter("Den").await;
    inside.push("event", event("joined", "dan", "Den")).await;
    lobby.push("event", event("left", "dan", "lobby")).await;
    lobby.sync().await;
    assert!(lobby
        .pending_of("event", event("joined", "dan", "Den"))
        .is_empty());
    // Far got no list_room or event about Den; its members see neither.
    other.ok("profile", json!({ "color": "#010203" })).await;
    other
        .push("event", |d| d["kind"] == "profile" && d["user"] == "otto")
        .await;
    assert!(
        other.pending_of("list_room", common::any).is_empty(),
        "{:?}",
        other.pending
    );
    assert!(
        other.pending_of("event", |d| d["user"] == "dan").is_empty(),
        "{:?}",
        other.pending
    );
    assert!(
        other.pending_of("list", common::any).is_empty(),
        "{:?}",
        other.pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_presence_push_after_a_plain_message() {
    let server = start_server(|_| {}).await;
    let mut lobby = server.user("lee").await;
    let mut a = server.user("abe").await;
    let mut b = server.user("bob").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    b.enter("Den").await;
    // Settle: everyone has the pushes describing the current state.
    a.push("list_room", |d| d == &json!({ "Den": ["abe", "bob"] }))
        .await;
    b.push("list_room", |d| d == &json!({ "Den": ["abe", "bob"] }))
        .await;
    lobby
        .push("list", |d| {
            d == &json!({ "lobby": ["lee"], "Den": ["abe", "bob"] })
        })
        .await;
    a.clear();
    b.clear();
    lobby.clear();

    for i in 0..5 {
        b.say(&format!("plain {i}")).await;
    }
    for i in 0..5 {
        a.push("msg", |d| d["text"] == format!("plain {i}")).await;
    }
    // Requests that change nothing push nothing either (the original server
    // pushed `list` after every lobby request and `list_room` after every
    // room request).
    lobby.ok("list", Value::Null).await;
    lobby
        .err("enter", json!({ "room": "nowhere" }), ErrorCode::NotFound)
        .await;
    lobby
        .err("create", json!({ "room": "Den" }), ErrorCode::NameTaken)
        .await;
    a.ok("list", Value::Null).await;
    a.ok("history", Value::Null).await;
    b.ok("private_list", Value::Null).await;
    // A real change afterwards: its pushes must be the first presence pushes seen.
    let mut c = server.user("cal").await;
    lobby
        .push("list", |d| d["lobby"] == json!(["lee", "cal"]))
        .await;
    c.enter("Den").await;
    a.push("list_room", |d| {
        d == &json!({ "Den": ["abe", "bob", "cal"] })
    })
    .await;
    b.push("list_room", |d| {
        d == &json!({ "Den": ["abe", "bob", "cal"] })
    })
    .await;
    lobby
        .push("list", |d| {
            d == &json!({ "lobby": ["lee"], "Den": ["abe", "bob", "cal"] })
        })
        .await;

    for m in [&a, &b] {
        assert!(
            m.pending_of("list_room", common::any).is_empty(),
            "{:?}",
            m.pending
        );
        assert!(
            m.pending_of("list", common::any).is_empty(),
            "{:?}",
            m.pending
        );
    }
    // Only the login push came before the one we waited for.
    let lists = lobby.pending_of("list", common::any);
    assert!(lists.is_empty(), "unexpected list pushes: {lists:?}");
}
