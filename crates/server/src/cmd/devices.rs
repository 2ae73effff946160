//! `devices` and `revoke_device`: the signed-in devices of one's own account.

use hearth_protocol::requests::{DeviceInfo, DeviceList, Devices, RevokeDevice};
use hearth_protocol::ErrorCode;
use hearth_storage::ts::format_ts;

use crate::cmd::auth::revoke_device;
use crate::conn_state::ConnState;
use crate::handle::{Allowed, Handle};
use crate::outcome::{Answer, Handled, Outcome, Refusal};

impl Handle for Devices {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    async fn handle(self, conn: &mut ConnState) -> Outcome<DeviceList> {
        let me = conn.me()?.id;
        let current = conn.login.and_then(|l| l.device);
        let devices = conn
            .shared
            .db(move |store| store.devices_of(me))
            .await
            .map_err(Refusal::internal)?;
        Ok(Handled::Reply(Answer::data(DeviceList {
            devices: devices
                .into_iter()
                .map(|d| DeviceInfo {
                    current: Some(d.id) == current,
                    id: d.id,
                    name: d.name,
                    created: format_ts(d.created),
                    last_used: format_ts(d.last_used),
                    last_ip: d.last_ip,
                })
                .collect(),
        })))
    }
}

impl Handle for RevokeDevice {
    const ALLOWED: Allowed = Allowed::LoggedIn;

    /// Signs the device out for good: its token no longer logs in. (A device
    /// cannot be online now unless it is this very connection: a login takes
    /// over any other session of the account. This connection stays logged in.)
    async fn handle(self, conn: &mut ConnState) -> Outcome<RevokeDevice> {
        let me = conn.me()?;
        let Some(device) = revoke_device(conn, &me.name, me.id, self.id, "signed out").await?
        else {
            return Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no signed-in device {} on your account", self.id),
            ));
        };
        if let Some(login) = conn.login.as_mut().filter(|l| l.device == Some(device.id)) {
            login.device = None;
        }
        Ok(Handled::Reply(Answer::with_message(
            format!("{} is signed out", device.name),
            self,
        )))
    }
}
