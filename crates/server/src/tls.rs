//! The rustls server configuration (ring provider; TLS 1.3 and 1.2), and the
//! acceptor that keeps handshakes from crowding out chat.

use std::sync::Arc;

use hearth_certs::ServerIdentity;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::server::TlsStream;
use tokio_rustls::LazyConfigAcceptor;

use crate::error::ServerError;

/// Accepts TLS connections.
///
/// Most of a handshake's CPU (the key exchange and the signature, about
/// 0.1 ms) is spent in one synchronous step, when the server answers the
/// ClientHello. When a hundred clients reconnect at once, every async worker
/// would be busy with those steps and chat would wait behind them; so at most
/// [`Acceptor::computing`] connections take that step at a time, and the
/// others wait for a permit without holding a worker. Waiting for the
/// client's bytes holds no permit, so a slow client delays no one.
#[derive(Clone)]
pub(crate) struct Acceptor {
    config: Arc<rustls::ServerConfig>,
    /// One permit per handshake step that may compute at once. Held only
    /// around the synchronous step, never across an `.await`.
    gate: Arc<Semaphore>,
}

impl Acceptor {
    /// An acceptor for the server's certificate and key, letting
    /// [`Acceptor::computing`] handshakes compute at once on this runtime.
    pub(crate) fn new(identity: &ServerIdentity) -> Result<Self, ServerError> {
        let provider = Arc::new(rustls::crypto::CryptoProvider {
            cipher_suites: preferred_suites(),
            ..rustls::crypto::ring::default_provider()
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(identity.cert_chain.clone(), identity.key.clone_key())?;
        config.ignore_client_order = true;
        let workers = tokio::runtime::Handle::try_current()
            .map(|h| h.metrics().num_workers())
            .unwrap_or(1);
        Ok(Acceptor {
            config: Arc::new(config),
            gate: Arc::new(Semaphore::new(Self::computing(workers))),
        })
    }

    /// How many handshakes compute at once with `workers` async workers: all
    /// but one of them, so one is always free for chat, and at least one.
    pub(crate) fn computing(workers: usize) -> usize {
        workers.saturating_sub(1).max(1)
    }

    /// Runs the TLS handshake on `tcp`.
    pub(crate) async fn accept(&self, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp).await?;
        let handshake = {
            // The gate is never closed, so acquiring only waits.
            let _permit = self.gate.acquire().await.map_err(std::io::Error::other)?;
            // Synchronous: answers the ClientHello (key exchange, signature).
            start.into_stream(Arc::clone(&self.config))
        };
        handshake.await
    }
}

/// The ring provider's cipher suites, AES-128-GCM with SHA-256 first (the
/// server chooses, not the client). rustls clients ask for AES-256-GCM with
/// SHA-384 first; on x86 that handshake's key schedule runs SHA-512 in
/// software (5 % of the server's CPU while a crowd reconnects), where SHA-256
/// has the CPU's SHA instructions, and AES-128 encrypts every record with
/// fewer rounds. Both are as safe for a LAN chat.
fn preferred_suites() -> Vec<rustls::SupportedCipherSuite> {
    use rustls::crypto::ring::cipher_suite as suite;
    let first = [
        suite::TLS13_AES_128_GCM_SHA256,
        suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ];
    let all = rustls::crypto::ring::DEFAULT_CIPHER_SUITES;
    let rest = all.iter().filter(|s| !first.contains(s));
    first.iter().chain(rest).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::Acceptor;

    #[test]
    fn one_worker_always_stays_free_for_chat() {
        assert_eq!(Acceptor::computing(0), 1);
        assert_eq!(Acceptor::computing(1), 1);
        assert_eq!(Acceptor::computing(2), 1);
        assert_eq!(Acceptor::computing(8), 7);
    }
}
