//! Edits, deletions, mentions, reactions, read marks and search, on a real
//! SQLite file.

mod common;

use common::user;
use hearth_storage::{Conversation, NewMessage, Page, Store, UnreadCount};
use tempfile::TempDir;
use time::OffsetDateTime;

struct World {
    _dir: TempDir,
    path: std::path::PathBuf,
    store: Store,
    lobby: i64,
}

fn world() -> World {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("hearth.db");
    let store = Store::open(&path).unwrap();
    let lobby = store.room_by_name("lobby").unwrap().unwrap().id;
    World {
        _dir: dir,
        path,
        store,
        lobby,
    }
}

fn send(store: &Store, room: Option<i64>, from: i64, to: Option<i64>, text: &str) -> i64 {
    send_mentioning(store, room, from, to, text, &[])
}

fn send_mentioning(
    store: &Store,
    room: Option<i64>,
    from: i64,
    to: Option<i64>,
    text: &str,
    mentions: &[(i64, bool)],
) -> i64 {
    store
        .insert_messages(&[NewMessage {
            room_id: room,
            sender_id: from,
            recipient_id: to,
            text: text.to_owned(),
            ts: OffsetDateTime::now_utc(),
            file: None,
            mentions: mentions.to_vec(),
            mention_room: false,
        }])
        .unwrap()[0]
}

#[test]
fn deleted_text_is_gone_from_the_database_file_and_the_index() {
    let w = world();
    let alice = user(&w.store, "alice");
    let secret = "zanzibarquokka";
    let id = send(
        &w.store,
        Some(w.lobby),
        alice,
        None,
        &format!("the {secret} plan"),
    );
    send(&w.store, Some(w.lobby), alice, None, "something else");
    w.store.checkpoint().unwrap();
    let bytes = std::fs::read(&w.path).unwrap();
    assert!(
        contains(&bytes, secret.as_bytes()),
        "the test must see the text before the delete"
    );
    let found = w
        .store
        .search(Conversation::Room(w.lobby), secret, None, 10)
        .unwrap();
    assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);

    w.store
        .delete_message(id, OffsetDateTime::now_utc())
        .unwrap();

    let mut all = std::fs::read(&w.path).unwrap();
    let wal = w.path.with_extension("db-wal");
    if let Ok(log) = std::fs::read(&wal) {
        all.extend(log);
    }
    assert!(
        !contains(&all, secret.as_bytes()),
        "deleted text left in the file"
    );
    assert!(w
        .store
        .search(Conversation::Room(w.lobby), secret, None, 10)
        .unwrap()
        .is_empty());
    let m = w.store.message(id).unwrap().unwrap();
    assert!(m.deleted);
    assert_eq!(m.text, "");
    // A second delete finds nothing to delete.
    assert!(w
        .store
        .delete_message(id, OffsetDateTime::now_utc())
        .is_err());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn edits_replace_text_mentions_and_search_terms() {
    let w = world();
    let (alice, bob) = (user(&w.store, "alice"), user(&w.store, "bob"));
    let id = send_mentioning(
        &w.store,
        Some(w.lobby),
        alice,
        None,
        "hi @bob wombat",
        &[(bob, true)],
    );
    let before = w.store.message(id).unwrap().unwrap();
    assert_eq!(before.mentions, ["bob"]);
    assert!(before.edited.is_none());
    w.store
        .edit_message(
            id,
            "hi everyone numbat",
            &[],
            false,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    let after = w.store.message(id).unwrap().unwrap();
    assert_eq!(after.text, "hi everyone numbat");
    assert!(after.mentions.is_empty());
    assert!(after.edited.is_some());
    let room = Conversation::Room(w.lobby);
    assert!(w.store.search(room, "wombat", None, 10).unwrap().is_empty());
    assert_eq!(w.store.search(room, "numb", None, 10).unwrap().len(), 1);
}

#[test]
fn reactions_toggle_and_group_by_emoji() {
    let w = world();
    let (alice, bob) = (user(&w.store, "alice"), user(&w.store, "bob"));
    let id = send(&w.store, Some(w.lobby), alice, None, "gg");
    let now = OffsetDateTime::now_utc();
    w.store.toggle_reaction(id, alice, "👍", 2, now).unwrap();
    let groups = w
        .store
        .toggle_reaction(id, bob, "👍", 2, now)
        .unwrap()
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].users, ["alice", "bob"]);
    w.store.toggle_reaction(id, bob, "🎉", 2, now).unwrap();
    // A third different emoji is over the limit of two; an existing one is not.
    assert!(w
        .store
        .toggle_reaction(id, bob, "🔥", 2, now)
        .unwrap()
        .is_none());
    let later = now + time::Duration::seconds(1);
    let groups = w
        .store
        .toggle_reaction(id, alice, "🎉", 2, later)
        .unwrap()
        .unwrap();
    assert_eq!(users_of(&groups, "🎉"), ["bob", "alice"]);
    // Toggling again takes it back.
    let groups = w
        .store
        .toggle_reaction(id, alice, "👍", 2, now)
        .unwrap()
        .unwrap();
    assert_eq!(users_of(&groups, "👍"), ["bob"]);
    let page = w
        .store
        .room_history(w.lobby, Page::Latest { limit: 5 })
        .unwrap();
    assert_eq!(page[0].reactions, groups);
}

fn users_of<'a>(groups: &'a [hearth_storage::ReactionGroup], emoji: &str) -> &'a [String] {
    &groups.iter().find(|g| g.emoji == emoji).unwrap().users
}

