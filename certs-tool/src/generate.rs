//! Generation of self-signed server certificates.

use std::net::IpAddr;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PublicKeyData, SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{CertError, Fingerprint, SecretPem};

/// The common name of every generated certificate.
pub const SUBJECT_COMMON_NAME: &str = "Hearth server";

/// How long before "now" a new certificate becomes valid, to tolerate
/// clients whose clocks are behind.
const BACKDATE: Duration = Duration::days(1);

/// How long a new certificate stays valid (ten years, counting leap days).
const LIFETIME: Duration = Duration::days(3653);

/// A freshly generated certificate and its private key, both PEM-encoded.
#[derive(Clone, Debug)]
pub struct GeneratedCert {
    /// The self-signed certificate (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// The PKCS#8 private key; its `Debug` output is redacted.
    pub key_pem: SecretPem,
    /// The certificate's key fingerprint.
    pub fingerprint: Fingerprint,
}

/// Generates a self-signed ECDSA P-256 certificate with common name
/// [`SUBJECT_COMMON_NAME`], valid from one day ago for ten years.
///
/// Each entry of `sans` becomes an IP address SAN if it parses as an IP
/// address, and a DNS name SAN otherwise. Surrounding whitespace is ignored;
/// empty entries and names with characters not allowed in DNS names are
/// rejected with [`CertError::InvalidSan`].
pub fn generate(sans: &[String]) -> Result<GeneratedCert, CertError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let now = OffsetDateTime::now_utc();

    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, SUBJECT_COMMON_NAME);
    params.subject_alt_names = sans.iter().map(|s| san_type(s)).collect::<Result<_, _>>()?;
    params.not_before = now - BACKDATE;
    params.not_after = now + LIFETIME;
    params.serial_number = Some(serial_number(&key.subject_public_key_info(), now));
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];

    let cert = params.self_signed(&key)?;
    Ok(GeneratedCert {
        cert_pem: cert.pem(),
        key_pem: SecretPem::new(key.serialize_pem()),
        fingerprint: Fingerprint::of_cert_der(cert.der())?,
    })
}

/// Classifies one SAN string as an IP address or a DNS name.
fn san_type(raw: &str) -> Result<SanType, CertError> {
    let name = raw.trim();
    let invalid = |reason: &str| CertError::InvalidSan {
        name: raw.to_string(),
        reason: reason.to_string(),
    };
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    if name.is_empty() {
        return Err(invalid("empty name"));
    }
    if name.len() > 253 {
        return Err(invalid("longer than 253 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '*'))
    {
        return Err(invalid(
            "not an IP address, and a DNS name may only contain letters, digits, '-', '.', '_' and '*'",
        ));
    }
    let ia5 = name
        .try_into()
        .map_err(|e: rcgen::Error| invalid(&e.to_string()))?;
    Ok(SanType::DnsName(ia5))
}

/// A positive 16-byte serial derived from the public key and the time, so
/// certificates re-issued for the same key still get distinct serials.
fn serial_number(spki: &[u8], now: OffsetDateTime) -> SerialNumber {
    let mut hasher = Sha256::new();
    hasher.update(spki);
    hasher.update(now.unix_timestamp_nanos().to_be_bytes());
    let digest = hasher.finalize();
    let mut serial = [0u8; 16];
    serial.copy_from_slice(&digest[..16]);
    serial[0] &= 0x7f; // keep it positive
    serial[0] |= 0x01; // and non-zero
    SerialNumber::from_slice(&serial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

    fn parse_pem(pem: &str) -> Vec<u8> {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
            .expect("certificate PEM")
            .to_vec()
    }

    #[test]
    fn generates_expected_certificate() {
        let sans = ["localhost", "127.0.0.1", "::1", "chat.lan"].map(String::from);
        let generated = generate(&sans).unwrap();
        assert!(generated
            .cert_pem
            .starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(generated.key_pem.expose().contains("BEGIN PRIVATE KEY"));

        let der = parse_pem(&generated.cert_pem);
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(cert.subject().to_string(), "CN=Hearth server");
        assert_eq!(cert.issuer(), cert.subject());

        let san = cert.subject_alternative_name().unwrap().unwrap();
        let names = &san.value.general_names;
        assert!(names.contains(&GeneralName::DNSName("localhost")));
        assert!(names.contains(&GeneralName::DNSName("chat.lan")));
        assert!(names.contains(&GeneralName::IPAddress(&[127, 0, 0, 1])));
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert!(names.contains(&GeneralName::IPAddress(&v6)));
        assert_eq!(names.len(), 4);

        let now = OffsetDateTime::now_utc();
        let not_before = cert.validity().not_before.to_datetime();
        let not_after = cert.validity().not_after.to_datetime();
        assert!(not_before < now - Duration::hours(23));
        assert!(not_before > now - Duration::hours(25));
        assert!(not_after > now + Duration::days(3650));
        assert!(not_after < now + Duration::days(3660));

        // P-256 key: id-ecPublicKey with the prime256v1 curve.
        let spki = cert.public_key();
        assert_eq!(spki.algorithm.algorithm.to_id_string(), "1.2.840.10045.2.1");
        assert_eq!(spki.subject_public_key.data.len(), 65);
    }

    #[test]
    fn fingerprint_is_sha256_of_spki() {
        let generated = generate(&["localhost".to_string()]).unwrap();
        let der = parse_pem(&generated.cert_pem);

        // Independently: SPKI from the key pair rcgen serialised.
        let key = KeyPair::from_pem(generated.key_pem.expose()).unwrap();
        let expected: [u8; 32] = Sha256::digest(key.subject_public_key_info()).into();
        assert_eq!(generated.fingerprint.as_bytes(), &expected);

        // And from the raw SPKI bytes inside the certificate.
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let from_cert: [u8; 32] = Sha256::digest(cert.tbs_certificate.subject_pki.raw).into();
        assert_eq!(from_cert, expected);
        assert_eq!(
            Fingerprint::of_cert_der(&der).unwrap(),
            generated.fingerprint
        );
    }

    #[test]
    fn each_generation_uses_a_new_key() {
        let a = generate(&[]).unwrap();
        let b = generate(&[]).unwrap();
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn rejects_bad_sans() {
        for bad in ["", "   ", "bad name", "naïve.lan", "a/b"] {
            match generate(&[bad.to_string()]) {
                Err(CertError::InvalidSan { name, .. }) => assert_eq!(name, bad),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let generated = generate(&["localhost".to_string()]).unwrap();
        let debug = format!("{generated:?}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        let body: String = generated
            .key_pem
            .expose()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(!debug.contains(&body[..20]), "{debug}");
        assert!(debug.contains("<redacted>"));
    }
}
