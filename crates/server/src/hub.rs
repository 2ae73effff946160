//! Who is connected, who is logged in as whom, who is in which room, and which
//! private chats are open or asked for, with the rules that govern them.
//!
//! The [`Hub`] is the single owner of live presence: every field is private and
//! changes only through the methods here. It lives behind one std `Mutex` in
//! [`crate::shared::Shared`], reached only through `Shared::with_hub`; every
//! method here is short, synchronous work on in-memory maps plus non-blocking
//! queue pushes, so the lock is never held across an `.await` and never waits
//! on I/O.
//!
//! Layering: the hub sits below everything that handles requests. It knows the
//! protocol's push types (it sends notices itself) and returns [`HubError`] when
//! a rule is broken; turning that into an error reply is the caller's business.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;

use bytes::Bytes;
use hearth_protocol::envelope::encode_push;
use hearth_protocol::push::{
    Notice, PrivateCancelled, PrivateEnded, PrivateRejected, PrivateRequestPush, PrivateStarted,
};
use hearth_protocol::requests::{Partner, PrivateRequested, Requester};
use hearth_protocol::{PrivateLinks, Push, Role, RoomMembers};
use hearth_storage::name_key;

use crate::outbox::Outbox;

/// Identifies one connection for its whole life.
pub(crate) type ConnId = u64;

/// Index of a room in the hub; rooms are never removed, so indexes are stable.
pub(crate) type RoomIdx = usize;

/// One stored room message, encoded, for [`Hub::send_room_run`].
#[derive(Debug, Clone)]
pub(crate) struct RoomMessage {
    /// Its id.
    pub(crate) id: i64,
    /// The sender's connection.
    pub(crate) sender: ConnId,
    /// The `msg` push for everyone.
    pub(crate) shared: Bytes,
    /// The sender's own copy (with its request's id; else the shared frame).
    pub(crate) own: Bytes,
    /// The `activity` push for those outside the room.
    pub(crate) activity: Option<Bytes>,
}

/// Frames joined into one buffer (no copy for a single frame).
fn join<'a>(mut frames: impl Iterator<Item = &'a Bytes> + Clone) -> Bytes {
    let len: usize = frames.clone().map(Bytes::len).sum();
    let Some(first) = frames.next() else {
        return Bytes::new();
    };
    if first.len() == len {
        return first.clone();
    }
    let mut out = bytes::BytesMut::with_capacity(len);
    out.extend_from_slice(first);
    for frame in frames {
        out.extend_from_slice(frame);
    }
    out.freeze()
}

/// The lobby is always the first room.
pub(crate) const LOBBY: RoomIdx = 0;

/// A logged-in account, as the hub knows it.
#[derive(Debug, Clone)]
pub(crate) struct OnlineUser {
    /// Database id.
    pub id: i64,
    /// Name as the user wrote it.
    pub name: String,
    /// The name's uniqueness key, as stored.
    pub key: String,
    /// `#rrggbb`.
    pub color: String,
    /// Current role.
    pub role: Role,
}

/// The hub's record of one connection.
#[derive(Debug)]
struct ConnEntry {
    outbox: Outbox,
    peer: SocketAddr,
    user: Option<OnlineUser>,
    /// Where a logged-in connection is; `None` while in the auth state.
    room: Option<RoomIdx>,
    /// While a room's history is being fetched for this connection, live frames
    /// wait here so that the history push comes first.
    held: Option<Vec<Bytes>>,
    /// Why the server is ending this connection (kick, takeover), for the sessions table.
    end_reason: Option<&'static str>,
}

/// What a connection that left the hub was (see [`Hub::remove_conn`]).
#[derive(Debug)]
pub(crate) struct Departed {
    /// The account it was logged in as, if any.
    pub user: Option<OnlineUser>,
    /// Why the server ended it, if it did.
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

/// A broken presence or private-chat rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HubError {
    /// The connection is not logged in (a kick or takeover can end a login
    /// between two requests).
    NotLoggedIn,
    /// Nobody with that name is online.
    NotOnline(String),
    /// A private chat with oneself.
    WithSelf,
    /// A private chat with that user is already open.
    AlreadyLinked(String),
    /// That user has not asked for a private chat.
    NotAsked(String),
    /// No private chat with that user is open.
    NotLinked(String),
}

