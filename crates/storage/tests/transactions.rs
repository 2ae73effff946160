//! `Store::transaction`: several changes through the store as one commit, on a
//! real SQLite file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::user;
use hearth_storage::{NewAudit, NewMessage, StorageError, Store};
use tempfile::TempDir;
use time::OffsetDateTime;

fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    (dir, store)
}

fn audit(store: &Store, kind: &'static str) -> hearth_storage::Result<()> {
    store.audit(&NewAudit {
        ts: OffsetDateTime::now_utc(),
        kind,
        user: "alice",
        by: None,
        ip: None,
        port: None,
        detail: None,
    })
}

fn audited(store: &Store) -> Vec<String> {
    let mut kinds: Vec<String> = store
        .audit_recent(100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    kinds.sort();
    kinds
}

#[test]
fn what_the_work_does_is_committed_together() {
    let (_dir, store) = open();
    let alice = user(&store, "alice");
    let now = OffsetDateTime::now_utc();
    let (device, session) = store
        .transaction(|store| {
            let device = store.add_device(alice, "laptop", "hash", Some("10.0.0.2"), now)?;
            store.touch_device(device.id, Some("10.0.0.3"), now)?;
            let session = store.session_start(alice, "10.0.0.3", 4000, now)?;
            audit(store, "login")?;
            Ok((device, session))
        })
        .unwrap();
    assert_eq!(store.devices_of(alice).unwrap()[0].id, device.id);
    assert!(store.session_by_id(session).unwrap().is_some());
    assert_eq!(audited(&store), ["login"]);
}

#[test]
fn a_failure_rolls_back_everything_before_it() {
    let (_dir, store) = open();
    let alice = user(&store, "alice");
    let now = OffsetDateTime::now_utc();
    let mut session = None;
    let failed: hearth_storage::Result<()> = store.transaction(|store| {
        store.add_device(alice, "laptop", "hash", None, now)?;
        session = Some(store.session_start(alice, "10.0.0.3", 4000, now)?);
        audit(store, "login")?;
        Err(StorageError::NotFound)
    });
    assert!(matches!(failed, Err(StorageError::NotFound)));
    assert_eq!(store.devices_of(alice).unwrap(), []);
    assert_eq!(store.session_by_id(session.unwrap()).unwrap(), None);
    assert!(audited(&store).is_empty());
    // The store goes on as before.
    audit(&store, "after").unwrap();
    assert_eq!(audited(&store), ["after"]);
}

#[test]
fn methods_with_their_own_transaction_join_the_outer_one() {
    let (_dir, store) = open();
    let alice = user(&store, "alice");
    let lobby = store.room_by_name("lobby").unwrap().unwrap().id;
    let message = |text: &str| NewMessage {
        room_id: Some(lobby),
        sender_id: alice,
        recipient_id: None,
        text: text.to_owned(),
        ts: OffsetDateTime::now_utc(),
        file: None,
        mentions: vec![],
        mention_room: false,
    };
    let kept = store.insert_messages(&[message("kept")]).unwrap()[0];
    let failed: hearth_storage::Result<()> = store.transaction(|store| {
        // Both open a transaction of their own when called alone.
        store.insert_messages(&[message("gone")])?;
        store.toggle_reaction(kept, alice, "👍", 20, OffsetDateTime::now_utc())?;
        Err(StorageError::NotFound)
    });
    assert!(failed.is_err());
    let history = store
        .room_history(lobby, hearth_storage::Page::Latest { limit: 10 })
        .unwrap();
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["kept"]);
    assert!(
        history[0].reactions.is_empty(),
        "{:?}",
        history[0].reactions
    );
}

#[test]
fn a_panic_inside_rolls_back_and_leaves_the_store_usable() {
    let (_dir, store) = open();
    let alice = user(&store, "alice");
    let now = OffsetDateTime::now_utc();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        let _: hearth_storage::Result<()> = store.transaction(|store| {
            store.session_start(alice, "10.0.0.3", 4000, now)?;
            audit(store, "login")?;
            panic!("a bug in the work");
        });
    }));
    assert!(panicked.is_err());
    assert!(audited(&store).is_empty(), "rolled back while unwinding");
    // Not stuck inside the abandoned transaction: this commits on its own, and
    // a new transaction begins and commits.
    audit(&store, "after").unwrap();
    store
        .transaction(|store| audit(store, "in a new transaction"))
        .unwrap();
    assert_eq!(audited(&store), ["after", "in a new transaction"]);
}

#[test]
fn other_threads_wait_instead_of_joining_the_transaction() {
    let (_dir, store) = open();
    let (inside_tx, inside) = mpsc::channel();
    let other = store.clone();
    let writer = std::thread::spawn(move || {
        inside.recv().unwrap();
        // Runs while the transaction below is open: it must wait for it to
        // end, not be rolled back with it.
        audit(&other, "other thread").unwrap();
    });
    let failed: hearth_storage::Result<()> = store.transaction(|store| {
        audit(store, "rolled back")?;
        inside_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        Err(StorageError::NotFound)
    });
    assert!(failed.is_err());
    writer.join().unwrap();
    assert_eq!(audited(&store), ["other thread"]);
}
