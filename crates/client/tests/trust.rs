//! Join codes, trust on first use and the man in the middle, over real TLS
//! against real servers on 127.0.0.1.

mod common;

use common::{start_server, within, Mitm};
use hearth_client::{
    Client, ClientError, ClientOptions, JoinCode, JoinLink, KnownHosts, OnUnknownHost, Secret,
    Trust, TrustError, TrustOutcome,
};

#[tokio::test]
async fn the_right_code_connects_and_the_session_works() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;

    let (client, _events) = within(
        "connect",
        Client::connect(&server.addr_text(), Trust::Code(server.code())),
    )
    .await
    .expect("the right code connects");
    assert_eq!(client.server_key(), Some(server.fingerprint));
    assert_eq!(client.trust_outcome(), Some(TrustOutcome::CodeMatched));

    let pw = Secret::new("correct horse");
    client.register("alice", &pw, None).await.unwrap();
    let me = client.login("alice", &pw).await.unwrap();
    assert_eq!(
        (me.username.as_str(), me.chatroom.as_str()),
        ("alice", "lobby")
    );
    assert_eq!(me.role.as_str(), "owner");
    assert!(client.ping().await.is_ok());

    // A join link carries the same trust.
    let link = JoinLink::new(server.addr.into(), server.code());
    let (other, _e) =
        Client::connect_link(&link.to_string().parse().unwrap(), ClientOptions::default())
            .await
            .expect("the link connects");
    assert_eq!(other.server_key(), Some(server.fingerprint));
}

#[tokio::test]
async fn a_wrong_code_is_refused_before_any_credential_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let (mut mitm, mitm_key) = Mitm::own_key().await;

    // The user was given the real server's code, but reaches the impostor.
    let err = within(
        "connect to the impostor",
        Client::connect(&mitm.addr.to_string(), Trust::Code(server.code())),
    )
    .await
    .expect_err("a wrong key must be refused");
    assert_eq!(
        err.to_string(),
        "this is not the host you were given the code for"
    );
    assert!(matches!(
        err,
        ClientError::Trust(TrustError::WrongCode { got, .. }) if got == mitm_key
    ));
    let seen = mitm.next_seen().await;
    assert!(!seen.handshake_ok, "the client aborted the handshake");
    assert!(
        seen.bytes.is_empty(),
        "nothing reached the impostor: {:?}",
        seen.bytes
    );

    // A second real server with another key is refused just the same, and
    // its database shows no session was ever opened (no login happened).
    let other_dir = tempfile::tempdir().unwrap();
    let other = start_server(&other_dir.path().join("data"), "127.0.0.1:0").await;
    let err = Client::connect(&other.addr_text(), Trust::Code(server.code()))
        .await
        .expect_err("refused");
    assert!(matches!(
        err,
        ClientError::Trust(TrustError::WrongCode { .. })
    ));
    let (owner, _e) = Client::connect(&other.addr_text(), Trust::Code(other.code()))
        .await
        .unwrap();
    let pw = Secret::new("owner pw");
    owner.register("root", &pw, None).await.unwrap();
    owner.login("root", &pw).await.unwrap();
    let audit = owner.audit(Some(100)).await.unwrap();
    assert!(
        audit.iter().all(|e| e.user == "root"),
        "only the owner's own login is recorded: {audit:?}"
    );
}

#[tokio::test]
async fn a_peer_with_the_certificate_but_not_the_key_cannot_finish_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start_server(&data, "127.0.0.1:0").await;
    let cert_pem = std::fs::read_to_string(data.join(hearth_certs::CERT_FILE_NAME)).unwrap();
    let mut mitm = Mitm::stolen_cert(&cert_pem).await;

    let err = within(
        "connect to the replayer",
        Client::connect(&mitm.addr.to_string(), Trust::Code(server.code())),
    )
    .await
    .expect_err("a bad handshake signature is refused");
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    let seen = mitm.next_seen().await;
    assert!(seen.bytes.is_empty(), "nothing was sent: {:?}", seen.bytes);
}

#[tokio::test]
async fn trust_on_first_use_is_saved_and_a_changed_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let server = start_server(&dir.path().join("one"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let ask = Trust::KnownHosts {
        path: known.clone(),
        on_unknown: OnUnknownHost::Refuse,
    };

    // Unknown: refused, with the full fingerprint for the caller to show.
    let err = Client::connect(&addr, ask.clone())
        .await
        .expect_err("unknown host");
    let ClientError::Trust(TrustError::UnknownHost { fingerprint, .. }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*fingerprint, server.fingerprint);
    assert!(err.to_string().contains(&server.fingerprint.to_hex()));
    assert!(
        KnownHosts::load(&known).unwrap().iter().next().is_none(),
        "nothing saved yet"
    );

    // The user said yes: saved, and known from then on.
    let (c, _e) = Client::connect(
        &addr,
        Trust::KnownHosts {
            path: known.clone(),
            on_unknown: OnUnknownHost::TrustAndSave,
        },
    )
    .await
    .unwrap();
    assert_eq!(c.trust_outcome(), Some(TrustOutcome::SavedNewHost));
    c.close().await;
    let saved = KnownHosts::load(&known).unwrap();
    assert_eq!(saved.get(&addr.parse().unwrap()), Some(server.fingerprint));
    let (c, _e) = Client::connect(&addr, ask.clone()).await.unwrap();
    assert_eq!(c.trust_outcome(), Some(TrustOutcome::KnownHost));
    c.close().await;

    // Another server with another key now answers on the same address.
    let port_addr = server.addr;
    server.shutdown().await;
    let impostor = start_server(&dir.path().join("two"), &port_addr.to_string()).await;
    assert_ne!(
        impostor.fingerprint,
        saved.get(&addr.parse().unwrap()).unwrap()
    );
    for on_unknown in [OnUnknownHost::Refuse, OnUnknownHost::TrustAndSave] {
        let err = Client::connect(
            &addr,
            Trust::KnownHosts {
                path: known.clone(),
                on_unknown,
            },
        )
        .await
        .expect_err("changed key");
        match err {
            ClientError::Trust(TrustError::HostKeyChanged { saved, got, .. }) => {
                assert_eq!(got, impostor.fingerprint);
                assert_ne!(saved, got);
            }
            other => panic!("{other:?}"),
        }
    }
    // Only an explicit "forget" clears it.
    let mut hosts = KnownHosts::load(&known).unwrap();
    assert!(hosts.forget(&addr.parse().unwrap()).unwrap());
    let err = Client::connect(&addr, ask)
        .await
        .expect_err("unknown again");
    assert!(matches!(
        err,
        ClientError::Trust(TrustError::UnknownHost { .. })
    ));
}

#[tokio::test]
async fn codes_typed_by_people_work() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let typed = server.code().to_string().to_lowercase().replace('-', " ");
    let code = JoinCode::parse(&typed).unwrap();
    let (c, _e) = Client::connect(&server.addr_text(), Trust::Code(code))
        .await
        .unwrap();
    assert_eq!(c.trust_outcome(), Some(TrustOutcome::CodeMatched));
}