/// One room and who is in it.
#[derive(Debug)]
struct RoomState {
    /// Database id.
    id: i64,
    /// Name as created.
    name: String,
    /// Connections in the room, in the order they came in.
    members: Vec<ConnId>,
    /// Id of the newest message already pushed to this room's members.
    last_broadcast_id: i64,
}

/// Presence that changed since the last call to [`Hub::take_presence_changes`].
#[derive(Debug, Default)]
pub(crate) struct PresenceChanges {
    /// Rooms or who-is-where changed: the lobby needs a `list` push.
    pub lobby: bool,
    /// Rooms whose membership changed: their members need a `list_room` push.
    pub rooms: BTreeSet<RoomIdx>,
}

/// What happened to an earlier connection of the same account at login.
#[derive(Debug)]
pub(crate) struct TakenOver {
    pub outbox: Outbox,
}

/// Live presence, routing, and private chats.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    conns: HashMap<ConnId, ConnEntry>,
    /// Name key → the connection logged in as that account.
    online: HashMap<String, ConnId>,
    /// User id → the connection logged in as that account (same entries as `online`).
    user_conns: HashMap<i64, ConnId>,
    /// Open private chats, as (smaller user id, larger user id).
    links: HashSet<(i64, i64)>,
    /// Pending private requests, as (requester id, target id).
    requests: HashSet<(i64, i64)>,
    rooms: Vec<RoomState>,
    /// Room name key → index in `rooms`.
    room_index: HashMap<String, RoomIdx>,
    next_id: ConnId,
    /// Presence changes not yet pushed.
    changes: PresenceChanges,
    /// The connection or login counts changed since they were last published.
    counts_changed: bool,
}

