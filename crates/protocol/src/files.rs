//! Files on the wire: the `file` attached to a chat message, the chunk sizes,
//! and [`Base64`], how bytes travel inside a JSON frame.
//!
//! A transfer is a run of ordinary requests on the one TLS connection (see
//! [`crate::requests`]): `upload` announces a file, `upload_chunk`s carry it in
//! order, and `download` asks for one chunk at a time. The client keeps a few
//! chunk requests in flight (its window), so a transfer never makes the other
//! side buffer more than a window, and chat frames interleave between chunks.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most raw bytes in one `upload_chunk`: base64 makes it 62,806 characters,
/// which leaves room for the envelope inside the 64 KiB client frame.
pub const UPLOAD_CHUNK_BYTES: usize = 46 * 1024;
/// Most raw bytes in one `download` reply (about 683 KiB of base64, well
/// inside the 1 MiB server frame), and the length a `download` gets when it
/// names none.
pub const DOWNLOAD_CHUNK_BYTES: usize = 512 * 1024;
/// `upload_chunk` requests Hearth's client keeps in flight at once (46 KiB
/// each): its upload window.
pub const UPLOAD_WINDOW: usize = 16;
/// `download` requests Hearth's client keeps in flight at once (512 KiB each):
/// its download window.
pub const DOWNLOAD_WINDOW: usize = 4;
/// Longest file name, in characters.
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// The image types a client may show inline (decoded by the client, never by
/// the server). Everything else, SVG included, is download-only.
pub const INLINE_IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;

/// A file attached to a chat message (the `file` of a `msg` push or a history
/// entry). The message's `id` names the file in `download`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FileInfo {
    /// The name the sender gave it (no directories).
    pub name: String,
    /// Its size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// The type the host found by sniffing the content (never from the name);
    /// `application/octet-stream` when unknown.
    pub mime: String,
    /// Its SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// For an inline image: its width and height in pixels. Absent for other
    /// files and for images the host would not decode (over its pixel cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub image: Option<ImageSize>,
    /// True once the host has evicted the bytes to stay inside its quota: the
    /// message stays, `download` answers `file_gone`.
    #[serde(default, skip_serializing_if = "is_false")]
    #[ts(as = "Option<bool>", optional)]
    pub expired: bool,
}

impl FileInfo {
    /// True when a client may show it inline: one of the four inline image
    /// types, with a thumbnail on the host, and not expired.
    pub fn is_inline_image(&self) -> bool {
        self.image.is_some() && !self.expired && INLINE_IMAGE_TYPES.contains(&self.mime.as_str())
    }
}

/// An image's size in pixels.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImageSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Bytes, written on the wire as a standard base64 string (with padding).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Base64(pub Vec<u8>);

impl std::fmt::Debug for Base64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

/// The standard alphabet with padding, with SIMD where the CPU has it
/// (AVX2, NEON: several times the scalar speed, which file transfers feel).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn engine() -> &'static impl base64::Engine {
    static ENGINE: std::sync::LazyLock<base64::engine::Simd> = std::sync::LazyLock::new(|| {
        base64::engine::Simd::standard(base64::engine::general_purpose::PAD)
    });
    &*ENGINE
}

/// The standard alphabet with padding.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn engine() -> &'static impl base64::Engine {
    &base64::engine::general_purpose::STANDARD
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        serializer.serialize_str(&engine().encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Base64Visitor)
    }
}

/// Decodes the string where the parser has it: a chunk's base64 (up to
/// 683 KiB) is never copied into a `String` first.
struct Base64Visitor;

impl serde::de::Visitor<'_> for Base64Visitor {
    type Value = Base64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a base64 string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Base64, E> {
        use base64::Engine as _;
        engine()
            .decode(text.as_bytes())
            .map(Base64)
            .map_err(|e| E::custom(format!("data is not base64: {e}")))
    }
}

/// What an empty base64 field closing its object looks like in a frame. JSON
/// escapes the quotes inside strings, so this text can only be such a field,
/// never part of a string.
const EMPTY_DATA: &[u8] = br#""data":""}"#;

