//! Request handlers, one module per group of requests (as mini-redis's
//! `cmd/`): each implements [`crate::handle::Handle`] for its request types.

mod admin;
mod auth;
mod conversation;
mod devices;
pub(crate) mod files;
mod history;
mod lobby;
mod mentions;
mod private;
mod profile;
mod room;

pub(crate) use auth::{end_login, EndAudit};
