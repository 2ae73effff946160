//! File requests over real TLS, frame by frame: refusals before any byte
//! (cap, quota, hourly budget), chunks that do not continue their upload,
//! private files kept from third users, the hash check, eviction past the
//! quota, thumbnails, and a SIGKILL mid-upload leaving nothing visible.

mod common;

use common::{start_server, within, ErrorCode, ServerProcess, TestClient};
use hearth_protocol::files::{Base64, UPLOAD_CHUNK_BYTES};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64(bytes: &[u8]) -> Value {
    serde_json::to_value(Base64(bytes.to_vec())).unwrap()
}

fn announce(name: &str, bytes: &[u8]) -> Value {
    json!({"to": "public", "name": name, "size": bytes.len(), "sha256": sha(bytes)})
}

/// Uploads `bytes` in order and returns the last reply's data.
async fn upload(c: &mut TestClient, name: &str, bytes: &[u8]) -> Value {
    let start = c.ok("upload", announce(name, bytes)).await;
    let data = start.data.clone().unwrap();
    let id = data["upload"].as_str().unwrap().to_owned();
    let mut last = data;
    let mut offset = last["received"].as_u64().unwrap() as usize;
    while offset < bytes.len() {
        let end = (offset + UPLOAD_CHUNK_BYTES).min(bytes.len());
        let reply = c
            .ok(
                "upload_chunk",
                json!({"upload": id, "offset": offset, "data": b64(&bytes[offset..end])}),
            )
            .await;
        last = reply.data.unwrap();
        offset = end;
    }
    assert_eq!(last["complete"], true, "{last}");
    last
}

/// Waits for the `msg` push of file `name` and returns its data.
async fn file_push(c: &mut TestClient, name: &str) -> Value {
    let name = name.to_owned();
    c.push("msg", move |d| d["file"]["name"] == name.as_str())
        .await
        .data
        .unwrap()
}

async fn fetch(c: &mut TestClient, id: i64, thumbnail: bool) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let reply = c
            .ok(
                "download",
                json!({"id": id, "offset": out.len(), "thumbnail": thumbnail}),
            )
            .await;
        let chunk: hearth_protocol::requests::FileChunk =
            serde_json::from_value(reply.data.unwrap()).unwrap();
        out.extend_from_slice(&chunk.data.0);
        if out.len() as u64 >= chunk.size {
            return out;
        }
    }
}

async fn in_room(server: &common::TestServer, name: &str, room: &str) -> TestClient {
    let mut c = server.user(name).await;
    let _ = c.request("create", json!({"room": room})).await;
    c.enter(room).await;
    c
}

#[tokio::test]
async fn limits_refuse_before_any_byte_is_sent() {
    let server = start_server(|c| {
        c.max_file_bytes = 1000;
        c.files_quota_bytes = 5000;
        c.upload_bytes_per_hour = 1500;
    })
    .await;
    let mut alice = in_room(&server, "alice", "games").await;
    let big = json!({"to": "public", "name": "big.bin", "size": 1001, "sha256": sha(b"x")});
    let message = alice.err("upload", big, ErrorCode::FileTooBig).await;
    assert!(message.contains("big.bin"), "{message}");
    // Bad names and hashes are input errors.
    let bad = json!({"to": "public", "name": "../", "size": 1, "sha256": sha(b"x")});
    alice.err("upload", bad, ErrorCode::InvalidInput).await;
    let bad = json!({"to": "public", "name": "a", "size": 1, "sha256": "ABC"});
    alice.err("upload", bad, ErrorCode::InvalidInput).await;
    // From the lobby there is no room to send to; to a stranger no private chat.
    alice.ok("exit", json!(null)).await;
    alice
        .err("upload", announce("a.bin", b"abc"), ErrorCode::WrongState)
        .await;
    let dm = json!({"to": "bob", "name": "a.bin", "size": 3, "sha256": sha(b"abc")});
    alice.err("upload", dm, ErrorCode::NotLinked).await;
    alice.enter("games").await;
    // The hourly budget: 1000 + 600 > 1500.
    upload(&mut alice, "one.bin", &[1; 1000]).await;
    let message = alice
        .err(
            "upload",
            announce("two.bin", &[2; 600]),
            ErrorCode::UploadLimit,
        )
        .await;
    assert!(message.contains("min"), "{message}");
}

