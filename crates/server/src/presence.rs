//! Live `list` and `list_room` pushes, sent only when presence changed.
//!
//! Changes are marked dirty in the hub; this task wakes, waits a few
//! milliseconds so that a burst of changes (a crowd logging in) becomes one
//! push, snapshots the names under the lock, and encodes and queues the frames
//! after releasing it. Each frame is encoded once and shared by its recipients.

use std::sync::Arc;

use hearth_protocol::envelope::ok_frame;
use serde_json::{Map, Value};

use crate::hub::Dirty;
use crate::shared::Shared;

/// Runs until shutdown.
pub(crate) async fn run(shared: Arc<Shared>) {
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = shared.presence.notified() => {}
        }
        tokio::time::sleep(shared.config.presence_delay).await;
        push_changes(&shared);
    }
}

/// Sends the pushes for everything marked dirty so far.
pub(crate) fn push_changes(shared: &Shared) {
    let (lobby, rooms) = {
        let mut hub = shared.hub();
        let dirty = std::mem::take(&mut hub.dirty);
        let Dirty { lobby, rooms } = dirty;
        let lobby = lobby.then(|| (hub.list_all(), hub.lobby_outboxes()));
        let rooms: Vec<_> = rooms
            .into_iter()
            .map(|idx| {
                let (name, members) = hub.room_entry(idx);
                (name, members, hub.outboxes(idx))
            })
            .collect();
        (lobby, rooms)
    };
    if let Some((list, outboxes)) = lobby {
        let frame = ok_frame("list", None, Some(&list), None);
        for outbox in outboxes {
            outbox.push(frame.clone());
        }
    }
    for (name, members, outboxes) in rooms {
        let mut data = Map::new();
        data.insert(name, members);
        let frame = ok_frame("list_room", None, Some(&Value::Object(data)), None);
        for outbox in outboxes {
            outbox.push(frame.clone());
        }
    }
}
