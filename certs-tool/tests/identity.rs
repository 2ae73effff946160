//! Library round trips through real files: write, load, reuse, inspect.

use std::fs;
use std::path::Path;

use hearth_certs::{
    generate, inspect_pem_file, load_identity, load_or_create_identity, write_pair, CertError,
    Fingerprint, JoinCode, CERT_FILE_NAME, KEY_FILE_NAME,
};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

fn sans(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn generate_write_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("nested/tls");
    let generated = generate(&sans(&["localhost", "127.0.0.1"])).unwrap();
    write_pair(&target, &generated).unwrap();

    assert_eq!(
        fs::read_to_string(target.join(CERT_FILE_NAME)).unwrap(),
        generated.cert_pem
    );
    assert_eq!(
        fs::read_to_string(target.join(KEY_FILE_NAME)).unwrap(),
        generated.key_pem.expose()
    );
    // No temporary files are left behind.
    let mut names: Vec<_> = fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [CERT_FILE_NAME, KEY_FILE_NAME]);

    let identity = load_identity(&target).unwrap();
    assert_eq!(identity.fingerprint, generated.fingerprint);
    assert_eq!(identity.cert_chain.len(), 1);
    let (_, cert) = X509Certificate::from_der(&identity.cert_chain[0]).unwrap();
    let spki_hash: [u8; 32] = Sha256::digest(cert.tbs_certificate.subject_pki.raw).into();
    assert_eq!(identity.fingerprint.as_bytes(), &spki_hash);
    assert_eq!(
        Fingerprint::of_cert_der(&identity.cert_chain[0]).unwrap(),
        identity.fingerprint
    );
    assert!(!identity.key.secret_der().is_empty());
}

#[cfg(unix)]
#[test]
fn key_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &generate(&sans(&["localhost"])).unwrap()).unwrap();
    let mode = |name: &str| {
        fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(KEY_FILE_NAME), 0o600);
    assert_eq!(mode(CERT_FILE_NAME) & 0o600, 0o600);

    // Overwriting keeps the key private.
    write_pair(dir.path(), &generate(&sans(&["localhost"])).unwrap()).unwrap();
    assert_eq!(mode(KEY_FILE_NAME), 0o600);
}

#[test]
fn load_or_create_creates_then_reuses() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("identity");
    let first = load_or_create_identity(&target, &sans(&["hearth.lan"])).unwrap();
    assert!(target.join(CERT_FILE_NAME).is_file());
    assert!(target.join(KEY_FILE_NAME).is_file());
    let cert_before = fs::read(target.join(CERT_FILE_NAME)).unwrap();

    let info = inspect_pem_file(&target.join(CERT_FILE_NAME)).unwrap();
    for expected in ["localhost", "127.0.0.1", "::1", "hearth.lan"] {
        assert!(
            info.sans.iter().any(|s| s == expected),
            "{expected} not in {:?}",
            info.sans
        );
    }

    let second = load_or_create_identity(&target, &sans(&["other.lan"])).unwrap();
    assert_eq!(first.fingerprint, second.fingerprint);
    assert_eq!(fs::read(target.join(CERT_FILE_NAME)).unwrap(), cert_before);
}

#[test]
fn load_or_create_refuses_half_a_pair() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path(), &generate(&sans(&["localhost"])).unwrap()).unwrap();
    let key_before = fs::read(dir.path().join(KEY_FILE_NAME)).unwrap();
    fs::remove_file(dir.path().join(CERT_FILE_NAME)).unwrap();

    let err = load_or_create_identity(dir.path(), &[]).unwrap_err();
    assert!(matches!(err, CertError::IncompletePair { .. }), "{err:?}");
    assert_eq!(
        fs::read(dir.path().join(KEY_FILE_NAME)).unwrap(),
        key_before
    );
    assert!(!dir.path().join(CERT_FILE_NAME).exists());
}

#[test]
fn load_reports_missing_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_identity(dir.path()).unwrap_err();
    assert!(matches!(err, CertError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains(CERT_FILE_NAME), "{err}");

    fs::write(dir.path().join(CERT_FILE_NAME), "no pem here\n").unwrap();
    let err = load_identity(dir.path()).unwrap_err();
    assert!(matches!(err, CertError::NoCertificate { .. }), "{err:?}");

    let generated = generate(&sans(&["localhost"])).unwrap();
    fs::write(dir.path().join(CERT_FILE_NAME), &generated.cert_pem).unwrap();
    fs::write(dir.path().join(KEY_FILE_NAME), &generated.cert_pem).unwrap();
    let err = load_identity(dir.path()).unwrap_err();
    assert!(matches!(err, CertError::NoPrivateKey { .. }), "{err:?}");
}

#[test]
fn load_rejects_key_from_another_pair() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(&sans(&["localhost"])).unwrap();
    let b = generate(&sans(&["localhost"])).unwrap();
    fs::write(dir.path().join(CERT_FILE_NAME), &a.cert_pem).unwrap();
    fs::write(dir.path().join(KEY_FILE_NAME), b.key_pem.expose()).unwrap();
    let err = load_identity(dir.path()).unwrap_err();
    assert!(matches!(err, CertError::KeyMismatch { .. }), "{err:?}");
}

#[test]
fn debug_output_never_shows_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let identity = load_or_create_identity(dir.path(), &[]).unwrap();
    let debug = format!("{identity:?} {identity:#?}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert!(debug.contains(&identity.fingerprint.to_hex()));
    let secret = identity.key.secret_der();
    let secret_hex: String = secret[secret.len() - 16..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let secret_dec = format!("{:?}", &secret[secret.len() - 8..]);
    let secret_dec = secret_dec.trim_matches(|c| c == '[' || c == ']');
    assert!(!debug.contains(&secret_hex), "{debug}");
    assert!(!debug.contains(secret_dec), "{debug}");

    let pem = fs::read_to_string(dir.path().join(KEY_FILE_NAME)).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!debug.contains(&body[..24]), "{debug}");
}

#[test]
fn inspect_describes_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(&sans(&["localhost", "10.1.2.3", "::1", "hearth.lan"])).unwrap();
    write_pair(dir.path(), &generated).unwrap();
    let info = inspect_pem_file(&dir.path().join(CERT_FILE_NAME)).unwrap();
    assert_eq!(info.subject, "CN=Hearth server");
    assert_eq!(info.sans, ["localhost", "10.1.2.3", "::1", "hearth.lan"]);
    assert_eq!(info.fingerprint, generated.fingerprint);
    assert_eq!(
        info.join_code,
        JoinCode::from_fingerprint(&generated.fingerprint)
    );
    assert!(info.join_code.matches(&generated.fingerprint));
    for t in [&info.not_before, &info.not_after] {
        let parsed = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339);
        assert!(parsed.is_ok(), "{t} is not RFC 3339");
    }
    assert!(info.not_before < info.not_after);
}

#[test]
fn inspect_rejects_missing_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem");
    assert!(matches!(
        inspect_pem_file(&missing),
        Err(CertError::Io { .. })
    ));
    let empty = dir.path().join("empty.pem");
    fs::write(&empty, "").unwrap();
    assert!(matches!(
        inspect_pem_file(Path::new(&empty)),
        Err(CertError::NoCertificate { .. })
    ));
}
