//! Login tokens: issued to a named device after a password login, used
//! instead of the password, refused once revoked (logout on the device, a
//! password change, a kick with a cooldown, or from the devices list), covered
//! by the brute-force throttle, and audited.

mod common;

use common::{assert_refusal, start_server, EnvelopeExt, ErrorCode, TestClient, PASSWORD};
use serde_json::{json, Value};

/// Logs in with the password and a device name; returns the issued token.
async fn device_login(c: &mut TestClient, name: &str, device: &str) -> String {
    let reply = c
        .ok(
            "login",
            json!({ "username": name, "password": PASSWORD, "device": device }),
        )
        .await;
    c.name = name.to_owned();
    let token = reply.d()["token"].as_str().expect("a token").to_owned();
    assert_eq!(token.len(), 64);
    token
}

fn token_login(name: &str, token: &str) -> Value {
    json!({ "username": name, "token": token })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_logs_in_with_its_token_instead_of_the_password() {
    let server = start_server(|_| {}).await;
    let mut setup = server.connect().await;
    assert!(setup.register("alice", PASSWORD).await.is_ok());
    assert!(setup.register("bob", PASSWORD).await.is_ok());

    let mut laptop = server.connect().await;
    let token = device_login(&mut laptop, "alice", "alice's laptop").await;
    let list = laptop.ok("devices", Value::Null).await;
    assert_eq!(
        list.d()["devices"][0]["current"],
        true,
        "issued to this connection"
    );
    // A plain password login (the original clients' kind) gets no token.
    let mut plain = server.connect().await;
    let reply = plain.login("bob", PASSWORD).await;
    assert!(reply.d().get("token").is_none(), "{reply:?}");

    let mut again = server.connect().await;
    let reply = again.ok("login", token_login("ALICE", &token)).await;
    assert_eq!(reply.d()["username"], "alice");
    assert!(
        reply.d().get("token").is_none(),
        "a token login issues nothing new"
    );

    // Wrong tokens, and a good token for another account, are refused like a
    // wrong password.
    for (name, bad) in [
        ("alice", "0".repeat(64)),
        ("alice", "short".to_owned()),
        ("bob", token.clone()),
    ] {
        let mut c = server.connect().await;
        let reply = c.request("login", token_login(name, &bad)).await;
        assert_refusal(&reply, ErrorCode::AuthFailed);
        assert_eq!(reply.text(), "Invalid username or password");
    }

    // Both a password and a token, or a device with a token: malformed.
    let mut c = server.connect().await;
    let reply = c
        .request(
            "login",
            json!({ "username": "alice", "password": PASSWORD, "token": token }),
        )
        .await;
    assert_refusal(&reply, ErrorCode::BadRequest);
    let reply = c
        .request(
            "login",
            json!({ "username": "alice", "password": PASSWORD, "device": "\u{7}bell" }),
        )
        .await;
    assert_refusal(&reply, ErrorCode::InvalidInput);

    // The devices list shows the laptop, marked as current on its own connection.
    let list = again.ok("devices", Value::Null).await;
    let devices = list.d()["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1, "{list:?}");
    assert_eq!(devices[0]["name"], "alice's laptop");
    assert_eq!(
        devices[0]["current"], true,
        "this connection used its token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_revoked_by_logout_password_change_kick_and_the_list() {
    let server = start_server(|_| {}).await;
    let mut owner = server.user("owner").await;
    let mut setup = server.connect().await;
    assert!(setup.register("mia", PASSWORD).await.is_ok());

    // Logging out on this device revokes its token; a plain logout does not.
    let mut c = server.connect().await;
    let kept = device_login(&mut c, "mia", "tablet").await;
    c.ok("logout", Value::Null).await;
    c.ok("login", token_login("mia", &kept)).await;
    c.ok("logout", json!({ "forget_device": true })).await;
    let reply = c.request("login", token_login("mia", &kept)).await;
    assert_refusal(&reply, ErrorCode::AuthFailed);

    // A password change revokes all of them, and can issue a fresh one.
    let mut c = server.connect().await;
    let first = device_login(&mut c, "mia", "laptop").await;
    let mut other = server.connect().await;
    let second = device_login(&mut other, "mia", "phone").await;
    let reply = other
        .ok(
            "profile",
            json!({ "password": { "old": PASSWORD, "new": "new pass" }, "device": "phone" }),
        )
        .await;
    let fresh = reply.d()["token"].as_str().unwrap().to_owned();
    for stale in [&first, &second] {
        let mut x = server.connect().await;
        let reply = x.request("login", token_login("mia", stale)).await;
        assert_refusal(&reply, ErrorCode::AuthFailed);
    }
    // (The fresh token logs in, which takes the session over from `other`.)
    let mut x = server.connect().await;
    x.ok("login", token_login("mia", &fresh)).await;
    x.ok("logout", Value::Null).await;

    // Revoking a device from the list: its token no longer logs in.
    let mut phone = server.connect().await;
    phone.ok("login", token_login("mia", &fresh)).await;
    phone.name = "mia".into();
    let list = phone.ok("devices", Value::Null).await;
    let id = list.d()["devices"][0]["id"].clone();
    let revoked = phone.ok("revoke_device", json!({ "id": id })).await;
    assert_eq!(revoked.d()["id"], id);
    let reply = phone.request("revoke_device", json!({ "id": id })).await;
    assert_refusal(&reply, ErrorCode::NotFound);
    let list = phone.ok("devices", Value::Null).await;
    assert_eq!(list.d()["devices"], json!([]));
    phone.ok("logout", Value::Null).await;
    let reply = phone.request("login", token_login("mia", &fresh)).await;
    assert_refusal(&reply, ErrorCode::AuthFailed);

    // A kick with a cooldown revokes every token of the account.
    let mut desk = server.connect().await;
    let desk_token = {
        let reply = desk
            .ok(
                "login",
                json!({ "username": "mia", "password": "new pass", "device": "desk" }),
            )
            .await;
        reply.d()["token"].as_str().unwrap().to_owned()
    };
    owner
        .ok(
            "kick",
            json!({ "username": "mia", "reason": "cool off", "minutes": 5 }),
        )
        .await;
    // During the cooldown the revoked token is told why, like the password would be.
    let mut v = server.connect().await;
    let reply = v.request("login", token_login("mia", &desk_token)).await;
    assert_refusal(&reply, ErrorCode::Kicked);
    assert_eq!(reply.d()["reason"], "cool off");
    owner.ok("unkick", json!({ "username": "mia" })).await;
    let mut w = server.connect().await;
    let reply = w.request("login", token_login("mia", &desk_token)).await;
    assert_refusal(&reply, ErrorCode::AuthFailed);

    // The audit log has the token logins, the new devices and the revocations.
    let audit = owner.ok("audit", json!({ "limit": 200 })).await;
    let entries = audit.d()["entries"].as_array().unwrap();
    let has = |kind: &str, detail: &str| {
        entries.iter().any(|e| {
            e["kind"] == kind
                && e["user"] == "mia"
                && e["detail"].as_str().unwrap_or("").contains(detail)
        })
    };
    assert!(has("login", "with the login token of tablet"));
    assert!(has("device", "laptop"));
    assert!(has("revoke", "tablet: logged out on this device"));
    assert!(has("revoke", "the password changed"));
    assert!(has("revoke", "signed out"));
    assert!(has("revoke", "kicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_count_as_failed_logins() {
    let server = start_server(|_| {}).await;
    let mut setup = server.connect().await;
    assert!(setup.register("kim", PASSWORD).await.is_ok());
    // Ten failures from one address block it, tokens or passwords alike (other
    // names each time, so no account's own delay slows the test down).
    for i in 0..10 {
        let mut c = server.connect().await;
        let reply = c
            .request(
                "login",
                token_login(&format!("kim{i}"), &format!("{i:064}")),
            )
            .await;
        assert_refusal(&reply, ErrorCode::AuthFailed);
    }
    let mut c = server.connect().await;
    let reply = c.login("kim", PASSWORD).await;
    assert_refusal(&reply, ErrorCode::SlowDown);
}
