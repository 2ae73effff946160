//! What an acknowledged message means (ARCHITECTURE.md, "Durability"): once a
//! sender has its own copy of a message back, the message is committed. Here
//! the server process is killed with SIGKILL in the middle of a pipelined burst
//! from several senders, started again on the same data directory, and every
//! acknowledged message must be in the history exactly once, with the id it
//! was acknowledged with, in the order it was sent.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{EnvelopeExt, Recv, ServerProcess, TestClient, WAIT};
use hearth_protocol::RequestId;
use serde_json::json;

/// Requests each sender has in flight at once.
const WINDOW: u64 = 16;
/// Senders in the burst.
const SENDERS: usize = 3;
/// Acknowledgements to wait for before the kill.
const KILL_AFTER: usize = 600;

/// An acknowledged message: its id and text.
type Ack = (i64, String);

/// Sends `who-0`, `who-1`, … in windows of [`WINDOW`] until the connection
/// dies; every own copy that comes back is recorded in `acked`.
async fn burst(
    mut c: TestClient,
    who: String,
    acked: Arc<Mutex<Vec<Ack>>>,
    count: Arc<AtomicUsize>,
) {
    let mut next = 0u64;
    loop {
        let last = next + WINDOW - 1;
        for n in next..=last {
            let text = format!("{who}-{n}");
            if !c
                .try_send_with_id("msg", json!({ "to": "public", "text": text }), json!(n))
                .await
            {
                return;
            }
        }
        next = last + 1;
        loop {
            match c.recv_within(WAIT).await {
                Recv::Frame(env) if env.kind == "msg" && env.id.is_some() => {
                    let Some(RequestId::Num(n)) = &env.id else {
                        panic!("{who}: an id that is not a number: {env:?}")
                    };
                    let n = n.as_u64().expect("the id sent");
                    let data = env.d();
                    assert_eq!(
                        data["text"],
                        format!("{who}-{n}"),
                        "own copy of request {n}"
                    );
                    let id = data["id"].as_i64().expect("message id");
                    acked.lock().unwrap().push((id, format!("{who}-{n}")));
                    count.fetch_add(1, Ordering::Relaxed);
                    if n == last {
                        break;
                    }
                }
                Recv::Frame(env) if !env.is_ok() => panic!("{who}: refused: {env:?}"),
                Recv::Frame(_) => {}
                Recv::Closed => return,
                Recv::Timeout => panic!("{who}: no acknowledgement within {WAIT:?}"),
            }
        }
    }
}

/// Every message of room `room`, oldest first, read page by page.
async fn whole_history(c: &mut TestClient, room: &str) -> Vec<(i64, String)> {
    let mut all = Vec::new();
    let mut after = 0i64;
    loop {
        let page = c
            .ok(
                "history",
                json!({ "room": room, "after_id": after, "limit": 200 }),
            )
            .await;
        let messages = page.d()["messages"].as_array().unwrap().clone();
        if messages.is_empty() {
            return all;
        }
        for m in &messages {
            all.push((
                m["id"].as_i64().unwrap(),
                m["text"].as_str().unwrap().to_owned(),
            ));
        }
        after = all.last().unwrap().0;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_a_sigkill_exactly_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(dir.path());

    let mut senders = Vec::new();
    for i in 0..SENDERS {
        let mut c = server.connect().await;
        c.register_and_login(&format!("sender{i}")).await;
        if i == 0 {
            c.ok("create", json!({ "room": "burst" })).await;
        }
        c.enter("burst").await;
        c.clear();
        senders.push(c);
    }

    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, c)| tokio::spawn(burst(c, format!("s{i}"), acked.clone(), count.clone())))
        .collect();
    tokio::time::timeout(4 * WAIT, async {
        while count.load(Ordering::Relaxed) < KILL_AFTER {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("the burst got going");
    server.kill();
    for t in tasks {
        tokio::time::timeout(WAIT, t)
            .await
            .expect("senders notice the kill")
            .expect("sender task");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER);

    // Back on the same data directory.
    let server = ServerProcess::spawn(dir.path());
    let mut reader = server.connect().await;
    reader.register_and_login("reader").await;
    let history = whole_history(&mut reader, "burst").await;

    // Exactly once: no text twice, ids strictly rising.
    let mut seen = HashSet::new();
    for (_, text) in &history {
        assert!(seen.insert(text.clone()), "{text} is stored twice");
    }
    assert!(history.windows(2).all(|w| w[0].0 < w[1].0), "ids rise");
    // Every acknowledged message, with the id it was acknowledged with.
    let stored: HashMap<i64, &String> = history.iter().map(|(id, t)| (*id, t)).collect();
    for (id, text) in &acked {
        assert_eq!(
            stored.get(id),
            Some(&text),
            "acknowledged message {id} ({text})"
        );
    }
    // In the order each sender sent them, with no hole before an acknowledged one.
    for s in 0..SENDERS {
        let prefix = format!("s{s}-");
        let numbers: Vec<u64> = history
            .iter()
            .filter_map(|(_, t)| t.strip_prefix(&prefix)?.parse().ok())
            .collect();
        let expected: Vec<u64> = (0..numbers.len() as u64).collect();
        assert_eq!(
            numbers, expected,
            "sender {s}'s messages, in order, without a hole"
        );
    }
    eprintln!(
        "{} acknowledged, {} stored ({} stored but not yet acknowledged at the kill)",
        acked.len(),
        history.len(),
        history.len() - acked.len()
    );
}
