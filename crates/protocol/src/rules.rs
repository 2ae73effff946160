//! What the server accepts as a name, password, colour, message or reason.
//!
//! Lengths count Unicode scalar values (`char`s), not bytes or UTF-16 units: a
//! message of 4000 emoji is 4000 characters. The UI counts the same way (its
//! limits are generated from these constants).

use crate::error_code::ErrorCode;

/// Longest user or room name, in characters.
pub const NAME_MAX_CHARS: usize = 32;
/// Shortest password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 4;
/// Longest password, in characters (bounds the work handed to the password hash).
pub const PASSWORD_MAX_CHARS: usize = 1024;
/// Longest message text, in characters.
pub const TEXT_MAX_CHARS: usize = 4000;
/// Longest kick reason, in characters.
pub const REASON_MAX_CHARS: usize = 200;

/// Longest device name (for login tokens), in characters.
pub const DEVICE_NAME_MAX_CHARS: usize = 64;

/// Readable name colours the server hands out, in turn, to users who pick none.
/// The UI offers the same ones.
pub const PALETTE: [&str; 12] = [
    "#e0605e", "#e8944a", "#d4b43c", "#6cbf5a", "#3fb6a8", "#4aa3df", "#6f7ee8", "#a070e0",
    "#d867b8", "#c98a5a", "#8fae3c", "#5c9ead",
];

/// The word after `@` that mentions everyone in a room (admins only).
pub const ROOM_MENTION: &str = "room";

/// How long after sending an author may edit a message, in seconds.
pub const EDIT_WINDOW_SECS: u32 = 24 * 60 * 60;

/// A client sends `typing` at most once per this many milliseconds while the
/// user types.
pub const TYPING_SEND_INTERVAL_MS: u32 = 3_000;

/// The server relays at most one `typing` per connection per this many
/// milliseconds (a little under the client's interval); more are refused
/// with `slow_down`.
pub const TYPING_RELAY_INTERVAL_MS: u32 = 2_000;

/// How long "alice is typing…" shows after her last `typing`, in milliseconds.
pub const TYPING_SHOW_MS: u32 = 5_000;

/// Different emojis one message may carry.
pub const MAX_REACTION_EMOJIS: usize = 20;

/// Longest search query, in characters.
pub const SEARCH_QUERY_MAX_CHARS: usize = 200;

/// Search page size when the client names none.
pub const SEARCH_PAGE_DEFAULT: u32 = 20;

/// Largest search page.
pub const SEARCH_PAGE_MAX: u32 = 50;

/// Most distinct names one message mentions (the server resolves the first
/// this many; more are left as plain text).
pub const MENTION_MAX_NAMES: usize = 20;

/// Characters other than letters and digits allowed in names.
pub const NAME_PUNCTUATION: [char; 3] = ['_', '-', '.'];

/// A rule that an input broke; `Display` is the message sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Name empty or too long.
    #[error("{what} must be 1 to {NAME_MAX_CHARS} characters")]
    NameLength {
        /// "username" or "room name".
        what: &'static str,
    },
    /// Name has a character outside letters, digits, `_`, `-`, `.`.
    #[error("{what} may contain only letters, digits, '_', '-' and '.'")]
    NameChars {
        /// "username" or "room name".
        what: &'static str,
    },
    /// Name mixes Latin, Cyrillic and Greek letters with look-alikes among
    /// them (such as a Cyrillic `а` among Latin letters).
    #[error("{what} may not mix look-alike Latin, Cyrillic and Greek letters")]
    NameMixedScripts {
        /// "username" or "room name".
        what: &'static str,
    },
    /// Password too short.
    #[error("password must be at least {PASSWORD_MIN_CHARS} characters")]
    PasswordShort,
    /// Password too long.
    #[error("password must be at most {PASSWORD_MAX_CHARS} characters")]
    PasswordLong,
    /// Message text empty or blank.
    #[error("message text is empty")]
    TextEmpty,
    /// Message text too long.
    #[error("message text is longer than {TEXT_MAX_CHARS} characters")]
    TextLong,
    /// Colour not in `#rrggbb` form.
    #[error("color must be #rrggbb (six hex digits)")]
    Color,
    /// Device name empty, too long, or with control characters.
    #[error("a device name of 1 to {DEVICE_NAME_MAX_CHARS} printable characters is required")]
    DeviceName,
    /// Kick reason empty or too long.
    #[error("a reason of 1 to {REASON_MAX_CHARS} characters is required")]
    Reason,
    /// A reaction that is not exactly one emoji.
    #[error("a reaction must be exactly one emoji")]
    NotEmoji,
    /// Search query blank or too long.
    #[error("a search needs 1 to {SEARCH_QUERY_MAX_CHARS} characters with a letter or digit")]
    Query,
}

