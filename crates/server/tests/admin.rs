//! Roles, kicks with cooldowns, unkick, and the audit log.

mod common;

use std::time::Duration;

use common::{
    assert_refusal, start_server, EnvelopeExt, ErrorCode, TestClient, TestServer, PASSWORD,
};
use serde_json::{json, Value};
use time::OffsetDateTime;

/// The owner (first account) plus the given accounts, all logged in.
async fn crowd(server: &TestServer, names: &[&str]) -> (TestClient, Vec<TestClient>) {
    let owner = server.user("owner").await;
    let mut others = Vec::new();
    for name in names {
        others.push(server.user(name).await);
    }
    (owner, others)
}

fn kick(name: &str, reason: &str, minutes: Option<u32>) -> Value {
    match minutes {
        Some(m) => json!({ "username": name, "reason": reason, "minutes": m }),
        None => json!({ "username": name, "reason": reason }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_changes_roles_and_changes_apply_at_once() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["adam", "mia", "nils"]).await;
    let [adam, mia, nils] = &mut users[..] else {
        unreachable!()
    };

    let msg = mia
        .err(
            "role",
            json!({ "username": "nils", "role": "admin" }),
            ErrorCode::Forbidden,
        )
        .await;
    assert!(msg.contains("only the owner"), "{msg}");

    let reply = owner
        .ok("role", json!({ "username": "adam", "role": "admin" }))
        .await;
    assert_eq!(reply.d(), &json!({ "username": "adam", "role": "admin" }));
    let ev = nils.push("event", |d| d["kind"] == "role").await;
    assert_eq!(ev.d()["user"], "adam");
    assert_eq!(ev.d()["role"], "admin");
    assert_eq!(ev.d()["by"], "owner");
    adam.push("event", |d| d["kind"] == "role" && d["user"] == "adam")
        .await;

    // An admin may not change roles either.
    let msg = adam
        .err(
            "role",
            json!({ "username": "nils", "role": "admin" }),
            ErrorCode::Forbidden,
        )
        .await;
    assert!(msg.contains("only the owner"), "{msg}");
    // The new role counts without logging in again.
    adam.ok("kick", kick("nils", "admin now", Some(0))).await;
    nils.expect_closed().await;

    let msg = owner
        .err(
            "role",
            json!({ "username": "owner", "role": "member" }),
            ErrorCode::Forbidden,
        )
        .await;
    assert!(msg.contains("owner"), "{msg}");
    let msg = owner
        .err(
            "role",
            json!({ "username": "mia", "role": "superuser" }),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("admin"), "{msg}");
    let msg = owner
        .err(
            "role",
            json!({ "username": "ghost", "role": "admin" }),
            ErrorCode::NotFound,
        )
        .await;
    assert!(msg.contains("no such user"), "{msg}");

    // Demoted: kicking is refused again.
    owner
        .ok("role", json!({ "username": "adam", "role": "member" }))
        .await;
    let msg = adam
        .err("kick", kick("mia", "x", Some(0)), ErrorCode::Forbidden)
        .await;
    assert!(msg.contains("only admins"), "{msg}");
    // Login reports the stored role.
    let mut again = server.connect().await;
    let login = again.login("adam", PASSWORD).await;
    assert_eq!(login.d()["role"], "member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_kick_whom() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["ada", "abe", "mo", "ned"]).await;
    owner
        .ok("role", json!({ "username": "ada", "role": "admin" }))
        .await;
    owner
        .ok("role", json!({ "username": "abe", "role": "admin" }))
        .await;
    let [ada, abe, mo, ned] = &mut users[..] else {
        unreachable!()
    };

    let msg = mo
        .err("kick", kick("ned", "because", None), ErrorCode::Forbidden)
        .await;
    assert!(msg.contains("only admins"), "{msg}");
    let msg = mo
        .err("unkick", json!({ "username": "ned" }), ErrorCode::Forbidden)
        .await;
    assert!(msg.contains("only admins"), "{msg}");
    let msg = ada
        .err("kick", kick("owner", "coup", None), ErrorCode::Forbidden)
        .await;
    assert!(msg.contains("owner cannot be kicked"), "{msg}");
    let msg = ada
        .err("kick", kick("abe", "rival", None), ErrorCode::Forbidden)
        .await;
    assert!(msg.contains("only the owner can kick an admin"), "{msg}");
    let msg = owner
        .err("kick", kick("owner", "self", None), ErrorCode::Forbidden)
        .await;
    assert!(!msg.is_empty());
    let msg = ada
        .err("kick", kick("ghost", "who", None), ErrorCode::NotFound)
        .await;
    assert!(msg.contains("no such user"), "{msg}");
    ada.err("kick", kick("ned", "", None), ErrorCode::InvalidInput)
        .await;
    ada.err(
        "kick",
        kick("ned", &"r".repeat(201), None),
        ErrorCode::InvalidInput,
    )
    .await;
    let msg = ada
        .err(
            "kick",
            kick("ned", "forever", Some(30 * 24 * 60 + 1)),
            ErrorCode::InvalidInput,
        )
        .await;
    assert!(msg.contains("minutes"), "{msg}");
    // Nobody was kicked by any of that.
    ned.sync().await;
    mo.sync().await;
    assert!(ned.pending_of("kicked", common::any).is_empty());

    ada.ok("kick", kick("ned", "ok by admin", Some(0))).await;
    ned.expect_closed().await;
    owner.ok("kick", kick("abe", "ok by owner", Some(0))).await;
    abe.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_pushes_to_the_target_closes_it_and_tells_everyone() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["watch", "bad", "roomy"]).await;
    let [watch, bad, roomy] = &mut users[..] else {
        unreachable!()
    };
    roomy.ok("create", json!({ "room": "Den" })).await;
    roomy.enter("Den").await;
    bad.enter("Den").await;
    roomy
        .push("list_room", |d| d == &json!({ "Den": ["roomy", "bad"] }))
        .await;

    let reply = owner.ok("kick", kick("bad", "spam", Some(5))).await;
    assert_eq!(reply.d()["username"], "bad");
    assert_eq!(reply.d()["online"], true);
    let until = reply.d()["until"].as_str().expect("until").to_owned();
    let until_t =
        time::OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339)
            .expect("until is RFC 3339");
    let left = until_t - OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(4) && left <= time::Duration::minutes(5),
        "{until}"
    );

    let pushed = bad.push("kicked", common::any).await;
    assert_eq!(pushed.text(), "You were kicked by owner: spam");
    assert_eq!(
        pushed.d(),
        &json!({ "by": "owner", "reason": "spam", "until": until })
    );
    bad.expect_closed().await;

    for c in [&mut owner, &mut *watch, &mut *roomy] {
        let ev = c.push("event", |d| d["kind"] == "kicked").await;
        assert_eq!(ev.d()["user"], "bad");
        assert_eq!(ev.d()["by"], "owner");
        assert_eq!(ev.d()["reason"], "spam");
        assert_eq!(ev.d()["until"], until.as_str());
    }
    // Presence drops the kicked user right away.
    roomy
        .push("list_room", |d| d == &json!({ "Den": ["roomy"] }))
        .await;
    watch
        .push("list", |d| {
            d["lobby"] == json!(["owner", "watch"]) && d["Den"] == json!(["roomy"])
        })
        .await;

    // Logging in during the cooldown is refused with who, why and how long.
    let mut back = server.connect().await;
    let refused = back.login("bad", PASSWORD).await;
    assert!(!refused.is_ok(), "{refused:?}");
    assert_refusal(&refused, ErrorCode::Kicked);
    let text = refused.text();
    assert!(
        text.contains("owner") && text.contains("spam") && text.contains("minute"),
        "{text}"
    );
    assert_eq!(refused.d()["until"], until.as_str());
    // The connection stays usable.
    back.sync().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_minutes_means_no_cooldown() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["brief"]).await;
    let reply = owner.ok("kick", kick("brief", "cool off", Some(0))).await;
    assert_eq!(reply.d()["until"], Value::Null);
    let pushed = users[0].push("kicked", common::any).await;
    assert_eq!(pushed.d()["until"], Value::Null);
    users[0].expect_closed().await;
    owner
        .push("event", |d| d["kind"] == "kicked" && d["until"].is_null())
        .await;
    let again = server.login("brief", PASSWORD).await;
    drop(again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unkick_lifts_the_cooldown() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["kid"]).await;
    owner.ok("kick", kick("kid", "noise", None)).await;
    users[0].expect_closed().await;
    let mut c = server.connect().await;
    let refused = c.login("kid", PASSWORD).await;
    assert!(!refused.is_ok());
    assert_refusal(&refused, ErrorCode::Kicked);
    assert!(
        refused.text().contains("5 minutes"),
        "default is 5 minutes: {refused:?}"
    );

    let reply = owner.ok("unkick", json!({ "username": "KID" })).await;
    assert_eq!(reply.d()["username"], "kid");
    let ok = c.login("kid", PASSWORD).await;
    assert!(ok.is_ok(), "{ok:?}");
    let msg = owner
        .err(
            "unkick",
            json!({ "username": "ghost" }),
            ErrorCode::NotFound,
        )
        .await;
    assert!(msg.contains("no such user"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooldown_expires() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["late"]).await;
    owner.ok("kick", kick("late", "wait a bit", Some(10))).await;
    users[0].expect_closed().await;
    let mut c = server.connect().await;
    let refused = c.login("late", PASSWORD).await;
    assert!(!refused.is_ok());
    assert_refusal(&refused, ErrorCode::Kicked);

    // Let the cooldown run out: move its end into the past, straight in the database.
    let db = server.db_path();
    tokio::task::spawn_blocking(move || {
        let store = hearth_storage::Store::open(&db).expect("open the live database");
        let user = store.user_by_name("late").unwrap().expect("user exists");
        let past = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        store
            .set_kick(user.id, Some(past), "wait a bit", "owner")
            .unwrap();
    })
    .await
    .unwrap();
    let ok = c.login("late", PASSWORD).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kicking_an_offline_user_sets_the_cooldown() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["away"]).await;
    users[0].ok("logout", Value::Null).await;
    let reply = owner
        .ok("kick", kick("away", "spam earlier", Some(60)))
        .await;
    assert_eq!(reply.d()["online"], false);
    assert!(reply.d()["until"].is_string());
    let refused = users[0].login("away", PASSWORD).await;
    assert!(!refused.is_ok());
    assert_refusal(&refused, ErrorCode::Kicked);
    assert!(refused.text().contains("spam earlier"), "{refused:?}");
    assert!(refused.text().contains("60 minutes"), "{refused:?}");
    assert_eq!(refused.d()["until"], reply.d()["until"]);
    // The owner still sees an event about it.
    owner
        .push("event", |d| d["kind"] == "kicked" && d["user"] == "away")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kick_without_cooldown_lifts_an_earlier_cooldown() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["twice"]).await;
    users[0].ok("logout", Value::Null).await;
    owner.ok("kick", kick("twice", "first", Some(60))).await;
    let refused = users[0].login("twice", PASSWORD).await;
    assert!(!refused.is_ok());
    assert_refusal(&refused, ErrorCode::Kicked);
    owner.ok("kick", kick("twice", "never mind", Some(0))).await;
    let login = users[0].login("twice", PASSWORD).await;
    assert!(login.is_ok(), "{login:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_for_an_offline_user_is_announced() {
    let server = start_server(|_| {}).await;
    let (mut owner, mut users) = crowd(&server, &["gone", "watcher"]).await;
    users[0].ok("logout", Value::Null).await;
    owner
        .ok("role", json!({ "username": "gone", "role": "admin" }))
        .await;
    users[1]
        .push("event", |d| {
            d["kind"] == "role" && d["user"] == "gone" && d["role"] == "admin"
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_owner_is_the_owner() {
    let server = start_server(|c| c.owner = Some("Boss".into())).await;
    let first = server.connect().await.register_and_login("first").await;
    assert_eq!(
        first["role"], "member",
        "with --owner, the first account is a member"
    );
    let boss = server.connect().await.register_and_login("boss").await;
    assert_eq!(boss["role"], "owner");
}

/// Polls `audit` until `done` holds for its entries.
async fn audit_until(c: &mut TestClient, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let started = tokio::time::Instant::now();
    loop {
        let reply = c.ok("audit", json!({ "limit": 100 })).await;
        let entries = reply.d()["entries"].as_array().expect("entries").clone();
        if done(&entries) {
            return entries;
        }
        assert!(
            started.elapsed() < common::WAIT,
            "audit never matched: {entries:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lists_admin_and_session_events_newest_first() {
    let server = start_server(|_| {}).await;
    let mut owner = server.user("owner").await;
    let mut a = server.user("ann").await;
    let a_port = a.local_addr.port();
    a.ok("logout", Value::Null).await;
    let b = server.user("ben").await;
    let b_port = b.local_addr.port();
    b.drop_connection();
    audit_until(&mut owner, |e| e.iter().any(|x| x["kind"] == "disconnect")).await;
    let mut c = server.user("cat").await;
    let c_port = c.local_addr.port();
    owner.ok("kick", kick("cat", "rude", Some(5))).await;
    c.expect_closed().await;
    owner.ok("unkick", json!({ "username": "cat" })).await;
    owner
        .ok("role", json!({ "username": "ann", "role": "admin" }))
        .await;

    let entries = audit_until(&mut owner, |e| {
        e.first().is_some_and(|x| x["kind"] == "role")
    })
    .await;
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["user"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("role", "ann"),
            ("unkick", "cat"),
            ("kick", "cat"),
            ("login", "cat"),
            ("disconnect", "ben"),
            ("login", "ben"),
            ("logout", "ann"),
            ("login", "ann"),
            ("login", "owner"),
        ]
    );
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let ts: Vec<&str> = entries.iter().map(|e| e["ts"].as_str().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]), "newest first: {ts:?}");

    let find = |kind: &str, user: &str| {
        entries
            .iter()
            .find(|e| e["kind"] == kind && e["user"] == user)
            .unwrap()
            .clone()
    };
    for (kind, user, port) in [
        ("login", "ann", a_port),
        ("login", "ben", b_port),
        ("login", "cat", c_port),
        ("kick", "cat", c_port),
    ] {
        let e = find(kind, user);
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
        assert_eq!(e["port"], port, "{e}");
    }
    let e = find("kick", "cat");
    assert_eq!(e["by"], "owner");
    assert!(e["detail"].as_str().unwrap().contains("rude"), "{e}");
    let e = find("role", "ann");
    assert_eq!(e["by"], "owner");
    assert_eq!(e["detail"], "admin");
    assert_eq!(find("login", "owner")["by"], Value::Null);

    // Limit, and admins only.
    let reply = owner.ok("audit", json!({ "limit": 2 })).await;
    assert_eq!(reply.d()["entries"].as_array().map(Vec::len), Some(2));
    let mut m = server.user("member").await;
    let msg = m.err("audit", Value::Null, ErrorCode::Forbidden).await;
    assert!(msg.contains("only admins"), "{msg}");
    let mut ann = server.login("ann", PASSWORD).await;
    ann.ok("audit", Value::Null).await;
}
