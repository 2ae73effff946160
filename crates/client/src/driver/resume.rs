//! Reconnecting after a drop, and picking up exactly where the client was.
//!
//! With exponential backoff, the driver dials again (pinned to the key it saw
//! the first time), logs in with the credentials it holds, re-enters the room,
//! then pages `history {room, after_id: last seen}` until it has everything
//! that was said meanwhile. Pushes that arrive during these steps are kept
//! and handled afterwards, so the event stream shows each message once and
//! in order. The client's own re-login and re-entry notices, and the room's
//! history push (the pages cover it), are not shown.

use std::time::Duration;

use hearth_protocol::push::Notice;
use hearth_protocol::request::encode_request;
use hearth_protocol::requests::{Enter, History, HistoryPage};
use hearth_protocol::{Envelope, PushMsg, Request};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{numeric_id, sleep_until_some, Call, Driver, LiveConn};
use crate::error::ClientError;
use crate::event::{ConnectionState, Event};

/// Messages per `history` page while catching up (the server's maximum).
const PAGE: usize = 200;

/// The client was closed while reconnecting; carries the closer's `done` signal.
pub(crate) struct Closed(pub Option<oneshot::Sender<()>>);

/// Why an attempt to resume failed.
enum ResumeError {
    /// Stop for good (e.g. the login is refused now).
    Final(String),
    /// The new connection failed too; try again.
    Lost(String),
}

/// Why a request sent during the resume failed.
enum Inline {
    /// The server answered with an error.
    Refused(String),
    /// The connection failed.
    Lost(String),
}

