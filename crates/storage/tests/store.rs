//! Integration tests against a real SQLite file in a temporary directory.

use std::path::PathBuf;

use hearth_storage::ts::{format_ts, parse_ts};
use hearth_storage::{
    name_key, NewAudit, NewMessage, NewUser, Page, Role, StorageError, Store, StoredMessage, LOBBY,
    SCHEMA_VERSION,
};
use tempfile::TempDir;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn temp_db() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // A nested path also checks that the parent directory is created.
    let path = dir.path().join("data").join("hearth.db");
    (dir, path)
}

fn user(store: &Store, name: &str) -> i64 {
    store
        .create_user(&NewUser {
            name,
            pw_hash: "$argon2id$v=19$secret",
            color: "#112233",
            role: Role::Member,
        })
        .unwrap()
        .id
}

fn t0() -> OffsetDateTime {
    datetime!(2026-11-21 23:59:01.123 UTC)
}

fn room_msg(room: i64, sender: i64, text: &str) -> NewMessage {
    NewMessage {
        room_id: Some(room),
        sender_id: sender,
        recipient_id: None,
        text: text.to_owned(),
        ts: t0(),
        file: None,
        mentions: Vec::new(),
        mention_room: false,
    }
}

fn dm(sender: i64, recipient: i64, text: &str) -> NewMessage {
    NewMessage {
        room_id: None,
        sender_id: sender,
        recipient_id: Some(recipient),
        text: text.to_owned(),
        ts: t0(),
        file: None,
        mentions: Vec::new(),
        mention_room: false,
    }
}

fn ids(msgs: &[StoredMessage]) -> Vec<i64> {
    msgs.iter().map(|m| m.id).collect()
}

fn lobby_id(store: &Store) -> i64 {
    store.room_by_name(LOBBY).unwrap().unwrap().id
}

#[test]
fn migrations_are_idempotent() {
    let (_dir, path) = temp_db();
    {
        let store = Store::open(&path).unwrap();
        user(&store, "alice");
        store.checkpoint().unwrap();
    }
    let store = Store::open(&path).unwrap();
    drop(store);
    let store = Store::open(&path).unwrap();
    let rooms = store.rooms().unwrap();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(rooms[0].name, LOBBY);
    assert_eq!(store.user_count().unwrap(), 1);
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(version, 7, "bump with each new migration");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StorageError::Migration(_))
    ));
}

#[test]
fn names_are_unique_case_insensitively() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let elise = store
        .create_user(&NewUser {
            name: "Élise",
            pw_hash: "h",
            color: "#fff",
            role: Role::Owner,
        })
        .unwrap();
    assert_eq!(elise.name, "Élise");
    for dup in ["élise", "ÉLISE", "Élise"] {
        let err = store
            .create_user(&NewUser {
                name: dup,
                pw_hash: "h",
                color: "#fff",
                role: Role::Member,
            })
            .unwrap_err();
        assert!(matches!(err, StorageError::NameTaken), "{dup}: {err:?}");
    }
    assert_eq!(store.user_count().unwrap(), 1);
    // Lookup is case-insensitive and returns the stored case.
    let found = store.user_by_name("éLiSe").unwrap().unwrap();
    assert_eq!(found, elise);
    assert_eq!(store.user_by_id(elise.id).unwrap().unwrap(), elise);
    assert_eq!(store.owner().unwrap().unwrap().id, elise.id);
    assert!(store.user_by_name("elise").unwrap().is_none());
    assert!(store.user_by_id(elise.id + 100).unwrap().is_none());
    assert_eq!(name_key("ÉLISE"), "élise");

    // Rooms too.
    assert!(matches!(
        store.create_room("LOBBY"),
        Err(StorageError::NameTaken)
    ));
    let r = store.create_room("Café").unwrap();
    assert!(matches!(
        store.create_room("CAFÉ"),
        Err(StorageError::NameTaken)
    ));
    assert_eq!(store.room_by_name("café").unwrap().unwrap(), r);
}

