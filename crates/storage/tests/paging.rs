//! History paging has no gap and no overlap, whatever is sent while a client
//! pages: a property test over real SQLite files.

use hearth_storage::{NewMessage, NewUser, Page, Role, Store};
use proptest::prelude::*;
use time::OffsetDateTime;

/// One step of a session: someone sends `n` messages to room `room`, or the
/// pager reads its next page of `limit`.
#[derive(Debug, Clone)]
enum Step {
    Send { room: usize, n: usize },
    Page { limit: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize, 1..6usize).prop_map(|(room, n)| Step::Send { room, n }),
        (1..8u32).prop_map(|limit| Step::Page { limit }),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    rooms: [i64; 2],
    sender: i64,
    /// Ids sent to each room, in order.
    sent: [Vec<i64>; 2],
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let sender = store
            .create_user(&NewUser {
                name: "s",
                pw_hash: "x",
                color: "#000000",
                role: Role::Member,
            })
            .unwrap()
            .id;
        let rooms = [
            store.create_room("a").unwrap().id,
            store.create_room("b").unwrap().id,
        ];
        World {
            _dir: dir,
            store,
            rooms,
            sender,
            sent: [Vec::new(), Vec::new()],
        }
    }

    fn send(&mut self, room: usize, n: usize) {
        let batch: Vec<NewMessage> = (0..n)
            .map(|i| NewMessage {
                room_id: Some(self.rooms[room]),
                sender_id: self.sender,
                recipient_id: None,
                text: format!("m{i}"),
                ts: OffsetDateTime::now_utc(),
                file: None,
                mentions: Vec::new(),
                mention_room: false,
            })
            .collect();
        let ids = self.store.insert_messages(&batch).unwrap();
        self.sent[room].extend(ids);
    }

    fn page(&self, page: Page) -> Vec<i64> {
        let got: Vec<i64> = self
            .store
            .room_history(self.rooms[0], page)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "oldest first: {got:?}");
        got
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Paging forward with `after_id` (as a reconnecting client does) while
    /// messages keep arriving sees every message of the room once, in order.
    #[test]
    fn forward_paging_sees_everything_once(before in 0..10usize, steps in proptest::collection::vec(step(), 0..40)) {
        let mut w = World::new();
        w.send(0, before);
        let mut seen = Vec::new();
        let mut after = 0;
        for s in steps {
            match s {
                Step::Send { room, n } => w.send(room, n),
                Step::Page { limit } => {
                    let got = w.page(Page::After { id: after, limit });
                    prop_assert!(got.len() <= limit as usize);
                    if let Some(last) = got.last() {
                        after = *last;
                    }
                    seen.extend(got);
                }
            }
        }
        loop {
            let got = w.page(Page::After { id: after, limit: 7 });
            let Some(last) = got.last() else { break };
            after = *last;
            seen.extend(got);
        }
        prop_assert_eq!(&seen, &w.sent[0]);
    }

    /// Paging backward with `before_id` from the newest page (as scrolling up
    /// does) while messages keep arriving sees every message that existed when
    /// it started once, newest pages first, and nothing else.
    #[test]
    fn backward_paging_sees_everything_once(before in 0..20usize, steps in proptest::collection::vec(step(), 0..40)) {
        let mut w = World::new();
        w.send(0, before);
        let first = w.page(Page::Latest { limit: 5 });
        let expected = w.sent[0].clone();
        let mut pages = vec![first.clone()];
        let mut oldest = first.first().copied();
        for s in steps {
            match s {
                Step::Send { room, n } => w.send(room, n),
                Step::Page { limit } => {
                    let Some(bound) = oldest else { continue };
                    let got = w.page(Page::Before { id: bound, limit });
                    prop_assert!(got.len() <= limit as usize);
                    oldest = got.first().copied().or(oldest);
                    if got.is_empty() {
                        oldest = None;
                    }
                    pages.push(got);
                }
            }
        }
        while let Some(bound) = oldest {
            let got = w.page(Page::Before { id: bound, limit: 7 });
            oldest = got.first().copied();
            pages.push(got);
        }
        let seen: Vec<i64> = pages.into_iter().rev().flatten().collect();
        prop_assert_eq!(seen, expected);
    }
}
