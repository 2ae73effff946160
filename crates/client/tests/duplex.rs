//! The client against a scripted fake server over an in-memory stream:
//! replies are matched to requests by id whatever order they come in, pushes
//! become events, heartbeats go out on time, and a drop fails what was pending.

use std::time::Duration;

use hearth_client::{Client, ClientError, ClientOptions, ConnectionState, Event, Secret};
use hearth_protocol::envelope::{encode_error, encode_list_reply, encode_reply, RequestId};
use hearth_protocol::{ErrorCode, FrameReader, RoomMembers, UnreadCount};
use serde_json::{json, Value};
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};

/// The server side of the in-memory connection.
struct FakeServer {
    reader: FrameReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
}

impl FakeServer {
    async fn request(&mut self) -> Value {
        let body = tokio::time::timeout(Duration::from_secs(5), self.reader.read_frame())
            .await
            .expect("a request in time")
            .unwrap()
            .expect("connection open");
        serde_json::from_slice(&body).unwrap()
    }

    async fn send(&mut self, frame: bytes::Bytes) {
        self.writer.write_all(&frame).await.unwrap();
    }
}

fn id_of(request: &Value) -> RequestId {
    serde_json::from_value(request["id"].clone()).expect("numeric id")
}

fn start(options: ClientOptions) -> (Client, hearth_client::EventStream, FakeServer) {
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    let (client, events) = Client::from_stream(client_end, options);
    let (r, w) = tokio::io::split(server_end);
    let server = FakeServer {
        reader: FrameReader::new(r, 1 << 20),
        writer: w,
    };
    (client, events, server)
}

#[tokio::test]
async fn replies_are_matched_by_id_even_out_of_order() {
    let (client, mut events, mut server) = start(ClientOptions::default());

    let c1 = client.clone();
    let login = tokio::spawn(async move { c1.login("alice", &Secret::new("pw12")).await });
    let first = server.request().await;
    assert_eq!(first["type"], "login");
    assert_eq!(first["data"]["password"], "pw12");

    let c2 = client.clone();
    let list = tokio::spawn(async move { c2.list().await });
    let second = server.request().await;
    assert_eq!(second["type"], "list");
    assert_ne!(first["id"], second["id"], "each request has its own id");

    // Answer the second request first, with a push in between.
    server
        .send(encode_reply(
            "list",
            None,
            &json!({"lobby": ["alice"]}),
            Some(&id_of(&second)),
        ))
        .await;
    server
        .send(encode_reply(
            "private_request",
            None,
            &json!({"from": "bob"}),
            None,
        ))
        .await;
    server
        .send(encode_reply(
            "login",
            Some("Login successful"),
            &json!({"username": "Alice", "chatroom": "lobby", "color": "#123456", "role": "owner"}),
            Some(&id_of(&first)),
        ))
        .await;

    let reply = list.await.unwrap().unwrap();
    assert_eq!(reply.list.rooms["lobby"], vec!["alice".to_owned()]);
    assert!(!reply.list.in_room);
    assert!(reply.unread.is_empty(), "no counts sent, none read");
    let info = login.await.unwrap().unwrap();
    assert_eq!(
        (info.username.as_str(), info.role.as_str()),
        ("Alice", "owner")
    );
    assert_eq!(
        events.recv().await.unwrap(),
        Event::PrivateRequest { from: "bob".into() }
    );
    assert_eq!(client.status().username.as_deref(), Some("Alice"));
}

