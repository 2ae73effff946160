//! Helpers for the unit tests.

/// Routes every keyring entry to keyring's mock store (in memory, per entry object).
pub(crate) fn mock_keyring() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
}