impl Driver {
    /// Reconnects with backoff until it works, the client is closed, or it is
    /// no use (the key changed, the login is refused, too many attempts).
    pub(super) async fn reconnect(&mut self, mut reason: String) -> Result<LiveConn, Closed> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if self.options.max_attempts.is_some_and(|max| attempt > max) {
                self.stop(format!(
                    "gave up reconnecting after {} attempts: {reason}",
                    attempt - 1
                ));
                return Err(Closed(None));
            }
            self.emit(Event::Connection(ConnectionState::Reconnecting {
                attempt,
                reason: reason.clone(),
            }));
            if let Err(closed) = self.pause(self.options.backoff(attempt)).await {
                self.stop("closed by the client".into());
                return Err(closed);
            }
            let Some(dialer) = &self.dialer else {
                self.stop(reason);
                return Err(Closed(None));
            };
            match crate::tls::dial(&dialer.addr, &dialer.trust, self.options.connect_timeout).await
            {
                Ok(dialed) => {
                    let mut conn = LiveConn::new(Box::new(dialed.stream));
                    match self.resume_session(&mut conn).await {
                        Ok(()) => return Ok(conn),
                        Err(ResumeError::Final(r)) => {
                            conn.close().await;
                            self.stop(r);
                            return Err(Closed(None));
                        }
                        Err(ResumeError::Lost(r)) => reason = r,
                    }
                }
                Err(ClientError::Trust(e)) => {
                    // Never carry on with a server whose key changed.
                    self.stop(e.to_string());
                    return Err(Closed(None));
                }
                Err(e) => reason = e.to_string(),
            }
        }
    }

    /// Waits `wait`, answering calls with "reconnecting" and releasing held notices.
    async fn pause(&mut self, wait: Duration) -> Result<(), Closed> {
        let until = Instant::now() + wait;
        loop {
            let flap_at = self.flaps.next_due();
            tokio::select! {
                () = tokio::time::sleep_until(until) => return Ok(()),
                call = self.calls.recv() => match call {
                    None => return Err(Closed(None)),
                    Some(Call::Close { done }) => return Err(Closed(Some(done))),
                    Some(Call::Request { reply, .. }) => {
                        let _ = reply.send(Err(ClientError::Reconnecting));
                    }
                },
                () = sleep_until_some(flap_at) => self.release_flaps(),
            }
        }
    }

    /// Logs in again, re-enters the room and fetches what was missed.
    async fn resume_session(&mut self, conn: &mut LiveConn) -> Result<(), ResumeError> {
        let mut deferred = Vec::new();
        if let Some(creds) = self.resume.creds.clone() {
            match self.call_inline(conn, creds.login(), &mut deferred).await {
                Ok(_) => {}
                Err(Inline::Refused(m)) => {
                    return Err(ResumeError::Final(format!("could not log in again: {m}")))
                }
                Err(Inline::Lost(r)) => return Err(ResumeError::Lost(r)),
            }
            if let Some(room) = self.resume.room.clone() {
                let enter = Enter { room: room.clone() };
                match self.call_inline(conn, enter, &mut deferred).await {
                    Ok(_) => self.skip_history = Some(room),
                    Err(Inline::Refused(m)) => {
                        tracing::warn!(%room, reason = %m, "could not re-enter the room");
                        self.resume.room = None;
                        self.resume.last_seen = None;
                    }
                    Err(Inline::Lost(r)) => return Err(ResumeError::Lost(r)),
                }
            }
        }
        self.publish(true);
        self.emit(Event::Connection(ConnectionState::Reconnected {
            room: self.resume.room.clone(),
        }));
        if let (Some(room), Some(after)) = (self.resume.room.clone(), self.resume.last_seen) {
            self.catch_up(conn, &room, after, &mut deferred).await?;
        }
        let me = self.resume.username().map(str::to_owned);
        for env in deferred {
            if !is_own_notice(&env, me.as_deref()) {
                self.on_push(env);
            }
        }
        Ok(())
    }

    /// Delivers every message of `room` after `after`, page by page.
    async fn catch_up(
        &mut self,
        conn: &mut LiveConn,
        room: &str,
        mut after: i64,
        deferred: &mut Vec<Envelope>,
    ) -> Result<(), ResumeError> {
        loop {
            let query = History {
                room: Some(room.to_owned()),
                after_id: Some(after),
                limit: Some(PAGE as u32),
                ..History::default()
            };
            let env = match self.call_inline(conn, query, deferred).await {
                Ok(env) => env,
                Err(Inline::Refused(m)) => {
                    tracing::warn!(%room, reason = %m, "could not fetch missed messages");
                    return Ok(());
                }
                Err(Inline::Lost(r)) => return Err(ResumeError::Lost(r)),
            };
            let page: HistoryPage = match env.data_as() {
                Ok(page) => page,
                Err(_) => {
                    tracing::warn!("unreadable history page while catching up");
                    return Ok(());
                }
            };
            let Some(newest) = page.messages.last().map(|m| m.id) else {
                return Ok(());
            };
            let more = page.messages.len() >= PAGE || page.trimmed;
            for m in page.messages {
                if self.resume.admit(&m) {
                    self.emit(Event::Message(m));
                }
            }
            if !more || newest <= after {
                return Ok(());
            }
            after = newest;
        }
    }

    /// Sends one request and reads until its reply, keeping other frames for later.
    async fn call_inline<R: Request>(
        &mut self,
        conn: &mut LiveConn,
        request: R,
        deferred: &mut Vec<Envelope>,
    ) -> Result<Envelope, Inline> {
        let kind = R::TYPE;
        let id = self.next_id();
        conn.send(
            encode_request(&request, Some(&id.into())),
            self.options.request_timeout,
        )
        .await
        .map_err(Inline::Lost)?;
        let deadline = Instant::now() + self.options.request_timeout;
        loop {
            let body = match tokio::time::timeout_at(deadline, conn.read()).await {
                Err(_) => return Err(Inline::Lost(format!("no answer to '{kind}'"))),
                Ok(Err(e)) => return Err(Inline::Lost(e.to_string())),
                Ok(Ok(None)) => {
                    return Err(Inline::Lost("the server closed the connection".into()))
                }
                Ok(Ok(Some(body))) => body,
            };
            if self.options.raw_frames {
                self.emit(Event::Raw(String::from_utf8_lossy(&body).into_owned()));
            }
            let Ok(env) = Envelope::from_slice(&body) else {
                continue;
            };
            if numeric_id(&env) == Some(id) {
                return if env.is_ok() {
                    Ok(env)
                } else {
                    Err(Inline::Refused(env.message.unwrap_or_default()))
                };
            }
            deferred.push(env);
        }
    }
}

/// The notices caused by the client's own re-login and re-entry.
fn is_own_notice(env: &Envelope, me: Option<&str>) -> bool {
    let Some(me) = me else {
        return false;
    };
    match PushMsg::decode(env) {
        Some(PushMsg::Event(Notice::Joined { user, .. } | Notice::Left { user, .. })) => {
            user.eq_ignore_ascii_case(me)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(v: serde_json::Value) -> Envelope {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn own_join_and_leave_notices_are_recognised() {
        let joined = env(json!({"type":"event","status":"ok","message":null,
            "data":{"kind":"joined","user":"Alice","room":"fun","ts":"t"}}));
        assert!(is_own_notice(&joined, Some("alice")));
        assert!(!is_own_notice(&joined, Some("bob")));
        assert!(!is_own_notice(&joined, None));
        let kicked = env(json!({"type":"event","status":"ok","message":null,
            "data":{"kind":"kicked","user":"alice","by":"root","reason":"r","until":null,"ts":"t"}}));
        assert!(!is_own_notice(&kicked, Some("alice")));
    }
}
