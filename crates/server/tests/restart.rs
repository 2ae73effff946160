//! A restart on the same data directory keeps users, rooms, messages and the key.

mod common;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, PASSWORD};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_users_rooms_and_messages() {
    let mut server = start_server(|_| {}).await;
    let key = server.fingerprint();
    let addr = server.addr();
    let mut a = server.user("keeper").await;
    server.user("second").await.ok("logout", Value::Null).await;
    a.ok("create", json!({ "room": "Archive" })).await;
    a.enter("Archive").await;
    let mut ids = Vec::new();
    for text in ["first", "second", "third"] {
        ids.push(a.say(text).await["id"].as_i64().unwrap());
    }
    a.ok("profile", json!({ "color": "#abcdef" })).await;

    server.restart().await;
    assert_eq!(
        server.fingerprint(),
        key,
        "the certificate and key are reused"
    );
    assert_eq!(server.addr(), addr);
    a.expect_closed().await;

    let mut a = server.login("keeper", PASSWORD).await;
    let list = a.ok("list", Value::Null).await;
    assert_eq!(list.d(), &json!({ "lobby": ["keeper"], "Archive": [] }));
    let h = a.enter("archive").await;
    let texts: Vec<&str> = h.d()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first", "second", "third"]);
    let got: Vec<i64> = h.d()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids);
    // New messages continue after the old ones; colour and role survived.
    let next = a.say("fourth").await;
    assert!(next["id"].as_i64().unwrap() > ids[2]);
    assert_eq!(next["color"], "#abcdef");
    let mut again = server.connect().await;
    let login = again.login("second", PASSWORD).await;
    assert!(login.is_ok(), "{login:?}");
    assert_eq!(login.d()["role"], "member");
    let mut c = server.connect().await;
    let taken = c.register("KEEPER", PASSWORD).await;
    assert!(!taken.is_ok(), "names stay taken");
    assert_refusal(&taken, ErrorCode::NameTaken);
    let wrong = c.login("keeper", "wrong password").await;
    assert!(!wrong.is_ok());
    assert_refusal(&wrong, ErrorCode::AuthFailed);
    a.ok("logout", Value::Null).await;
    assert_eq!(a.login("keeper", PASSWORD).await.d()["role"], "owner");
}