#[test]
fn user_updates() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    assert!(store.owner().unwrap().is_none());
    let id = user(&store, "bob");
    store.set_color(id, "#abcdef").unwrap();
    store.set_password_hash(id, "new-hash").unwrap();
    store.set_role(id, Role::Admin).unwrap();
    let u = store.user_by_id(id).unwrap().unwrap();
    assert_eq!(
        (u.color.as_str(), u.pw_hash.as_str(), u.role),
        ("#abcdef", "new-hash", Role::Admin)
    );
    let missing = id + 1000;
    for res in [
        store.set_color(missing, "#000"),
        store.set_password_hash(missing, "x"),
        store.set_role(missing, Role::Owner),
        store.rename_user(missing, "ghost"),
        store.set_kick(missing, None, "r", "by"),
        store.clear_kick(missing),
    ] {
        assert!(matches!(res, Err(StorageError::NotFound)), "{res:?}");
    }
}

#[test]
fn rename_keeps_history_and_detects_conflicts() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let lobby = lobby_id(&store);
    let alice = user(&store, "alice");
    let bob = user(&store, "bob");
    store
        .insert_messages(&[room_msg(lobby, alice, "hi"), dm(alice, bob, "psst")])
        .unwrap();

    assert!(matches!(
        store.rename_user(alice, "BOB"),
        Err(StorageError::NameTaken)
    ));
    // Changing only the case of one's own name is allowed.
    store.rename_user(alice, "Alice").unwrap();
    store.rename_user(alice, "Alicia").unwrap();
    store.set_color(alice, "#ff0000").unwrap();
    assert!(store.user_by_name("alice").unwrap().is_none());
    assert_eq!(store.user_by_name("ALICIA").unwrap().unwrap().id, alice);
    // The old name is free again.
    user(&store, "alice");

    let h = store
        .room_history(lobby, Page::Latest { limit: 10 })
        .unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].from.as_str(), h[0].color.as_str()),
        ("Alicia", "#ff0000")
    );
    assert_eq!(h[0].room.as_deref(), Some(LOBBY));
    assert_eq!(h[0].to, None);

    store.rename_user(bob, "Robert").unwrap();
    let p = store
        .private_history(bob, alice, Page::Latest { limit: 10 })
        .unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].from, "Alicia");
    assert_eq!(p[0].to.as_deref(), Some("Robert"));
    assert_eq!(p[0].room, None);
}

#[test]
fn rooms_persist_across_reopen() {
    let (_dir, path) = temp_db();
    let (general, random) = {
        let store = Store::open(&path).unwrap();
        (
            store.create_room("General").unwrap(),
            store.create_room("random").unwrap(),
        )
    };
    let store = Store::open(&path).unwrap();
    let rooms = store.rooms().unwrap();
    let names: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, [LOBBY, "General", "random"]);
    assert_eq!(rooms[1], general);
    assert_eq!(rooms[2], random);
    assert_eq!(store.room_by_name("general").unwrap().unwrap(), general);
    assert!(store.room_by_name("nope").unwrap().is_none());
}

#[test]
fn insert_batch_returns_ascending_ids_and_is_atomic() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let lobby = lobby_id(&store);
    let a = user(&store, "a");
    assert!(store.insert_messages(&[]).unwrap().is_empty());
    let batch: Vec<_> = (0..500)
        .map(|i| room_msg(lobby, a, &format!("m{i}")))
        .collect();
    let got = store.insert_messages(&batch).unwrap();
    assert_eq!(got.len(), 500);
    assert!(got.windows(2).all(|w| w[0] + 1 == w[1]), "{got:?}");
    let more = store.insert_messages(&batch[..3]).unwrap();
    assert!(more[0] > got[499]);

    // A bad message (unknown sender) rolls back the whole batch.
    let before = store
        .room_history(lobby, Page::Latest { limit: 1000 })
        .unwrap();
    let bad = [room_msg(lobby, a, "ok"), room_msg(lobby, a + 99, "bad")];
    assert!(matches!(
        store.insert_messages(&bad),
        Err(StorageError::Sqlite(_))
    ));
    // Both a room and a recipient: rejected by the CHECK constraint.
    let mut both = room_msg(lobby, a, "both");
    both.recipient_id = Some(a);
    assert!(store.insert_messages(&[both]).is_err());
    let after = store
        .room_history(lobby, Page::Latest { limit: 1000 })
        .unwrap();
    assert_eq!(ids(&before), ids(&after));

    // Text and timestamps round-trip.
    let h = store
        .room_history(lobby, Page::After { id: 0, limit: 1 })
        .unwrap();
    assert_eq!(h[0].text, "m0");
    assert_eq!(h[0].ts, t0());
}

