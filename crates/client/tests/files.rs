//! Files end to end, over real TLS against a real server: what one user sends
//! another fetches byte for byte (checked by SHA-256), the same content is
//! kept once, and both directions carry on after the connection drops.

mod common;

use std::sync::{Arc, Mutex};

use common::{quick, start_server, wait_for, within, Relay};
use hearth_client::{
    sha256_hex, CancellationToken, ChatMessage, Client, ClientError, ErrorCode, Event, EventStream,
    Secret, TransferProgress, Trust,
};
use hearth_protocol::files::UPLOAD_CHUNK_BYTES;

async fn user(addr: &str, trust: Trust, name: &str) -> (Client, EventStream) {
    let (c, e) = within("connect", Client::connect_with(addr, trust, quick()))
        .await
        .expect("connects");
    let pw = Secret::new("correct horse");
    c.register(name, &pw, None).await.expect("register");
    c.login_device(name, &pw, &format!("{name}'s test"))
        .await
        .expect("login");
    (c, e)
}

/// Deterministic bytes that do not repeat in short cycles.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

async fn file_message(events: &mut EventStream, name: &str) -> ChatMessage {
    wait_for(events, "the file's message", |e| match e {
        Event::Message(m) if m.file.as_ref().is_some_and(|f| f.name == name) => Some(m.clone()),
        _ => None,
    })
    .await
}

