//! Desktop notifications: the [`Attention`] policy applied to the running app.
//! Alerts held while another app is fullscreen are released as one digest by a
//! watcher that polls the platform once a second until the fullscreen app
//! leaves. Nothing here ever focuses, shows or raises the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::attention::{Alert, AlertKind, Attention, Fullscreen, Verdict};
use crate::ipc::Settings;

/// Label of the app's one window.
pub const MAIN_WINDOW: &str = "main";

/// How often the watcher asks whether the fullscreen app is still there.
const FULLSCREEN_POLL: Duration = Duration::from_secs(1);

/// The freedesktop sound name played with a mention, when asked for.
const MENTION_SOUND: &str = "message-new-instant";

/// Shows, holds or drops alerts for one app.
pub struct Notifier<R: Runtime> {
    app: AppHandle<R>,
    /// The held alerts. Locked briefly by the sink and by the watcher, never
    /// across a platform call or a notification.
    attention: Mutex<Attention>,
    /// True while a watcher thread is waiting for the fullscreen app to leave.
    watching: AtomicBool,
}

impl<R: Runtime> Notifier<R> {
    /// A notifier for `app`.
    pub fn new(app: AppHandle<R>) -> Arc<Notifier<R>> {
        Arc::new(Notifier {
            app,
            attention: Mutex::new(Attention::default()),
            watching: AtomicBool::new(false),
        })
    }

    fn focused(&self) -> bool {
        self.app
            .get_webview_window(MAIN_WINDOW)
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false)
    }

    fn attention(&self) -> std::sync::MutexGuard<'_, Attention> {
        self.attention.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies the policy to `alert` under `settings`.
    pub fn offer(self: &Arc<Self>, alert: Alert, settings: Settings) {
        let focused = self.focused();
        // The platform is asked outside the lock.
        let fullscreen = if settings.do_not_disturb || focused {
            Fullscreen::Unknown
        } else {
            crate::fullscreen::other_app()
        };
        let kind = alert.kind;
        let verdict = self
            .attention()
            .offer(alert, &settings, focused, || fullscreen);
        let what = match &verdict {
            Verdict::Show(_) => "shown",
            Verdict::Hold => "held",
            Verdict::Drop => "not wanted",
        };
        log::info!(
            "notification ({kind:?}): {what} (window focused: {focused}, fullscreen: {fullscreen:?})"
        );
        match verdict {
            Verdict::Show(alert) => self.show(&alert, settings),
            Verdict::Hold => {
                log::info!("another app is fullscreen: holding a notification for the digest");
                self.watch();
            }
            Verdict::Drop => {}
        }
    }

    /// Starts the watcher unless one runs.
    fn watch(self: &Arc<Self>) {
        if self.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("hearth-fullscreen".into())
            .spawn(move || {
                while crate::fullscreen::other_app() == Fullscreen::Yes {
                    std::thread::sleep(FULLSCREEN_POLL);
                }
                let settings = me.settings();
                let focused = me.focused();
                let digest = me.attention().release(&settings, focused);
                me.watching.store(false, Ordering::Release);
                if let Some(digest) = digest {
                    log::info!("fullscreen app left: showing one digest");
                    me.show(&digest, settings);
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot watch for the fullscreen app to leave: {e}");
            self.watching.store(false, Ordering::Release);
        }
    }

    fn settings(&self) -> Settings {
        self.app
            .try_state::<crate::Core>()
            .map(|core| core.settings())
            .unwrap_or_default()
    }

    fn show(&self, alert: &Alert, settings: Settings) {
        let mut builder = self
            .app
            .notification()
            .builder()
            .title(&alert.title)
            .body(&alert.body);
        if settings.mention_sound && alert.kind == AlertKind::Mention {
            builder = builder.sound(MENTION_SOUND);
        }
        if let Err(e) = builder.show() {
            log::warn!("cannot show a notification: {e}");
        }
    }
}
