//! When the database refuses a write, the sender is told (`server_error`), the
//! message is not delivered, and the connection and the server carry on.

mod common;

use common::{start_server, EnvelopeExt, ErrorCode};
use serde_json::json;

#[tokio::test]
async fn a_message_the_database_refuses_is_answered_with_server_error() {
    let server = start_server(|_| {}).await;
    let mut a = server.user("ann").await;
    let mut b = server.user("ben").await;
    a.ok("create", json!({ "room": "den" })).await;
    a.enter("den").await;
    b.enter("den").await;
    a.say("before").await;

    // A second connection to the same file refuses every new message from now on.
    let db = rusqlite::Connection::open(server.db_path()).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
    )
    .unwrap();
    let msg = a
        .err(
            "msg",
            json!({ "to": "public", "text": "lost" }),
            ErrorCode::ServerError,
        )
        .await;
    assert_eq!(
        msg,
        "the server could not store your message; please try again"
    );

    // Nothing was delivered, and both connections still work once storage does.
    db.execute_batch("DROP TRIGGER refuse").unwrap();
    let after = a.say("after").await;
    let seen = b
        .push("msg", |d| d["text"] == "after" || d["text"] == "lost")
        .await;
    assert_eq!(seen.d()["text"], "after");
    assert_eq!(seen.d()["id"], after["id"]);
}
