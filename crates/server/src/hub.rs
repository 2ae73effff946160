//! Who is connected, who is logged in as whom, and who is in which room.
//!
//! The [`Hub`] is the single owner of live presence. It lives behind one std
//! `Mutex` in [`crate::shared::Shared`]; every method here is short, synchronous
//! work on in-memory maps plus non-blocking queue pushes, so the lock is never
//! held across an `.await` and never waits on I/O.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;

use bytes::Bytes;
use hearth_storage::Role;
use serde_json::{Map, Value};

use crate::outbox::Outbox;

/// Identifies one connection for its whole life.
pub(crate) type ConnId = u64;

/// Index of a room in [`Hub::rooms`]; rooms are never removed, so indexes are stable.
pub(crate) type RoomIdx = usize;

/// The lobby is always the first room.
pub(crate) const LOBBY: RoomIdx = 0;

/// A logged-in account, as the hub knows it.
#[derive(Debug, Clone)]
pub(crate) struct OnlineUser {
    /// Database id.
    pub id: i64,
    /// Name as the user wrote it.
    pub name: String,
    /// Case-folded name.
    pub key: String,
    /// `#rrggbb`.
    pub color: String,
    /// Current role.
    pub role: Role,
}

/// One connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub outbox: Outbox,
    pub peer: SocketAddr,
    pub user: Option<OnlineUser>,
    /// Where a logged-in connection is; `None` while in the auth state.
    pub room: Option<RoomIdx>,
    /// While a room's history is being fetched for this connection, live frames
    /// wait here so that the history push comes first.
    pub held: Option<Vec<Bytes>>,
    /// Why the server is ending this connection (kick, takeover), for the sessions table.
    pub end_reason: Option<&'static str>,
}

/// A connection's protocol state, derived from the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Auth,
    Lobby,
    Room(RoomIdx),
}

impl State {
    /// The name used in error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            State::Auth => "auth",
            State::Lobby => "lobby",
            State::Room(_) => "room",
        }
    }
}

/// One room and who is in it.
#[derive(Debug)]
pub(crate) struct RoomState {
    /// Database id.
    pub id: i64,
    /// Name as created.
    pub name: String,
    /// Connections in the room, in the order they came in.
    pub members: Vec<ConnId>,
    /// Id of the newest message already pushed to this room's members.
    pub last_broadcast_id: i64,
}

/// Presence that changed since the last `list`/`list_room` pushes.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    /// Rooms or who-is-where changed: the lobby needs a `list` push.
    pub lobby: bool,
    /// Rooms whose membership changed: their members need a `list_room` push.
    pub rooms: BTreeSet<RoomIdx>,
}

/// What happened to an earlier connection of the same account at login.
#[derive(Debug)]
pub(crate) struct TakenOver {
    pub outbox: Outbox,
    pub room: Option<RoomIdx>,
}

/// Live presence and routing.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    conns: HashMap<ConnId, Conn>,
    /// Name key → the connection logged in as that account.
    online: HashMap<String, ConnId>,
    /// User id → the connection logged in as that account (same entries as `online`).
    user_conns: HashMap<i64, ConnId>,
    /// Active private links, as (smaller user id, larger user id).
    pub links: HashSet<(i64, i64)>,
    /// Pending private requests, as (requester id, target id).
    pub requests: HashSet<(i64, i64)>,
    rooms: Vec<RoomState>,
    /// Room name key → index in `rooms`.
    room_index: HashMap<String, RoomIdx>,
    next_id: ConnId,
    pub dirty: Dirty,
}

impl Hub {
    /// A hub holding `rooms` (the lobby must come first).
    pub(crate) fn new(rooms: Vec<(i64, String)>) -> Hub {
        let mut hub = Hub::default();
        for (id, name) in rooms {
            hub.add_room(id, name);
        }
        hub
    }

    /// Adds a room and returns its index.
    pub(crate) fn add_room(&mut self, id: i64, name: String) -> RoomIdx {
        let idx = self.rooms.len();
        self.room_index.insert(hearth_storage::name_key(&name), idx);
        self.rooms.push(RoomState {
            id,
            name,
            members: Vec::new(),
            last_broadcast_id: 0,
        });
        self.dirty.lobby = true;
        idx
    }

    /// Finds a room by name, case-insensitively.
    pub(crate) fn find_room(&self, name: &str) -> Option<RoomIdx> {
        self.room_index
            .get(&hearth_storage::name_key(name))
            .copied()
    }

    /// The room at `idx`.
    pub(crate) fn room(&self, idx: RoomIdx) -> &RoomState {
        &self.rooms[idx]
    }

    /// Number of open connections.
    pub(crate) fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Number of logged-in accounts.
    pub(crate) fn online_count(&self) -> usize {
        self.online.len()
    }

    /// Registers a new connection in the auth state.
    pub(crate) fn add_conn(&mut self, outbox: Outbox, peer: SocketAddr) -> ConnId {
        self.next_id += 1;
        let id = self.next_id;
        self.conns.insert(
            id,
            Conn {
                outbox,
                peer,
                user: None,
                room: None,
                held: None,
                end_reason: None,
            },
        );
        id
    }

