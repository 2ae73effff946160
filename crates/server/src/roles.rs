//! The one conversion between the stored role and the wire role.

use hearth_protocol::Role;

/// The wire role of a stored one.
pub(crate) fn to_wire(role: hearth_storage::Role) -> Role {
    match role {
        hearth_storage::Role::Owner => Role::Owner,
        hearth_storage::Role::Admin => Role::Admin,
        hearth_storage::Role::Member => Role::Member,
    }
}

/// The stored role of a wire one.
pub(crate) fn to_stored(role: Role) -> hearth_storage::Role {
    match role {
        Role::Owner => hearth_storage::Role::Owner,
        Role::Admin => hearth_storage::Role::Admin,
        Role::Member => hearth_storage::Role::Member,
    }
}
