//! How a client decides to trust a server's key: a join code, a known key, or
//! trust on first use through the known-hosts file.
//!
//! The decision itself ([`Rule::decide`]) is a pure function of the key the
//! server presented; `crate::tls` runs it inside the TLS handshake, so
//! a refusal happens before a single application byte (and so any credential)
//! is sent.

use std::path::PathBuf;

use hearth_certs::{Fingerprint, JoinCode};

use crate::addr::ServerAddr;
use crate::known_hosts::{HostStatus, KnownHosts, KnownHostsError};

/// What the caller trusts, given to [`crate::Client::connect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A join code: the server's key must start with it.
    Code(JoinCode),
    /// One exact key, e.g. a fingerprint the user has just confirmed.
    Key(Fingerprint),
    /// Trust on first use, remembered in a known-hosts file.
    KnownHosts {
        /// The known-hosts file (see [`KnownHosts::default_path`]).
        path: PathBuf,
        /// What to do with a server that is not in the file yet.
        on_unknown: OnUnknownHost,
    },
}

/// What [`Trust::KnownHosts`] does with a server it has never seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnknownHost {
    /// Refuse with [`TrustError::UnknownHost`], which carries the full
    /// fingerprint so the caller can ask the user, [save](KnownHosts::trust)
    /// it and connect again.
    Refuse,
    /// The user already said yes: trust the key and save it once the handshake succeeds.
    TrustAndSave,
}

/// Why the server's key was not trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The key does not match the join code.
    #[error("this is not the host you were given the code for")]
    WrongCode {
        /// The code the user gave.
        code: JoinCode,
        /// The key the server presented.
        got: Fingerprint,
    },
    /// The key is not the one exact key expected.
    #[error("the server's key {got} is not the expected {expected}; this is not the same server")]
    WrongKey {
        /// The key expected.
        expected: Fingerprint,
        /// The key the server presented.
        got: Fingerprint,
    },
    /// The server is not in the known-hosts file (and the caller asked to be asked).
    #[error(
        "{addr} is not a known host. Its key fingerprint is {fingerprint}; \
         check it with the server's owner before trusting it"
    )]
    UnknownHost {
        /// The server.
        addr: ServerAddr,
        /// The key it presented, in full.
        fingerprint: Fingerprint,
    },
    /// The server is saved with another key.
    #[error(
        "the key of {addr} has changed: saved {saved}, presented {got}. Someone may be \
         intercepting the connection, so it was refused. Only if you know why the key \
         changed, forget this host and trust it again"
    )]
    HostKeyChanged {
        /// The server.
        addr: ServerAddr,
        /// The key on file.
        saved: Fingerprint,
        /// The key the server presented.
        got: Fingerprint,
    },
    /// The certificate could not be read at all.
    #[error("the server sent an unreadable certificate: {0}")]
    BadCertificate(String),
    /// The known-hosts file could not be read or written.
    #[error(transparent)]
    KnownHosts(#[from] KnownHostsError),
}

/// Why a server's key was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustOutcome {
    /// It matched the join code.
    CodeMatched,
    /// It was the exact key expected.
    KeyMatched,
    /// It matched the known-hosts file.
    KnownHost,
    /// The server was new and its key was saved to the known-hosts file.
    SavedNewHost,
}

/// A [`Trust`] made ready for one connection (the known-hosts file already read).
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    Code(JoinCode),
    Key(Fingerprint),
    KnownHosts {
        hosts: KnownHosts,
        on_unknown: OnUnknownHost,
    },
}

impl Rule {
    /// Reads what `trust` needs from disk.
    pub(crate) fn prepare(trust: &Trust) -> Result<Rule, TrustError> {
        Ok(match trust {
            Trust::Code(code) => Rule::Code(*code),
            Trust::Key(key) => Rule::Key(*key),
            Trust::KnownHosts { path, on_unknown } => Rule::KnownHosts {
                hosts: KnownHosts::load(path.clone())?,
                on_unknown: *on_unknown,
            },
        })
    }

