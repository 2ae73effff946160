//! WebKit settings that fit a chat window, applied to the main window's WebView at start-up.
//!
//! On Linux (WebKitGTK) hardware acceleration is never used: a chat window has nothing to
//! composite on a GPU, and without one (a VM, Xvfb) WebKit would composite through Mesa's
//! software renderer, which more than doubled the first paint and added ~80 MiB to the web
//! process (`scripts/measure-app.sh`, docs/PERFORMANCE.md). The caches are sized for a
//! document viewer (one page, no back-forward cache) instead of a browser, and features the
//! UI never uses are off: WebGL, Web Audio, media elements and capture, WebSQL, the
//! offline application cache and DNS prefetching (the UI loads nothing from the network).
//! Other platforms keep their defaults.

use tauri::{Manager, Runtime};

/// Applies the settings to the main window's WebView, if it exists.
pub fn tune<R: Runtime>(app: &tauri::App<R>) {
    let Some(window) = app.get_webview_window(crate::notify::MAIN_WINDOW) else {
        return;
    };
    #[cfg(target_os = "linux")]
    if let Err(e) = window.with_webview(|webview| {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let view = webview.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            settings.set_enable_media(false);
            settings.set_enable_media_stream(false);
            settings.set_enable_html5_database(false);
            settings.set_enable_offline_web_application_cache(false);
            settings.set_enable_dns_prefetching(false);
        }
    }) {
        log::warn!("could not tune the WebView: {e}");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
