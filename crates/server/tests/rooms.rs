//! Public messages in rooms: delivery, fields, id echo, spoofing, limits, isolation.

mod common;

use common::{start_server, EnvelopeExt, ErrorCode, TestClient, TestServer};
use serde_json::{json, Value};

fn is_ts(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.ends_with('Z')
            && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .is_ok()
    })
}

/// amy, bo and cy in the room "Den" (amy made it), and dee in the lobby.
async fn den(server: &TestServer) -> [TestClient; 4] {
    let mut a = server.user("amy").await;
    let mut b = server.user("bo").await;
    let mut c = server.user("cy").await;
    let lobby = server.user("dee").await;
    a.ok("create", json!({ "room": "Den" })).await;
    for m in [&mut a, &mut b, &mut c] {
        m.enter("Den").await;
    }
    [a, b, c, lobby]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_msg_reaches_every_member_and_only_the_sender_copy_has_the_id() {
    let server = start_server(|_| {}).await;
    let [mut a, mut b, mut c, mut lobby] = den(&server).await;
    let color = a.ok("profile", json!({ "color": "#123abc" })).await.d()["color"].clone();

    a.send_with_id(
        "msg",
        json!({ "to": "public", "text": "hello all" }),
        json!("m-1"),
    )
    .await;
    let own = a.push("msg", |d| d["text"] == "hello all").await;
    assert_eq!(
        serde_json::to_value(&own.id).unwrap(),
        json!("m-1"),
        "{own:?}"
    );
    assert!(own.is_ok());
    assert!(own.message.is_none());
    let d = own.d();
    assert_eq!(d["to"], "public");
    assert_eq!(d["from"], "amy");
    assert_eq!(d["text"], "hello all");
    assert_eq!(d["color"], color);
    assert!(d["id"].as_i64().is_some_and(|id| id > 0), "{d}");
    assert!(is_ts(&d["ts"]), "{d}");

    for other in [&mut b, &mut c] {
        let copy = other.push("msg", |d| d["text"] == "hello all").await;
        assert!(copy.id.is_none(), "other copies carry no id: {copy:?}");
        assert_eq!(copy.d(), own.d(), "every member sees the same message");
    }
    // A message without an id gives an own copy without one.
    b.send("msg", json!({ "to": "public", "text": "second" }))
        .await;
    let copy = b.push("msg", |d| d["text"] == "second").await;
    assert!(copy.id.is_none());
    assert!(copy.d()["id"].as_i64() > own.d()["id"].as_i64());

    // The lobby saw none of it.
    lobby.sync().await;
    assert!(
        lobby.pending_of("msg", common::any).is_empty(),
        "{:?}",
        lobby.pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sent_from_is_ignored() {
    let server = start_server(|_| {}).await;
    let mut mallory = server.user("mallory").await;
    let mut victim = server.user("victim").await;
    mallory.ok("create", json!({ "room": "Den" })).await;
    mallory.enter("Den").await;
    victim.enter("Den").await;

    mallory
        .send(
            "msg",
            json!({ "to": "public", "text": "trust me", "from": "victim" }),
        )
        .await;
    let seen = victim.push("msg", |d| d["text"] == "trust me").await;
    assert_eq!(seen.d()["from"], "mallory");
    let own = mallory.push("msg", |d| d["text"] == "trust me").await;
    assert_eq!(own.d()["from"], "mallory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_must_be_1_to_4000_characters() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("tex").await;
    let mut b = server.user("reader").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    b.enter("Den").await;

    let msg = a
        .err(
            "msg",
            json!({ "to": "public", "text": "" }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("empty"), "{msg}");
    a.err(
        "msg",
        json!({ "to": "public", "text": "   \n " }),
        ErrorCode::InvalidInput,
    )
    .await;
    let too_long = "x".repeat(4001);
    let msg = a
        .err(
            "msg",
            json!({ "to": "public", "text": too_long }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("4000"), "{msg}");

    // Exactly 4000 characters, counted as characters, not bytes.
    let longest = "é".repeat(4000);
    let own = a.say(&longest).await;
    assert_eq!(own["text"], longest);
    let seen = b.push("msg", common::any).await;
    assert_eq!(
        seen.d()["text"],
        longest,
        "refused texts were never delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_msg_from_the_lobby_is_refused() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("lob").await;
    let msg = a
        .err(
            "msg",
            json!({ "to": "public", "text": "anyone?" }),
            ErrorCode::WrongState,
        )
        .await;
    assert!(msg.contains("enter a room"), "{msg}");
    a.sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rooms_are_isolated() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("ann").await;
    let mut a2 = server.user("ann2").await;
    let mut b = server.user("bea").await;
    a.ok("create", json!({ "room": "RoomA" })).await;
    a.ok("create", json!({ "room": "RoomB" })).await;
    a.enter("RoomA").await;
    a2.enter("RoomA").await;
    b.enter("RoomB").await;

    a.say("only for A").await;
    a2.push("msg", |d| d["text"] == "only for A").await;
    // Messages are delivered in the order they are stored, so once B has its
    // own later message, anything misrouted from A would already be here.
    b.say("only for B").await;
    a.sync().await;
    a2.sync().await;
    assert!(
        b.pending_of("msg", |d| d["text"] == "only for A")
            .is_empty(),
        "{:?}",
        b.pending
    );
    for c in [&a, &a2] {
        assert!(
            c.pending_of("msg", |d| d["text"] == "only for B")
                .is_empty(),
            "{:?}",
            c.pending
        );
    }
    // History is per room too.
    let h = b.ok("history", json!({ "room": "RoomB" })).await;
    let texts: Vec<&Value> = h.d()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["text"])
        .collect();
    assert_eq!(texts, vec![&json!("only for B")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_messages_reach_everyone_once_in_order_with_the_senders_own_copies() {
    // A long linger puts both senders' messages into shared batches, so each member gets
    // runs of several messages joined into one frame, and the senders their own copies.
    let server = start_server(|c| {
        c.msg_rate = 0;
        c.batch_linger = std::time::Duration::from_millis(20);
    })
    .await;
    let [mut a, mut b, mut c, mut lobby] = den(&server).await;
    const EACH: usize = 30;
    for i in 0..EACH {
        a.send_with_id(
            "msg",
            json!({ "to": "public", "text": format!("a{i}") }),
            json!(format!("a-{i}")),
        )
        .await;
        b.send_with_id(
            "msg",
            json!({ "to": "public", "text": format!("b{i}") }),
            json!(format!("b-{i}")),
        )
        .await;
    }
    let texts = |d: &Value| {
        d["text"]
            .as_str()
            .is_some_and(|t| t.len() > 1 && (t.starts_with('a') || t.starts_with('b')))
    };
    // Everyone in the room sees all 60, ids rising; a sender's own copies carry its ids.
    for (who, m) in [("amy", &mut a), ("bo", &mut b), ("cy", &mut c)] {
        let mut seen = Vec::new();
        while seen.len() < 2 * EACH {
            let push = m.push("msg", texts).await;
            let d = push.d();
            let text = d["text"].as_str().unwrap().to_owned();
            let own = text.starts_with(&who[..1]) && who != "cy";
            let id = serde_json::to_value(&push.id).unwrap();
            if own {
                assert_eq!(
                    id,
                    json!(format!("{}-{}", &text[..1], &text[1..])),
                    "{who}: {push:?}"
                );
            } else {
                assert_eq!(id, Value::Null, "{who}: {push:?}");
            }
            seen.push((d["id"].as_i64().unwrap(), text));
        }
        assert!(
            seen.windows(2).all(|w| w[0].0 < w[1].0),
            "{who}: ids rise: {seen:?}"
        );
        for prefix in ["a", "b"] {
            let mine: Vec<String> = seen
                .iter()
                .filter(|(_, t)| t.starts_with(prefix))
                .map(|(_, t)| t.clone())
                .collect();
            let want: Vec<String> = (0..EACH).map(|i| format!("{prefix}{i}")).collect();
            assert_eq!(mine, want, "{who} sees {prefix}'s messages once, in order");
        }
        m.sync().await;
        assert!(
            m.pending_of("msg", texts).is_empty(),
            "{who}: nothing twice"
        );
    }
    // Outside the room, one activity push per message, in order.
    let mut ids = Vec::new();
    while ids.len() < 2 * EACH {
        let push = lobby.push("activity", |d| d["room"] == "Den").await;
        ids.push(push.d()["id"].as_i64().unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}