#[test]
fn history_pages() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let lobby = lobby_id(&store);
    let other = store.create_room("other").unwrap().id;
    let a = user(&store, "a");
    let b = user(&store, "b");
    // Interleave other rooms' and private messages so ids in the lobby have gaps.
    let mut lobby_ids = Vec::new();
    for i in 0..120 {
        let got = store
            .insert_messages(&[
                room_msg(lobby, a, &format!("lobby {i}")),
                room_msg(other, b, "elsewhere"),
                dm(a, b, "private"),
            ])
            .unwrap();
        lobby_ids.push(got[0]);
    }

    let latest = store
        .room_history(lobby, Page::Latest { limit: 10 })
        .unwrap();
    assert_eq!(ids(&latest), lobby_ids[110..]);
    assert_eq!(latest.last().unwrap().text, "lobby 119");
    assert!(latest.iter().all(|m| m.room.as_deref() == Some(LOBBY)));

    let all = store
        .room_history(lobby, Page::Latest { limit: 1000 })
        .unwrap();
    assert_eq!(ids(&all), lobby_ids);

    let before = store
        .room_history(
            lobby,
            Page::Before {
                id: lobby_ids[50],
                limit: 5,
            },
        )
        .unwrap();
    assert_eq!(ids(&before), lobby_ids[45..50]);
    let after = store
        .room_history(
            lobby,
            Page::After {
                id: lobby_ids[50],
                limit: 5,
            },
        )
        .unwrap();
    assert_eq!(ids(&after), lobby_ids[51..56]);
    assert!(store
        .room_history(lobby, Page::Latest { limit: 0 })
        .unwrap()
        .is_empty());
    assert!(store
        .room_history(
            lobby,
            Page::Before {
                id: lobby_ids[0],
                limit: 50
            }
        )
        .unwrap()
        .is_empty());

    // Page forward with After, limit 50: 50 + 50 + 20, then nothing.
    let mut seen = Vec::new();
    let mut cursor = 0;
    let mut sizes = Vec::new();
    loop {
        let page = store
            .room_history(
                lobby,
                Page::After {
                    id: cursor,
                    limit: 50,
                },
            )
            .unwrap();
        if page.is_empty() {
            break;
        }
        sizes.push(page.len());
        cursor = page.last().unwrap().id;
        seen.extend(ids(&page));
    }
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(seen, lobby_ids);

    // Page backward with Before, limit 50: each page is oldest first.
    let mut pages = Vec::new();
    let mut page = store
        .room_history(lobby, Page::Latest { limit: 50 })
        .unwrap();
    while !page.is_empty() {
        let first = page[0].id;
        pages.push(ids(&page));
        page = store
            .room_history(
                lobby,
                Page::Before {
                    id: first,
                    limit: 50,
                },
            )
            .unwrap();
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
    let seen: Vec<i64> = pages.into_iter().rev().flatten().collect();
    assert_eq!(seen, lobby_ids);
}

