//! `event` pushes: joined, left, disconnected, profile, kicked.

use bytes::Bytes;
use hearth_protocol::envelope::ok_frame;
use hearth_storage::ts::format_ts;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::hub::{Hub, RoomIdx};

/// Encodes an `event` push with `kind`, `user`, `ts` and the given extra fields.
pub(crate) fn event_frame(kind: &str, user: &str, extra: Value) -> Bytes {
    let mut data = json!({
        "kind": kind,
        "user": user,
        "ts": format_ts(OffsetDateTime::now_utc()),
    });
    if let (Some(map), Value::Object(extra)) = (data.as_object_mut(), extra) {
        map.extend(extra);
    }
    ok_frame("event", None, Some(&data), None)
}

/// Tells everyone now in `room` that `user` came in, left or dropped.
pub(crate) fn place_event(hub: &mut Hub, kind: &str, user: &str, room: RoomIdx) {
    let name = hub.room(room).name.clone();
    let frame = event_frame(kind, user, json!({ "room": name }));
    hub.send_room(room, &frame);
}

/// Encodes a `bye` push: `message` for people, `data.reason` for programs
/// (`shutdown` means the server is restarting and clients may reconnect).
pub(crate) fn bye_frame(message: &str, reason: &str) -> Bytes {
    ok_frame(
        "bye",
        Some(message),
        Some(&json!({ "reason": reason })),
        None,
    )
}
