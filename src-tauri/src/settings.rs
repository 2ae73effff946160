//! App settings (`settings.json` in the app config dir) and their two commands.

use tauri::State;

use crate::error::CmdResult;
use crate::ipc::Settings;
use crate::state::{Core, Paths};

const FILE_NAME: &str = "settings.json";

/// Reads the settings; defaults when there are none yet.
pub fn load(paths: &Paths) -> Settings {
    crate::files::read_json(&paths.config_dir.join(FILE_NAME))
}

impl Core {
    /// The current settings.
    pub fn settings(&self) -> Settings {
        *self
            .shared
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Saves new settings and returns them.
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

/// `get_settings`
#[tauri::command]
pub fn get_settings(core: State<'_, Core>) -> Settings {
    core.settings()
}

/// `set_settings`
#[tauri::command]
pub async fn set_settings(core: State<'_, Core>, args: Settings) -> CmdResult<Settings> {
    core.set_settings(args).await
}
