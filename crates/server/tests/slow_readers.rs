//! A client that stops reading costs the server a bounded amount of memory:
//! pushes to it are capped in bytes (past the cap it is cut off), and its own
//! requests are not read while a reply's worth of data waits for it.

mod common;

use std::time::Duration;

use common::{start_server, ServerProcess, TestClient, WAIT};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_past_the_byte_cap_cut_a_silent_reader_off() {
    let server = start_server(|c| {
        c.queue_bytes = 2 * 1024 * 1024;
        c.msg_rate = 0;
    })
    .await;
    let mut talker = server.user("talker").await;
    let mut silent = server.user("silent").await;
    talker.ok("create", json!({ "room": "den" })).await;
    talker.enter("den").await;
    silent.enter("den").await;
    server.wait_connections(2).await;

    // `silent` never reads again. Each message is about 4 KB; well before 20 MB
    // have been sent, its queue (2 MiB plus what the kernel buffers) is full.
    let text = "x".repeat(4000);
    let mut cut_off = false;
    for _ in 0..5000 {
        talker
            .send("msg", json!({ "to": "public", "text": text }))
            .await;
        if talker
            .pending_of("event", |d| {
                d["kind"] == "disconnected" && d["user"] == "silent"
            })
            .len()
            == 1
        {
            cut_off = true;
            break;
        }
        // Read what is waiting without blocking long, so the talker itself keeps up.
        while let common::Recv::Frame(env) = talker.recv_within(Duration::from_millis(1)).await {
            talker.pending.push_back(env);
        }
        talker.pending.retain(|e| e.kind != "msg");
    }
    if !cut_off {
        talker
            .push("event", |d| {
                d["kind"] == "disconnected" && d["user"] == "silent"
            })
            .await;
    }
    server.wait_connections(1).await;
    drop(silent);
    // The server and the talker carry on.
    talker.sync().await;
}

/// The attack from the adversarial run: a logged-in client that stops reading
/// and sends 400 `history` requests for large pages. Without the read-side wait
/// the server queued every page (~280 MiB in 16 s); now it stops reading the
/// client after one page's worth and its memory stays put.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_requests_from_a_client_that_does_not_read_do_not_grow_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(dir.path());
    let (pid, addr, key) = (server.pid(), server.addr, server.key);
    let result = tokio::time::timeout(4 * WAIT, async {
        // A room whose history pages are large: 200 messages of 4000 characters.
        let mut writer = TestClient::connect(addr, key).await;
        writer.register_and_login("writer").await;
        writer.ok("create", json!({ "room": "big" })).await;
        writer.enter("big").await;
        let text = "y".repeat(4000);
        for _ in 0..200 {
            writer.say(&text).await;
        }
        writer.clear();
        let before = rss_kib(pid);

        let mut attacker = TestClient::connect(addr, key).await;
        attacker.register_and_login("attacker").await;
        let request = json!({ "type": "history", "data": { "room": "big", "limit": 200 } });
        let frame = hearth_protocol::frame::encode(request.to_string().as_bytes());
        let mut burst = Vec::new();
        for _ in 0..400 {
            burst.extend_from_slice(&frame);
        }
        // Written from another task: once the server stops reading, this blocks.
        let writing = tokio::spawn(async move {
            attacker.send_raw(&burst).await;
            attacker
        });
        let mut peak = before;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            peak = peak.max(rss_kib(pid));
        }
        writing.abort();
        // Someone else is still served at once.
        writer.sync().await;
        (before, peak)
    })
    .await;
    server.kill();
    let (before, peak) = result.expect("the attack finished in time");
    let grew_mib = peak.saturating_sub(before) / 1024;
    // Measured here: about 4 MiB with the limits, 48 MiB in the same 5 s without
    // them (and still growing).
    assert!(
        grew_mib < 24,
        "the server grew by {grew_mib} MiB under the attack ({before} KiB → {peak} KiB)"
    );
}

/// The resident set size of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}
