//! Flood control: a burst, then "slow down" errors; nothing refused is delivered.

mod common;

use std::time::Duration;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, WAIT};
use hearth_protocol::RequestId;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_budget_is_refused_and_not_delivered() {
    let server = start_server(|c| {
        c.msg_burst = 3;
        c.msg_rate = 1;
    })
    .await;
    let mut a = server.user("fast").await;
    let mut b = server.user("listener").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    b.enter("Den").await;

    // Four messages in one go: the budget allows three.
    let mut batch = Vec::new();
    for i in 1..=4u64 {
        let body = json!({ "type": "msg", "data": { "to": "public", "text": format!("burst {i}") }, "id": i });
        batch.extend_from_slice(&hearth_protocol::frame::encode(body.to_string().as_bytes()));
    }
    a.send_raw(&batch).await;
    for i in 1..=4u64 {
        let want = Some(RequestId::from(i));
        let reply = a.expect_frame("reply", |e| e.id == want, WAIT).await;
        assert_eq!(reply.kind, "msg");
        if i <= 3 {
            assert!(reply.is_ok(), "message {i} is within the burst: {reply:?}");
            assert_eq!(reply.d()["text"], format!("burst {i}"));
        } else {
            assert!(!reply.is_ok(), "message 4 is over the burst: {reply:?}");
            assert_refusal(&reply, ErrorCode::SlowDown);
            assert!(reply.text().contains("slow down"), "{reply:?}");
        }
    }

    // The connection stays open; once a token is back, messages flow again.
    let started = tokio::time::Instant::now();
    loop {
        let reply = a
            .request("msg", json!({ "to": "public", "text": "after" }))
            .await;
        if reply.is_ok() {
            break;
        }
        assert!(reply.text().contains("slow down"), "{reply:?}");
        assert_refusal(&reply, ErrorCode::SlowDown);
        assert!(started.elapsed() < WAIT, "the budget never refilled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // b got exactly the accepted messages, in order.
    let mut texts = Vec::new();
    while texts.last().map(String::as_str) != Some("after") {
        let m = b.push("msg", common::any).await;
        texts.push(m.d()["text"].as_str().unwrap().to_owned());
    }
    assert_eq!(texts, ["burst 1", "burst 2", "burst 3", "after"]);
    let h = b.ok("history", Value::Null).await;
    assert_eq!(h.d()["messages"].as_array().map(Vec::len), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_flooding_closes_the_connection_after_slow_down_replies() {
    let server = start_server(|c| {
        c.msg_burst = 1;
        c.msg_rate = 1;
    })
    .await;
    let mut a = server.user("flooder").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    let mut batch = Vec::new();
    for i in 0..150 {
        let body = json!({ "type": "msg", "data": { "to": "public", "text": format!("f{i}") } });
        batch.extend_from_slice(&hearth_protocol::frame::encode(body.to_string().as_bytes()));
    }
    a.send_raw(&batch).await;
    a.expect_closed().await;
    let last = a.pending.back().expect("frames before the close");
    assert_eq!(last.kind, "bye", "the last frame says why: {last:?}");
    assert_eq!(last.data.as_ref().unwrap()["reason"], "refused");
    let slow = a
        .pending
        .iter()
        .filter(|e| e.kind == "msg" && !e.is_ok() && e.text().contains("slow down"))
        .count();
    assert!(
        slow >= 1,
        "at least one slow-down reply before the close: {:?}",
        a.pending
    );
    // Every refusal before the close is a slow-down, with its code.
    for refusal in a.pending.iter().filter(|e| !e.is_ok()) {
        assert_refusal(refusal, ErrorCode::SlowDown);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_zero_turns_the_limit_off() {
    let server = start_server(|c| {
        c.msg_burst = 1;
        c.msg_rate = 0;
    })
    .await;
    let mut a = server.user("loadtest").await;
    a.ok("create", json!({ "room": "Den" })).await;
    a.enter("Den").await;
    for i in 0..40 {
        a.send("msg", json!({ "to": "public", "text": format!("n{i}") }))
            .await;
    }
    for i in 0..40 {
        a.push("msg", |d| d["text"] == format!("n{i}")).await;
    }
    a.sync().await;
    assert!(a.pending.iter().all(|e| e.is_ok()), "{:?}", a.pending);
}
