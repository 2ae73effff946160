//! Desktop notifications for private messages, mentions and private requests: shown only
//! when notifications are on and the window is not focused. Nothing here ever focuses,
//! shows or raises the window.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::events::Alert;

/// Label of the app's one window.
pub const MAIN_WINDOW: &str = "main";

/// Whether an alert should become a desktop notification right now.
pub fn wanted(enabled: bool, window_focused: bool) -> bool {
    enabled && !window_focused
}

/// Shows `alert` if notifications are `enabled` and the main window is not focused.
pub fn show<R: Runtime>(app: &AppHandle<R>, alert: &Alert, enabled: bool) {
    let focused = app
        .get_webview_window(MAIN_WINDOW)
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if !wanted(enabled, focused) {
        return;
    }
    if let Err(e) = app
        .notification()
        .builder()
        .title(&alert.title)
        .body(&alert.body)
        .show()
    {
        log::warn!("cannot show a notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_when_enabled_and_unfocused() {
        assert!(super::wanted(true, false));
        assert!(!super::wanted(true, true));
        assert!(!super::wanted(false, false));
    }
}
