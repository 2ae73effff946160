//! encode∘decode is the identity for every request, reply and push type
//! (property tests over arbitrary values, each type named by the same lists the
//! server and client use, so a new type is covered without being named here).

use proptest::prelude::*;

use crate::envelope::{encode_error, encode_push, encode_reply, Envelope, RequestId};
use crate::error_code::ErrorCode;
use crate::push::PushMsg;
use crate::request::{encode_request, Command, RawRequest, Request};

fn request_id() -> impl Strategy<Value = Option<RequestId>> {
    prop_oneof![
        Just(None),
        any::<u64>().prop_map(|n| Some(RequestId::from(n))),
        any::<i64>().prop_map(|n| Some(RequestId::Num(n.into()))),
        ".*".prop_map(|s| Some(RequestId::Str(s))),
    ]
}

fn body(frame: &bytes::Bytes) -> &[u8] {
    &frame[crate::frame::HEADER_LEN..]
}

macro_rules! request_roundtrips {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        proptest! {
            $(
                #[test]
                #[allow(non_snake_case)]
                fn $variant(
                    request in any::<$ty>(),
                    reply in any::<<$ty as Request>::Reply>(),
                    message in proptest::option::of(".*"),
                    id in request_id(),
                ) {
                    // The request, as a client encodes it and the server parses it.
                    let frame = encode_request(&request, id.as_ref());
                    let raw = RawRequest::parse(body(&frame)).unwrap();
                    prop_assert_eq!(raw.kind.as_str(), <$ty as Request>::TYPE);
                    prop_assert_eq!(&raw.id, &id);
                    prop_assert_eq!(raw.command().unwrap(), Command::$variant(request));

                    // Its ok reply, as the server encodes it and a client reads it.
                    let frame = encode_reply(<$ty as Request>::REPLY_TYPE, message.as_deref(), &reply, id.as_ref());
                    let env = Envelope::from_slice(body(&frame)).unwrap();
                    prop_assert!(env.is_ok());
                    prop_assert_eq!(env.kind.as_str(), <$ty as Request>::REPLY_TYPE);
                    prop_assert_eq!(&env.message, &message);
                    prop_assert_eq!(&env.id, &id);
                    prop_assert_eq!(env.data_as::<<$ty as Request>::Reply>().unwrap(), reply);
                }
            )*
        }
    };
}
crate::for_each_request!(request_roundtrips);

macro_rules! push_roundtrips {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        mod pushes {
            use super::*;
            proptest! {
                $(
                    #[test]
                    #[allow(non_snake_case)]
                    fn $variant(push in any::<$ty>(), id in request_id()) {
                        let frame = encode_push(&push, id.as_ref());
                        let env = Envelope::from_slice(body(&frame)).unwrap();
                        prop_assert_eq!(&env.id, &id);
                        prop_assert_eq!(env.message.clone(), crate::push::Push::message(&push));
                        prop_assert_eq!(PushMsg::decode(&env), Some(PushMsg::$variant(push)));
                    }
                )*
            }
        }
    };
}
crate::for_each_push!(push_roundtrips);

proptest! {
    #[test]
    fn error_replies(
        code in any::<ErrorCode>(),
        kind in "[a-z_]{1,20}",
        message in ".*",
        id in request_id(),
    ) {
        let frame = encode_error(&kind, code, &message, None, id.as_ref());
        let env = Envelope::from_slice(body(&frame)).unwrap();
        prop_assert!(!env.is_ok());
        prop_assert_eq!(env.code, Some(code));
        prop_assert_eq!(env.message.as_deref(), Some(message.as_str()));
        prop_assert_eq!(env.kind, kind);
        prop_assert_eq!(env.id, id);
    }

    /// Whatever a client sends, parsing never panics.
    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(raw) = RawRequest::parse(&bytes) {
            let _ = raw.command();
        }
    }
}
