//! One frame in, its answer out: parse the request, check that it fits the
//! connection's state, run its handler, and queue the reply or the refusal.
//!
//! The dispatch is generated from `hearth_protocol::for_each_request!`, so
//! every request type reaches its [`Handle`] implementation.

use hearth_protocol::envelope::{encode_error, encode_push};
use hearth_protocol::push::{Bye, ByeReason};
use hearth_protocol::{Command, ErrorCode, RawRequest};

use crate::conn_state::ConnState;
use crate::handle::Handle;
use crate::outcome::{Handled, Refusal};

/// Handles one frame body.
pub(crate) async fn handle_frame(conn: &mut ConnState, body: &[u8]) {
    let request = match RawRequest::parse(body) {
        Ok(r) => r,
        Err(e) => {
            conn.push(encode_error("error", e.code(), &e.to_string(), None, None));
            return;
        }
    };
    let command = match request.command() {
        Ok(c) => c,
        Err(e) => {
            conn.push(encode_error(
                &request.kind,
                e.code(),
                &e.to_string(),
                None,
                request.id.as_ref(),
            ));
            return;
        }
    };
    conn.request_id = request.id;
    // Boxed: the handlers' futures are the largest part of a connection's
    // task, and boxing them keeps that memory only while a request runs, not
    // for as long as the connection sits idle.
    if let Err(refusal) = Box::pin(run(conn, command)).await {
        conn.push(encode_error(
            &request.kind,
            refusal.code,
            &refusal.message,
            refusal.data.as_ref(),
            conn.request_id.as_ref(),
        ));
        if refusal.close {
            // Say why before closing, as every close by the server does.
            conn.push(encode_push(
                &Bye {
                    reason: ByeReason::Refused,
                },
                None,
            ));
            conn.closing = true;
        }
    }
    conn.request_id = None;
}

macro_rules! dispatch {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// Runs the handler of `command`.
        async fn run(conn: &mut ConnState, command: Command) -> Result<(), Refusal> {
            match command {
                $(Command::$variant(request) => run_one(conn, request).await,)*
            }
        }
    };
}
hearth_protocol::for_each_request!(dispatch);

/// Checks the state rule of `R`, runs its handler and queues its reply.
async fn run_one<R: Handle>(conn: &mut ConnState, request: R) -> Result<(), Refusal> {
    let state = conn.state();
    if let Err(hint) = R::ALLOWED.check(state) {
        return Err(Refusal::new(
            ErrorCode::WrongState,
            format!(
                "'{}' is not allowed in the {} state{hint}",
                R::TYPE,
                state.name()
            ),
        ));
    }
    match request.handle(conn).await? {
        Handled::Reply(answer) => conn.push(conn.reply_frame::<R>(&answer)),
        Handled::Sent | Handled::Silent => {}
    }
    Ok(())
}