#[tokio::test]
async fn chunks_that_do_not_continue_their_upload_are_refused() {
    let server = start_server(|_| {}).await;
    let mut alice = in_room(&server, "alice", "games").await;
    let mut mallory = in_room(&server, "mallory", "games").await;
    let bytes = vec![7u8; 3 * UPLOAD_CHUNK_BYTES];
    let start = alice
        .ok("upload", announce("a.bin", &bytes))
        .await
        .data
        .unwrap();
    let id = start["upload"].as_str().unwrap().to_owned();
    let chunk = |offset: usize, len: usize| json!({"upload": id, "offset": offset, "data": b64(&bytes[offset..offset + len])});
    // Out of order.
    alice
        .err(
            "upload_chunk",
            chunk(UPLOAD_CHUNK_BYTES, 10),
            ErrorCode::BadChunk,
        )
        .await;
    alice.ok("upload_chunk", chunk(0, 100)).await;
    // Replayed, or someone else's upload id, or an invented one.
    alice
        .err("upload_chunk", chunk(0, 100), ErrorCode::BadChunk)
        .await;
    mallory
        .err("upload_chunk", chunk(100, 10), ErrorCode::FileGone)
        .await;
    let forged = json!({"upload": "00".repeat(16), "offset": 0, "data": b64(b"x")});
    alice.err("upload_chunk", forged, ErrorCode::FileGone).await;
    // Too big for one chunk, empty, past the end, not base64.
    let too_big =
        json!({"upload": id, "offset": 100, "data": b64(&vec![0; UPLOAD_CHUNK_BYTES + 1])});
    alice
        .err("upload_chunk", too_big, ErrorCode::BadChunk)
        .await;
    let empty = json!({"upload": id, "offset": 100, "data": ""});
    alice.err("upload_chunk", empty, ErrorCode::BadChunk).await;
    let past = json!({"upload": id, "offset": 100, "data": b64(&vec![0; UPLOAD_CHUNK_BYTES])});
    alice.ok("upload_chunk", past.clone()).await;
    let next = json!({"upload": id, "offset": 100 + UPLOAD_CHUNK_BYTES, "data": b64(&vec![0; UPLOAD_CHUNK_BYTES])});
    alice.ok("upload_chunk", next).await;
    // 100 bytes and three chunks would end past the announced three chunks.
    let past_end = json!({"upload": id, "offset": 100 + 2 * UPLOAD_CHUNK_BYTES, "data": b64(&vec![0; UPLOAD_CHUNK_BYTES])});
    alice
        .err("upload_chunk", past_end, ErrorCode::BadChunk)
        .await;
    let not_b64 = json!({"upload": id, "offset": 0, "data": "%%%"});
    alice
        .err("upload_chunk", not_b64, ErrorCode::BadRequest)
        .await;
    // Mallory cannot cancel it either; alice can, and then it is gone.
    mallory
        .err("upload_cancel", json!({"upload": id}), ErrorCode::FileGone)
        .await;
    alice.ok("upload_cancel", json!({"upload": id})).await;
    alice
        .err("upload_chunk", chunk(0, 10), ErrorCode::FileGone)
        .await;
    alice.ok("ping", json!(null)).await;
}