fn pair(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

fn now() -> String {
    hearth_storage::ts::format_ts(time::OffsetDateTime::now_utc())
}

impl Hub {
    /// A hub holding `rooms` as `(id, name, key, newest message id)`; the lobby
    /// must come first.
    pub(crate) fn new(rooms: Vec<(i64, String, String, i64)>) -> Hub {
        let mut hub = Hub::default();
        for (id, name, key, last) in rooms {
            let idx = hub.add_room(id, name, key);
            hub.mark_broadcast(idx, last);
        }
        hub
    }

    /// Returns and clears the presence changes not yet pushed.
    pub(crate) fn take_presence_changes(&mut self) -> PresenceChanges {
        std::mem::take(&mut self.changes)
    }

    /// Whether presence pushes are owed.
    pub(crate) fn presence_changed(&self) -> bool {
        self.changes.lobby || !self.changes.rooms.is_empty()
    }

    /// Whether the counts changed since the last call (and clears the mark).
    pub(crate) fn take_counts_changed(&mut self) -> bool {
        std::mem::take(&mut self.counts_changed)
    }

    // ------------------------------------------------------------ rooms

    /// Adds a room (with its stored uniqueness key) and returns its index.
    pub(crate) fn add_room(&mut self, id: i64, name: String, key: String) -> RoomIdx {
        let idx = self.rooms.len();
        self.room_index.insert(key, idx);
        self.rooms.push(RoomState {
            id,
            name,
            members: Vec::new(),
            last_broadcast_id: 0,
        });
        self.changes.lobby = true;
        idx
    }

    /// Finds a room by name: spelled exactly so, else by its key (case and
    /// look-alike forms ignored).
    pub(crate) fn find_room(&self, name: &str) -> Option<RoomIdx> {
        self.rooms
            .iter()
            .position(|r| r.name == name)
            .or_else(|| self.room_index.get(&name_key(name)).copied())
    }

    /// The database id of the room at `idx`.
    pub(crate) fn room_db_id(&self, idx: RoomIdx) -> i64 {
        self.rooms[idx].id
    }

    /// The name of the room at `idx`.
    pub(crate) fn room_name(&self, idx: RoomIdx) -> &str {
        &self.rooms[idx].name
    }

    /// The room whose database id is `db_id`.
    pub(crate) fn room_by_db_id(&self, db_id: i64) -> Option<RoomIdx> {
        self.rooms.iter().position(|r| r.id == db_id)
    }

    /// User ids of everyone now in `room`.
    pub(crate) fn member_ids(&self, room: RoomIdx) -> Vec<i64> {
        self.rooms[room]
            .members
            .iter()
            .filter_map(|m| self.conns.get(m)?.user.as_ref().map(|u| u.id))
            .collect()
    }

    /// Records that messages up to `id` were pushed to `room`.
    pub(crate) fn mark_broadcast(&mut self, room: RoomIdx, id: i64) {
        let r = &mut self.rooms[room];
        r.last_broadcast_id = r.last_broadcast_id.max(id);
    }

    // ------------------------------------------------------------ connections

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
            ConnEntry {
                outbox,
                peer,
                user: None,
                room: None,
                held: None,
                end_reason: None,
            },
        );
        self.counts_changed = true;
        id
    }

    /// Forgets a connection, telling the place it was in that it dropped, and
    /// returns what it was.
    pub(crate) fn remove_conn(&mut self, id: ConnId) -> Option<Departed> {
        let conn = self.conns.remove(&id)?;
        self.counts_changed = true;
        if let Some(room) = conn.room {
            self.leave_room(id, room);
        }
        if let Some(user) = &conn.user {
            self.forget_online(id, user.id, &user.key);
            if let Some(room) = conn.room {
                self.announce_place(
                    |user, room, ts| Notice::Disconnected { user, room, ts },
                    &user.name,
                    room,
                );
            }
        }
        Some(Departed {
            user: conn.user,
            end_reason: conn.end_reason,
        })
    }

    /// The connection's protocol state.
    pub(crate) fn state(&self, id: ConnId) -> State {
        match self.conns.get(&id) {
            Some(ConnEntry {
                user: Some(_),
                room: Some(LOBBY),
                ..
            }) => State::Lobby,
            Some(ConnEntry {
                user: Some(_),
                room: Some(room),
                ..
            }) => State::Room(*room),
            _ => State::Auth,
        }
    }

    /// The account `id` is logged in as.
    pub(crate) fn me(&self, id: ConnId) -> Result<&OnlineUser, HubError> {
        self.conns
            .get(&id)
            .and_then(|c| c.user.as_ref())
            .ok_or(HubError::NotLoggedIn)
    }

    /// The online account called `name`: spelled exactly so, else by its key
    /// (case and look-alike forms ignored).
    pub(crate) fn online_user_named(&self, name: &str) -> Option<&OnlineUser> {
        let by_key = self
            .online
            .get(&name_key(name))
            .and_then(|conn| self.conns.get(conn)?.user.as_ref());
        match by_key {
            Some(user) if user.name == name => Some(user),
            _ => self
                .online
                .values()
                .filter_map(|conn| self.conns.get(conn)?.user.as_ref())
                .find(|user| user.name == name)
                .or(by_key),
        }
    }

    /// The connection logged in as user `user_id`.
    pub(crate) fn conn_of_user(&self, user_id: i64) -> Option<ConnId> {
        self.user_conns.get(&user_id).copied()
    }

    /// The peer address of a connection.
    pub(crate) fn peer(&self, id: ConnId) -> Option<SocketAddr> {
        self.conns.get(&id).map(|c| c.peer)
    }

    /// The outbox of a connection.
    pub(crate) fn outbox_of(&self, id: ConnId) -> Option<Outbox> {
        self.conns.get(&id).map(|c| c.outbox.clone())
    }

    /// The outbox of every connection, for shutdown.
    pub(crate) fn all_outboxes(&self) -> Vec<Outbox> {
        self.conns.values().map(|c| c.outbox.clone()).collect()
    }

    // ------------------------------------------------------------ logging in and out

    /// Marks `id` as logged in as `user`, puts it in the lobby and tells the
    /// lobby. An earlier connection of the same account is detached (the room
    /// it was in is told it left) and returned, to be closed.
    pub(crate) fn login(&mut self, id: ConnId, user: OnlineUser) -> Option<TakenOver> {
        let taken = match self.online.insert(user.key.clone(), id) {
            Some(old) if old != id => self.detach(old, &user.name),
            _ => None,
        };
        self.user_conns.insert(user.id, id);
        let name = user.name.clone();
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.user = Some(user);
            conn.room = Some(LOBBY);
        }
        self.rooms[LOBBY].members.push(id);
        self.changes.lobby = true;
        self.counts_changed = true;
        self.announce_place(
            |user, room, ts| Notice::Joined { user, room, ts },
            &name,
            LOBBY,
        );
        taken
    }

    /// Takes a connection out of its account and room, leaving it in the auth state.
    fn detach(&mut self, id: ConnId, name: &str) -> Option<TakenOver> {
        let conn = self.conns.get_mut(&id)?;
        conn.user = None;
        conn.end_reason = Some("taken over by a new login");
        let room = conn.room.take();
        let outbox = conn.outbox.clone();
        if let Some(room) = room {
            self.leave_room(id, room);
            if room != LOBBY {
                self.announce_place(|user, room, ts| Notice::Left { user, room, ts }, name, room);
            }
        }
        Some(TakenOver { outbox })
    }

    /// Logs a connection out and tells the place it was in that it left
    /// (`logout`, and a kick, which then closes the connection). Returns the
    /// account it was logged in as.
    pub(crate) fn sign_out(
        &mut self,
        id: ConnId,
        end_reason: Option<&'static str>,
    ) -> Option<OnlineUser> {
        let conn = self.conns.get_mut(&id)?;
        let user = conn.user.take()?;
        if end_reason.is_some() {
            conn.end_reason = end_reason;
        }
        let room = conn.room.take().unwrap_or(LOBBY);
        self.leave_room(id, room);
        self.forget_online(id, user.id, &user.key);
        self.counts_changed = true;
        self.announce_place(
            |user, room, ts| Notice::Left { user, room, ts },
            &user.name,
            room,
        );
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

    /// Changes the name and/or colour of the account `id` is logged in as.
    pub(crate) fn update_profile(
        &mut self,
        id: ConnId,
        name: Option<&str>,
        color: Option<&str>,
    ) -> Result<OnlineUser, HubError> {
        let conn = self.conns.get_mut(&id).ok_or(HubError::NotLoggedIn)?;
        let room = conn.room;
        let user = conn.user.as_mut().ok_or(HubError::NotLoggedIn)?;
        if let Some(c) = color {
            user.color = c.to_owned();
        }
        let renamed = name.map(|n| {
            let old_key = std::mem::replace(&mut user.key, name_key(n));
            user.name = n.to_owned();
            (old_key, user.key.clone())
        });
        let user = user.clone();
        if let Some((old_key, new_key)) = renamed {
            if self.online.get(&old_key) == Some(&id) {
                self.online.remove(&old_key);
            }
            self.online.insert(new_key, id);
            self.changes.lobby = true;
            if let Some(room) = room.filter(|r| *r != LOBBY) {
                self.changes.rooms.insert(room);
            }
        }
        Ok(user)
    }

    /// Sets the role of user `user_id` if it is online.
    pub(crate) fn set_role(&mut self, user_id: i64, role: Role) {
        if let Some(conn) = self.conn_of_user(user_id) {
            if let Some(user) = self.conns.get_mut(&conn).and_then(|c| c.user.as_mut()) {
                user.role = role;
            }
        }
    }

    // ------------------------------------------------------------ moving between places

    fn leave_room(&mut self, id: ConnId, room: RoomIdx) {
        let members = &mut self.rooms[room].members;
        if let Some(pos) = members.iter().position(|m| *m == id) {
            members.remove(pos);
        }
        self.changes.lobby = true;
        if room != LOBBY {
            self.changes.rooms.insert(room);
        }
    }

    /// Moves a connection from where it is into `room`, telling both places.
    /// With `hold`, live frames for it are held until [`Hub::release`]; returns
    /// the id of the newest message already pushed to the room (its history
    /// must end there).
    pub(crate) fn move_to(&mut self, id: ConnId, room: RoomIdx, hold: bool) -> i64 {
        let Some(conn) = self.conns.get_mut(&id) else {
            return 0;
        };
        let from = conn.room.replace(room);
        let name = conn
            .user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default();
        if hold {
            conn.held.get_or_insert_with(Vec::new);
        }
        if let Some(from) = from {
            self.leave_room(id, from);
            self.announce_place(
                |user, room, ts| Notice::Left { user, room, ts },
                &name,
                from,
            );
        }
        self.rooms[room].members.push(id);
        self.changes.lobby = true;
        if room != LOBBY {
            self.changes.rooms.insert(room);
        }
        self.announce_place(
            |user, room, ts| Notice::Joined { user, room, ts },
            &name,
            room,
        );
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

    // ------------------------------------------------------------ sending

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

    /// Encodes `push` and queues it for the connection of user `user_id`, if online.
    pub(crate) fn push_to_user<P: Push>(&mut self, user_id: i64, push: &P) {
        if let Some(conn) = self.conn_of_user(user_id) {
            self.send(conn, encode_push(push, None));
        }
    }

    /// Queues one frame for every member of `room` but `except`.
    pub(crate) fn send_room_except(
        &mut self,
        room: RoomIdx,
        frame: &Bytes,
        except: Option<ConnId>,
    ) {
        // Index loop: `send` needs `&mut self` while the member list is read.
        for i in 0..self.rooms[room].members.len() {
            let member = self.rooms[room].members[i];
            if Some(member) != except {
                self.send(member, frame.clone());
            }
        }
    }

    /// Delivers a run of stored messages of one room, in order, with one queued frame per
    /// recipient however many messages the run has: members get the messages' frames joined
    /// (a sender its own copies in place of the shared ones), everyone outside the room the
    /// `activity` frames joined. One push and one writer wake-up per recipient per run,
    /// instead of one per message, is what keeps a busy room's cost per delivery low.
    /// A sender who left the room meanwhile still gets its own copies, after the run's
    /// other frames.
    pub(crate) fn send_room_run(&mut self, room: RoomIdx, run: &[RoomMessage]) {
        let Some(last) = run.last() else { return };
        self.mark_broadcast(room, last.id);
        let common = join(run.iter().map(|m| &m.shared));
        let mut senders: Vec<ConnId> = run.iter().map(|m| m.sender).collect();
        senders.sort_unstable();
        senders.dedup();
        // Index loop: `send` needs `&mut self` while the member list is read.
        for i in 0..self.rooms[room].members.len() {
            let member = self.rooms[room].members[i];
            let frame = if senders.binary_search(&member).is_ok() {
                join(run.iter().map(|m| {
                    if m.sender == member {
                        &m.own
                    } else {
                        &m.shared
                    }
                }))
            } else {
                common.clone()
            };
            self.send(member, frame);
        }
        for sender in senders {
            if !self.rooms[room].members.contains(&sender) {
                for m in run.iter().filter(|m| m.sender == sender) {
                    self.send(sender, m.own.clone());
                }
            }
        }
        if run.iter().any(|m| m.activity.is_some()) {
            let activity = join(run.iter().filter_map(|m| m.activity.as_ref()));
            self.send_outside_room(room, &activity);
        }
    }

    /// Queues one frame for every logged-in connection that is not in `room`.
    pub(crate) fn send_outside_room(&mut self, room: RoomIdx, frame: &Bytes) {
        // Everyone online is in the room (the usual case in a busy room): nothing to do.
        if self.online.len() <= self.rooms[room].members.len() {
            return;
        }
        let ids: Vec<ConnId> = self
            .online
            .values()
            .copied()
            .filter(|id| self.conns.get(id).is_some_and(|c| c.room != Some(room)))
            .collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    /// Queues one frame for every logged-in connection.
    pub(crate) fn send_online(&mut self, frame: &Bytes) {
        let ids: Vec<ConnId> = self.online.values().copied().collect();
        for id in ids {
            self.send(id, frame.clone());
        }
    }

    /// Tells everyone now in `room` that `user` came in, left or dropped.
    fn announce_place(
        &mut self,
        notice: impl FnOnce(String, String, String) -> Notice,
        user: &str,
        room: RoomIdx,
    ) {
        let notice = notice(user.to_owned(), self.rooms[room].name.clone(), now());
        self.send_room_except(room, &encode_push(&notice, None), None);
    }

    // ------------------------------------------------------------ presence lists

    /// Names of the members of `room`, in the order they came in.
    fn member_names(&self, room: RoomIdx) -> Vec<String> {
        self.rooms[room]
            .members
            .iter()
            .filter_map(|m| self.conns.get(m)?.user.as_ref().map(|u| u.name.clone()))
            .collect()
    }

    /// Every room with its members, lobby first.
    pub(crate) fn list_all(&self) -> RoomMembers {
        RoomMembers(
            (0..self.rooms.len())
                .map(|idx| (self.rooms[idx].name.clone(), self.member_names(idx)))
                .collect(),
        )
    }

    /// One room with its members.
    pub(crate) fn list_room(&self, idx: RoomIdx) -> RoomMembers {
        RoomMembers(vec![(self.rooms[idx].name.clone(), self.member_names(idx))])
    }

    /// The outboxes of every member of `room`.
    pub(crate) fn outboxes(&self, room: RoomIdx) -> Vec<Outbox> {
        self.rooms[room]
            .members
            .iter()
            .filter_map(|m| self.conns.get(m).map(|c| c.outbox.clone()))
            .collect()
    }

    // ------------------------------------------------------------ private chats

    /// Me and the online user called `name`, who must be someone else.
    fn me_and(&self, id: ConnId, name: &str) -> Result<(OnlineUser, OnlineUser), HubError> {
        let me = self.me(id)?.clone();
        let other = self
            .online_user_named(name)
            .cloned()
            .ok_or_else(|| HubError::NotOnline(name.to_owned()))?;
        if other.id == me.id {
            return Err(HubError::WithSelf);
        }
        Ok((me, other))
    }

    /// The partner called `name` if user `me` has an open private chat with them.
    pub(crate) fn linked_partner(&self, me: i64, name: &str) -> Option<(i64, String)> {
        let other = self.online_user_named(name)?;
        self.links
            .contains(&pair(me, other.id))
            .then(|| (other.id, other.name.clone()))
    }

    fn start_link(&mut self, me: &OnlineUser, other: &OnlineUser) {
        self.requests.remove(&(other.id, me.id));
        self.requests.remove(&(me.id, other.id));
        self.links.insert(pair(me.id, other.id));
        self.push_to_user(
            me.id,
            &PrivateStarted {
                with: other.name.clone(),
            },
        );
        self.push_to_user(
            other.id,
            &PrivateStarted {
                with: me.name.clone(),
            },
        );
    }

    /// `private_request`: asks `to`, or starts the chat at once when `to` had
    /// asked too. A repeated request is not pushed again.
    pub(crate) fn private_request(
        &mut self,
        id: ConnId,
        to: &str,
    ) -> Result<PrivateRequested, HubError> {
        let (me, other) = self.me_and(id, to)?;
        if self.links.contains(&pair(me.id, other.id)) {
            return Err(HubError::AlreadyLinked(other.name));
        }
        if self.requests.contains(&(other.id, me.id)) {
            self.start_link(&me, &other);
            return Ok(PrivateRequested {
                to: other.name,
                started: true,
            });
        }
        if self.requests.insert((me.id, other.id)) {
            self.push_to_user(other.id, &PrivateRequestPush { from: me.name });
        }
        Ok(PrivateRequested {
            to: other.name,
            started: false,
        })
    }

    /// `private_accept`: opens the chat `from` asked for.
    pub(crate) fn private_accept(&mut self, id: ConnId, from: &str) -> Result<Partner, HubError> {
        let (me, other) = self.me_and(id, from)?;
        if !self.requests.contains(&(other.id, me.id)) {
            return Err(HubError::NotAsked(other.name));
        }
        self.start_link(&me, &other);
        Ok(Partner { with: other.name })
    }

    /// `private_reject`: declines what `from` asked for.
    pub(crate) fn private_reject(&mut self, id: ConnId, from: &str) -> Result<Requester, HubError> {
        let (me, other) = self.me_and(id, from)?;
        if !self.requests.remove(&(other.id, me.id)) {
            return Err(HubError::NotAsked(other.name));
        }
        self.push_to_user(other.id, &PrivateRejected { by: me.name });
        Ok(Requester { from: other.name })
    }

    /// `private_end`: ends the chat with `with`, telling both.
    pub(crate) fn private_end(&mut self, id: ConnId, with: &str) -> Result<Partner, HubError> {
        let (me, other) = self.me_and(id, with)?;
        if !self.links.remove(&pair(me.id, other.id)) {
            return Err(HubError::NotLinked(other.name));
        }
        let reason = format!("ended by {}", me.name);
        self.push_to_user(
            me.id,
            &PrivateEnded {
                with: other.name.clone(),
                reason: reason.clone(),
            },
        );
        self.push_to_user(
            other.id,
            &PrivateEnded {
                with: me.name,
                reason,
            },
        );
        Ok(Partner { with: other.name })
    }

    /// `private_list`: open chats and pending requests both ways, sorted.
    pub(crate) fn private_links(&self, id: ConnId) -> Result<PrivateLinks, HubError> {
        let me = self.me(id)?.id;
        let name = |user: i64| {
            self.conn_of_user(user)
                .and_then(|c| self.conns.get(&c)?.user.as_ref())
                .map(|u| u.name.clone())
        };
        let mut links = PrivateLinks {
            active: self
                .links
                .iter()
                .filter_map(|&(a, b)| match (a == me, b == me) {
                    (true, _) => name(b),
                    (_, true) => name(a),
                    _ => None,
                })
                .collect(),
            incoming: self
                .requests
                .iter()
                .filter(|(_, to)| *to == me)
                .filter_map(|(from, _)| name(*from))
                .collect(),
            outgoing: self
                .requests
                .iter()
                .filter(|(from, _)| *from == me)
                .filter_map(|(_, to)| name(*to))
                .collect(),
        };
        links.active.sort();
        links.incoming.sort();
        links.outgoing.sort();
        Ok(links)
    }

    /// Ends every private chat and pending request of `user`, telling the other
    /// side why (logged out, disconnected, kicked).
    pub(crate) fn drop_private(&mut self, user: &OnlineUser, reason: &str) {
        let ended: Vec<(i64, i64)> = self
            .links
            .iter()
            .copied()
            .filter(|&(a, b)| a == user.id || b == user.id)
            .collect();
        for link in ended {
            self.links.remove(&link);
            let other = if link.0 == user.id { link.1 } else { link.0 };
            self.push_to_user(
                other,
                &PrivateEnded {
                    with: user.name.clone(),
                    reason: reason.to_owned(),
                },
            );
        }
        let cancelled: Vec<(i64, i64)> = self
            .requests
            .iter()
            .copied()
            .filter(|&(from, to)| from == user.id || to == user.id)
            .collect();
        for request in cancelled {
            self.requests.remove(&request);
            let other = if request.0 == user.id {
                request.1
            } else {
                request.0
            };
            self.push_to_user(
                other,
                &PrivateCancelled {
                    with: user.name.clone(),
                    reason: reason.to_owned(),
                },
            );
        }
    }
}
