//! Private chats with consent: request → accept/reject → messages → end. The
//! rules live in the hub; these handlers only run them for the connection.

use hearth_protocol::requests::{
    Partner, PrivateAccept, PrivateEnd, PrivateList, PrivateReject, PrivateRequest,
    PrivateRequested, Requester,
};
use hearth_protocol::PrivateLinks;

use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::outcome::{Answer, Handled, Outcome};

impl Handle for PrivateRequest {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<PrivateRequested> {
        let id = conn.id;
        let requested = conn
            .shared
            .with_hub(|hub| hub.private_request(id, &self.to))?;
        let message = if requested.started {
            format!("{} had asked you too: private chat started", requested.to)
        } else {
            format!("private chat requested; waiting for {}", requested.to)
        };
        Ok(Handled::Reply(Answer::with_message(message, requested)))
    }
}

impl Handle for PrivateAccept {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<Partner> {
        let id = conn.id;
        let partner = conn
            .shared
            .with_hub(|hub| hub.private_accept(id, &self.from))?;
        Ok(Handled::Reply(Answer::data(partner)))
    }
}

impl Handle for PrivateReject {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<Requester> {
        let id = conn.id;
        let requester = conn
            .shared
            .with_hub(|hub| hub.private_reject(id, &self.from))?;
        Ok(Handled::Reply(Answer::data(requester)))
    }
}

impl Handle for PrivateEnd {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<Partner> {
        let id = conn.id;
        let partner = conn
            .shared
            .with_hub(|hub| hub.private_end(id, &self.with))?;
        Ok(Handled::Reply(Answer::data(partner)))
    }
}

impl Handle for PrivateList {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<PrivateLinks> {
        let id = conn.id;
        let links = conn.shared.with_hub(|hub| hub.private_links(id))?;
        Ok(Handled::Reply(Answer::data(links)))
    }
}
