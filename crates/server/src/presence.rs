//! Live `list` and `list_room` pushes, sent only when presence changed.
//!
//! Changes are marked in the hub; this task wakes, waits a few milliseconds so
//! that a burst of changes (a crowd logging in) becomes one push, snapshots the
//! names under the lock, and encodes and queues the frames after releasing it.
//! Each frame is encoded once and shared by its recipients.

use std::sync::Arc;

use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::{LobbyList, RoomList};

use crate::hub::LOBBY;
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

/// Sends the pushes for every presence change so far.
pub(crate) fn push_changes(shared: &Shared) {
    let (lobby, rooms) = shared.with_hub(|hub| {
        let changes = hub.take_presence_changes();
        let lobby = changes.lobby.then(|| (hub.list_all(), hub.outboxes(LOBBY)));
        let rooms: Vec<_> = changes
            .rooms
            .into_iter()
            .map(|idx| (hub.list_room(idx), hub.outboxes(idx)))
            .collect();
        (lobby, rooms)
    });
    if let Some((list, outboxes)) = lobby {
        let frame = encode_push(&LobbyList(list), None);
        for outbox in outboxes {
            outbox.push(frame.clone());
        }
    }
    for (list, outboxes) in rooms {
        let frame = encode_push(&RoomList(list), None);
        for outbox in outboxes {
            outbox.push(frame.clone());
        }
    }
}