    /// Accepts or refuses the key `got` presented by `addr`.
    ///
    /// For a new host under [`OnUnknownHost::TrustAndSave`] this says
    /// [`TrustOutcome::SavedNewHost`]; the caller saves the key once the
    /// handshake has proven the server holds it.
    pub(crate) fn decide(
        &self,
        addr: &ServerAddr,
        got: Fingerprint,
    ) -> Result<TrustOutcome, TrustError> {
        match self {
            Rule::Code(code) if code.matches(&got) => Ok(TrustOutcome::CodeMatched),
            Rule::Code(code) => Err(TrustError::WrongCode { code: *code, got }),
            Rule::Key(expected) if *expected == got => Ok(TrustOutcome::KeyMatched),
            Rule::Key(expected) => Err(TrustError::WrongKey {
                expected: *expected,
                got,
            }),
            Rule::KnownHosts { hosts, on_unknown } => match (hosts.check(addr, &got), on_unknown) {
                (HostStatus::Known, _) => Ok(TrustOutcome::KnownHost),
                (HostStatus::Changed { saved }, _) => Err(TrustError::HostKeyChanged {
                    addr: addr.clone(),
                    saved,
                    got,
                }),
                (HostStatus::Unknown, OnUnknownHost::TrustAndSave) => {
                    Ok(TrustOutcome::SavedNewHost)
                }
                (HostStatus::Unknown, OnUnknownHost::Refuse) => Err(TrustError::UnknownHost {
                    addr: addr.clone(),
                    fingerprint: got,
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> ServerAddr {
        "host.lan:7070".parse().unwrap()
    }

    #[test]
    fn code_must_match_the_key() {
        let key = Fingerprint::of_spki_der(b"server");
        let other = Fingerprint::of_spki_der(b"mallory");
        let rule = Rule::Code(JoinCode::from_fingerprint(&key));
        assert_eq!(
            rule.decide(&addr(), key).unwrap(),
            TrustOutcome::CodeMatched
        );
        let err = rule.decide(&addr(), other).unwrap_err();
        assert!(matches!(err, TrustError::WrongCode { got, .. } if got == other));
        assert_eq!(
            err.to_string(),
            "this is not the host you were given the code for"
        );
    }

    #[test]
    fn exact_key_must_match() {
        let key = Fingerprint::of_spki_der(b"server");
        let rule = Rule::Key(key);
        assert_eq!(rule.decide(&addr(), key).unwrap(), TrustOutcome::KeyMatched);
        assert!(matches!(
            rule.decide(&addr(), Fingerprint::of_spki_der(b"x")),
            Err(TrustError::WrongKey { .. })
        ));
    }

    #[test]
    fn known_hosts_first_use_and_changed_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let key = Fingerprint::of_spki_der(b"server");
        let other = Fingerprint::of_spki_der(b"mallory");
        let trust = |on_unknown| Trust::KnownHosts {
            path: path.clone(),
            on_unknown,
        };

        let ask = Rule::prepare(&trust(OnUnknownHost::Refuse)).unwrap();
        match ask.decide(&addr(), key).unwrap_err() {
            TrustError::UnknownHost { fingerprint, .. } => assert_eq!(fingerprint, key),
            other => panic!("{other:?}"),
        }
        let err = ask.decide(&addr(), key).unwrap_err().to_string();
        assert!(
            err.contains(&key.to_hex()),
            "the full fingerprint is shown: {err}"
        );

        let accept = Rule::prepare(&trust(OnUnknownHost::TrustAndSave)).unwrap();
        assert_eq!(
            accept.decide(&addr(), key).unwrap(),
            TrustOutcome::SavedNewHost
        );

        KnownHosts::load(&path)
            .unwrap()
            .trust(&addr(), key)
            .unwrap();
        for on_unknown in [OnUnknownHost::Refuse, OnUnknownHost::TrustAndSave] {
            let rule = Rule::prepare(&trust(on_unknown)).unwrap();
            assert_eq!(rule.decide(&addr(), key).unwrap(), TrustOutcome::KnownHost);
            match rule.decide(&addr(), other).unwrap_err() {
                TrustError::HostKeyChanged { saved, got, .. } => {
                    assert_eq!((saved, got), (key, other));
                }
                e => panic!("{e:?}"),
            }
        }
        // Another port on the same host is another server.
        let rule = Rule::prepare(&trust(OnUnknownHost::Refuse)).unwrap();
        assert!(matches!(
            rule.decide(&"host.lan:7071".parse().unwrap(), key),
            Err(TrustError::UnknownHost { .. })
        ));
    }
}
