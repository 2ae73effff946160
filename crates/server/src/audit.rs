//! Writing audit rows (logins, logouts, disconnects, kicks, role changes).

use std::net::SocketAddr;

use hearth_storage::{NewAudit, StorageError, Store};
use time::OffsetDateTime;

use crate::shared::Shared;

/// Writes one audit row. A failure is logged, never shown to the client.
pub(crate) async fn record(
    shared: &Shared,
    kind: &'static str,
    user: &str,
    by: Option<&str>,
    peer: Option<SocketAddr>,
    detail: Option<&str>,
) {
    let (user, by, detail) = (
        user.to_owned(),
        by.map(str::to_owned),
        detail.map(str::to_owned),
    );
    let result = shared
        .db(move |store| write(store, kind, &user, by.as_deref(), peer, detail.as_deref()))
        .await;
    log_failure(kind, result);
}

/// Writes one audit row from database work that does more (a login stores
/// its session and its audit rows in one trip to the database). Hand the
/// result to [`log_failure`] back on the connection's task, whose log span
/// says whose it is.
pub(crate) fn write(
    store: &Store,
    kind: &'static str,
    user: &str,
    by: Option<&str>,
    peer: Option<SocketAddr>,
    detail: Option<&str>,
) -> Result<(), StorageError> {
    let ip = peer.map(|p| p.ip().to_string());
    store.audit(&NewAudit {
        ts: OffsetDateTime::now_utc(),
        kind,
        user,
        by,
        ip: ip.as_deref(),
        port: peer.map(|p| p.port()),
        detail,
    })
}

/// Logs a failed audit write; the client never hears of it.
pub(crate) fn log_failure(kind: &'static str, result: Result<(), StorageError>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, kind, "could not write audit row");
    }
}