#[test]
fn private_history_is_per_pair_in_both_directions() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let lobby = lobby_id(&store);
    let a = user(&store, "a");
    let b = user(&store, "b");
    let c = user(&store, "c");
    let got = store
        .insert_messages(&[
            dm(a, b, "a->b 1"),
            room_msg(lobby, a, "room"),
            dm(b, a, "b->a"),
            dm(a, c, "a->c"),
            dm(c, b, "c->b"),
            dm(b, c, "b->c"),
            dm(a, b, "a->b 2"),
        ])
        .unwrap();
    let ab = store
        .private_history(a, b, Page::Latest { limit: 50 })
        .unwrap();
    let texts: Vec<&str> = ab.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["a->b 1", "b->a", "a->b 2"]);
    assert_eq!(ids(&ab), [got[0], got[2], got[6]]);
    assert!(ab.iter().all(|m| m.room.is_none() && m.to.is_some()));
    assert_eq!(ab[1].from, "b");
    assert_eq!(ab[1].to.as_deref(), Some("a"));
    // Argument order does not matter.
    assert_eq!(
        store
            .private_history(b, a, Page::Latest { limit: 50 })
            .unwrap(),
        ab
    );
    let bc = store
        .private_history(c, b, Page::Latest { limit: 50 })
        .unwrap();
    assert_eq!(ids(&bc), [got[4], got[5]]);
    // Paging within a pair.
    let p = store
        .private_history(
            a,
            b,
            Page::Before {
                id: got[6],
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(ids(&p), [got[2]]);
    let p = store
        .private_history(
            a,
            b,
            Page::After {
                id: got[0],
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(ids(&p), [got[2]]);
    // No pair conversation at all.
    let d = user(&store, "d");
    assert!(store
        .private_history(a, d, Page::Latest { limit: 50 })
        .unwrap()
        .is_empty());
}

#[test]
fn kick_set_and_clear() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let id = user(&store, "troll");
    assert!(store.user_by_id(id).unwrap().unwrap().kick.is_none());

    let until = t0() + Duration::minutes(10);
    store.set_kick(id, Some(until), "spam", "mod").unwrap();
    let kick = store.user_by_id(id).unwrap().unwrap().kick.unwrap();
    assert_eq!(kick.until, Some(until));
    assert_eq!((kick.reason.as_str(), kick.by.as_str()), ("spam", "mod"));

    store.set_kick(id, None, "forever", "owner").unwrap();
    let kick = store.user_by_id(id).unwrap().unwrap().kick.unwrap();
    assert_eq!(kick.until, None);
    assert_eq!(
        (kick.reason.as_str(), kick.by.as_str()),
        ("forever", "owner")
    );

    store.clear_kick(id).unwrap();
    assert!(store.user_by_id(id).unwrap().unwrap().kick.is_none());
    // Clearing again is fine: the user exists.
    store.clear_kick(id).unwrap();
}

#[test]
fn audit_is_newest_first() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    assert!(store.audit_recent(10).unwrap().is_empty());
    for (i, kind) in ["login", "login_failed", "kick"].into_iter().enumerate() {
        store
            .audit(&NewAudit {
                ts: t0() + Duration::seconds(i as i64),
                kind,
                user: "alice",
                by: (kind == "kick").then_some("mod"),
                ip: Some("192.168.1.5"),
                port: Some(50000 + i as u16),
                detail: None,
            })
            .unwrap();
    }
    let recent = store.audit_recent(2).unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0].kind, "kick");
    assert_eq!(recent[0].by.as_deref(), Some("mod"));
    assert_eq!(recent[0].port, Some(50002));
    assert_eq!(recent[0].ts, t0() + Duration::seconds(2));
    assert_eq!(recent[1].kind, "login_failed");
    assert_eq!(recent[1].by, None);
    assert!(recent[0].id > recent[1].id);
    let all = store.audit_recent(100).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].kind, "login");
    assert_eq!(all[2].ip.as_deref(), Some("192.168.1.5"));
    assert_eq!(all[2].detail, None);
}

