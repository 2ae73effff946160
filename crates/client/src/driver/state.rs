//! What the client remembers so that it can pick up where it was after a
//! reconnect: the credentials, the room, and the newest message seen there.

use hearth_protocol::requests::{Account, Entered, LoggedIn};
use hearth_protocol::{ChatMessage, Envelope, Secret};

/// A login the client can repeat. `Debug` never shows the password.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub username: String,
    pub password: Secret,
}

/// What a successful reply changes in [`Resume`].
#[derive(Debug)]
pub(crate) enum Track {
    /// Nothing to remember.
    Nothing,
    /// A login: remember the credentials (the name as the server spells it).
    Login { username: String, password: Secret },
    /// Entered a room (named in the reply).
    Enter,
    /// Back in the lobby.
    Exit,
    /// Logged out: forget the credentials.
    Logout,
    /// Profile changed: the reply names the account; maybe a new password.
    Profile { new_password: Option<Secret> },
    /// One of the client's own heartbeats: nobody waits for the reply.
    Heartbeat,
}

/// The state to restore after a reconnect.
#[derive(Debug, Default)]
pub(crate) struct Resume {
    pub creds: Option<Credentials>,
    /// The room the user is in (as the server spells it), if any.
    pub room: Option<String>,
    /// Newest message id delivered for `room`; `None` until it is known
    /// (the history push after entering sets it).
    pub last_seen: Option<i64>,
}

impl Resume {
    /// Records what a successful reply means.
    pub(crate) fn apply(&mut self, track: Track, reply: &Envelope) {
        match track {
            Track::Nothing | Track::Heartbeat => {}
            Track::Login { username, password } => {
                self.creds = Some(Credentials {
                    username: reply.data_as::<LoggedIn>().map_or(username, |l| l.username),
                    password,
                });
                self.room = None;
                self.last_seen = None;
            }
            Track::Enter => {
                self.room = reply.data_as::<Entered>().ok().map(|e| e.room);
                self.last_seen = None;
            }
            Track::Exit => {
                self.room = None;
                self.last_seen = None;
            }
            Track::Logout => *self = Resume::default(),
            Track::Profile { new_password } => {
                if let Some(creds) = &mut self.creds {
                    if let Ok(account) = reply.data_as::<Account>() {
                        creds.username = account.username;
                    }
                    if let Some(pw) = new_password {
                        creds.password = pw;
                    }
                }
            }
        }
    }

    /// Whether a public message in the current room is new; if so it becomes the newest seen.
    /// Messages elsewhere (other rooms, private) are always new.
    pub(crate) fn admit(&mut self, m: &ChatMessage) -> bool {
        if m.private || m.room.is_none() || m.room != self.room {
            return true;
        }
        match self.last_seen {
            Some(last) if m.id <= last => false,
            _ => {
                self.last_seen = Some(m.id);
                true
            }
        }
    }

    /// The user's name, when logged in.
    pub(crate) fn username(&self) -> Option<&str> {
        self.creds.as_ref().map(|c| c.username.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(data: serde_json::Value) -> Envelope {
        serde_json::from_value(json!({"type": "x", "status": "ok", "message": null, "data": data}))
            .unwrap()
    }

    fn msg(id: i64, room: Option<&str>) -> ChatMessage {
        ChatMessage {
            id,
            from: "a".into(),
            to: "public".into(),
            text: "t".into(),
            ts: String::new(),
            color: String::new(),
            room: room.map(str::to_owned),
            private: room.is_none(),
        }
    }

    #[test]
    fn login_enter_exit_logout() {
        let mut r = Resume::default();
        r.apply(
            Track::Login {
                username: "ALICE".into(),
                password: Secret::new("pw12"),
            },
            &reply(json!({"username": "Alice", "chatroom": "lobby", "color": "#000000", "role": "member"})),
        );
        assert_eq!(r.username(), Some("Alice"));
        r.apply(
            Track::Enter,
            &reply(json!({"username": "Alice", "room": "Fun"})),
        );
        assert_eq!(r.room.as_deref(), Some("Fun"));
        r.apply(
            Track::Profile {
                new_password: Some(Secret::new("new-pw")),
            },
            &reply(json!({"username": "Alicia", "color": "#000000", "role": "member"})),
        );
        let creds = r.creds.clone().unwrap();
        assert_eq!(
            (creds.username.as_str(), creds.password.expose()),
            ("Alicia", "new-pw")
        );
        assert!(!format!("{r:?}").contains("new-pw"));
        r.apply(Track::Exit, &reply(json!(null)));
        assert_eq!(r.room, None);
        r.apply(Track::Logout, &reply(json!(null)));
        assert!(r.creds.is_none());
    }

    #[test]
    fn room_messages_are_admitted_once_and_in_order() {
        let mut r = Resume {
            room: Some("fun".into()),
            ..Resume::default()
        };
        assert!(r.admit(&msg(5, Some("fun"))));
        assert!(!r.admit(&msg(5, Some("fun"))));
        assert!(!r.admit(&msg(4, Some("fun"))));
        assert!(r.admit(&msg(6, Some("fun"))));
        assert_eq!(r.last_seen, Some(6));
        // Elsewhere: not filtered, not counted.
        assert!(r.admit(&msg(2, Some("other"))));
        assert!(r.admit(&msg(3, None)));
        assert_eq!(r.last_seen, Some(6));
    }
}
