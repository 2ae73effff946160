//! Mentions, unread counts, typing, reactions, edits, deletions and search,
//! over real TLS, with their refusals.

mod common;

use std::time::Duration;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, TestClient, TestServer};
use hearth_server::Clock;
use serde_json::{json, Value};

/// The owner (an admin) and two members, all in room `games`.
async fn room_of_three(server: &TestServer) -> (TestClient, TestClient, TestClient) {
    let mut owner = server.user("owner").await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    owner.ok("create", json!({ "room": "games" })).await;
    for c in [&mut owner, &mut alice, &mut bob] {
        c.enter("games").await;
    }
    (owner, alice, bob)
}

async fn open_private(a: &mut TestClient, b: &mut TestClient) {
    a.ok("private_request", json!({ "to": b.name })).await;
    b.push("private_request", common::any).await;
    b.ok("private_accept", json!({ "from": a.name })).await;
    a.push("private_started", common::any).await;
}

fn id_of(m: &Value) -> i64 {
    m["id"].as_i64().expect("message id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_are_resolved_and_room_mentions_need_an_admin() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    let sent = alice.say("gg @BOB and @nobody, mail a@b.c").await;
    assert_eq!(sent["mentions"], json!(["bob"]), "{sent}");
    let got = bob.push("msg", |d| d["id"] == sent["id"]).await;
    assert_eq!(got.d()["mentions"], json!(["bob"]));
    // A message without mentions keeps the original shape: no new keys.
    let plain = alice.say("plain").await;
    for key in ["mentions", "mention_room", "edited", "deleted", "reactions"] {
        assert!(plain.get(key).is_none(), "{key} in {plain}");
    }

    let msg = alice
        .err(
            "msg",
            json!({ "to": "public", "text": "@room wake up" }),
            ErrorCode::Forbidden,
        )
        .await;
    assert!(msg.contains("@room"), "{msg}");
    let all = owner.say("@room dinner is ready").await;
    assert_eq!(all["mention_room"], true);
    // Everyone who was in the room now has one unread mention there.
    for c in [&mut alice, &mut bob] {
        c.push("msg", |d| d["id"] == all["id"]).await;
        c.ok("exit", Value::Null).await;
    }
    let mut bob2 = server.connect().await;
    let login = bob2.login("bob", common::PASSWORD).await;
    let unread = &login.d()["unread"];
    let games = unread
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["room"] == "games")
        .unwrap_or_else(|| panic!("no games count in {unread}"));
    assert_eq!(games["mentions"], 2, "by name and @room: {games}");
    assert_eq!(games["unread"], 3, "{games}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_marks_set_unread_counts_that_survive_a_restart() {
    let mut server = start_server(|_| {}).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    bob.ok("exit", Value::Null).await;
    let first = alice.say("one").await;
    let activity = bob.push("activity", |d| d["id"] == first["id"]).await;
    assert_eq!(activity.d()["room"], "games");
    assert!(
        activity.d().get("text").is_none(),
        "no text outside the room"
    );
    let second = owner.say("two @bob").await;
    let act = bob.push("activity", |d| d["id"] == second["id"]).await;
    assert_eq!(act.d()["mentions"], json!(["bob"]));
    let count = bob
        .ok("read", json!({ "room": "games", "id": id_of(&first) }))
        .await;
    assert_eq!(count.d()["unread"], 1);
    assert_eq!(count.d()["mentions"], 1);
    assert_eq!(count.d()["last_read"], first["id"]);
    // A mark does not move back.
    let same = bob.ok("read", json!({ "room": "games", "id": 1 })).await;
    assert_eq!(same.d()["last_read"], first["id"]);

    server.restart().await;
    let mut bob = server.connect().await;
    let login = bob.login("bob", common::PASSWORD).await;
    assert_eq!(
        login.d()["unread"],
        json!([{ "room": "games", "last_read": id_of(&first), "unread": 1, "mentions": 1 }])
    );
    bob.ok("read", json!({ "room": "games", "id": id_of(&second) }))
        .await;
    let mut again = server.connect().await;
    let login = again.login("bob", common::PASSWORD).await;
    assert!(login.d().get("unread").is_none(), "{:?}", login.d());
    // Refusals: no such room, both names, lobby without a name.
    again
        .err(
            "read",
            json!({ "room": "nowhere", "id": 1 }),
            ErrorCode::NotFound,
        )
        .await;
    again
        .err(
            "read",
            json!({ "room": "games", "with": "alice", "id": 1 }),
            ErrorCode::InvalidInput,
        )
        .await;
    again
        .err("read", json!({ "id": 1 }), ErrorCode::WrongState)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_replies_carry_the_unread_counts_beside_the_rooms() {
    let server = start_server(|_| {}).await;
    let (_owner, mut alice, mut bob) = room_of_three(&server).await;
    bob.ok("exit", Value::Null).await;
    let said = alice.say("hi @bob").await;
    bob.push("activity", |d| d["id"] == said["id"]).await;
    let list = bob.ok("list", Value::Null).await;
    // `data` stays the original protocol's map of rooms ...
    let rooms = list.d().as_object().expect("a map of rooms");
    assert!(rooms.values().all(Value::is_array), "{rooms:?}");
    assert_eq!(rooms["games"], json!(["owner", "alice"]));
    // ... and the counts travel beside it.
    let unread = list.unread.clone().expect("list carries unread");
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert_eq!(unread[0].room.as_deref(), Some("games"));
    assert_eq!((unread[0].unread, unread[0].mentions), (1, 1));
    assert!(unread[0].last_read < id_of(&said));
    bob.ok("read", json!({ "room": "games", "id": id_of(&said) }))
        .await;
    let list = bob.ok("list", Value::Null).await;
    assert_eq!(list.unread, Some(Vec::new()));
    // Inside a room, `list_room` carries them too.
    let inside = alice.ok("list", Value::Null).await;
    assert_eq!(inside.kind, "list_room");
    assert_eq!(inside.unread, Some(Vec::new()));
    // Pushes of the same type carry no counts (they go to everyone alike).
    bob.ok("enter", json!({ "room": "games" })).await;
    let push = alice.push("list_room", common::any).await;
    assert_eq!(push.unread, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_reaches_the_others_once_per_interval() {
    let server = start_server(|_| {}).await;
    let (_owner, mut alice, mut bob) = room_of_three(&server).await;
    alice.ok("typing", json!({ "room": "games" })).await;
    let t = bob.push("typing", common::any).await;
    assert_eq!(t.d()["user"], "alice");
    assert_eq!(t.d()["room"], "games");
    // A flood: every further typing within the interval is refused, none relayed.
    for _ in 0..10 {
        let reply = alice.request("typing", Value::Null).await;
        assert_refusal(&reply, ErrorCode::SlowDown);
    }
    bob.sync().await;
    assert!(bob.pending_of("typing", common::any).is_empty());
    // Not a room one is in.
    bob.ok("exit", Value::Null).await;
    bob.err("typing", json!({ "room": "games" }), ErrorCode::WrongState)
        .await;
    // Private: only over an open chat.
    bob.err("typing", json!({ "with": "alice" }), ErrorCode::NotLinked)
        .await;
    open_private(&mut bob, &mut alice).await;
    bob.ok("typing", json!({ "with": "alice" })).await;
    let t = alice.push("typing", |d| d["user"] == "bob").await;
    assert!(t.d().get("room").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_toggle_reach_the_room_and_show_in_history() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    let m = alice.say("nice frag").await;
    let r = bob
        .ok("react", json!({ "id": id_of(&m), "emoji": "🔥" }))
        .await;
    assert_eq!(
        r.d()["reactions"],
        json!([{ "emoji": "🔥", "users": ["bob"] }])
    );
    let push = alice.push("reactions", |d| d["id"] == m["id"]).await;
    assert_eq!(push.d()["room"], "games");
    owner.push("reactions", |d| d["id"] == m["id"]).await;
    // Toggling again takes it back.
    let r = bob
        .ok("react", json!({ "id": id_of(&m), "emoji": "🔥" }))
        .await;
    assert_eq!(r.d()["reactions"], json!([]));
    alice
        .ok("react", json!({ "id": id_of(&m), "emoji": "👍🏽" }))
        .await;
    let page = owner.ok("history", json!({ "room": "games" })).await;
    let last = page.d()["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["reactions"],
        json!([{ "emoji": "👍🏽", "users": ["alice"] }])
    );
    // Refusals: text, two emojis, an unknown message.
    for bad in ["lol", "🔥🔥", "", "<b>"] {
        let reply = bob
            .request("react", json!({ "id": id_of(&m), "emoji": bad }))
            .await;
        assert_refusal(&reply, ErrorCode::NotEmoji);
    }
    bob.err(
        "react",
        json!({ "id": 999_999, "emoji": "🔥" }),
        ErrorCode::NotFound,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_the_authors_for_a_day() {
    let clock = Clock::default();
    let server = start_server(|c| c.clock = clock.clone()).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    let m = alice.say("gg wp").await;
    let edited = alice
        .ok("edit", json!({ "id": id_of(&m), "text": "gg wp @bob" }))
        .await;
    assert_eq!(edited.d()["text"], "gg wp @bob");
    assert_eq!(edited.d()["mentions"], json!(["bob"]));
    assert!(edited.d()["edited"].is_string());
    let push = bob.push("edited", |d| d["id"] == m["id"]).await;
    assert_eq!(push.d()["text"], "gg wp @bob");
    // Someone else's message, even an admin's edit, is refused.
    owner
        .err(
            "edit",
            json!({ "id": id_of(&m), "text": "x" }),
            ErrorCode::Forbidden,
        )
        .await;
    bob.err(
        "edit",
        json!({ "id": id_of(&m), "text": "x" }),
        ErrorCode::Forbidden,
    )
    .await;
    alice
        .err(
            "edit",
            json!({ "id": id_of(&m), "text": "  " }),
            ErrorCode::InvalidInput,
        )
        .await;
    // History shows the edit.
    let page = bob.ok("history", json!({ "room": "games" })).await;
    let last = page.d()["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["text"], "gg wp @bob");
    assert!(last["edited"].is_string());
    // A day later the window is closed.
    clock.advance(Duration::from_secs(24 * 3600 + 60));
    alice
        .err(
            "edit",
            json!({ "id": id_of(&m), "text": "late" }),
            ErrorCode::TooLate,
        )
        .await;
    let fresh = alice.say("new").await;
    alice
        .ok("edit", json!({ "id": id_of(&fresh), "text": "newer" }))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_are_the_authors_or_an_admins_and_erase_the_text() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    let secret = "quixoticpangolin";
    let m = alice.say(&format!("my {secret} password")).await;
    let other = bob.say("bob's own").await;
    alice
        .err(
            "delete",
            json!({ "id": id_of(&other) }),
            ErrorCode::Forbidden,
        )
        .await;
    let gone = alice.ok("delete", json!({ "id": id_of(&m) })).await;
    assert_eq!(gone.d()["by"], "alice");
    let push = bob.push("deleted", |d| d["id"] == m["id"]).await;
    assert_eq!(push.d()["room"], "games");
    // An admin deletes anyone's room message.
    owner.ok("delete", json!({ "id": id_of(&other) })).await;
    alice.push("deleted", |d| d["id"] == other["id"]).await;
    // Twice is "not found"; so are edits and reactions on it.
    alice
        .err("delete", json!({ "id": id_of(&m) }), ErrorCode::NotFound)
        .await;
    bob.err(
        "react",
        json!({ "id": id_of(&m), "emoji": "👍" }),
        ErrorCode::NotFound,
    )
    .await;
    let page = bob.ok("history", json!({ "room": "games" })).await;
    let msgs = page.d()["messages"].as_array().unwrap().clone();
    let shown = msgs.iter().find(|x| x["id"] == m["id"]).unwrap();
    assert_eq!(shown["deleted"], true);
    assert_eq!(shown["text"], hearth_protocol::DELETED_TEXT);
    let found = bob
        .ok("search", json!({ "room": "games", "query": secret }))
        .await;
    assert_eq!(found.d()["messages"], json!([]));
    // The text is gone from the database file and its log.
    let mut bytes = std::fs::read(server.db_path()).unwrap();
    if let Ok(wal) = std::fs::read(server.db_path().with_extension("db-wal")) {
        bytes.extend(wal);
    }
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "deleted text is still in the database file"
    );
    // Private: partners delete their own; an admin cannot delete others'.
    open_private(&mut alice, &mut owner).await;
    let p = alice
        .ok("msg", json!({ "to": "owner", "text": "psst" }))
        .await;
    owner.push("msg", |d| d["id"] == p.d()["id"]).await;
    owner
        .err(
            "delete",
            json!({ "id": id_of(p.d()) }),
            ErrorCode::Forbidden,
        )
        .await;
    bob.err("delete", json!({ "id": id_of(p.d()) }), ErrorCode::NotFound)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_what_the_user_may_read_newest_first() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut alice, mut bob) = room_of_three(&server).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id_of(&alice.say(&format!("strategy round {i}")).await));
    }
    let page = bob
        .ok("search", json!({ "query": "strat", "limit": 3 }))
        .await;
    let got: Vec<i64> = page.d()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(got, [ids[4], ids[3], ids[2]]);
    assert_eq!(page.d()["more"], true);
    let next = bob
        .ok("search", json!({ "query": "strat", "before": ids[2] }))
        .await;
    assert_eq!(next.d()["messages"].as_array().unwrap().len(), 2);
    assert_eq!(next.d()["more"], false);
    // A private chat between alice and the owner: bob can only search his own.
    open_private(&mut alice, &mut owner).await;
    alice
        .ok("msg", json!({ "to": "owner", "text": "secret strategy" }))
        .await;
    owner.push("msg", |d| d["text"] == "secret strategy").await;
    let mine = owner
        .ok("search", json!({ "with": "alice", "query": "secret" }))
        .await;
    assert_eq!(mine.d()["messages"].as_array().unwrap().len(), 1);
    let theirs = bob
        .ok("search", json!({ "with": "alice", "query": "secret" }))
        .await;
    assert_eq!(theirs.d()["messages"], json!([]), "not bob's chat");
    bob.err(
        "search",
        json!({ "with": "bob", "query": "x" }),
        ErrorCode::InvalidInput,
    )
    .await;
    bob.err("search", json!({ "query": "  " }), ErrorCode::InvalidInput)
        .await;
    bob.err(
        "search",
        json!({ "with": "ghost", "query": "x" }),
        ErrorCode::NotFound,
    )
    .await;
}
