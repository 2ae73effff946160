//! The [`Handle`] trait: what every request type implements on the server
//! (in `cmd/`), and where its state rule lives.

use std::future::Future;

use hearth_protocol::Request;

use crate::conn_state::ConnState;
use crate::hub::State;
use crate::outcome::Outcome;

/// The connection states in which a request is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowed {
    /// Any state (`ping`).
    Any,
    /// Not logged in (`register`, `login`).
    Auth,
    /// In the lobby (`create`, `enter`).
    Lobby,
    /// In a room (`exit`).
    Room,
    /// Logged in, anywhere.
    LoggedIn,
}

impl Allowed {
    /// Whether `state` is allowed, and if not, what to tell the client.
    pub(crate) fn check(self, state: State) -> Result<(), &'static str> {
        let (ok, hint) = match self {
            Allowed::Any => (true, ""),
            Allowed::Auth => (state == State::Auth, "; log out first"),
            Allowed::Lobby => (state == State::Lobby, "; exit the room first"),
            Allowed::Room => (matches!(state, State::Room(_)), "; you are not in a room"),
            Allowed::LoggedIn => (state != State::Auth, "; log in first"),
        };
        if ok {
            Ok(())
        } else {
            Err(hint)
        }
    }
}

/// A request the server can handle.
///
/// Every type in `hearth_protocol::for_each_request!` must implement it (the
/// dispatch is generated from that list), so a new request cannot be left
/// unhandled.
pub(crate) trait Handle: Request {
    /// Where the request is allowed; elsewhere it is refused with `wrong_state`.
    const ALLOWED: Allowed;

    /// Handles the request for the connection `conn`.
    fn handle(self, conn: &mut ConnState) -> impl Future<Output = Outcome<Self::Reply>> + Send;
}