#[tokio::test]
async fn errors_carry_the_servers_message_and_data_and_list_room_is_understood() {
    let (client, _events, mut server) = start(ClientOptions::default());

    let c = client.clone();
    let login = tokio::spawn(async move { c.login("bob", &Secret::new("pw12")).await });
    let req = server.request().await;
    server
        .send(encode_error(
            "login",
            ErrorCode::Kicked,
            "You were kicked by root: spam; you may rejoin in 5 minutes",
            Some(&json!({"until": "2030-01-01T00:00:00.000Z", "by": "root", "reason": "spam"})),
            Some(&id_of(&req)),
        ))
        .await;
    let err = login.await.unwrap().unwrap_err();
    assert!(matches!(&err, ClientError::Server { request, .. } if request == "login"));
    assert_eq!(err.code(), Some(ErrorCode::Kicked));
    assert!(err.to_string().contains("kicked by root"));
    assert_eq!(err.kick_until(), Some(Some("2030-01-01T00:00:00.000Z")));
    assert_eq!(
        client.status().username,
        None,
        "a refused login is not remembered"
    );

    let c = client.clone();
    let list = tokio::spawn(async move { c.list().await });
    let req = server.request().await;
    let counts = vec![UnreadCount {
        room: Some("art".into()),
        with: None,
        last_read: 7,
        unread: 3,
        mentions: 1,
    }];
    let rooms = RoomMembers(vec![("fun".into(), vec!["a".into(), "b".into()])]);
    server
        .send(encode_list_reply(
            "list_room",
            &rooms,
            &counts,
            Some(&id_of(&req)),
        ))
        .await;
    let reply = list.await.unwrap().unwrap();
    assert!(reply.list.in_room);
    assert_eq!(reply.list.rooms["fun"].len(), 2);
    assert_eq!(reply.unread, counts, "the counts beside the rooms are read");
}

