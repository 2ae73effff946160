//! The request parser (the envelope, then the typed `data` of every request
//! type): any body is either refused with a code or parsed into a request
//! that encodes and parses back to itself.
//!
//! An input whose first byte is odd is wrapped so that its remaining bytes are
//! the `data` of the request type the first byte picks, so that every type's
//! fields are fuzzed directly; otherwise the input is the whole body.

#![no_main]

use hearth_protocol::{Command, ErrorCode, RawRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let body = match input.split_first() {
        Some((&pick, data)) if pick % 2 == 1 => {
            let kind = Command::TYPES[usize::from(pick / 2) % Command::TYPES.len()];
            let mut body = format!(r#"{{"type":"{kind}","id":1,"data":"#).into_bytes();
            body.extend_from_slice(data);
            body.push(b'}');
            body
        }
        _ => input.to_vec(),
    };
    let raw = match RawRequest::parse(&body) {
        Ok(raw) => raw,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::BadRequest);
            return;
        }
    };
    assert!(
        std::str::from_utf8(&body).is_ok(),
        "a body that is not UTF-8 was accepted"
    );
    let command = match raw.command() {
        Ok(command) => command,
        Err(e) => {
            let code = e.code();
            assert!(
                code == ErrorCode::BadRequest || code == ErrorCode::UnknownType,
                "{code:?}"
            );
            assert_eq!(
                code == ErrorCode::UnknownType,
                !Command::TYPES.contains(&raw.kind.as_str())
            );
            return;
        }
    };
    assert_eq!(command.kind(), raw.kind);
    let frame = command.encode(raw.id.as_ref());
    let again = RawRequest::parse(&frame[4..]).expect("an encoded request parses");
    assert_eq!(again.kind, raw.kind);
    assert_eq!(again.id, raw.id);
    assert_eq!(
        again.command().expect("an encoded request's data parses"),
        command
    );
});