#[tokio::test]
async fn bytes_that_do_not_match_the_hash_never_become_a_message() {
    let server = start_server(|_| {}).await;
    let mut alice = in_room(&server, "alice", "games").await;
    let mut bob = in_room(&server, "bob", "games").await;
    let claimed = json!({"to": "public", "name": "x.bin", "size": 4, "sha256": sha(b"good")});
    let id = alice.ok("upload", claimed).await.data.unwrap()["upload"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .err(
            "upload_chunk",
            json!({"upload": id, "offset": 0, "data": b64(b"evil")}),
            ErrorCode::HashMismatch,
        )
        .await;
    bob.sync().await;
    assert!(
        bob.pending_of("msg", |_| true).is_empty(),
        "nothing was offered"
    );
    // The good bytes go through.
    upload(&mut alice, "x.bin", b"good").await;
    file_push(&mut bob, "x.bin").await;
}

#[tokio::test]
async fn a_private_file_reaches_only_the_two_partners() {
    let server = start_server(|_| {}).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut eve = server.user("eve").await;
    alice.ok("private_request", json!({"to": "bob"})).await;
    bob.ok("private_accept", json!({"from": "alice"})).await;
    let bytes = b"our save game".to_vec();
    let dm = json!({"to": "bob", "name": "save.sav", "size": bytes.len(), "sha256": sha(&bytes)});
    let id = alice.ok("upload", dm).await.data.unwrap()["upload"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .ok(
            "upload_chunk",
            json!({"upload": id, "offset": 0, "data": b64(&bytes)}),
        )
        .await;
    let push = file_push(&mut bob, "save.sav").await;
    assert_eq!(push["private"], true);
    let msg_id = push["id"].as_i64().unwrap();
    assert_eq!(fetch(&mut bob, msg_id, false).await, bytes);
    assert_eq!(fetch(&mut alice, msg_id, false).await, bytes);
    let refusal = eve
        .err("download", json!({"id": msg_id}), ErrorCode::NotFound)
        .await;
    // Eve learns nothing beyond "no such file": the same answer as for an id that does not exist.
    let none = eve
        .err(
            "download",
            json!({"id": msg_id + 1000}),
            ErrorCode::NotFound,
        )
        .await;
    assert_eq!(
        refusal.replace(&msg_id.to_string(), "N"),
        none.replace(&(msg_id + 1000).to_string(), "N")
    );
    // A plain text message has no file.
    let text = alice.ok("msg", json!({"to": "bob", "text": "hi"})).await;
    let text_id = text.data.unwrap()["id"].as_i64().unwrap();
    alice
        .err("download", json!({"id": text_id}), ErrorCode::NotFound)
        .await;
}

#[tokio::test]
async fn past_the_quota_the_oldest_file_is_evicted_and_shows_as_expired() {
    let server = start_server(|c| c.files_quota_bytes = 250_000).await;
    let mut alice = in_room(&server, "alice", "games").await;
    let old = vec![1u8; 150_000];
    let new = vec![2u8; 150_000];
    upload(&mut alice, "old.bin", &old).await;
    let old_id = file_push(&mut alice, "old.bin").await["id"]
        .as_i64()
        .unwrap();
    upload(&mut alice, "new.bin", &new).await;
    let new_id = file_push(&mut alice, "new.bin").await["id"]
        .as_i64()
        .unwrap();
    alice
        .err("download", json!({"id": old_id}), ErrorCode::FileGone)
        .await;
    assert_eq!(fetch(&mut alice, new_id, false).await, new);
    let page = alice
        .ok("history", json!({"room": "games"}))
        .await
        .data
        .unwrap();
    let files: Vec<(String, bool)> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["file"]["name"].as_str().unwrap().to_owned(),
                m["file"]["expired"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(files, [("old.bin".into(), true), ("new.bin".into(), false)]);
    let blobs = std::fs::read_dir(server.temp_dir().path().join("data/files/blobs"))
        .unwrap()
        .count();
    assert_eq!(blobs, 1, "the evicted bytes are deleted from disk");
}

#[tokio::test]
async fn an_image_gets_a_thumbnail_and_svg_does_not() {
    let server = start_server(|_| {}).await;
    let mut alice = in_room(&server, "alice", "games").await;
    let mut png = Vec::new();
    image_png(800, 600, &mut png);
    // The name says .txt: the type comes from the content.
    upload(&mut alice, "screenshot.txt", &png).await;
    let push = file_push(&mut alice, "screenshot.txt").await;
    assert_eq!(push["file"]["mime"], "image/png");
    assert_eq!(push["file"]["image"], json!({"width": 800, "height": 600}));
    let id = push["id"].as_i64().unwrap();
    let thumb = fetch(&mut alice, id, true).await;
    assert_eq!(&thumb[1..4], b"PNG");
    assert!(thumb.len() < png.len());

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    upload(&mut alice, "logo.png", svg).await;
    let push = file_push(&mut alice, "logo.png").await;
    assert_ne!(push["file"]["mime"], "image/png");
    assert!(push["file"].get("image").is_none());
    let id = push["id"].as_i64().unwrap();
    alice
        .err(
            "download",
            json!({"id": id, "thumbnail": true}),
            ErrorCode::NotFound,
        )
        .await;
}

/// A PNG of `width` x `height` made by hand (stored, uncompressed deflate), so
/// the test needs no image library.
fn image_png(width: u32, height: u32, out: &mut Vec<u8>) {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 99]);
        }
    }
    // zlib stream of stored blocks.
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        z.push(u8::from(last));
        z.extend_from_slice(&(block.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(out, b"IHDR", &ihdr);
    chunk(out, b"IDAT", &z);
    chunk(out, b"IEND", &[]);
}

#[tokio::test]
async fn a_kill_during_an_upload_leaves_no_partial_file_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let server = ServerProcess::spawn(&data_dir);
    let mut alice = server.connect().await;
    alice.register_and_login("alice").await;
    alice.ok("create", json!({"room": "games"})).await;
    alice.enter("games").await;
    let bytes = vec![5u8; 10 * UPLOAD_CHUNK_BYTES];
    let id = alice
        .ok("upload", announce("half.bin", &bytes))
        .await
        .data
        .unwrap()["upload"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 0..5 {
        let offset = n * UPLOAD_CHUNK_BYTES;
        alice
            .ok(
                "upload_chunk",
                json!({"upload": id, "offset": offset, "data": b64(&bytes[offset..offset + UPLOAD_CHUNK_BYTES])}),
            )
            .await;
    }
    assert_eq!(
        std::fs::read_dir(data_dir.join("files/partial"))
            .unwrap()
            .count(),
        1
    );
    server.kill();

    let server = ServerProcess::spawn(&data_dir);
    assert_eq!(
        std::fs::read_dir(data_dir.join("files/partial"))
            .unwrap()
            .count(),
        0,
        "the half upload is gone"
    );
    let mut alice = server.connect().await;
    alice.login("alice", common::PASSWORD).await;
    alice.enter("games").await;
    let page = alice
        .ok("history", json!({"room": "games"}))
        .await
        .data
        .unwrap();
    assert!(page["messages"].as_array().unwrap().is_empty(), "{page}");
    // The old upload id means nothing now; the same file can be sent again.
    alice
        .err(
            "upload_chunk",
            json!({"upload": id, "offset": 0, "data": b64(&bytes[..10])}),
            ErrorCode::FileGone,
        )
        .await;
    within("upload again", upload(&mut alice, "half.bin", &bytes)).await;
    alice.ok("ping", json!(null)).await;
}

#[tokio::test]
async fn deleting_a_file_message_deletes_the_file_unless_another_message_has_it() {
    let server = start_server(|_| {}).await;
    let mut alice = in_room(&server, "alice", "games").await;
    let bytes = vec![7u8; 70_000];
    upload(&mut alice, "mod.zip", &bytes).await;
    let first = file_push(&mut alice, "mod.zip").await["id"]
        .as_i64()
        .unwrap();
    // The same content again: stored once, two messages.
    upload(&mut alice, "mod-again.zip", &bytes).await;
    let second = file_push(&mut alice, "mod-again.zip").await["id"]
        .as_i64()
        .unwrap();
    let blobs = || {
        std::fs::read_dir(server.temp_dir().path().join("data/files/blobs"))
            .unwrap()
            .count()
    };
    assert_eq!(blobs(), 1);
    alice.ok("delete", json!({"id": first})).await;
    alice
        .err("download", json!({"id": first}), ErrorCode::NotFound)
        .await;
    assert_eq!(fetch(&mut alice, second, false).await, bytes, "still kept");
    assert_eq!(blobs(), 1);
    alice.ok("delete", json!({"id": second})).await;
    assert_eq!(
        blobs(),
        0,
        "the last message with it gone, the bytes are deleted"
    );
    let page = alice
        .ok("history", json!({"room": "games"}))
        .await
        .data
        .unwrap();
    for m in page["messages"].as_array().unwrap() {
        assert_eq!(m["deleted"], true, "{m}");
        assert!(
            m.get("file").is_none(),
            "a deleted message has no file: {m}"
        );
    }
}

/// PROTOCOL.md: the last chunk is answered `complete: true`, and only then
/// is the file's message pushed. The push comes from the message pipeline,
/// so it could once overtake the answer; many small uploads give it chances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_chunk_is_answered_before_the_file_message_is_pushed() {
    let server = start_server(|c| c.msg_rate = 0).await;
    let mut alice = in_room(&server, "alice", "order").await;
    for i in 0..200u32 {
        let bytes = i.to_be_bytes();
        let name = format!("f{i}.bin");
        let start = alice.ok("upload", announce(&name, &bytes)).await;
        let id = start.data.unwrap()["upload"].as_str().unwrap().to_owned();
        alice
            .send(
                "upload_chunk",
                json!({"upload": id, "offset": 0, "data": b64(&bytes)}),
            )
            .await;
        let first = loop {
            let frame = alice.next().await;
            if frame.kind == "upload_chunk" || frame.kind == "msg" {
                break frame;
            }
        };
        assert_eq!(first.kind, "upload_chunk", "upload {i}: {first:?}");
        assert_eq!(first.data.unwrap()["complete"], true);
        file_push(&mut alice, &name).await;
    }
}

