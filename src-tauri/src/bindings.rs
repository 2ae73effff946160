//! The TypeScript the UI is written against, generated from the Rust
//! definitions: every type a command takes or returns or an event carries (the
//! shell's own in `ipc.rs`, the protocol's in `hearth_protocol`), the command
//! map (from `command_list.rs`), and the limits the UI enforces (from
//! `hearth_protocol::rules`). `ui/src/lib/backend/generated.ts` holds the
//! output; a test fails when it is stale (`HEARTH_WRITE_BINDINGS=1` rewrites it).

use std::any::TypeId;
use std::collections::HashSet;
use std::fmt::Write;

use hearth_protocol::requests::{
    Audit, Create, Delete, DeviceList, Edit, Enter, History, Kick, Msg, PrivateAccept, PrivateEnd,
    PrivateReject, PrivateRequest, Profile, React, Read, Register, RevokeDevice, Search, SetRole,
    Typing, Unkick,
};
use hearth_protocol::rules;
use hearth_protocol::{AuditEntry, PrivateLinks, UnreadCount};
use ts_rs::{Config, TypeVisitor, TS};

use hearth_discovery::Finding;

use crate::error::CommandError;
use crate::ipc::{
    AddressArgs, ConnectArgs, ConnectResult, DiscoveryJoinArgs, DiscoveryState, FileBytes,
    FileBytesArgs, HearthEvent, HistoryView, HostCheckArgs, HostInfo, HostStartArgs, HostStarted,
    LoginArgs, ParsedAddress, RoomListing, SaveFileArgs, SavedLogin, SavedServer, SearchView,
    SendFileArgs, Session, Settings, TransferArgs, TrustHostArgs, UnreadTotal, EVENT_CHANNEL,
};

/// Where the generated file lives, from `src-tauri/`.
pub const OUTPUT: &str = "../ui/src/lib/backend/generated.ts";

/// Collects the declaration of every type it is shown, and of their dependencies.
struct Collector {
    cfg: Config,
    seen: HashSet<TypeId>,
    decls: Vec<(String, String)>,
}

impl TypeVisitor for Collector {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let mut decl = String::new();
            if let Some(docs) = T::docs() {
                decl.push_str(&docs);
            }
            let _ = write!(decl, "export {}", T::decl(&self.cfg));
            self.decls.push((T::name(&self.cfg), decl));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

impl Collector {
    /// Collects `T` and returns its TypeScript name.
    fn name<T: TS + 'static>(&mut self) -> String {
        self.visit::<T>();
        T::name(&self.cfg)
    }
}

macro_rules! command_args {
    ($collector:ident) => {
        "null".to_owned()
    };
    ($collector:ident, $args:ty) => {
        $collector.name::<$args>()
    };
}

macro_rules! command_map {
    ($collector:ident; $($name:ident $(($args:ty))? -> $ret:ty;)*) => {{
        let mut lines = Vec::new();
        $(
            let args = command_args!($collector $(, $args)?);
            let result = $collector.name::<$ret>();
            lines.push(format!(
                "  {}: {{ args: {}; result: {} }};",
                stringify!($name),
                args,
                result
            ));
        )*
        lines
    }};
}

macro_rules! commands_into {
    ($($t:tt)*) => {
        |c: &mut Collector| command_map!(c; $($t)*)
    };
}

/// The whole generated file.
pub fn typescript() -> String {
    let mut c = Collector {
        cfg: Config::new().with_large_int("number"),
        seen: HashSet::new(),
        decls: Vec::new(),
    };
    let commands = with_command_list!(commands_into)(&mut c);
    c.visit::<HearthEvent>();
    c.visit::<CommandError>();
    c.decls.sort_by(|a, b| a.0.cmp(&b.0));

    let mut out = String::from(
        "// Generated from the Rust definitions by `cargo test -p hearth-desktop --lib bindings`\n\
         // (src-tauri/src/bindings.rs). Do not edit: change the Rust side and run the tests with\n\
         // HEARTH_WRITE_BINDINGS=1.\n\n",
    );
    for (_, decl) in &c.decls {
        out.push_str(decl);
        out.push_str("\n\n");
    }
    let _ = writeln!(
        out,
        "/** Every command: its `args` (null: none) and what it resolves to. */\n\
         export interface Commands {{\n{}\n}}\n",
        commands.join("\n")
    );
    let _ = writeln!(out, "/** The Tauri event channel every push arrives on. */");
    let _ = writeln!(out, "export const EVENT_CHANNEL = {EVENT_CHANNEL:?};\n");
    let _ = writeln!(
        out,
        "/** The input rules the server enforces (hearth_protocol::rules); lengths count\n \
         * Unicode scalar values (code points), not UTF-16 units. */\n\
         export const LIMITS = {{\n  \
         nameMaxChars: {},\n  \
         namePunctuation: {:?},\n  \
         passwordMinChars: {},\n  \
         passwordMaxChars: {},\n  \
         textMaxChars: {},\n  \
         reasonMaxChars: {},\n  \
         defaultPort: {},\n  \
         fileNameMaxChars: {},\n  \
         defaultMaxFileBytes: {},\n  \
         filesQuotaBytes: {},\n  \
         inlineImageTypes: {:?},\n  \
         typingSendIntervalMs: {},\n  \
         typingRelayIntervalMs: {},\n  \
         typingShowMs: {},\n  \
         editWindowSecs: {},\n  \
         searchQueryMaxChars: {},\n  \
         searchPageDefault: {},\n  \
         searchPageMax: {},\n  \
         maxReactionEmojis: {},\n  \
         mentionMaxNames: {},\n  \
         roomMention: {:?},\n  \
         hostRoomNameMaxChars: {},\n\
         }} as const;\n",
        rules::NAME_MAX_CHARS,
        rules::NAME_PUNCTUATION.iter().collect::<String>(),
        rules::PASSWORD_MIN_CHARS,
        rules::PASSWORD_MAX_CHARS,
        rules::TEXT_MAX_CHARS,
        rules::REASON_MAX_CHARS,
        hearth_protocol::DEFAULT_PORT,
        hearth_protocol::files::FILE_NAME_MAX_CHARS,
        hearth_server::config::DEFAULT_MAX_FILE_BYTES,
        hearth_server::config::DEFAULT_FILES_QUOTA_BYTES,
        hearth_protocol::files::INLINE_IMAGE_TYPES,
        rules::TYPING_SEND_INTERVAL_MS,
        rules::TYPING_RELAY_INTERVAL_MS,
        rules::TYPING_SHOW_MS,
        rules::EDIT_WINDOW_SECS,
        rules::SEARCH_QUERY_MAX_CHARS,
        rules::SEARCH_PAGE_DEFAULT,
        rules::SEARCH_PAGE_MAX,
        rules::MAX_REACTION_EMOJIS,
        rules::MENTION_MAX_NAMES,
        rules::ROOM_MENTION,
        hearth_discovery::beacon::MAX_NAME_CHARS,
    );
    let _ = writeln!(
        out,
        "/** The name colours the server hands out, in order. */\n\
         export const PALETTE = [{}] as const;",
        rules::PALETTE
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed file is what the Rust definitions give today.
    #[test]
    fn bindings_are_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(OUTPUT);
        let fresh = typescript();
        if std::env::var_os("HEARTH_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `HEARTH_WRITE_BINDINGS=1 cargo test -p hearth-desktop --lib bindings` \
             and commit the result",
            path.display()
        );
    }
}
