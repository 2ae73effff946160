//! The cipher suite the server chooses, over real TLS on a real socket.

mod common;

use std::sync::Arc;

use common::{start_server, within};
use hearth_certs::PinnedVerifier;
use rustls::crypto::ring::cipher_suite as suite;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, SupportedCipherSuite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The suite a handshake with `config` ends with.
async fn negotiated(addr: std::net::SocketAddr, config: ClientConfig) -> SupportedCipherSuite {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = within(
        "TLS handshake",
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .unwrap();
    tls.get_ref().1.negotiated_cipher_suite().unwrap()
}

/// A client pinning `server`'s key that offers only `suites`, in that order,
/// over `versions`.
fn client_offering(
    verifier: PinnedVerifier,
    suites: &[SupportedCipherSuite],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ClientConfig {
    let provider = CryptoProvider {
        cipher_suites: suites.to_vec(),
        ..rustls::crypto::ring::default_provider()
    };
    ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_picks_aes_128_with_sha_256_whatever_the_client_prefers() {
    let server = start_server(|_| {}).await;
    let key = server.fingerprint();

    // Hearth's own clients (and rustls's defaults) list AES-256 with SHA-384 first.
    let ours = PinnedVerifier::exactly(key).client_config();
    assert_eq!(
        ours.crypto_provider().cipher_suites[0],
        suite::TLS13_AES_256_GCM_SHA384,
        "the case this test is about"
    );
    assert_eq!(
        negotiated(server.addr(), ours).await,
        suite::TLS13_AES_128_GCM_SHA256
    );

    // TLS 1.2 (the original Python clients may speak it) the same way.
    let tls12 = client_offering(
        PinnedVerifier::exactly(key),
        &[
            suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ],
        &[&rustls::version::TLS12],
    );
    assert_eq!(
        negotiated(server.addr(), tls12).await,
        suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );

    // A client without AES-128 still gets what it offers.
    for only in [
        suite::TLS13_AES_256_GCM_SHA384,
        suite::TLS13_CHACHA20_POLY1305_SHA256,
    ] {
        let config = client_offering(
            PinnedVerifier::exactly(key),
            &[only],
            &[&rustls::version::TLS13],
        );
        assert_eq!(negotiated(server.addr(), config).await, only);
    }
}
