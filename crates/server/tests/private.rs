//! Private chats with consent: request → accept/reject → messages → end,
//! and how links and requests end when a partner leaves.

mod common;

use common::{start_server, EnvelopeExt, ErrorCode, TestClient, PASSWORD};
use serde_json::{json, Value};

/// Links `a` and `b` (a asks, b accepts) and consumes the `private_started` pushes.
async fn link(a: &mut TestClient, b: &mut TestClient) {
    a.ok("private_request", json!({ "to": b.name })).await;
    let from = a.name.clone();
    b.push("private_request", |d| d["from"] == from.as_str())
        .await;
    b.ok("private_accept", json!({ "from": a.name })).await;
    let (an, bn) = (a.name.clone(), b.name.clone());
    a.push("private_started", |d| d["with"] == bn.as_str())
        .await;
    b.push("private_started", |d| d["with"] == an.as_str())
        .await;
}

/// Sends a private message and returns the sender's own copy.
async fn whisper(from: &mut TestClient, to: &str, text: &str) -> Value {
    let own = from.ok("msg", json!({ "to": to, "text": text })).await;
    assert_eq!(own.kind, "msg");
    own.d().clone()
}

fn private_list(reply: &hearth_protocol::Envelope) -> (Value, Value, Value) {
    let d = reply.d();
    (
        d["active"].clone(),
        d["incoming"].clone(),
        d["outgoing"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_then_accept_starts_a_private_chat() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("ada").await;
    let mut b = server.user("bea").await;
    let mut c = server.user("cid").await;

    let reply = a.ok("private_request", json!({ "to": "BEA" })).await;
    assert_eq!(reply.d()["started"], false);
    let req = b.push("private_request", common::any).await;
    assert_eq!(
        req.d(),
        &json!({ "from": "ada" }),
        "a request carries no text"
    );
    assert!(req.message.is_none());

    let (active, incoming, outgoing) = private_list(&b.ok("private_list", Value::Null).await);
    assert_eq!(
        (active, incoming, outgoing),
        (json!([]), json!(["ada"]), json!([]))
    );
    let (active, incoming, outgoing) = private_list(&a.ok("private_list", Value::Null).await);
    assert_eq!(
        (active, incoming, outgoing),
        (json!([]), json!([]), json!(["bea"]))
    );

    b.ok("private_accept", json!({ "from": "ada" })).await;
    assert_eq!(
        a.push("private_started", common::any).await.d(),
        &json!({ "with": "bea" })
    );
    assert_eq!(
        b.push("private_started", common::any).await.d(),
        &json!({ "with": "ada" })
    );
    for (me, other) in [(&mut a, "bea"), (&mut b, "ada")] {
        let (active, incoming, outgoing) = private_list(&me.ok("private_list", Value::Null).await);
        assert_eq!(
            (active, incoming, outgoing),
            (json!([other]), json!([]), json!([]))
        );
    }

    // Messages from the lobby, both ways.
    let own = whisper(&mut a, "bea", "psst").await;
    assert_eq!(own["private"], true);
    assert_eq!(own["to"], "bea");
    assert_eq!(own["from"], "ada");
    let got = b.push("msg", |d| d["text"] == "psst").await;
    assert!(got.id.is_none());
    assert_eq!(got.d(), &own);
    assert!(
        got.d()["id"].as_i64().is_some()
            && got.d()["ts"].is_string()
            && got.d()["color"].is_string()
    );
    whisper(&mut b, "ada", "hi back").await;
    a.push("msg", |d| {
        d["text"] == "hi back" && d["private"] == true && d["from"] == "bea"
    })
    .await;

    // A third user saw nothing.
    c.sync().await;
    assert!(
        c.pending_of("msg", common::any).is_empty(),
        "{:?}",
        c.pending
    );
    assert!(c.pending_of("private_started", common::any).is_empty());
    // A request to an already linked partner is refused.
    let msg = a
        .err(
            "private_request",
            json!({ "to": "bea" }),
            ErrorCode::AlreadyLinked,
        )
        .await;
    assert!(msg.contains("already"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_tells_the_requester_and_no_link_exists() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("abe").await;
    let mut b = server.user("bob").await;
    a.ok("private_request", json!({ "to": "bob" })).await;
    b.push("private_request", |d| d["from"] == "abe").await;
    b.ok("private_reject", json!({ "from": "abe" })).await;
    assert_eq!(
        a.push("private_rejected", common::any).await.d(),
        &json!({ "by": "bob" })
    );

    let msg = a
        .err(
            "msg",
            json!({ "to": "bob", "text": "please?" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("send a private request first"), "{msg}");
    let msg = b
        .err(
            "private_accept",
            json!({ "from": "abe" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("has not asked"), "{msg}");
    let msg = b
        .err(
            "private_reject",
            json!({ "from": "abe" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("has not asked"), "{msg}");
    let (active, incoming, outgoing) = private_list(&a.ok("private_list", Value::Null).await);
    assert_eq!(
        (active, incoming, outgoing),
        (json!([]), json!([]), json!([]))
    );
    b.sync().await;
    assert!(b.pending_of("msg", common::any).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_requests_are_not_duplicated_and_crossed_requests_accept() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("al").await;
    let mut b = server.user("bo").await;
    a.ok("private_request", json!({ "to": "bo" })).await;
    a.ok("private_request", json!({ "to": "bo" })).await;
    a.ok("private_request", json!({ "to": "Bo" })).await;
    // Anything the requests pushed to bo was queued before bo's own reply.
    b.sync().await;
    assert_eq!(
        b.pending_of("private_request", common::any).len(),
        1,
        "{:?}",
        b.pending
    );
    let (_, incoming, _) = private_list(&b.ok("private_list", Value::Null).await);
    assert_eq!(incoming, json!(["al"]));

    // bo asks al back: that is an accept.
    let reply = b.ok("private_request", json!({ "to": "al" })).await;
    assert_eq!(reply.d()["started"], true);
    a.push("private_started", |d| d["with"] == "bo").await;
    b.push("private_started", |d| d["with"] == "al").await;
    a.sync().await;
    assert!(
        a.pending_of("private_request", common::any).is_empty(),
        "no request push to al"
    );
    whisper(&mut a, "bo", "linked").await;
    b.push("msg", |d| d["text"] == "linked").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_need_an_online_other_user() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("solo").await;
    let mut off = server.user("offline").await;
    off.ok("logout", Value::Null).await;
    let msg = a
        .err(
            "private_request",
            json!({ "to": "solo" }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("yourself"), "{msg}");
    let msg = a
        .err(
            "private_request",
            json!({ "to": "offline" }),
            ErrorCode::NotOnline,
        )
        .await;
    assert!(msg.contains("not online"), "{msg}");
    let msg = a
        .err(
            "private_request",
            json!({ "to": "ghost" }),
            ErrorCode::NotOnline,
        )
        .await;
    assert!(msg.contains("not online"), "{msg}");
    for to in ["offline", "ghost", "solo"] {
        let msg = a
            .err(
                "msg",
                json!({ "to": to, "text": "hello?" }),
                ErrorCode::NotLinked,
            )
            .await;
        assert!(msg.contains("send a private request first"), "{to}: {msg}");
    }
    let msg = a
        .err(
            "private_end",
            json!({ "with": "offline" }),
            ErrorCode::NotOnline,
        )
        .await;
    assert!(!msg.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_messages_from_a_room_reach_only_the_partner() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("ari").await;
    let mut b = server.user("ben").await;
    let mut c = server.user("cat").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.ok("create", json!({ "room": "Far" })).await;
    link(&mut a, &mut b).await;
    a.enter("Den").await;
    c.enter("Den").await;
    b.enter("Far").await;

    let own = whisper(&mut a, "ben", "from the den").await;
    assert_eq!(own["private"], true);
    let got = b.push("msg", |d| d["text"] == "from the den").await;
    assert_eq!(got.d(), &own);
    // b answers from another room.
    whisper(&mut b, "ari", "from far").await;
    a.push("msg", |d| d["text"] == "from far" && d["private"] == true)
        .await;

    // c shares a's room but sees only public traffic.
    a.say("public now").await;
    c.push("msg", |d| d["text"] == "public now").await;
    let leaked = c.pending_of("msg", |d| d["private"] == true);
    assert!(leaked.is_empty(), "{leaked:?}");
    // b's room does not get a's public message.
    b.sync().await;
    assert!(b
        .pending_of("msg", |d| d["text"] == "public now")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_end_tells_both_sides() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("amos").await;
    let mut b = server.user("beth").await;
    link(&mut a, &mut b).await;
    a.ok("private_end", json!({ "with": "beth" })).await;
    let mine = a.push("private_ended", common::any).await;
    let theirs = b.push("private_ended", common::any).await;
    assert_eq!(mine.d()["with"], "beth");
    assert_eq!(theirs.d()["with"], "amos");
    assert!(mine.d()["reason"].is_string() && theirs.d()["reason"].is_string());
    let msg = b
        .err(
            "msg",
            json!({ "to": "amos", "text": "wait" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("send a private request first"), "{msg}");
    let msg = a
        .err(
            "private_end",
            json!({ "with": "beth" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("no private chat"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_end_and_requests_are_cancelled_when_a_user_disconnects() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("anna").await;
    let mut b = server.user("bill").await;
    let mut c = server.user("cora").await;
    let mut d = server.user("dirk").await;
    link(&mut a, &mut b).await;
    // b has an outgoing request to c and an incoming one from d.
    b.ok("private_request", json!({ "to": "cora" })).await;
    c.push("private_request", |x| x["from"] == "bill").await;
    d.ok("private_request", json!({ "to": "bill" })).await;
    b.push("private_request", |x| x["from"] == "dirk").await;

    b.drop_connection();
    let ended = a.push("private_ended", common::any).await;
    assert_eq!(ended.d()["with"], "bill");
    assert_eq!(ended.d()["reason"], "disconnected");
    let cancelled = c.push("private_cancelled", common::any).await;
    assert_eq!(cancelled.d()["with"], "bill");
    assert_eq!(cancelled.d()["reason"], "disconnected");
    let cancelled = d.push("private_cancelled", common::any).await;
    assert_eq!(cancelled.d()["with"], "bill");

    // Nothing is left over when bill comes back.
    let mut b = server.login("bill", PASSWORD).await;
    let (active, incoming, outgoing) = private_list(&b.ok("private_list", Value::Null).await);
    assert_eq!(
        (active, incoming, outgoing),
        (json!([]), json!([]), json!([]))
    );
    let msg = a
        .err(
            "msg",
            json!({ "to": "bill", "text": "there?" }),
            ErrorCode::NotLinked,
        )
        .await;
    assert!(msg.contains("send a private request first"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_end_on_logout_and_on_kick_with_reasons() {
    let server = start_server(|_| {}).await;
    let mut owner = server.user("owner").await;
    let mut a = server.user("alf").await;
    let mut b = server.user("bea").await;

    link(&mut a, &mut b).await;
    b.ok("logout", Value::Null).await;
    let ended = a.push("private_ended", common::any).await;
    assert_eq!(ended.d()["with"], "bea");
    assert_eq!(ended.d()["reason"], "logged out");

    let reply = b.login("bea", PASSWORD).await;
    assert!(reply.is_ok());
    link(&mut a, &mut b).await;
    owner
        .ok(
            "kick",
            json!({ "username": "bea", "reason": "testing", "minutes": 0 }),
        )
        .await;
    let ended = a.push("private_ended", |d| d["with"] == "bea").await;
    let reason = ended.d()["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("kicked"), "{ended:?}");
    b.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_login_keeps_links_and_requests() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("axel").await;
    let mut b = server.user("bert").await;
    let mut c = server.user("carl").await;
    link(&mut a, &mut b).await;
    c.ok("private_request", json!({ "to": "bert" })).await;

    let mut b2 = server.login("bert", PASSWORD).await;
    b.push("bye", common::any).await;
    b.expect_closed().await;
    // Wait until the old connection is gone from the server entirely.
    server.wait_connections(3).await;

    whisper(&mut a, "bert", "still linked?").await;
    b2.push("msg", |d| d["text"] == "still linked?").await;
    whisper(&mut b2, "axel", "yes").await;
    a.push("msg", |d| d["text"] == "yes").await;
    let (active, incoming, _) = private_list(&b2.ok("private_list", Value::Null).await);
    assert_eq!(active, json!(["axel"]));
    assert_eq!(incoming, json!(["carl"]));
    c.sync().await;
    assert!(
        a.pending_of("private_ended", common::any).is_empty(),
        "{:?}",
        a.pending
    );
    assert!(
        c.pending_of("private_cancelled", common::any).is_empty(),
        "{:?}",
        c.pending
    );
    b2.ok("private_accept", json!({ "from": "carl" })).await;
    c.push("private_started", |d| d["with"] == "bert").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_history_is_readable_only_by_the_two() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("amy").await;
    let mut b = server.user("bud").await;
    let mut c = server.user("cyd").await;
    link(&mut a, &mut b).await;
    whisper(&mut a, "bud", "one").await;
    whisper(&mut b, "amy", "two").await;
    whisper(&mut a, "bud", "three").await;

    for (me, other) in [(&mut a, "bud"), (&mut b, "amy")] {
        let h = me.ok("history", json!({ "with": other })).await;
        let msgs = h.d()["messages"].as_array().expect("messages").clone();
        let texts: Vec<&str> = msgs.iter().map(|m| m["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["one", "two", "three"], "oldest first");
        assert!(msgs.iter().all(|m| m["private"] == true));
        assert_eq!(h.d()["with"], other);
    }
    // cyd asking about either of them sees only cyd's own conversations (none).
    for other in ["amy", "bud"] {
        let h = c.ok("history", json!({ "with": other })).await;
        assert_eq!(h.d()["messages"], json!([]), "{h:?}");
    }
    // Private messages never show up in a room's history.
    let h = c.ok("history", json!({ "room": "lobby" })).await;
    assert_eq!(h.d()["messages"], json!([]));
}
