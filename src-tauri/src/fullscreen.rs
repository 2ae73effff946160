//! Whether another app fills the screen (a game), for holding notifications.
//!
//! What each platform gives:
//! - **Windows**: `SHQueryUserNotificationState`; "busy" (a fullscreen app),
//!   "running a Direct3D fullscreen app" and "presentation mode" count as fullscreen.
//! - **Linux on X11** (and XWayland apps): the active window
//!   (`_NET_ACTIVE_WINDOW`) has `_NET_WM_STATE_FULLSCREEN` and is not Hearth's
//!   own. A native Wayland session offers apps no way to see other windows: the
//!   answer is then "unknown" (notifications are shown).
//! - **macOS**: no public API tells about another app's fullscreen space:
//!   "unknown" (notifications are shown; macOS's own Focus modes still apply).

use crate::attention::Fullscreen;

/// Asks the platform whether another app is fullscreen now.
pub fn other_app() -> Fullscreen {
    imp::other_app()
}

#[cfg(target_os = "linux")]
mod imp {
    use super::Fullscreen;
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, Window};

    pub fn other_app() -> Fullscreen {
        if std::env::var_os("DISPLAY").is_none() {
            return Fullscreen::Unknown;
        }
        match active_window_fullscreen() {
            Ok(true) => Fullscreen::Yes,
            Ok(false) => Fullscreen::No,
            Err(e) => {
                log::debug!("cannot ask X11 about fullscreen windows: {e}");
                Fullscreen::Unknown
            }
        }
    }

    fn atom(conn: &impl Connection, name: &str) -> Result<u32, Box<dyn std::error::Error>> {
        Ok(conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
    }

    fn active_window_fullscreen() -> Result<bool, Box<dyn std::error::Error>> {
        let (conn, screen) = x11rb::connect(None)?;
        let root = conn.setup().roots[screen].root;
        let active = atom(&conn, "_NET_ACTIVE_WINDOW")?;
        let state = atom(&conn, "_NET_WM_STATE")?;
        let full = atom(&conn, "_NET_WM_STATE_FULLSCREEN")?;
        let pid = atom(&conn, "_NET_WM_PID")?;
        let reply = conn
            .get_property(false, root, active, AtomEnum::WINDOW, 0, 1)?
            .reply()?;
        let Some(window) = reply.value32().and_then(|mut v| v.next()) else {
            return Ok(false);
        };
        if window == 0 {
            return Ok(false);
        }
        let states = conn
            .get_property(false, window as Window, state, AtomEnum::ATOM, 0, 64)?
            .reply()?;
        let fullscreen = states.value32().is_some_and(|mut v| v.any(|a| a == full));
        if !fullscreen {
            return Ok(false);
        }
        // Hearth's own window in fullscreen is not "another app".
        let owner = conn
            .get_property(false, window as Window, pid, AtomEnum::CARDINAL, 0, 1)?
            .reply()?;
        let ours = owner
            .value32()
            .and_then(|mut v| v.next())
            .is_some_and(|p| p == std::process::id());
        Ok(!ours)
    }
}

#[cfg(target_os = "windows")]
mod imp {
    use super::Fullscreen;
    use windows_sys::Win32::UI::Shell::{
        SHQueryUserNotificationState, QUNS_BUSY, QUNS_PRESENTATION_MODE,
        QUNS_RUNNING_D3D_FULL_SCREEN,
    };

    #[allow(unsafe_code)]
    pub fn other_app() -> Fullscreen {
        let mut state = 0;
        // SAFETY: the function writes one enum value to the pointer we own.
        let hr = unsafe { SHQueryUserNotificationState(&mut state) };
        if hr != 0 {
            return Fullscreen::Unknown;
        }
        if state == QUNS_BUSY
            || state == QUNS_RUNNING_D3D_FULL_SCREEN
            || state == QUNS_PRESENTATION_MODE
        {
            Fullscreen::Yes
        } else {
            Fullscreen::No
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "windows")))]
mod imp {
    use super::Fullscreen;

    pub fn other_app() -> Fullscreen {
        Fullscreen::Unknown
    }
}