    /// Forgets a connection; returns what it was, for the leaving notices.
    pub(crate) fn remove_conn(&mut self, id: ConnId) -> Option<Conn> {
        let conn = self.conns.remove(&id)?;
        if let Some(room) = conn.room {
            self.leave_room(id, room);
        }
        if let Some(user) = &conn.user {
            self.forget_online(id, user.id, &user.key.clone());
        }
        Some(conn)
    }

    /// The connection's protocol state.
    pub(crate) fn state(&self, id: ConnId) -> State {
        match self.conns.get(&id) {
            Some(Conn {
                user: Some(_),
                room: Some(LOBBY),
                ..
            }) => State::Lobby,
            Some(Conn {
                user: Some(_),
                room: Some(room),
                ..
            }) => State::Room(*room),
            _ => State::Auth,
        }
    }

    /// The account a connection is logged in as.
    pub(crate) fn user(&self, id: ConnId) -> Option<&OnlineUser> {
        self.conns.get(&id)?.user.as_ref()
    }

    /// The account `id` is logged in as, or the refusal every handler gives
    /// when it is not (a kick or takeover can end a login between requests).
    pub(crate) fn me(&self, id: ConnId) -> Result<&OnlineUser, crate::session::Refusal> {
        self.user(id)
            .ok_or_else(|| crate::session::Refusal::new("you are not logged in"))
    }

    /// The connection logged in as the account with this name, if any.
    pub(crate) fn online_conn(&self, name: &str) -> Option<ConnId> {
        self.online.get(&hearth_storage::name_key(name)).copied()
    }

