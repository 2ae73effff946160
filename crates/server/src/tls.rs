//! The rustls server configuration (ring provider; TLS 1.3 and 1.2).

use std::sync::Arc;

use hearth_certs::ServerIdentity;
use tokio_rustls::TlsAcceptor;

use crate::error::ServerError;

/// Builds the acceptor for the server's certificate and key.
pub(crate) fn acceptor(identity: &ServerIdentity) -> Result<TlsAcceptor, ServerError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(identity.cert_chain.clone(), identity.key.clone_key())?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
