//! What the client reports without being asked: every server push, plus the
//! connection's own state changes, through one channel.

use hearth_protocol::push::Notice;
use hearth_protocol::ChatMessage;
use tokio::sync::mpsc;

use crate::types::RoomList;

/// The connection's state, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// The connection dropped; this is reconnection attempt number `attempt` (from 1).
    Reconnecting {
        /// Attempt number, from 1.
        attempt: u32,
        /// Why the connection (or the previous attempt) failed.
        reason: String,
    },
    /// Connected again; logged in and back in `room` if the client had been.
    Reconnected {
        /// The room the client is back in, if any.
        room: Option<String>,
    },
    /// Stopped for good: no more reconnection attempts.
    Disconnected {
        /// Why.
        reason: String,
    },
}

/// One thing that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A chat message (public or private), including your own copies.
    Message(ChatMessage),
    /// The recent history pushed after entering `room`, oldest first.
    History {
        /// The room entered.
        room: String,
        /// Messages, oldest first.
        messages: Vec<ChatMessage>,
    },
    /// Someone joined, left, dropped, changed profile, was kicked or got a new role.
    Notice(Notice),
    /// The lobby's view of all rooms changed (`list` push), or the
    /// current room's members changed (`list_room` push, `in_room` set).
    Rooms(RoomList),
    /// `from` asks for a private chat.
    PrivateRequest {
        /// Who asks.
        from: String,
    },
    /// A private chat with `with` is open.
    PrivateStarted {
        /// The other person.
        with: String,
    },
    /// `by` declined your private request.
    PrivateRejected {
        /// Who declined.
        by: String,
    },
    /// The private chat with `with` ended.
    PrivateEnded {
        /// The other person.
        with: String,
        /// Why, as the server says.
        reason: String,
    },
    /// A pending private request with `with` was cancelled.
    PrivateCancelled {
        /// The other person.
        with: String,
        /// Why, as the server says.
        reason: String,
    },
    /// You were kicked; the client will not reconnect.
    Kicked {
        /// Who kicked you.
        by: String,
        /// Why.
        reason: String,
        /// When the cooldown ends (RFC 3339), or `None` for no cooldown.
        until: Option<String>,
    },
    /// The server said goodbye. After a takeover or a timeout the session is
    /// over; when the server is shutting down (`restarting`), the client keeps
    /// trying to reconnect and resumes when it is back.
    Bye {
        /// The server's message.
        message: Option<String>,
        /// True when the server is shutting down and the client will reconnect.
        restarting: bool,
    },
    /// `user` is typing in `room`, or (no room) to you in your private chat.
    Typing {
        /// Who is typing.
        user: String,
        /// The room, for a room.
        room: Option<String>,
    },
    /// A message's reactions changed.
    Reactions(hearth_protocol::requests::MessageReactions),
    /// A message was edited: the whole message as it is now.
    Edited(ChatMessage),
    /// A message was deleted.
    Deleted(hearth_protocol::requests::MessageDeleted),
    /// A new message in a room you are not in (for unread counts; no text).
    Activity(hearth_protocol::push::Activity),
    /// The connection's state changed.
    Connection(ConnectionState),
    /// A push this client does not know, as received.
    Other(hearth_protocol::Envelope),
    /// A frame exactly as received (only with [`crate::ClientOptions::raw_frames`]).
    Raw(String),
}

/// The receiving end of a client's events.
///
/// The channel is unbounded so that a slow consumer can never stall the
/// connection (heartbeats and replies keep flowing); read it steadily.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<Event>,
}

impl EventStream {
    pub(crate) fn new(rx: mpsc::UnboundedReceiver<Event>) -> EventStream {
        EventStream { rx }
    }

    /// The next event; `None` once the client has stopped and every event was read.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }
}