/// The frame `shell` (a whole frame whose one base64 field, `data`, was
/// written empty) with `bytes` in that field: what serializing them there
/// would give, without building a base64 `String` and scanning it for
/// characters to escape (base64 has none). A download chunk is ~683 KiB of
/// base64, so this is most of a transfer's CPU outside TLS. `None` if the
/// shell has no such field.
pub(crate) fn fill_base64(shell: &[u8], bytes: &[u8]) -> Option<bytes::Bytes> {
    use crate::frame::HEADER_LEN;
    use base64::Engine as _;
    let body = shell.get(HEADER_LEN..)?;
    let field = body
        .windows(EMPTY_DATA.len())
        .rposition(|w| w == EMPTY_DATA)?;
    // Between the two quotes of the empty string.
    let at = HEADER_LEN + field + EMPTY_DATA.len() - 2;
    let text_len = base64::encoded_len(bytes.len(), true)?;
    let mut frame = bytes::BytesMut::with_capacity(shell.len() + text_len);
    frame.extend_from_slice(&shell[..at]);
    let start = frame.len();
    frame.resize(start + text_len, 0);
    let written = engine().encode_slice(bytes, &mut frame[start..]).ok()?;
    frame.truncate(start + written);
    frame.extend_from_slice(&shell[at..]);
    let len = u32::try_from(frame.len() - HEADER_LEN).ok()?;
    frame[..HEADER_LEN].copy_from_slice(&len.to_be_bytes());
    Some(frame.freeze())
}

/// The `download` reply frame carrying `chunk`: the same bytes as
/// [`crate::envelope::encode_reply`] gives, made without a base64 `String`
/// and without scanning it for characters to escape (base64 has none).
pub fn encode_download_reply(
    chunk: &crate::requests::FileChunk,
    id: Option<&crate::RequestId>,
) -> bytes::Bytes {
    use crate::request::Request as _;
    let kind = crate::requests::Download::REPLY_TYPE;
    let shell = crate::envelope::encode_reply(
        kind,
        None,
        &crate::requests::FileChunk {
            data: Base64::default(),
            ..*chunk
        },
        id,
    );
    fill_base64(&shell, &chunk.data.0)
        .unwrap_or_else(|| crate::envelope::encode_reply(kind, None, chunk, id))
}

impl ts_rs::TS for Base64 {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }

    fn inline(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
}

#[cfg(test)]
impl proptest::arbitrary::Arbitrary for Base64 {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Base64>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::strategy::Strategy as _;
        proptest::collection::vec(proptest::num::u8::ANY, 0..64)
            .prop_map(Base64)
            .boxed()
    }
}

/// True for 64 lowercase hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The file name as the host keeps it: the last path component, without
/// control characters. `None` when nothing is left or it is too long.
pub fn clean_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    let ok = !trimmed.is_empty()
        && trimmed != "."
        && trimmed != ".."
        && trimmed.chars().count() <= FILE_NAME_MAX_CHARS;
    ok.then(|| trimmed.to_owned())
}