    /// Marks `id` as logged in as `user` and puts it in the lobby. An earlier
    /// connection of the same account is detached and returned, to be closed.
    pub(crate) fn login(&mut self, id: ConnId, user: OnlineUser) -> Option<TakenOver> {
        let taken = match self.online.insert(user.key.clone(), id) {
            Some(old) if old != id => self.detach(old),
            _ => None,
        };
        self.user_conns.insert(user.id, id);
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.user = Some(user);
            conn.room = Some(LOBBY);
        }
        self.rooms[LOBBY].members.push(id);
        self.dirty.lobby = true;
        taken
    }

    /// Takes a connection out of its account and room, leaving it in the auth state.
    fn detach(&mut self, id: ConnId) -> Option<TakenOver> {
        let conn = self.conns.get_mut(&id)?;
        conn.user = None;
        conn.end_reason = Some("taken over by a new login");
        let room = conn.room.take();
        let outbox = conn.outbox.clone();
        if let Some(room) = room {
            self.leave_room(id, room);
        }
        Some(TakenOver { outbox, room })
    }

    /// Logs a connection out; returns the account it was logged in as and where it was.
    pub(crate) fn logout(&mut self, id: ConnId) -> Option<(OnlineUser, RoomIdx)> {
        let conn = self.conns.get_mut(&id)?;
        let user = conn.user.take()?;
        let room = conn.room.take().unwrap_or(LOBBY);
        self.leave_room(id, room);
        self.forget_online(id, user.id, &user.key);
        Some((user, room))
    }

    /// Logs a connection out and tells the place it was in that it left
    /// (`logout`, and a kick, which then closes the connection).
    pub(crate) fn sign_out(&mut self, id: ConnId) -> Option<OnlineUser> {
        let (user, room) = self.logout(id)?;
        crate::events::place_event(self, "left", &user.name, room);
        Some(user)
    }

    /// Removes the online entries of `id`, unless a newer login replaced them.
    fn forget_online(&mut self, id: ConnId, user_id: i64, key: &str) {
        if self.online.get(key) == Some(&id) {
            self.online.remove(key);
        }
        if self.user_conns.get(&user_id) == Some(&id) {
            self.user_conns.remove(&user_id);
        }
    }

    /// The connection logged in as user `user_id`.
    pub(crate) fn conn_of_user(&self, user_id: i64) -> Option<ConnId> {
        self.user_conns.get(&user_id).copied()
    }

    /// The online account with this user id.
    pub(crate) fn online_user(&self, user_id: i64) -> Option<&OnlineUser> {
        self.user(self.conn_of_user(user_id)?)
    }

    fn leave_room(&mut self, id: ConnId, room: RoomIdx) {
        let members = &mut self.rooms[room].members;
        if let Some(pos) = members.iter().position(|m| *m == id) {
            members.remove(pos);
        }
        self.dirty.lobby = true;
        if room != LOBBY {
            self.dirty.rooms.insert(room);
        }
    }

    /// Moves a connection from its current place into `room`. Live frames for it
    /// are held until [`Hub::release`]; returns the id of the newest message that
    /// was already pushed to the room (its history must end there).
    pub(crate) fn move_to(&mut self, id: ConnId, room: RoomIdx, hold: bool) -> i64 {
        let Some(conn) = self.conns.get_mut(&id) else {
            return 0;
        };
        let from = conn.room.replace(room);
        if hold {
            conn.held.get_or_insert_with(Vec::new);
        }
        if let Some(from) = from {
            self.leave_room(id, from);
        }
        self.rooms[room].members.push(id);
        self.dirty.lobby = true;
        if room != LOBBY {
            self.dirty.rooms.insert(room);
        }
        self.rooms[room].last_broadcast_id
    }

    /// Sends the frames held for `id` after `first` (the history push).
    pub(crate) fn release(&mut self, id: ConnId, first: Option<Bytes>) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let held = conn.held.take().unwrap_or_default();
        for frame in first.into_iter().chain(held) {
            conn.outbox.push(frame);
        }
    }

    /// Queues a frame for one connection (respecting a history hold).
    pub(crate) fn send(&mut self, id: ConnId, frame: Bytes) {
        if let Some(conn) = self.conns.get_mut(&id) {
            match &mut conn.held {
                Some(held) => held.push(frame),
                None => {
                    conn.outbox.push(frame);
                }
            }
        }
    }

    /// Queues one frame for every member of `room`.
    pub(crate) fn send_room(&mut self, room: RoomIdx, frame: &Bytes) {
        // Index loop: `send` needs `&mut self` while the member list is read.
        for i in 0..self.rooms[room].members.len() {
            let member = self.rooms[room].members[i];
            self.send(member, frame.clone());
        }
    }

    /// Queues one frame for every member of `room` but `except`.
    pub(crate) fn send_room_except(&mut self, room: RoomIdx, frame: &Bytes, except: ConnId) {
        for i in 0..self.rooms[room].members.len() {
            let member = self.rooms[room].members[i];
            if member != except {
                self.send(member, frame.clone());
            }
        }
    }

    /// Queues one frame for every logged-in connection.
    pub(crate) fn send_online(&mut self, frame: &Bytes) {
        let ids: Vec<ConnId> = self.online.values().copied().collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    /// Records that messages up to `id` were pushed to `room`.
    pub(crate) fn mark_broadcast(&mut self, room: RoomIdx, id: i64) {
        let r = &mut self.rooms[room];
        r.last_broadcast_id = r.last_broadcast_id.max(id);
    }

    /// Names of the members of `room`, in the order they came in.
    pub(crate) fn member_names(&self, room: RoomIdx) -> Vec<String> {
        self.rooms[room]
            .members
            .iter()
            .filter_map(|m| self.conns.get(m)?.user.as_ref().map(|u| u.name.clone()))
            .collect()
    }

    /// `{room: [members]}` for every room, lobby first.
    pub(crate) fn list_all(&self) -> Map<String, Value> {
        (0..self.rooms.len())
            .map(|idx| self.room_entry(idx))
            .collect()
    }

    /// `(room name, [members])` for one room.
    pub(crate) fn room_entry(&self, idx: RoomIdx) -> (String, Value) {
        let names = self
            .member_names(idx)
            .into_iter()
            .map(Value::String)
            .collect();
        (self.rooms[idx].name.clone(), Value::Array(names))
    }

    /// The outboxes of every connection in the lobby.
    pub(crate) fn lobby_outboxes(&self) -> Vec<Outbox> {
        self.outboxes(LOBBY)
    }

    /// The outboxes of every member of `room`.
    pub(crate) fn outboxes(&self, room: RoomIdx) -> Vec<Outbox> {
        self.rooms[room]
            .members
            .iter()
            .filter_map(|m| self.conns.get(m).map(|c| c.outbox.clone()))
            .collect()
    }

    /// The outbox of every connection, for shutdown.
    pub(crate) fn all_outboxes(&self) -> Vec<Outbox> {
        self.conns.values().map(|c| c.outbox.clone()).collect()
    }

    /// Mutable access to a logged-in account (profile and role changes).
    pub(crate) fn user_mut(&mut self, id: ConnId) -> Option<&mut OnlineUser> {
        self.conns.get_mut(&id)?.user.as_mut()
    }

    /// Re-keys the online map after a rename.
    pub(crate) fn rekey(&mut self, id: ConnId, old_key: &str, new_key: String) {
        if self.online.get(old_key) == Some(&id) {
            self.online.remove(old_key);
        }
        self.online.insert(new_key, id);
        self.dirty.lobby = true;
        if let Some(room) = self.conns.get(&id).and_then(|c| c.room) {
            if room != LOBBY {
                self.dirty.rooms.insert(room);
            }
        }
    }

    /// Records why the server is ending a connection.
    pub(crate) fn set_end_reason(&mut self, id: ConnId, reason: &'static str) {
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.end_reason = Some(reason);
        }
    }

    /// The peer address of a connection.
    pub(crate) fn peer(&self, id: ConnId) -> Option<SocketAddr> {
        self.conns.get(&id).map(|c| c.peer)
    }

    /// The outbox of a connection.
    pub(crate) fn outbox(&self, id: ConnId) -> Option<Outbox> {
        self.conns.get(&id).map(|c| c.outbox.clone())
    }
}