impl RuleError {
    /// The error code sent with this refusal: [`ErrorCode::NotEmoji`] for a
    /// reaction, else [`ErrorCode::InvalidInput`].
    pub fn code(&self) -> ErrorCode {
        match self {
            RuleError::NotEmoji => ErrorCode::NotEmoji,
            _ => ErrorCode::InvalidInput,
        }
    }
}

/// Checks a reaction: exactly one emoji as Unicode lists them (with or
/// without its variation selector, any skin tone, flags and keycaps
/// included), so neither text nor several emojis pass.
pub fn check_emoji(emoji: &str) -> Result<(), RuleError> {
    // Every emoji in the Unicode list is at most 35 bytes (family sequences);
    // the bound keeps the lookup cheap for long input.
    if emoji.is_empty() || emoji.len() > 64 {
        return Err(RuleError::NotEmoji);
    }
    let plain: String = emoji.chars().filter(|&c| c != '\u{fe0f}').collect();
    let known = emojis::get(emoji).is_some()
        || emojis::get(&plain).is_some()
        || emojis::iter().any(|e| e.as_str().replace('\u{fe0f}', "") == plain);
    if known {
        Ok(())
    } else {
        Err(RuleError::NotEmoji)
    }
}

/// Checks a search query.
pub fn check_query(query: &str) -> Result<(), RuleError> {
    let n = query.chars().count();
    if n == 0 || n > SEARCH_QUERY_MAX_CHARS || !query.chars().any(char::is_alphanumeric) {
        Err(RuleError::Query)
    } else {
        Ok(())
    }
}

/// The names `text` mentions with `@name`, in order, each once (compared
/// as written; the server resolves them case-insensitively). A mention ends
/// where a name cannot go on; trailing dots are left out, so "thanks @bob."
/// names `bob`. `@room` is returned like a name (see [`ROOM_MENTION`]).
pub fn mentioned_names(text: &str) -> Vec<&str> {
    let is_name_char = |c: char| c.is_alphanumeric() || NAME_PUNCTUATION.contains(&c);
    let mut out: Vec<&str> = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find('@') {
        let at = from + found;
        // An `@` inside a word (an e-mail address, or `@bob@carol`) mentions
        // nobody: look at the character before it in the whole text.
        let before = text[..at].chars().next_back();
        let after = &text[at + 1..];
        let len: usize = after
            .chars()
            .take_while(|&c| is_name_char(c))
            .map(char::len_utf8)
            .sum();
        let name = after[..len].trim_end_matches('.');
        if !before.is_some_and(is_name_char)
            && !name.is_empty()
            && name.chars().count() <= NAME_MAX_CHARS
            && !out.contains(&name)
        {
            out.push(name);
        }
        from = at + 1 + len;
    }
    out
}

fn check_name(name: &str, what: &'static str) -> Result<(), RuleError> {
    let n = name.chars().count();
    if n == 0 || n > NAME_MAX_CHARS {
        return Err(RuleError::NameLength { what });
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || NAME_PUNCTUATION.contains(&c))
    {
        return Err(RuleError::NameChars { what });
    }
    if mixes_look_alikes(name) {
        return Err(RuleError::NameMixedScripts { what });
    }
    Ok(())
}

