//! What the client remembers so that it can pick up where it was after a
//! reconnect: the credentials, the room, and the newest message seen there.

use hearth_protocol::requests::{Account, Entered, LoggedIn};
use hearth_protocol::{ChatMessage, Envelope, Secret};

/// What proves who the client is: a password, or a device's login token.
/// `Debug` never shows either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    Password(Secret),
    Token(Secret),
}

/// A login the client can repeat.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub username: String,
    pub credential: Credential,
}

impl Credentials {
    /// The `login` request that repeats this login.
    pub(crate) fn login(&self) -> hearth_protocol::requests::Login {
        let (password, token) = match &self.credential {
            Credential::Password(p) => (Some(p.clone()), None),
            Credential::Token(t) => (None, Some(t.clone())),
        };
        hearth_protocol::requests::Login {
            username: self.username.clone(),
            password,
            token,
            device: None,
        }
    }
}

/// What a successful reply changes in [`Resume`].
#[derive(Debug)]
pub(crate) enum Track {
    /// Nothing to remember.
    Nothing,
    /// A login: remember the credentials (the name as the server spells it,
    /// and the token the server issued, if it did, in place of the password).
    Login {
        username: String,
        credential: Credential,
    },
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
            Track::Login {
                username,
                credential,
            } => {
                let (username, credential) = match reply.data_as::<LoggedIn>() {
                    Ok(LoggedIn {
                        username,
                        token: Some(token),
                        ..
                    }) => (username, Credential::Token(token)),
                    Ok(logged_in) => (logged_in.username, credential),
                    Err(_) => (username, credential),
                };
                self.creds = Some(Credentials {
                    username,
                    credential,
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
                    let account = reply.data_as::<Account>().ok();
                    if let Some(account) = &account {
                        creds.username = account.username.clone();
                    }
                    // A new password revokes every token: the fresh token, if
                    // one was issued, else the new password logs in again.
                    match (account.and_then(|a| a.token), new_password) {
                        (Some(token), _) => creds.credential = Credential::Token(token),
                        (None, Some(pw)) => creds.credential = Credential::Password(pw),
                        (None, None) => {}
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
            file: None,
            ..ChatMessage::default()
        }
    }

    #[test]
    fn login_enter_exit_logout() {
        let mut r = Resume::default();
        r.apply(
            Track::Login {
                username: "ALICE".into(),
                credential: Credential::Password(Secret::new("pw12")),
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
        assert_eq!(creds.username, "Alicia");
        assert_eq!(
            creds.credential,
            Credential::Password(Secret::new("new-pw"))
        );
        assert!(!format!("{r:?}").contains("new-pw"));
        r.apply(Track::Exit, &reply(json!(null)));
        assert_eq!(r.room, None);
        r.apply(Track::Logout, &reply(json!(null)));
        assert!(r.creds.is_none());
    }

    #[test]
    fn an_issued_token_replaces_the_password() {
        let mut r = Resume::default();
        r.apply(
            Track::Login {
                username: "bob".into(),
                credential: Credential::Password(Secret::new("pw12")),
            },
            &reply(
                json!({"username": "Bob", "chatroom": "lobby", "color": "#000000",
                "role": "member", "token": "t0k3n"}),
            ),
        );
        let creds = r.creds.clone().unwrap();
        assert_eq!(creds.credential, Credential::Token(Secret::new("t0k3n")));
        let login = creds.login();
        assert_eq!(
            (login.password, login.token.unwrap().expose().to_owned()),
            (None, "t0k3n".to_owned())
        );
        assert!(!format!("{r:?}").contains("t0k3n"));
        // A password change that issues a new token moves to it.
        r.apply(
            Track::Profile {
                new_password: Some(Secret::new("pw-new")),
            },
            &reply(
                json!({"username": "Bob", "color": "#000000", "role": "member", "token": "n3w"}),
            ),
        );
        assert_eq!(
            r.creds.unwrap().credential,
            Credential::Token(Secret::new("n3w"))
        );
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
