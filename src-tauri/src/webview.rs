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
//!
//! Before GTK starts, [`prepare_process`] also keeps OpenGL out of the app's own process: with
//! hardware acceleration off nothing in it draws with GL, yet WebKit's UI process opened an
//! EGL display (to pick a render device for the web process and for its DMA-BUF renderer) and
//! GTK a GLX context, which loaded Mesa and LLVM (~24 MiB PSS) for nothing. JavaScript runs
//! without JIT compilers (see [`INTERPRETED_JS`]).

use tauri::{Manager, Runtime};

/// Environment that keeps OpenGL out of the UI process, each with why (WebKitGTK 2.50, GTK 3).
/// All three are needed: any two still load Mesa.
#[cfg(target_os = "linux")]
const NO_GL_IN_UI_PROCESS: [(&str, &str); 3] = [
    // A render device named up front: the UI process skips opening EGL to find one (the web
    // process, which cannot open this path, falls back to a device-less display).
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/nonexistent"),
    // No DMA-BUF renderer, the other reason the UI process opens EGL (also the usual
    // workaround for blank WebKitGTK windows on NVIDIA).
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    // GTK does not load GLX when it opens the display.
    ("GDK_GL", "disable"),
];

/// Environment for JavaScriptCore in the web process: no JIT compilers. The UI is a small
/// Svelte app whose work is a few DOM updates per message; interpreted, building 2,000 message
/// objects took 13 ms instead of 9, while the JIT's compiler memory, code and the JIT-only
/// parts of the engine cost ~4 MiB idle and ~13 MiB in a busy room (`scripts/measure-app.sh`,
/// docs/PERFORMANCE.md). WebAssembly and the regex JIT go with it; the UI uses neither.
#[cfg(target_os = "linux")]
const INTERPRETED_JS: [(&str, &str); 1] = [("JSC_useJIT", "0")];

/// Sets the process environment the WebView should start with. Call first in `run`, before
/// GTK starts or any thread exists. A variable the user already set is left as it is, so each
/// can still be overridden from outside.
pub fn prepare_process() {
    #[cfg(target_os = "linux")]
    for (name, value) in NO_GL_IN_UI_PROCESS.into_iter().chain(INTERPRETED_JS) {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

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