fn no_progress(_: TransferProgress) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_every_edge_size_arrive_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let trust = Trust::Code(server.code());
    let (alice, mut alice_events) = user(&addr, trust.clone(), "alice").await;
    let (bob, mut bob_events) = user(&addr, trust, "bob").await;
    alice.create("games").await.unwrap();
    alice.enter("games").await.unwrap();
    bob.enter("games").await.unwrap();

    let sizes = [
        0,
        1,
        UPLOAD_CHUNK_BYTES,
        UPLOAD_CHUNK_BYTES + 1,
        20 * 1024 * 1024,
    ];
    for (n, size) in sizes.into_iter().enumerate() {
        let data = bytes(size, n as u64);
        let name = format!("file-{size}.bin");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let done = alice
            .send_file(
                "public",
                &name,
                data.clone().into(),
                move |p| log.lock().unwrap().push(p),
                &CancellationToken::new(),
            )
            .await
            .expect("sent");
        assert!(done.complete);
        assert_eq!(done.received, size as u64);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen.last().map(|p| (p.done, p.total)),
            Some((size as u64, size as u64))
        );
        assert!(
            seen.windows(2).all(|w| w[0].done <= w[1].done),
            "progress only grows"
        );

        let own = file_message(&mut alice_events, &name).await;
        let theirs = file_message(&mut bob_events, &name).await;
        assert_eq!(own.id, theirs.id);
        let file = theirs.file.clone().unwrap();
        assert_eq!(
            (file.size, file.sha256.as_str()),
            (size as u64, sha256_hex(&data).as_str())
        );
        assert!(
            theirs.text.starts_with(&format!("[file] {name} (")),
            "{}",
            theirs.text
        );
        assert_eq!(theirs.room.as_deref(), Some("games"));

        let mut got = Vec::new();
        let fetched = bob
            .download_file(
                theirs.id,
                false,
                &mut got,
                no_progress,
                &CancellationToken::new(),
            )
            .await
            .expect("downloaded");
        assert_eq!(fetched, size as u64);
        assert_eq!(sha256_hex(&got), file.sha256, "{size} bytes arrive intact");
    }

    // The same content again is a new message but one copy on disk.
    let data = bytes(100_000, 99);
    for name in ["a.bin", "b.bin"] {
        alice
            .send_file(
                "public",
                name,
                data.clone().into(),
                no_progress,
                &CancellationToken::new(),
            )
            .await
            .unwrap();
        file_message(&mut bob_events, name).await;
    }
    let blobs = std::fs::read_dir(dir.path().join("data/files/blobs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| *n == sha256_hex(&data))
        .count();
    assert_eq!(blobs, 1, "the same content is kept once");

    // History carries the file too.
    let page = bob
        .history(hearth_client::History {
            room: Some("games".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let files: Vec<_> = page
        .messages
        .iter()
        .filter_map(|m| m.file.as_ref().map(|f| f.name.clone()))
        .collect();
    assert!(files.contains(&"file-1.bin".to_owned()) && files.contains(&"b.bin".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_downloads_resume_after_the_connection_drops() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let relay = Relay::start(server.addr).await;
    let trust = Trust::Code(server.code());
    let (alice, _alice_events) = user(&relay.addr.to_string(), trust.clone(), "alice").await;
    let (bob, mut bob_events) = user(&server.addr_text(), trust, "bob").await;
    alice.create("games").await.unwrap();
    alice.enter("games").await.unwrap();
    bob.enter("games").await.unwrap();

    // Cut alice's connection once a third of the file is confirmed.
    let data = bytes(12 * 1024 * 1024, 7);
    let total = data.len() as u64;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let relay = Arc::new(relay);
    let (relay_in, cut_in) = (Arc::clone(&relay), Arc::clone(&cut));
    let progress = move |p: TransferProgress| {
        log.lock().unwrap().push(p.done);
        if p.done > total / 3 && !cut_in.swap(true, std::sync::atomic::Ordering::SeqCst) {
            relay_in.cut();
        }
    };
    let done = within(
        "the upload survives the drop",
        alice.send_file(
            "public",
            "big.bin",
            data.clone().into(),
            progress,
            &CancellationToken::new(),
        ),
    )
    .await
    .expect("sent despite the drop");
    assert!(done.complete);
    assert!(
        cut.load(std::sync::atomic::Ordering::SeqCst),
        "the connection was cut"
    );
    let seen = seen.lock().unwrap().clone();
    // After the cut it carried on from what the host had, not from zero.
    let after_cut = seen
        .iter()
        .skip_while(|d| **d <= total / 3)
        .copied()
        .collect::<Vec<_>>();
    assert!(
        after_cut.iter().all(|d| *d > total / 4),
        "resumed, not restarted: {after_cut:?}"
    );
    let m = file_message(&mut bob_events, "big.bin").await;
    assert_eq!(m.file.unwrap().sha256, sha256_hex(&data));

    // Alice downloads it back through the relay, which is cut again midway.
    let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (relay_in, cut_in) = (Arc::clone(&relay), Arc::clone(&cut));
    let progress = move |p: TransferProgress| {
        if p.done > total / 2 && !cut_in.swap(true, std::sync::atomic::Ordering::SeqCst) {
            relay_in.cut();
        }
    };
    let mut got = Vec::new();
    within(
        "the download survives the drop",
        alice.download_file(m.id, false, &mut got, progress, &CancellationToken::new()),
    )
    .await
    .expect("downloaded despite the drop");
    assert!(cut.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(sha256_hex(&got), sha256_hex(&data));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let trust = Trust::Code(server.code());
    let (alice, _events) = user(&server.addr_text(), trust, "alice").await;
    alice.create("games").await.unwrap();
    alice.enter("games").await.unwrap();
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let progress = move |p: TransferProgress| {
        if p.done > 0 {
            stop.cancel();
        }
    };
    let err = alice
        .send_file(
            "public",
            "big.bin",
            bytes(8 << 20, 3).into(),
            progress,
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Cancelled), "{err}");
    // The host dropped the partial file.
    let partial = dir.path().join("data/files/partial");
    let left = wait_until_empty(&partial).await;
    assert_eq!(left, 0, "partial uploads left behind");
    // A file over the host's cap is refused before any byte.
    let err = alice
        .send_file(
            "public",
            "huge.bin",
            vec![0; 101 << 20].into(),
            no_progress,
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::FileTooBig));
}

async fn wait_until_empty(dir: &std::path::Path) -> usize {
    for _ in 0..100 {
        let n = std::fs::read_dir(dir).unwrap().count();
        if n == 0 {
            return 0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    std::fs::read_dir(dir).unwrap().count()
}