#[test]
fn sessions_start_and_end() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let id = user(&store, "alice");
    let s1 = store.session_start(id, "10.0.0.2", 54321, t0()).unwrap();
    let s2 = store.session_start(id, "::1", 1, t0()).unwrap();
    assert_ne!(s1, s2);
    let open = store.session_by_id(s1).unwrap().unwrap();
    assert_eq!(
        (open.user_id, open.ip.as_str(), open.port, open.login),
        (id, "10.0.0.2", 54321, t0())
    );
    assert_eq!((open.logout, open.end_reason), (None, None));

    let end = t0() + Duration::hours(1);
    store.session_end(s1, end, "quit").unwrap();
    let closed = store.session_by_id(s1).unwrap().unwrap();
    assert_eq!(closed.logout, Some(end));
    assert_eq!(closed.end_reason.as_deref(), Some("quit"));

    assert_eq!(store.end_open_sessions(end, "shutdown").unwrap(), 1);
    let s2 = store.session_by_id(s2).unwrap().unwrap();
    assert_eq!(s2.end_reason.as_deref(), Some("shutdown"));

    assert!(matches!(
        store.session_end(9999, end, "quit"),
        Err(StorageError::NotFound)
    ));
    assert!(store.session_by_id(9999).unwrap().is_none());
    // Unknown user: foreign key violation.
    assert!(store.session_start(id + 50, "10.0.0.2", 1, t0()).is_err());
}

#[test]
fn debug_of_user_hides_the_hash() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let new = NewUser {
        name: "alice",
        pw_hash: "$argon2id$v=19$m=19456,t=2,p=1$SECRETSALT$SECRETHASH",
        color: "#fff",
        role: Role::Member,
    };
    let u = store.create_user(&new).unwrap();
    for shown in [
        format!("{u:?}"),
        format!("{u:#?}"),
        format!("{new:?}"),
        format!("{:?}", store.user_by_name("alice").unwrap()),
    ] {
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(!shown.contains("argon2"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
    }
}

#[test]
fn roles_parse_and_print() {
    for role in [Role::Owner, Role::Admin, Role::Member] {
        assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        assert_eq!(role.to_string(), role.as_str());
    }
    assert_eq!("ADMIN".parse::<Role>().unwrap(), Role::Admin);
    assert!("root".parse::<Role>().is_err());
}

#[test]
fn timestamp_format() {
    let t = datetime!(2026-11-21 23:59:01.123456 UTC);
    assert_eq!(format_ts(t), "2026-11-21T23:59:01.123Z");
    assert_eq!(
        format_ts(datetime!(2026-01-02 03:04:05 UTC)),
        "2026-01-02T03:04:05.000Z"
    );
    // Other offsets are converted to UTC.
    assert_eq!(
        format_ts(datetime!(2026-11-22 01:59:01.5 +02:00)),
        "2026-11-21T23:59:01.500Z"
    );
    assert_eq!(
        parse_ts("2026-11-21T23:59:01.123Z").unwrap(),
        datetime!(2026-11-21 23:59:01.123 UTC)
    );
    assert!(matches!(
        parse_ts("yesterday"),
        Err(StorageError::Corrupt(_))
    ));
}

#[test]
fn store_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Store>();

    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let lobby = lobby_id(&store);
    let a = user(&store, "a");
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    store
                        .insert_messages(&[room_msg(lobby, a, &format!("{t}/{i}"))])
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let all = store
        .room_history(lobby, Page::Latest { limit: 1000 })
        .unwrap();
    assert_eq!(all.len(), 100);
}

#[test]
fn corrupt_rows_are_reported() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let id = user(&store, "alice");
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE users SET created = 'garbage' WHERE id = ?1", [id])
        .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.user_by_id(id),
        Err(StorageError::Corrupt(_))
    ));
}

#[test]
fn name_keys_fold_width_case_and_compatibility_forms() {
    assert_eq!(name_key("Ｚｅｄ"), name_key("zed"));
    assert_eq!(name_key("ｈｅａｒｔｈ"), "hearth");
    assert_eq!(name_key("Straße"), name_key("STRASSE"));
    assert_eq!(name_key("ﬁsh"), "fish");
    assert_ne!(
        name_key("inna"),
        name_key("інна"),
        "other scripts stay distinct"
    );
}

