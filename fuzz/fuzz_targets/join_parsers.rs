//! The parsers for what people type or paste to join: join codes, join links
//! (`hearth://HOST:PORT/CODE`), server addresses and fingerprints. Anything
//! is accepted or refused without a panic, and what is accepted prints as
//! text that parses back to the same value.

#![no_main]

use std::str::FromStr;

use hearth_certs::{Fingerprint, JoinCode};
use hearth_client::{JoinLink, ServerAddr};
use libfuzzer_sys::fuzz_target;

fn round_trips<T>(input: &str)
where
    T: FromStr + ToString + PartialEq + std::fmt::Debug,
    T::Err: std::fmt::Debug,
{
    if let Ok(value) = input.parse::<T>() {
        let shown = value.to_string();
        let again = shown
            .parse::<T>()
            .unwrap_or_else(|e| panic!("{input:?} parsed, but its text {shown:?} does not: {e:?}"));
        assert_eq!(again, value, "{input:?} → {shown:?}");
    }
}

fuzz_target!(|input: &str| {
    round_trips::<JoinCode>(input);
    round_trips::<JoinLink>(input);
    round_trips::<ServerAddr>(input);
    round_trips::<Fingerprint>(input);
    if let Ok(code) = JoinCode::from_str(input) {
        let shown = code.to_string();
        assert_eq!(shown.len(), 19, "{shown}");
        assert!(shown.split('-').all(|g| g.len() == 4));
    }
    if let Ok(addr) = ServerAddr::parse_typed(input, 7878) {
        assert_eq!(addr.to_string().parse::<ServerAddr>().as_ref(), Ok(&addr));
    }
});