/// The scripts whose letters look alike.
const LOOK_ALIKE_SCRIPTS: [unicode_script::Script; 3] = [
    unicode_script::Script::Latin,
    unicode_script::Script::Cyrillic,
    unicode_script::Script::Greek,
];

/// True when `name` mixes Latin, Cyrillic and Greek letters and one of them is
/// a look-alike of a letter of another script the name uses: a letter whose
/// confusable skeleton (Unicode TR 39) is written in that other script. So
/// `pаypal` (a Cyrillic `а`, skeleton `a`) and `gοogle` (a Greek `ο`) are
/// caught, while `Ωmega` (a Greek letter that looks like no Latin one) and
/// `Taro太郎` (one of the three scripts, with Han) are fine.
fn mixes_look_alikes(name: &str) -> bool {
    use unicode_script::UnicodeScript;
    let present: Vec<_> = LOOK_ALIKE_SCRIPTS
        .into_iter()
        .filter(|script| name.chars().any(|c| c.script() == *script))
        .collect();
    if present.len() < 2 {
        return false;
    }
    name.chars().any(|c| {
        let own = c.script();
        present.contains(&own)
            && unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut [0; 4]))
                .any(|p| p.script() != own && present.contains(&p.script()))
    })
}

/// Checks a username: 1–32 characters, Unicode letters and digits, `_`, `-`, `.`,
/// and no look-alike letters from a second of Latin, Cyrillic and Greek.
pub fn check_username(name: &str) -> Result<(), RuleError> {
    check_name(name, "username")
}

/// Checks a room name (same rules as usernames).
pub fn check_room_name(name: &str) -> Result<(), RuleError> {
    check_name(name, "room name")
}

/// Checks a password's length.
pub fn check_password(password: &str) -> Result<(), RuleError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        Err(RuleError::PasswordShort)
    } else if n > PASSWORD_MAX_CHARS {
        Err(RuleError::PasswordLong)
    } else {
        Ok(())
    }
}

/// Checks message text: 1–4000 characters, not only whitespace.
pub fn check_text(text: &str) -> Result<(), RuleError> {
    if text.trim().is_empty() {
        return Err(RuleError::TextEmpty);
    }
    // Cheap upper bound first: a string of at most TEXT_MAX_CHARS bytes is short enough.
    if text.len() > TEXT_MAX_CHARS && text.chars().count() > TEXT_MAX_CHARS {
        return Err(RuleError::TextLong);
    }
    Ok(())
}

/// Checks a kick reason: 1–200 characters, not only whitespace.
pub fn check_reason(reason: &str) -> Result<(), RuleError> {
    if reason.trim().is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        Err(RuleError::Reason)
    } else {
        Ok(())
    }
}

/// Checks the name a device gives itself: 1–64 characters, not only
/// whitespace, no control characters.
pub fn check_device_name(name: &str) -> Result<(), RuleError> {
    let n = name.chars().count();
    if name.trim().is_empty() || n > DEVICE_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        Err(RuleError::DeviceName)
    } else {
        Ok(())
    }
}

