//! History: the push on `enter`, and `history` paging both ways.

mod common;

use std::collections::BTreeSet;

use common::{start_server, EnvelopeExt, ErrorCode, TestClient, TestServer};
use serde_json::{json, Value};

/// Sends `texts` as public messages without waiting in between, then waits
/// for the own copies; returns their ids in order.
async fn fill(c: &mut TestClient, texts: impl IntoIterator<Item = String>) -> Vec<i64> {
    let texts: Vec<String> = texts.into_iter().collect();
    for t in &texts {
        c.send("msg", json!({ "to": "public", "text": t })).await;
    }
    let mut ids = Vec::new();
    for t in &texts {
        let own = c.push("msg", |d| d["text"] == t.as_str()).await;
        ids.push(own.d()["id"].as_i64().expect("id"));
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids rise in sending order"
    );
    ids
}

/// A server without flood control, and a user in room `Den`.
async fn room() -> (TestServer, TestClient) {
    let server = start_server(|c| c.msg_rate = 0).await;
    let mut a = server.user("writer").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    (server, a)
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entering_pushes_the_last_50_messages_oldest_first() {
    let (server, mut a) = room().await;
    let ids = fill(&mut a, (0..60).map(|i| format!("m{i}"))).await;
    let mut b = server.user("reader").await;
    let h = b.enter("Den").await;
    assert_eq!(h.d()["room"], "Den");
    let msgs = h.d()["messages"].as_array().unwrap();
    assert_eq!(ids_of(h.d()), ids[10..].to_vec());
    let texts: Vec<String> = (10..60).map(|i| format!("m{i}")).collect();
    let got: Vec<&str> = msgs.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(got, texts);
    let m = &msgs[0];
    assert_eq!(m["from"], "writer");
    assert_eq!(m["to"], "public");
    assert_eq!(m["room"], "Den");
    assert!(m["ts"].is_string() && m["color"].is_string(), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entering_during_traffic_leaves_no_gap_and_no_duplicate() {
    let (server, mut a) = room().await;
    fill(&mut a, (0..10).map(|i| format!("early {i}"))).await;
    let mut b = server.user("joiner").await;

    let flood = tokio::spawn(async move {
        let ids = fill(&mut a, (0..100).map(|i| format!("live {i}"))).await;
        (a, ids)
    });
    let h = b.enter("Den").await;
    let early = b.pending_of("msg", common::any);
    assert!(
        early.is_empty(),
        "live messages came before the history push: {early:?}"
    );
    let (_a, ids) = flood.await.expect("flood task");
    let last = *ids.last().unwrap();

    let mut seen = ids_of(h.d());
    let cutoff = *seen.last().expect("history is not empty");
    while *seen.last().unwrap() < last {
        let m = b
            .push("msg", |d| d["id"].as_i64().is_some_and(|id| id > cutoff))
            .await;
        seen.push(m.d()["id"].as_i64().unwrap());
    }
    assert!(
        seen.windows(2).all(|w| w[1] == w[0] + 1),
        "history then live must be consecutive ids: {seen:?}"
    );
    b.sync().await;
    assert!(
        b.pending_of("msg", common::any).is_empty(),
        "duplicates: {:?}",
        b.pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_120_messages_both_ways_without_gaps_or_duplicates() {
    let (server, mut a) = room().await;
    let all = fill(&mut a, (0..120).map(|i| format!("m{i}"))).await;
    let mut r = server.user("pager").await;

    // Latest page by room name, from the lobby.
    let latest = r.ok("history", json!({ "room": "den" })).await;
    assert_eq!(latest.d()["room"], "Den");
    assert_eq!(ids_of(latest.d()), all[70..].to_vec());

    // Backwards with the default page size.
    let mut pages = vec![ids_of(latest.d())];
    loop {
        let before = pages.last().unwrap()[0];
        let page = r
            .ok("history", json!({ "room": "Den", "before_id": before }))
            .await;
        let ids = ids_of(page.d());
        if ids.is_empty() {
            break;
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
        assert!(*ids.last().unwrap() < before);
        pages.push(ids);
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
    let back: Vec<i64> = pages.into_iter().rev().flatten().collect();
    assert_eq!(back, all);

    // Forwards from the start, from inside the room, with another page size.
    r.enter("Den").await;
    let mut forward = Vec::new();
    let mut after = 0;
    loop {
        let page = r
            .ok("history", json!({ "after_id": after, "limit": 37 }))
            .await;
        let ids = ids_of(page.d());
        if ids.is_empty() {
            break;
        }
        assert!(ids.len() <= 37);
        assert!(ids[0] > after);
        after = *ids.last().unwrap();
        forward.extend(ids);
    }
    assert_eq!(forward, all);
    let unique: BTreeSet<i64> = forward.iter().copied().collect();
    assert_eq!(unique.len(), 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_limit_defaults_to_50_and_is_clamped_to_200() {
    let (server, mut a) = room().await;
    let all = fill(&mut a, (0..205).map(|i| format!("m{i}"))).await;
    let mut r = server.user("limits").await;
    let page = r
        .ok("history", json!({ "room": "Den", "limit": 1000 }))
        .await;
    assert_eq!(ids_of(page.d()), all[5..].to_vec());
    let page = r
        .ok(
            "history",
            json!({ "room": "Den", "after_id": 0, "limit": 1000 }),
        )
        .await;
    assert_eq!(ids_of(page.d()), all[..200].to_vec());
    let page = r
        .ok("history", json!({ "room": "Den", "after_id": all[0] }))
        .await;
    assert_eq!(ids_of(page.d()), all[1..51].to_vec());
    let page = r.ok("history", json!({ "room": "Den", "limit": 3 })).await;
    assert_eq!(ids_of(page.d()), all[202..].to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_history_requests_are_refused() {
    let (server, mut a) = room().await;
    fill(&mut a, ["one".to_owned()]).await;
    let mut r = server.user("asker").await;
    let msg = r.err("history", Value::Null, ErrorCode::InvalidInput).await;
    assert!(msg.contains("name a room"), "{msg}");
    let msg = r
        .err("history", json!({ "room": "nowhere" }), ErrorCode::NotFound)
        .await;
    assert!(msg.contains("no such room"), "{msg}");
    let msg = r
        .err("history", json!({ "with": "nobody" }), ErrorCode::NotFound)
        .await;
    assert!(msg.contains("no such user"), "{msg}");
    let msg = r
        .err(
            "history",
            json!({ "room": "Den", "before_id": 5, "after_id": 1 }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("not both"), "{msg}");
    // A negative limit is not a number of messages at all: bad data.
    r.err(
        "history",
        json!({ "room": "Den", "limit": -1 }),
        ErrorCode::BadRequest,
    )
    .await;
    // Still fine afterwards.
    let page = r.ok("history", json!({ "room": "Den" })).await;
    assert_eq!(page.d()["messages"].as_array().map(Vec::len), Some(1));
}
