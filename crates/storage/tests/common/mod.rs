//! Helpers shared by the storage integration tests.

#![allow(dead_code)] // Each test file uses a different subset of the helpers.

use hearth_storage::{NewUser, Role, Store};

/// Creates member `name` (with a placeholder password hash) and returns its id.
pub fn user(store: &Store, name: &str) -> i64 {
    store
        .create_user(&NewUser {
            name,
            pw_hash: "h",
            color: "#112233",
            role: Role::Member,
        })
        .unwrap()
        .id
}
