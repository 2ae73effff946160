//! Human-readable facts about a certificate in a PEM file.

use std::fs;
use std::net::IpAddr;
use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::time::ASN1Time;

use crate::{CertError, Fingerprint, JoinCode};

/// What `hearth-certs show` prints about a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject distinguished name, e.g. `CN=Hearth server`.
    pub subject: String,
    /// Subject alternative names: DNS names and IP addresses as plain
    /// strings, other kinds in x509-parser's `Kind(value)` notation.
    pub sans: Vec<String>,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The key fingerprint.
    pub fingerprint: Fingerprint,
    /// The join code derived from the fingerprint.
    pub join_code: JoinCode,
}

impl CertInfo {
    /// Describes a DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<CertInfo, CertError> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| CertError::InvalidCertificate(e.to_string()))?;
        let sans = match cert
            .subject_alternative_name()
            .map_err(|e| CertError::InvalidCertificate(e.to_string()))?
        {
            Some(ext) => ext.value.general_names.iter().map(san_string).collect(),
            None => Vec::new(),
        };
        let fingerprint = Fingerprint::of_spki_der(cert.public_key().raw);
        Ok(CertInfo {
            subject: cert.subject().to_string(),
            sans,
            not_before: rfc3339(cert.validity().not_before),
            not_after: rfc3339(cert.validity().not_after),
            fingerprint,
            join_code: JoinCode::from_fingerprint(&fingerprint),
        })
    }
}

/// Describes the first certificate in the PEM file at `path`.
pub fn inspect_pem_file(path: &Path) -> Result<CertInfo, CertError> {
    let pem = fs::read(path).map_err(|e| CertError::io("read", path, e))?;
    let der = match CertificateDer::from_pem_slice(&pem) {
        Ok(der) => der,
        Err(rustls_pki_types::pem::Error::NoItemsFound) => {
            return Err(CertError::NoCertificate { path: path.into() })
        }
        Err(cause) => {
            return Err(CertError::Pem {
                path: path.into(),
                cause,
            })
        }
    };
    CertInfo::from_der(&der)
}

fn san_string(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(dns) => (*dns).to_string(),
        GeneralName::IPAddress(bytes) => match ip_from_bytes(bytes) {
            Some(ip) => ip.to_string(),
            None => name.to_string(),
        },
        other => other.to_string(),
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from)
}

fn rfc3339(t: ASN1Time) -> String {
    t.to_datetime()
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
