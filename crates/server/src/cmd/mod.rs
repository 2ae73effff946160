//! Request handlers, one module per group of requests (as mini-redis's `cmd/`).

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod history;
pub(crate) mod lobby;
pub(crate) mod private;
pub(crate) mod profile;
pub(crate) mod room;
