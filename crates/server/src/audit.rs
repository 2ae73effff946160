//! Writing audit rows (logins, logouts, disconnects, kicks, role changes).

use std::net::SocketAddr;

use hearth_storage::NewAudit;
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
        .db(move |store| {
            let ip = peer.map(|p| p.ip().to_string());
            store.audit(&NewAudit {
                ts: OffsetDateTime::now_utc(),
                kind,
                user: &user,
                by: by.as_deref(),
                ip: ip.as_deref(),
                port: peer.map(|p| p.port()),
                detail: detail.as_deref(),
            })
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, kind, "could not write audit row");
    }
}