#[test]
fn upgrading_reports_names_that_now_collide_and_keeps_both_usable() {
    let (_dir, path) = temp_db();
    {
        let store = Store::open(&path).unwrap();
        user(&store, "Zed");
        store.create_room("hearth").unwrap();
    }
    // Make it a database of the first schema version (keys were plain lower
    // case; later versions' tables dropped), holding look-alikes it let through.
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "INSERT INTO users (name, name_key, pw_hash, color, role, created)
               VALUES ('Ｚｅｄ', 'ｚｅｄ', 'x', '#000000', 'member', '2026-01-01T00:00:00.000Z');
             INSERT INTO rooms (name, name_key, created)
               VALUES ('ｈｅａｒｔｈ', 'ｈｅａｒｔｈ', '2026-01-01T00:00:00.000Z');
             UPDATE users SET name_key = lower(name);
             DROP TRIGGER messages_fts_update;
             DROP TABLE messages_fts;
             DROP TABLE fts_state;
             DROP TABLE mentions;
             DROP TABLE reactions;
             DROP TABLE read_marks;
             DROP INDEX messages_recipient;
             ALTER TABLE messages DROP COLUMN edited;
             ALTER TABLE messages DROP COLUMN deleted;
             ALTER TABLE messages DROP COLUMN mention_room;
             ALTER TABLE users DROP COLUMN read_floor;
             DROP TABLE devices;
             DROP TABLE attachments;
             DROP TABLE blobs;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let clashes = store.name_clashes();
    assert_eq!(clashes.len(), 2, "{clashes:?}");
    assert_eq!(
        (
            clashes[0].table,
            clashes[0].name.as_str(),
            clashes[0].clashes_with.as_str()
        ),
        ("users", "Ｚｅｄ", "Zed")
    );
    assert_eq!(
        (
            clashes[1].table,
            clashes[1].name.as_str(),
            clashes[1].clashes_with.as_str()
        ),
        ("rooms", "ｈｅａｒｔｈ", "hearth")
    );
    // Both accounts and both rooms are still reached by their exact names; any
    // other spelling reaches the earlier one.
    assert_eq!(
        store.user_by_name("Ｚｅｄ").unwrap().unwrap().name,
        "Ｚｅｄ"
    );
    assert_eq!(store.user_by_name("Zed").unwrap().unwrap().name, "Zed");
    assert_eq!(store.user_by_name("ZED").unwrap().unwrap().name, "Zed");
    assert_eq!(
        store.room_by_name("ｈｅａｒｔｈ").unwrap().unwrap().name,
        "ｈｅａｒｔｈ"
    );
    assert_eq!(
        store.room_by_name("HEARTH").unwrap().unwrap().name,
        "hearth"
    );
    // New look-alikes are refused now.
    assert!(matches!(
        store.create_user(&NewUser {
            name: "ｚｅｄ",
            pw_hash: "x",
            color: "#000000",
            role: Role::Member,
        }),
        Err(StorageError::NameTaken)
    ));
    drop(store);
    assert!(
        Store::open(&path).unwrap().name_clashes().is_empty(),
        "reported once, by the upgrade"
    );
}