/// Chunks that arrive together, the refused ones among them and a request
/// between them, each get exactly one answer, in the order sent, and the
/// file's message comes after the last chunk's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_sent_in_one_write_are_answered_one_by_one_in_order() {
    let server = start_server(|c| c.msg_rate = 0).await;
    let mut alice = in_room(&server, "alice", "batch").await;
    let bytes: Vec<u8> = (0..6 * UPLOAD_CHUNK_BYTES + 100)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let start = alice.ok("upload", announce("b.bin", &bytes)).await;
    let id = start.data.unwrap()["upload"].as_str().unwrap().to_owned();
    let chunk = |n: usize| {
        let offset = n * UPLOAD_CHUNK_BYTES;
        let end = (offset + UPLOAD_CHUNK_BYTES).min(bytes.len());
        json!({"upload": id, "offset": offset, "data": b64(&bytes[offset..end])})
    };
    // (request, what its answer must be)
    let script: Vec<(&str, Value, Result<(), ErrorCode>)> = vec![
        ("upload_chunk", chunk(0), Ok(())),
        ("upload_chunk", chunk(1), Ok(())),
        ("upload_chunk", chunk(1), Err(ErrorCode::BadChunk)),
        (
            "upload_chunk",
            json!({"upload": id, "offset": 2 * UPLOAD_CHUNK_BYTES, "data": ""}),
            Err(ErrorCode::BadChunk),
        ),
        ("upload_chunk", chunk(2), Ok(())),
        (
            "upload_chunk",
            json!({"upload": id, "offset": 3 * UPLOAD_CHUNK_BYTES, "data": "%%"}),
            Err(ErrorCode::BadRequest),
        ),
        ("upload_chunk", chunk(3), Ok(())),
        ("ping", json!(null), Ok(())),
        ("upload_chunk", chunk(4), Ok(())),
        ("upload_chunk", chunk(5), Ok(())),
        ("upload_chunk", chunk(6), Ok(())),
        ("ping", json!(null), Ok(())),
    ];
    let mut all = Vec::new();
    for (n, (kind, data, _)) in script.iter().enumerate() {
        let body = json!({"type": kind, "data": data, "id": n});
        all.extend(hearth_protocol::frame::encode(body.to_string().as_bytes()));
    }
    alice.send_raw(&all).await;
    let mut answered = 0;
    let mut file_message = None;
    while answered < script.len() || file_message.is_none() {
        let frame = alice.next().await;
        let Some(id) = frame.id.clone() else {
            let data = frame.data.unwrap_or_default();
            if frame.kind == "msg" && data["file"]["name"] == "b.bin" {
                // After the last chunk's answer (the ping behind it may
                // overtake it: the message goes through the pipeline).
                assert!(answered >= 11, "the file's message came first");
                file_message = data["id"].as_i64();
            }
            continue;
        };
        assert_eq!(
            id,
            (answered as u64).into(),
            "answers come in order, one each: {frame:?}"
        );
        let (kind, _, expected) = &script[answered];
        let kind = if *kind == "ping" { "pong" } else { kind };
        assert_eq!(frame.kind, kind, "{frame:?}");
        match expected {
            Ok(()) => assert!(frame.is_ok(), "request {answered}: {frame:?}"),
            Err(code) => assert_eq!(frame.code, Some(*code), "request {answered}: {frame:?}"),
        }
        if answered == 10 {
            assert_eq!(frame.data.unwrap()["complete"], true);
        }
        answered += 1;
    }
    let message = file_message.unwrap();
    assert_eq!(fetch(&mut alice, message, false).await, bytes);
}
