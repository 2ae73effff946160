//! Look-alike names: full-width and other compatibility forms share the key of
//! the plain name, so they cannot be registered, renamed to or created beside
//! it; names mixing Latin, Cyrillic and Greek letters are refused.

mod common;

use common::{start_server, ErrorCode, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn full_width_twins_are_taken_names() {
    let server = start_server(|_| {}).await;
    let mut zed = server.user("Zed").await;
    let mut inna = server.user("inna").await;

    let mut c = server.connect().await;
    let msg = c
        .err(
            "register",
            json!({ "username": "Ｚｅｄ", "password": PASSWORD }),
            ErrorCode::NameTaken,
        )
        .await;
    assert_eq!(msg, "Username already in use, try another one");

    // A rename to a look-alike of someone online is refused too.
    let msg = zed
        .err(
            "profile",
            json!({ "username": "ｉｎｎａ" }),
            ErrorCode::NameTaken,
        )
        .await;
    assert_eq!(msg, "Username already in use, try another one");

    inna.ok("create", json!({ "room": "hearth" })).await;
    let msg = zed
        .err(
            "create",
            json!({ "room": "ｈｅａｒｔｈ" }),
            ErrorCode::NameTaken,
        )
        .await;
    assert_eq!(msg, "ｈｅａｒｔｈ already exists");
    // A look-alike spelling still finds the room and the user.
    zed.ok("enter", json!({ "room": "ＨＥＡＲＴＨ" })).await;
    let mut back = server.connect().await;
    let login = back.login("ＺＥＤ", PASSWORD).await;
    assert!(login.is_ok(), "{login:?}");
    assert_eq!(login.data.as_ref().unwrap()["username"], "Zed");
}

#[tokio::test]
async fn names_mixing_latin_cyrillic_or_greek_are_refused() {
    let server = start_server(|_| {}).await;
    let mut c = server.connect().await;
    for mixed in ["pаypal", "gοogle", "iнна"] {
        let msg = c
            .err(
                "register",
                json!({ "username": mixed, "password": PASSWORD }),
                ErrorCode::InvalidInput,
            )
            .await;
        assert_eq!(
            msg,
            "username may not mix look-alike Latin, Cyrillic and Greek letters"
        );
    }
    // One script at a time is fine, with other scripts and digits beside it.
    for fine in ["Пётр", "Ελένη", "Taro太郎", "zoë_2"] {
        let reply = c.register(fine, PASSWORD).await;
        assert!(reply.is_ok(), "{fine}: {reply:?}");
    }
    let mut u = server.user("uma").await;
    let msg = u
        .err("create", json!({ "room": "rοom" }), ErrorCode::InvalidInput)
        .await;
    assert_eq!(
        msg,
        "room name may not mix look-alike Latin, Cyrillic and Greek letters"
    );
}