#[tokio::test]
async fn own_message_copy_answers_the_send_and_is_also_an_event() {
    let (client, mut events, mut server) = start(ClientOptions::default());
    let c = client.clone();
    let send = tokio::spawn(async move { c.send_public("hello").await });
    let req = server.request().await;
    assert_eq!(req["data"], json!({"to": "public", "text": "hello"}));
    let data = json!({"to": "public", "from": "alice", "text": "hello", "id": 41,
        "ts": "2026-01-01T00:00:00.000Z", "color": "#123456", "room": "fun"});
    server
        .send(encode_reply("msg", None, &data, Some(&id_of(&req))))
        .await;
    let sent = send.await.unwrap().unwrap();
    assert_eq!(sent.id, 41);
    match events.recv().await.unwrap() {
        Event::Message(m) => assert_eq!((m.id, m.text.as_str()), (41, "hello")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn raw_frames_are_reported_exactly_as_received() {
    let options = ClientOptions {
        raw_frames: true,
        ..ClientOptions::default()
    };
    let (_client, mut events, mut server) = start(options);
    let frame = encode_reply(
        "event",
        None,
        &json!({"kind": "joined", "user": "bob", "room": "lobby"}),
        None,
    );
    server.send(frame.clone()).await;
    assert_eq!(
        events.recv().await.unwrap(),
        Event::Raw(String::from_utf8(frame[4..].to_vec()).unwrap())
    );
    assert!(matches!(events.recv().await.unwrap(), Event::Notice(n) if n.user() == "bob"));
}

#[tokio::test(start_paused = true)]
async fn heartbeats_go_out_when_idle_and_are_not_reported() {
    let options = ClientOptions {
        heartbeat: Duration::from_secs(2),
        raw_frames: true,
        ..ClientOptions::default()
    };
    let (_client, mut events, mut server) = start(options);
    for _ in 0..3 {
        let ping = server.request().await;
        assert_eq!(ping["type"], "ping");
        server
            .send(encode_reply("pong", None, &(), Some(&id_of(&ping))))
            .await;
    }
    assert!(
        events.try_recv().is_none(),
        "heartbeat replies stay internal"
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_counts_as_gone() {
    let options = ClientOptions {
        dead_after: Duration::from_secs(75),
        ..ClientOptions::default()
    };
    let (client, mut events, _server) = start(options);
    // The fake server never answers, not even the heartbeats.
    match events.recv().await.unwrap() {
        Event::Connection(ConnectionState::Disconnected { reason }) => {
            assert!(reason.contains("stopped answering"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(client.ping().await, Err(ClientError::Closed)));
}

#[tokio::test]
async fn a_drop_fails_pending_requests_and_stops_without_a_dialer() {
    let (client, mut events, mut server) = start(ClientOptions::default());
    let c = client.clone();
    let ping = tokio::spawn(async move { c.ping().await });
    let _ = server.request().await;
    drop(server);
    assert!(matches!(
        ping.await.unwrap(),
        Err(ClientError::ConnectionLost)
    ));
    assert!(matches!(
        events.recv().await.unwrap(),
        Event::Connection(ConnectionState::Disconnected { .. })
    ));
    assert!(!client.status().connected);
}

#[tokio::test]
async fn kicked_push_is_final() {
    let (client, mut events, mut server) = start(ClientOptions::default());
    server
        .send(encode_reply(
            "kicked",
            Some("You were kicked by root: spam"),
            &json!({"by": "root", "reason": "spam", "until": null}),
            None,
        ))
        .await;
    assert_eq!(
        events.recv().await.unwrap(),
        Event::Kicked {
            by: "root".into(),
            reason: "spam".into(),
            until: None
        }
    );
    match events.recv().await.unwrap() {
        Event::Connection(ConnectionState::Disconnected { reason }) => {
            assert!(reason.contains("kicked by root"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(client.ping().await.is_err());
}

#[tokio::test]
async fn room_messages_are_deduplicated_by_id() {
    let (client, mut events, mut server) = start(ClientOptions::default());
    let c = client.clone();
    let enter = tokio::spawn(async move { c.enter("fun").await });
    let req = server.request().await;
    server
        .send(encode_reply(
            "enter",
            None,
            &json!({"username": "alice", "room": "fun"}),
            Some(&id_of(&req)),
        ))
        .await;
    enter.await.unwrap().unwrap();
    let m = |id: i64| {
        json!({"to": "public", "from": "bob", "text": format!("m{id}"), "id": id,
            "ts": "2026-01-01T00:00:00.000Z", "color": "#123456", "room": "fun"})
    };
    server
        .send(encode_reply(
            "history",
            None,
            &json!({"room": "fun", "messages": [m(1), m(2)]}),
            None,
        ))
        .await;
    for id in [2, 3, 3, 4] {
        server.send(encode_reply("msg", None, &m(id), None)).await;
    }
    match events.recv().await.unwrap() {
        Event::History { room, messages } => {
            assert_eq!(room, "fun");
            assert_eq!(messages.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    let mut ids = Vec::new();
    while ids.len() < 2 {
        if let Event::Message(m) = events.recv().await.unwrap() {
            ids.push(m.id);
        }
    }
    assert_eq!(ids, vec![3, 4]);
    client.close().await;
    while let Some(e) = events.recv().await {
        assert!(
            !matches!(e, Event::Message(_)),
            "no duplicate arrived late: {e:?}"
        );
    }
}

#[tokio::test]
async fn frames_that_are_not_objects_with_object_data_are_not_understood() {
    let (client, mut events, mut server) = start(ClientOptions::default());
    let m = json!({"to": "public", "from": "bob", "text": "real", "id": 7,
        "ts": "2026-01-01T00:00:00.000Z", "color": "#123456", "room": "fun"});
    let body = |text: String| {
        let mut frame = (text.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(text.as_bytes());
        bytes::Bytes::from(frame)
    };
    // The same message as an array, and with its data as an array: serde's
    // derived structs read both field by field.
    let fields = json!([
        "public",
        "mallory",
        "forged",
        5,
        "2026-01-01T00:00:00.000Z",
        "#000000",
        "fun"
    ]);
    let mut forged = m.clone();
    forged["id"] = json!(6);
    forged["text"] = json!("forged");
    server
        .send(body(json!(["msg", "ok", null, forged]).to_string()))
        .await;
    server
        .send(body(
            json!({"type": "msg", "status": "ok", "message": null, "data": fields}).to_string(),
        ))
        .await;
    server.send(encode_reply("msg", None, &m, None)).await;
    match events.recv().await.unwrap() {
        Event::Message(got) => assert_eq!((got.id, got.text.as_str()), (7, "real")),
        other => panic!("only the object frame is a message: {other:?}"),
    }
    client.close().await;
}