#[test]
fn devices_are_found_by_token_hash_and_marked_when_revoked() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let alice = user(&store, "alice");
    let bob = user(&store, "bob");
    let laptop = store
        .add_device(alice, "alice's laptop", "hash-1", Some("10.0.0.2"), t0())
        .unwrap();
    let phone = store
        .add_device(alice, "phone", "hash-2", None, t0())
        .unwrap();
    store
        .add_device(bob, "bob's pc", "hash-3", None, t0())
        .unwrap();
    assert!(
        !format!("{laptop:?}").contains("hash-1"),
        "Debug hides the hash"
    );

    let found = store.device_by_token_hash("hash-1").unwrap().unwrap();
    assert_eq!(
        (found.id, found.user_id, found.name.as_str()),
        (laptop.id, alice, "alice's laptop")
    );
    assert!(store.device_by_token_hash("nope").unwrap().is_none());

    store
        .touch_device(phone.id, Some("10.0.0.9"), t0() + Duration::minutes(5))
        .unwrap();
    let mine: Vec<String> = store
        .devices_of(alice)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(
        mine,
        ["phone", "alice's laptop"],
        "most recently used first"
    );

    // Only the owner can revoke a device, and only once.
    assert!(store.revoke_device(bob, laptop.id, t0()).unwrap().is_none());
    assert_eq!(
        store
            .revoke_device(alice, laptop.id, t0())
            .unwrap()
            .unwrap()
            .name,
        "alice's laptop"
    );
    assert!(store
        .revoke_device(alice, laptop.id, t0())
        .unwrap()
        .is_none());
    assert!(
        store
            .device_by_token_hash("hash-1")
            .unwrap()
            .unwrap()
            .revoked
    );

    assert_eq!(store.revoke_all_devices(alice, t0()).unwrap(), ["phone"]);
    assert!(store.devices_of(alice).unwrap().is_empty());
    assert_eq!(
        store.devices_of(bob).unwrap().len(),
        1,
        "others keep theirs"
    );
}

#[test]
fn a_file_message_keeps_what_was_sent_after_its_blob_is_evicted() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let alice = user(&store, "alice");
    let bob = user(&store, "bob");
    let room = store.create_room("games").unwrap().id;
    let shot = hearth_storage::FileMeta {
        name: "shot.png".into(),
        size: 2048,
        mime: "image/png".into(),
        sha256: "ab".repeat(32),
        image: Some((640, 480)),
    };
    let save = hearth_storage::FileMeta {
        name: "save.zip".into(),
        size: 10,
        mime: "application/zip".into(),
        sha256: "cd".repeat(32),
        image: None,
    };
    store.put_blob(&shot.sha256, shot.size, t0()).unwrap();
    store
        .put_blob(&save.sha256, save.size, t0() + Duration::seconds(1))
        .unwrap();
    let mut public = room_msg(room, alice, "[file] shot.png (2.0 KiB)");
    public.file = Some(shot.clone());
    let mut private = dm(alice, bob, "[file] save.zip (10 B)");
    private.file = Some(save.clone());
    let ids = store
        .insert_messages(&[public, room_msg(room, bob, "nice"), private])
        .unwrap();

    let page = store
        .room_history(room, Page::Latest { limit: 10 })
        .unwrap();
    let file = page[0].file.as_ref().unwrap();
    assert_eq!((&file.meta, file.available), (&shot, true));
    assert_eq!(page[1].file, None);
    let att = store.attachment(ids[2]).unwrap().unwrap();
    assert_eq!(
        (att.sender_id, att.recipient_id, att.room_id),
        (alice, Some(bob), None)
    );
    assert_eq!(att.file.meta, save);
    assert_eq!(
        store.attachment(ids[1]).unwrap(),
        None,
        "a text message has no file"
    );
    assert_eq!(store.blobs_total().unwrap(), 2058);

    // Oldest first; uploading the same content again renews it.
    let order: Vec<_> = store
        .blobs_oldest_first()
        .unwrap()
        .into_iter()
        .map(|b| b.sha256)
        .collect();
    assert_eq!(order, [shot.sha256.clone(), save.sha256.clone()]);
    store
        .put_blob(&shot.sha256, shot.size, t0() + Duration::seconds(5))
        .unwrap();
    let order: Vec<_> = store
        .blobs_oldest_first()
        .unwrap()
        .into_iter()
        .map(|b| b.sha256)
        .collect();
    assert_eq!(order, [save.sha256.clone(), shot.sha256.clone()]);
    assert_eq!(store.blobs_total().unwrap(), 2058, "stored once");

    store.delete_blob(&shot.sha256).unwrap();
    let page = store
        .room_history(room, Page::Latest { limit: 10 })
        .unwrap();
    let file = page[0].file.as_ref().unwrap();
    assert_eq!((&file.meta, file.available), (&shot, false));
    assert!(store.blob(&shot.sha256).unwrap().is_none());
    assert_eq!(store.blob(&save.sha256).unwrap().unwrap().size, 10);
}
