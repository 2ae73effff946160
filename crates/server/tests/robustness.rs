//! Bad input, oversize and garbage frames, deadlines, a crowd of 50 clients,
//! and graceful shutdown.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, TestClient, WAIT};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one raw frame body and returns the error reply it must get, which
/// must carry `code`.
async fn error_for(c: &mut TestClient, body: &[u8], code: ErrorCode) -> (String, String) {
    c.send_body(body).await;
    let reply = c.next_error(code).await;
    assert!(
        !reply.is_ok(),
        "{} should be refused: {reply:?}",
        String::from_utf8_lossy(body)
    );
    assert!(reply.data.is_none(), "{reply:?}");
    (reply.kind.clone(), reply.text().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_error_replies_and_the_connection_stays_usable() {
    let server = start_server(|_| {}).await;
    let mut bystander = server.user("calm").await;
    let mut c = server.connect().await;

    let cases: &[(&[u8], &str, &str, ErrorCode)] = &[
        (
            br#"{"type":"dance","data":null}"#,
            "dance",
            "unknown request type 'dance'",
            ErrorCode::UnknownType,
        ),
        (
            br#"{"type":"dance"}"#,
            "dance",
            "unknown request type",
            ErrorCode::UnknownType,
        ),
        (
            b"{nope",
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            b"[1,2,3]",
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (b"null", "error", "malformed request", ErrorCode::BadRequest),
        // An array is no envelope, even one serde could read field by field
        // (found by the `connection` fuzz target).
        (
            br#"["ping"]"#,
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            br#"["msg",{"to":"public","text":"hi"}]"#,
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            b"\"ping\"",
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"data":{}}"#,
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":5}"#,
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"ping","id":{"x":1}}"#,
            "error",
            "malformed request",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"login","data":null}"#,
            "login",
            "'login' needs a data object",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"login"}"#,
            "login",
            "'login' needs a data object",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"login","data":{"username":"x"}}"#,
            "login",
            "bad data for 'login'",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"register","data":{"username":7,"password":"abcd"}}"#,
            "register",
            "bad data",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"enter","data":{"room":5}}"#,
            "enter",
            "bad data for 'enter'",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"msg","data":{"text":"no to"}}"#,
            "msg",
            "bad data for 'msg'",
            ErrorCode::BadRequest,
        ),
        (
            br#"{"type":"login","data":[1]}"#,
            "login",
            "bad data",
            ErrorCode::BadRequest,
        ),
    ];
    for (body, kind, text, code) in cases {
        let (got_kind, got_text) = error_for(&mut c, body, *code).await;
        assert_eq!(&got_kind, kind, "{}", String::from_utf8_lossy(body));
        assert!(
            got_text.contains(text),
            "{}: {got_text}",
            String::from_utf8_lossy(body)
        );
    }
    // The id of a request with bad data is echoed.
    c.send_body(br#"{"type":"enter","data":{},"id":"e1"}"#)
        .await;
    let reply = c.next_error(ErrorCode::BadRequest).await;
    assert_eq!(serde_json::to_value(&reply.id).unwrap(), json!("e1"));

    // Still usable: the same connection registers, logs in and chats.
    c.register_and_login("sturdy").await;
    for (body, _, _, code) in cases {
        error_for(&mut c, body, *code).await;
    }
    c.ok("create", json!({ "room": "Den" })).await;
    c.enter("Den").await;
    c.say("unshaken").await;
    bystander.sync().await;
    assert!(bystander.pending_of("error", common::any).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bytes_and_zero_length_frames_get_an_error_reply() {
    let server = start_server(|_| {}).await;
    let mut c = server.user("garb").await;

    let (kind, text) = error_for(&mut c, b"", ErrorCode::BadRequest).await;
    assert_eq!(kind, "error");
    assert!(text.contains("malformed"), "{text}");
    let (kind, _) = error_for(
        &mut c,
        &[0xff, 0xfe, 0x00, 0x80, 0x01],
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!(kind, "error");
    let (kind, _) = error_for(&mut c, &[0u8; 100], ErrorCode::BadRequest).await;
    assert_eq!(kind, "error");
    // Invalid UTF-8 inside a string.
    let (kind, _) = error_for(&mut c, b"{\"type\":\"p\xffing\"}", ErrorCode::BadRequest).await;
    assert_eq!(kind, "error");

    // Several frames in one write, garbage among them.
    let mut batch = Vec::new();
    for body in [
        &b"%%%"[..],
        br#"{"type":"ping","id":1}"#,
        b"",
        br#"{"type":"ping","id":2}"#,
    ] {
        batch.extend_from_slice(&hearth_protocol::frame::encode(body));
    }
    c.send_raw(&batch).await;
    let mut kinds = Vec::new();
    for _ in 0..4 {
        let e = c
            .expect_frame("reply", |e| e.kind == "error" || e.kind == "pong", WAIT)
            .await;
        if e.kind == "error" {
            assert_refusal(&e, ErrorCode::BadRequest);
        }
        kinds.push((e.kind.clone(), serde_json::to_value(&e.id).unwrap()));
    }
    assert_eq!(
        kinds,
        vec![
            ("error".to_owned(), Value::Null),
            ("pong".to_owned(), json!(1)),
            ("error".to_owned(), Value::Null),
            ("pong".to_owned(), json!(2)),
        ]
    );
    c.ok("list", Value::Null).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_of_exactly_the_limit_is_accepted() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    let mut body = br#"{"type":"ping","data":null,"id":"max"}"#.to_vec();
    body.resize(64 * 1024, b' ');
    c.send_body(&body).await;
    let pong = c.next().await;
    assert_eq!(pong.kind, "pong");
    assert!(pong.is_ok());
    assert_eq!(serde_json::to_value(&pong.id).unwrap(), json!("max"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_length_gets_an_error_and_a_close_and_nobody_else_notices() {
    let server = start_server(|_| {}).await;
    let mut bystander = server.user("bystander").await;
    bystander.ok("create", json!({ "room": "Den" })).await;
    bystander.enter("Den").await;
    let mut big = server.user("big").await;
    big.enter("Den").await;

    // Announce one byte over the 64 KiB limit, and send nothing more.
    big.send_raw(&(64 * 1024u32 + 1).to_be_bytes()).await;
    let reply = big.next_error(ErrorCode::TooLarge).await;
    assert_eq!(reply.kind, "error");
    assert!(!reply.is_ok());
    assert!(reply.text().contains("larger than the limit"), "{reply:?}");
    big.expect_closed().await;

    // A huge length, announced by someone not logged in.
    let mut huge = server.connect().await;
    huge.send_raw(&[0xff, 0xff, 0xff, 0xff, b'{']).await;
    let reply = huge.next_error(ErrorCode::TooLarge).await;
    assert!(reply.text().contains("larger than the limit"), "{reply:?}");
    huge.expect_closed().await;

    // Plain text (an HTTP request) reads as an absurd length too.
    let mut http = server.connect().await;
    http.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let reply = http.next_error(ErrorCode::TooLarge).await;
    assert_eq!(reply.kind, "error");
    http.expect_closed().await;

    // The bystander saw big leave, and goes on chatting.
    bystander
        .push("event", |d| {
            d["kind"] == "disconnected" && d["user"] == "big"
        })
        .await;
    bystander.say("still here").await;
    let list = bystander.ok("list", Value::Null).await;
    assert_eq!(list.d(), &json!({ "Den": ["bystander"] }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_follows_the_config() {
    let server = start_server(|c| c.max_frame = 100).await;
    let mut c = server.connect().await;
    let mut ok = br#"{"type":"ping"}"#.to_vec();
    ok.resize(100, b' ');
    c.send_body(&ok).await;
    assert_eq!(c.next().await.kind, "pong");
    let mut over = ok.clone();
    over.push(b' ');
    c.send_body(&over).await;
    let reply = c.next().await;
    assert_refusal(&reply, ErrorCode::TooLarge);
    assert!(reply.text().contains("101"), "{reply:?}");
    c.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_closes_silent_connections_but_not_pinging_ones() {
    let server = start_server(|c| c.idle_timeout = Duration::from_secs(2)).await;
    let mut silent = server.user("silent").await;
    let mut chatty = server.user("chatty").await;

    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        chatty.sync().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let bye = silent.push("bye", common::any).await;
    assert!(bye.text().contains("Nothing received"), "{bye:?}");
    silent.expect_closed().await;
    chatty.sync().await;
    assert!(chatty.pending_of("bye", common::any).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_timeout_closes_a_silent_tcp_connection() {
    let server = start_server(|c| c.handshake_timeout = Duration::from_secs(1)).await;
    let mut raw = common::within("connect", tokio::net::TcpStream::connect(server.addr()))
        .await
        .expect("connect");
    let mut buf = [0u8; 16];
    let n = common::within("server closes the silent socket", raw.read(&mut buf))
        .await
        .unwrap_or(0);
    assert_eq!(n, 0, "no bytes, just a close");
    // The server still takes TLS connections.
    server.user("after").await.sync().await;
}

/// Handshakes compute one at a time here (two workers, one kept for chat),
/// but only while computing: clients stalled before or after the server's
/// answer to their ClientHello hold up no one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_stalled_mid_handshake_hold_up_no_one() {
    let server = start_server(|c| c.handshake_timeout = Duration::from_secs(60)).await;
    let hello = common::client_hello(server.fingerprint());
    let mut partial = common::within("connect", tokio::net::TcpStream::connect(server.addr()))
        .await
        .expect("connect");
    partial
        .write_all(&hello[..hello.len() / 2])
        .await
        .expect("half a ClientHello");
    let mut answered = common::within("connect", tokio::net::TcpStream::connect(server.addr()))
        .await
        .expect("connect");
    answered.write_all(&hello).await.expect("a ClientHello");
    let mut record = [0u8; 5];
    common::within("the server's answer", answered.read_exact(&mut record))
        .await
        .expect("the server answers the ClientHello");
    assert_eq!(record[0], 0x16, "a handshake record: {record:?}");
    // Both now wait for bytes that never come; everyone else gets in.
    for name in ["first", "second", "third"] {
        server.user(name).await.sync().await;
    }
    drop((partial, answered));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = start_server(|c| c.max_connections = 2).await;
    let first = server.connect().await;
    let mut second = server.connect().await;
    let (addr, key) = (server.addr(), server.fingerprint());
    let mut third = tokio::spawn(async move { TestClient::connect(addr, key).await });
    // The third TCP connection waits in the backlog: no TLS handshake yet.
    let early = tokio::time::timeout(Duration::from_millis(500), &mut third).await;
    assert!(
        early.is_err(),
        "a third connection was served over the cap of two"
    );
    first.drop_connection();
    let mut third = common::within("the third connection is served", third)
        .await
        .expect("connect task");
    third.sync().await;
    second.sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_and_others_keep_up() {
    let server = start_server(|c| {
        c.queue_frames = 64;
        c.msg_rate = 0;
    })
    .await;
    let mut sender = server.user("sender").await;
    sender.ok("create", json!({ "room": "Den" })).await;
    sender.enter("Den").await;
    let mut reader = server.user("reader").await;
    reader.enter("Den").await;
    let mut stuck = server.user("stuck").await;
    stuck.enter("Den").await;
    reader
        .push("list_room", |d| {
            d["Den"].as_array().map(Vec::len) == Some(3)
        })
        .await;

    // `stuck` never reads again. Send large messages until the server cuts it
    // off; `reader` must get every one of them meanwhile.
    let text = "z".repeat(4000);
    let mut sent = 0;
    let mut cut_off = false;
    while !cut_off {
        assert!(sent < 6000, "the stalled client was never cut off");
        for _ in 0..10 {
            sender
                .send("msg", json!({ "to": "public", "text": text }))
                .await;
        }
        for _ in 0..10 {
            sender.push("msg", |d| d["from"] == "sender").await;
            reader.push("msg", |d| d["from"] == "sender").await;
            sent += 1;
        }
        cut_off = !reader
            .pending_of("event", |d| {
                d["kind"] == "disconnected" && d["user"] == "stuck"
            })
            .is_empty();
        reader.sync().await;
    }
    let list = reader.ok("list", Value::Null).await;
    assert_eq!(list.d(), &json!({ "Den": ["sender", "reader"] }));
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_register_log_in_enter_and_all_messages_reach_all() {
    const N: usize = 50;
    let server = start_server(|_| {}).await;
    let mut host = server.user("host").await;
    host.ok("create", json!({ "room": "Crowd" })).await;

    let mut joins = tokio::task::JoinSet::new();
    for i in 0..N {
        let (addr, key) = (server.addr(), server.fingerprint());
        joins.spawn(async move {
            let mut c = TestClient::connect(addr, key).await;
            c.register_and_login(&format!("user{i:02}")).await;
            c.enter("Crowd").await;
            c
        });
    }
    let mut clients = Vec::with_capacity(N);
    while let Some(c) = common::within("50 clients join", joins.join_next()).await {
        clients.push(c.expect("client task"));
    }
    assert_eq!(clients.len(), N);
    let list = host.ok("list", Value::Null).await;
    assert_eq!(
        list.d()["Crowd"].as_array().map(Vec::len),
        Some(N),
        "{list:?}"
    );

    let expected: BTreeSet<String> = (0..N).map(|i| format!("hello from user{i:02}")).collect();
    let mut chats = tokio::task::JoinSet::new();
    for mut c in clients {
        let expected = expected.clone();
        chats.spawn(async move {
            c.send(
                "msg",
                json!({ "to": "public", "text": format!("hello from {}", c.name) }),
            )
            .await;
            let mut got = BTreeSet::new();
            while got.len() < N {
                let m = c.expect_push("msg", common::any, WAIT).await;
                assert!(
                    got.insert(m.d()["text"].as_str().unwrap().to_owned()),
                    "duplicate {m:?}"
                );
            }
            assert_eq!(got, expected);
            c
        });
    }
    let mut done = 0;
    while let Some(c) = common::within("50 clients chat", chats.join_next()).await {
        let c = c.expect("chat task");
        assert!(c.pending_of("msg", common::any).is_empty());
        done += 1;
    }
    assert_eq!(done, N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_says_bye_to_everyone() {
    let mut server = start_server(|_| {}).await;
    let mut unauth = server.connect().await;
    let mut lobby = server.user("lobbyist").await;
    let mut room = server.user("roomie").await;
    room.ok("create", json!({ "room": "Den" })).await;
    room.enter("Den").await;
    unauth.sync().await;

    let addr = server.addr();
    server.stop().await;
    for c in [&mut unauth, &mut lobby, &mut room] {
        let bye = c.push("bye", common::any).await;
        assert_eq!(bye.text(), "The server is shutting down");
        assert_eq!(bye.d()["reason"], "shutdown");
        c.expect_closed().await;
    }
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "a stopped server accepts nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_for_good_says_a_final_bye() {
    let mut server = start_server(|_| {}).await;
    let mut c = server.user("stayer").await;
    server.close().await;
    let bye = c.push("bye", common::any).await;
    assert_eq!(bye.text(), "The host closed the room");
    assert_eq!(bye.d()["reason"], "closed");
    c.expect_closed().await;
}

/// `a` says `text` and it is the next message `b` hears: what `a` sent
/// before it was never delivered.
async fn says_and_is_heard_next(a: &mut TestClient, b: &mut TestClient, text: &str) {
    a.say(text).await;
    let seen = b.push("msg", |_| true).await;
    assert_eq!(seen.d()["text"], text, "a refused message was delivered");
}

/// `data` that is an array (or any non-object) is refused with `bad_request`
/// and does nothing, where serde's derived structs used to accept sequences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_that_is_not_an_object_is_refused_and_does_nothing() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("ann").await;
    let mut b = server.user("ben").await;
    a.ok("create", json!({ "room": "den" })).await;
    a.enter("den").await;
    b.enter("den").await;
    let refused = |kind: &str| format!("bad data for '{kind}': data must be a JSON object or null");

    // A public message as an array is not delivered.
    let (kind, text) = error_for(
        &mut a,
        br#"{"type":"msg","data":["public","hi"]}"#,
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!((kind.as_str(), text), ("msg", refused("msg")));
    says_and_is_heard_next(&mut a, &mut b, "the real one").await;

    // Nor is a whole request written as an array.
    let (kind, _) = error_for(
        &mut a,
        br#"["msg",{"to":"public","text":"an array"}]"#,
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!(kind, "error");
    says_and_is_heard_next(&mut a, &mut b, "the second real one").await;

    let mut lobby = server.user("lee").await;
    let (_, text) = error_for(
        &mut lobby,
        br#"{"type":"create","data":["attic"]}"#,
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!(text, refused("create"));
    let rooms = lobby.ok("list", Value::Null).await;
    assert!(
        rooms.d().get("attic").is_none(),
        "no room was created: {rooms:?}"
    );

    let (_, text) = error_for(
        &mut lobby,
        br#"{"type":"enter","data":["den"]}"#,
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!(text, refused("enter"));
    let (_, text) = error_for(
        &mut lobby,
        br#"{"type":"history","data":[]}"#,
        ErrorCode::BadRequest,
    )
    .await;
    assert_eq!(text, refused("history"));
    // Still in the lobby, and the connection still works.
    let list = lobby.ok("list", Value::Null).await;
    assert_eq!(list.kind, "list", "still in the lobby");
}

/// A frame is checked as UTF-8 as a whole, so invalid bytes in a key the
/// server ignores are refused like any other malformed frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_anywhere_in_the_frame_is_refused() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    for body in [
        &b"{\"type\":\"ping\",\"x\":\"\xed\xa0\x80\"}"[..],
        b"{\"type\":\"ping\",\"\xff\":1}",
        b"{\"type\":\"ping\"}\xc3",
    ] {
        let (kind, text) = error_for(&mut c, body, ErrorCode::BadRequest).await;
        assert_eq!(kind, "error");
        assert_eq!(text, "malformed request: the frame is not valid UTF-8");
    }
    let pong = c.request("ping", Value::Null).await;
    assert_eq!(pong.kind, "pong", "the connection stays usable");
}
