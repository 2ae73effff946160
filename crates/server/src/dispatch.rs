//! One frame in, its answer out: parse the request, check that it fits the
//! connection's state, run its handler, and queue the reply or the refusal.
//!
//! The dispatch is generated from `hearth_protocol::for_each_request!`, so
//! every request type reaches its [`Handle`] implementation.
//!
//! One exception to "one frame": `upload_chunk` requests that have already
//! arrived one behind the other are written in one blocking call (see
//! [`handle_frame`]), because the two thread hand-offs per chunk, not the
//! work, were what limited an upload.

use bytes::Bytes;
use hearth_protocol::envelope::{encode_error, encode_push};
use hearth_protocol::push::{Bye, ByeReason};
use hearth_protocol::requests::UploadChunk;
use hearth_protocol::{Command, ErrorCode, RawRequest, Request, RequestId};

use crate::cmd::files::{answer_chunk, write_chunks};
use crate::conn_state::ConnState;
use crate::handle::Handle;
use crate::outcome::{Handled, Refusal};

/// Most `upload_chunk` requests written in one blocking call. The answers of
/// a batch go out together, so it stays below the window of chunks a client
/// keeps in flight ([`hearth_protocol::files::UPLOAD_WINDOW`]).
const UPLOAD_BATCH: usize = 8;
const _: () = assert!(UPLOAD_BATCH < hearth_protocol::files::UPLOAD_WINDOW);

/// Handles one frame body. An `upload_chunk` takes along the chunks right
/// behind it that have already arrived (`ready` gives the next frame only if
/// it is here, and only while the client reads its answers), so that they
/// are written in one blocking call and answered in order. Returns a frame
/// taken that way that is not a chunk: the caller handles it next.
pub(crate) async fn handle_frame(
    conn: &mut ConnState,
    body: &[u8],
    ready: &mut impl FnMut() -> Option<Bytes>,
) -> Option<Bytes> {
    let request = match RawRequest::parse(body) {
        Ok(r) => r,
        Err(e) => {
            conn.push(encode_error("error", e.code(), &e.to_string(), None, None));
            return None;
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
            return None;
        }
    };
    let command = match command {
        Command::UploadChunk(first) if UploadChunk::ALLOWED.check(conn.state()).is_ok() => {
            let mut ids = vec![request.id];
            let mut chunks = vec![first];
            let mut after = None;
            while chunks.len() < UPLOAD_BATCH {
                let Some(next) = ready() else { break };
                match upload_chunk(&next) {
                    Some((id, chunk)) => {
                        ids.push(id);
                        chunks.push(chunk);
                    }
                    None => {
                        after = Some(next);
                        break;
                    }
                }
            }
            // Boxed like the handlers below.
            Box::pin(upload_chunks(conn, ids, chunks)).await;
            return after;
        }
        other => other,
    };
    conn.request_id = request.id;
    // Boxed: the handlers' futures are the largest part of a connection's
    // task, and boxing them keeps that memory only while a request runs, not
    // for as long as the connection sits idle.
    if let Err(refusal) = Box::pin(run(conn, command)).await {
        refuse(conn, &request.kind, refusal);
    }
    conn.request_id = None;
    None
}

/// The id and data of a frame that is a well-formed `upload_chunk`.
fn upload_chunk(body: &[u8]) -> Option<(Option<RequestId>, UploadChunk)> {
    let request = RawRequest::parse(body).ok()?;
    match request.command() {
        Ok(Command::UploadChunk(chunk)) => Some((request.id, chunk)),
        _ => None,
    }
}

/// Writes `upload_chunk` requests that came in a row, then answers each, in order.
async fn upload_chunks(
    conn: &mut ConnState,
    ids: Vec<Option<RequestId>>,
    chunks: Vec<UploadChunk>,
) {
    match write_chunks(conn, chunks).await {
        Ok(written) => {
            for (id, chunk) in ids.into_iter().zip(written) {
                conn.request_id = id;
                let outcome = answer_chunk(conn, chunk).await;
                match outcome {
                    Ok(handled) => reply::<UploadChunk>(conn, handled),
                    Err(refusal) => refuse(conn, UploadChunk::TYPE, refusal),
                }
            }
        }
        Err(refusal) => {
            for id in ids {
                conn.request_id = id;
                refuse(conn, UploadChunk::TYPE, refusal.clone());
            }
        }
    }
    conn.request_id = None;
}

/// Queues the error reply to the request of type `kind` being handled, and
/// closes the connection after saying why when the refusal asks for it.
fn refuse(conn: &mut ConnState, kind: &str, refusal: Refusal) {
    conn.push(encode_error(
        kind,
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
    let handled = request.handle(conn).await?;
    reply::<R>(conn, handled);
    Ok(())
}

/// Queues the reply of a handled request of type `R`, if it has one.
fn reply<R: Request>(conn: &ConnState, handled: Handled<R::Reply>) {
    match handled {
        Handled::Reply(answer) => conn.push(conn.reply_frame::<R>(&answer)),
        Handled::Sent | Handled::Silent => {}
    }
}
