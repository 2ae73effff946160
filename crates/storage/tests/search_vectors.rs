//! Full-text search on a real SQLite file against the shared cases in
//! `crates/protocol/tests/vectors/conversation_rules.json`, which the UI
//! mock's search is checked against too (`ui/tests/vectors.test.ts`).

use hearth_storage::{Conversation, NewMessage, NewUser, Role, Store};
use serde_json::Value;
use tempfile::TempDir;
use time::OffsetDateTime;

#[test]
fn search_finds_what_the_cases_say() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/tests/vectors/conversation_rules.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = all["search"].as_array().unwrap();
    assert!(cases.len() >= 5, "too few search cases");
    let dir = TempDir::new().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    let alice = store
        .create_user(&NewUser {
            name: "alice",
            pw_hash: "h",
            color: "#112233",
            role: Role::Member,
        })
        .unwrap()
        .id;
    for (i, case) in cases.iter().enumerate() {
        // one room per case, so each search sees only its own text
        let room = store.create_room(&format!("case{i}")).unwrap().id;
        let text = case["text"].as_str().unwrap();
        store
            .insert_messages(&[NewMessage {
                room_id: Some(room),
                sender_id: alice,
                recipient_id: None,
                text: text.to_owned(),
                ts: OffsetDateTime::now_utc(),
                file: None,
                mentions: Vec::new(),
                mention_room: false,
            }])
            .unwrap();
        let query = case["query"].as_str().unwrap();
        let found = !store
            .search(Conversation::Room(room), query, None, 10)
            .unwrap()
            .is_empty();
        assert_eq!(found, case["found"].as_bool().unwrap(), "{case}");
    }
}