#[test]
fn unread_counts_follow_read_marks_and_mentions() {
    let w = world();
    let alice = user(&w.store, "alice");
    // Messages before bob existed do not count for him.
    send(&w.store, Some(w.lobby), alice, None, "old");
    let bob = user(&w.store, "bob");
    assert!(w.store.unread_counts(bob).unwrap().is_empty());
    let games = w.store.create_room("games").unwrap().id;
    let m1 = send(&w.store, Some(games), alice, None, "one");
    send_mentioning(
        &w.store,
        Some(games),
        alice,
        None,
        "@bob two",
        &[(bob, true)],
    );
    send(&w.store, Some(games), bob, None, "my own does not count");
    let dm = send(&w.store, None, alice, Some(bob), "psst");
    let counts = w.store.unread_counts(bob).unwrap();
    assert_eq!(
        counts,
        [
            UnreadCount {
                room: Some("games".into()),
                with: None,
                last_read: counts[0].last_read,
                unread: 2,
                mentions: 1,
            },
            UnreadCount {
                room: None,
                with: Some("alice".into()),
                last_read: counts[1].last_read,
                unread: 1,
                mentions: 0,
            },
        ]
    );
    let after = w
        .store
        .mark_read(bob, Conversation::Room(games), m1)
        .unwrap();
    assert_eq!((after.unread, after.mentions, after.last_read), (1, 1, m1));
    // A mark never moves back.
    let same = w
        .store
        .mark_read(bob, Conversation::Room(games), 1)
        .unwrap();
    assert_eq!(same.last_read, m1);
    w.store
        .mark_read(
            bob,
            Conversation::Private {
                me: bob,
                peer: alice,
            },
            dm,
        )
        .unwrap();
    let counts = w.store.unread_counts(bob).unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].room.as_deref(), Some("games"));
}

#[test]
fn search_stays_inside_its_conversation_and_pages_newest_first() {
    let w = world();
    let (alice, bob, carol) = (
        user(&w.store, "alice"),
        user(&w.store, "bob"),
        user(&w.store, "carol"),
    );
    let games = w.store.create_room("games").unwrap().id;
    let ids: Vec<i64> = (0..5)
        .map(|i| {
            send(
                &w.store,
                Some(games),
                alice,
                None,
                &format!("lan party {i}"),
            )
        })
        .collect();
    send(
        &w.store,
        Some(w.lobby),
        alice,
        None,
        "lan party in the lobby",
    );
    send(&w.store, None, alice, Some(bob), "secret lan party");
    let room = Conversation::Room(games);
    let page = w.store.search(room, "party", None, 3).unwrap();
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        [ids[4], ids[3], ids[2]]
    );
    let next = w.store.search(room, "party", Some(ids[2]), 3).unwrap();
    assert_eq!(
        next.iter().map(|m| m.id).collect::<Vec<_>>(),
        [ids[1], ids[0]]
    );
    // Carol's private chat with alice does not contain alice and bob's.
    let theirs = Conversation::Private {
        me: carol,
        peer: alice,
    };
    assert!(w
        .store
        .search(theirs, "secret", None, 10)
        .unwrap()
        .is_empty());
    let bobs = Conversation::Private {
        me: bob,
        peer: alice,
    };
    assert_eq!(w.store.search(bobs, "secret", None, 10).unwrap().len(), 1);
    // FTS syntax typed by a user is only text.
    assert!(w.store.search(room, "\"party OR NEAR(", None, 10).is_ok());
    assert!(w.store.search(room, "  ", None, 10).unwrap().is_empty());
}

#[test]
fn the_search_index_catches_up_in_batches_and_before_every_search() {
    let w = world();
    let alice = user(&w.store, "alice");
    let room = Conversation::Room(w.lobby);
    let first = send(&w.store, Some(w.lobby), alice, None, "walrus one");
    // Below the batch size nothing is indexed by the pipeline's call...
    assert_eq!(
        w.store.index_pending(hearth_storage::INDEX_BATCH).unwrap(),
        0
    );
    // ...but a search indexes what waits first, so it is found.
    assert_eq!(w.store.search(room, "walrus", None, 10).unwrap().len(), 1);
    assert_eq!(w.store.index_pending(0).unwrap(), 0, "nothing left");
    // An edit of a message not indexed yet keeps the index right.
    let second = send(&w.store, Some(w.lobby), alice, None, "walrus two");
    w.store
        .edit_message(second, "narwhal two", &[], false, OffsetDateTime::now_utc())
        .unwrap();
    let found: Vec<i64> = w
        .store
        .search(room, "walrus", None, 10)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(found, [first]);
    assert_eq!(w.store.search(room, "narwhal", None, 10).unwrap().len(), 1);
    // A full batch is indexed by the pipeline's call.
    let batch: Vec<NewMessage> = (0..hearth_storage::INDEX_BATCH)
        .map(|i| NewMessage {
            room_id: Some(w.lobby),
            sender_id: alice,
            recipient_id: None,
            text: format!("seal {i}"),
            ts: OffsetDateTime::now_utc(),
            file: None,
            mentions: Vec::new(),
            mention_room: false,
        })
        .collect();
    w.store.insert_messages(&batch).unwrap();
    assert_eq!(
        w.store.index_pending(hearth_storage::INDEX_BATCH).unwrap(),
        hearth_storage::INDEX_BATCH as usize
    );
}