/// A size for people: `0 B`, `1023 B`, `1.5 KiB`, `20.0 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The `text` of a file message, for clients that know nothing of files
/// (the original Python client shows it as an ordinary line).
pub fn file_message_text(name: &str, size: u64) -> String {
    format!("[file] {name} ({})", human_size(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_engine_agrees_with_the_plain_one() {
        use base64::Engine as _;
        let plain = &base64::engine::general_purpose::STANDARD;
        for len in [0, 1, 2, 3, 31, 32, 33, 95, 96, 97, 1000, 65_537] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 131 % 256) as u8).collect();
            let text = engine().encode(&bytes);
            assert_eq!(text, plain.encode(&bytes), "{len} bytes");
            assert_eq!(engine().decode(&text).unwrap(), bytes);
        }
        for bad in ["A", "AB=C", "@@@@", "AAAA=", "AA==AA=="] {
            assert_eq!(
                engine().decode(bad).is_ok(),
                plain.decode(bad).is_ok(),
                "{bad}"
            );
        }
    }

    #[test]
    fn base64_round_trips_and_refuses_garbage() {
        let data = Base64(vec![0, 1, 2, 250, 255]);
        let json = serde_json::to_string(&data).unwrap();
        assert_eq!(json, "\"AAEC+v8=\"");
        assert_eq!(serde_json::from_str::<Base64>(&json).unwrap(), data);
        assert!(serde_json::from_str::<Base64>("\"not base64!\"").is_err());
        assert!(serde_json::from_str::<Base64>("[1,2]").is_err());
    }

    proptest::proptest! {
        #[test]
        fn fast_chunk_frames_are_the_generic_frames(
            chunk: crate::requests::FileChunk,
            upload: crate::requests::UploadChunk,
            id_num: Option<u64>,
            id_text: String,
            big in 0usize..200_000,
        ) {
            use crate::request::Request as _;
            let id = match id_num {
                Some(n) if n % 2 == 0 => Some(crate::RequestId::from(n)),
                Some(_) => Some(crate::RequestId::Str(id_text)),
                None => None,
            };
            let generic = crate::envelope::encode_reply("download", None, &chunk, id.as_ref());
            proptest::prop_assert_eq!(encode_download_reply(&chunk, id.as_ref()), generic);
            let generic = crate::request::encode_generic(&upload, id.as_ref());
            proptest::prop_assert_eq!(upload.frame(id.as_ref()), generic);
            // And with as many bytes as a real chunk carries.
            let bytes: Vec<u8> = (0..big).map(|i| (i * 7 % 256) as u8).collect();
            let chunk = crate::requests::FileChunk { data: Base64(bytes.clone()), ..chunk };
            let generic = crate::envelope::encode_reply("download", None, &chunk, id.as_ref());
            proptest::prop_assert_eq!(encode_download_reply(&chunk, id.as_ref()), generic);
            let upload = crate::requests::UploadChunk { data: Base64(bytes), ..upload };
            let generic = crate::request::encode_generic(&upload, id.as_ref());
            proptest::prop_assert_eq!(crate::request::encode_request(&upload, id.as_ref()), generic);
        }
    }

    #[test]
    fn a_shell_without_an_empty_data_field_is_not_filled() {
        let shell = crate::frame::encode(br#"{"type":"x","data":"AA=="}"#);
        assert_eq!(fill_base64(&shell, b"abc"), None);
        assert_eq!(fill_base64(&[0, 0], b"abc"), None);
    }

    #[test]
    fn an_upload_chunk_fits_the_client_frame() {
        let chunk = Base64(vec![0xff; UPLOAD_CHUNK_BYTES]);
        let frame = crate::request::encode_request(
            &crate::requests::UploadChunk {
                upload: "f".repeat(32),
                offset: u64::MAX,
                data: chunk,
            },
            Some(&crate::RequestId::from(u64::MAX)),
        );
        assert!(frame.len() - crate::frame::HEADER_LEN <= crate::frame::DEFAULT_MAX_CLIENT_FRAME);
    }

    #[test]
    fn file_names_lose_directories_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\Users\\a\\shot.png").as_deref(),
            Some("shot.png")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("a\u{7}b\n.txt").as_deref(), Some("ab.txt"));
        assert_eq!(clean_file_name("dir/"), None);
        assert_eq!(clean_file_name(".."), None);
        assert_eq!(clean_file_name(&"x".repeat(FILE_NAME_MAX_CHARS + 1)), None);
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(20 * 1024 * 1024), "20.0 MiB");
        assert_eq!(file_message_text("a.png", 2048), "[file] a.png (2.0 KiB)");
    }

    #[test]
    fn only_four_image_types_are_inline() {
        let mut file = FileInfo {
            name: "x".into(),
            size: 1,
            mime: "image/svg+xml".into(),
            sha256: "0".repeat(64),
            image: Some(ImageSize {
                width: 1,
                height: 1,
            }),
            expired: false,
        };
        assert!(!file.is_inline_image());
        file.mime = "image/webp".into();
        assert!(file.is_inline_image());
        file.expired = true;
        assert!(!file.is_inline_image());
    }
}
