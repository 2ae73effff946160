//! App settings (`settings.json` in the app config dir) and their two commands.

use crate::error::CmdResult;
use crate::ipc::Settings;
use crate::state::{Core, Paths};

const FILE_NAME: &str = "settings.json";

/// Reads the settings; defaults when there are none yet.
pub fn load(paths: &Paths) -> Settings {
    crate::files::read_json(&paths.config_dir.join(FILE_NAME))
}

impl Core {
    /// `get_settings`: the current settings.
    pub async fn get_settings(&self) -> CmdResult<Settings> {
        Ok(self.settings())
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        *self
            .shared
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// `set_settings`: saves new settings and returns them.
    pub async fn set_settings(&self, settings: Settings) -> CmdResult<Settings> {
        let path = self.config().paths.config_dir.join(FILE_NAME);
        tokio::task::spawn_blocking(move || crate::files::write_json(&path, &settings))
            .await
            .map_err(|e| crate::error::CommandError::internal(e.to_string()))??;
        *self
            .shared
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = settings;
        Ok(settings)
    }
}
