//! Errors from starting or running the server.

/// What can go wrong in the server library.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Bad settings.
    #[error("configuration: {0}")]
    Config(String),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] hearth_storage::StorageError),
    /// Certificate files could not be made or read.
    #[error("certificate: {0}")]
    Certs(#[from] hearth_certs::CertError),
    /// TLS setup failed.
    #[error("tls: {0}")]
    Tls(#[from] rustls::Error),
    /// Binding or accepting failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The server is stopping.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A bug or an unexpected failure inside the server.
    #[error("internal error: {0}")]
    Internal(String),
}