/// Checks a `#rrggbb` colour and returns it in lowercase.
pub fn normalize_color(color: &str) -> Result<String, RuleError> {
    let b = color.as_bytes();
    if b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit) {
        Ok(color.to_ascii_lowercase())
    } else {
        Err(RuleError::Color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emojis_pass_and_text_does_not() {
        for ok in ["👍", "👍🏽", "❤️", "❤", "🇫🇮", "1️⃣", "👨‍👩‍👧", "🎉"]
        {
            assert_eq!(check_emoji(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "a",
            "ok",
            "👍👍",
            "👍 ",
            ":+1:",
            "1",
            "\u{fe0f}",
            &"👍".repeat(40),
        ] {
            assert_eq!(check_emoji(bad), Err(RuleError::NotEmoji), "{bad:?}");
        }
        assert_eq!(RuleError::NotEmoji.code(), ErrorCode::NotEmoji);
    }

    #[test]
    fn mentions_are_found_where_a_name_can_be() {
        assert_eq!(mentioned_names("hi @bob and @Alice_2."), ["bob", "Alice_2"]);
        assert_eq!(mentioned_names("@room gg"), ["room"]);
        assert_eq!(mentioned_names("mail me@example.org"), Vec::<&str>::new());
        assert_eq!(mentioned_names("@bob @bob @ @."), ["bob"]);
        assert_eq!(mentioned_names("(@Жанна)"), ["Жанна"]);
    }

    #[test]
    fn queries_need_a_word() {
        assert!(check_query("lan party").is_ok());
        assert!(check_query("  ").is_err());
        assert!(check_query("**").is_err());
        assert!(check_query(&"a".repeat(SEARCH_QUERY_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn names() {
        for ok in ["a", "Élise", "bob_1", "x.y-z", "名前", &"n".repeat(32)] {
            assert_eq!(check_username(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            check_username(""),
            Err(RuleError::NameLength { what: "username" })
        );
        assert_eq!(
            check_username(&"n".repeat(33)),
            Err(RuleError::NameLength { what: "username" })
        );
        for bad in ["a b", "a/b", "<img>", "a\u{0}", "tab\t"] {
            assert_eq!(
                check_username(bad),
                Err(RuleError::NameChars { what: "username" }),
                "{bad:?}"
            );
        }
        assert_eq!(check_room_name("general"), Ok(()));
        for ok in [
            "Пётр",
            "Zoë",
            "Ελένη",
            "Taro太郎",
            "ｚｅｄ",
            "x1_-.",
            "Ørjan",
            "Ωmega_1.x-y",
        ] {
            assert_eq!(check_username(ok), Ok(()), "{ok}");
        }
        // Latin with a Cyrillic а, Latin with a Greek ο, Cyrillic with a Latin i.
        for mixed in ["pаypal", "gοogle", "iнна"] {
            assert_eq!(
                check_username(mixed),
                Err(RuleError::NameMixedScripts { what: "username" }),
                "{mixed}"
            );
        }
        assert_eq!(
            check_room_name("a b").unwrap_err().to_string(),
            "room name may contain only letters, digits, '_', '-' and '.'"
        );
    }

    #[test]
    fn passwords() {
        assert_eq!(check_password("abc"), Err(RuleError::PasswordShort));
        assert_eq!(check_password("abcd"), Ok(()));
        assert_eq!(
            check_password(&"p".repeat(1025)),
            Err(RuleError::PasswordLong)
        );
    }

    #[test]
    fn texts() {
        assert_eq!(check_text(""), Err(RuleError::TextEmpty));
        assert_eq!(check_text("  \n"), Err(RuleError::TextEmpty));
        assert_eq!(check_text(&"é".repeat(4000)), Ok(()));
        assert_eq!(check_text(&"é".repeat(4001)), Err(RuleError::TextLong));
    }

    #[test]
    fn palette_colors_are_valid() {
        for c in PALETTE {
            assert_eq!(normalize_color(c).unwrap(), c);
        }
    }

    #[test]
    fn colors() {
        assert_eq!(normalize_color("#A0b1C2").unwrap(), "#a0b1c2");
        for bad in ["a0b1c2", "#abc", "#gggggg", "#a0b1c2 ", "red", "#a0b1c2ff"] {
            assert_eq!(normalize_color(bad), Err(RuleError::Color), "{bad}");
        }
    }

    #[test]
    fn reasons() {
        assert_eq!(check_reason(""), Err(RuleError::Reason));
        assert_eq!(check_reason("spam"), Ok(()));
        assert_eq!(check_reason(&"r".repeat(201)), Err(RuleError::Reason));
    }
}
