//! `hearth://HOST:PORT/CODE` links (deep-link plugin): each one opened becomes a
//! `join_link` event that prefills the Join dialog.
//!
//! A link that starts the app arrives before the UI listens, so it is kept and sent again
//! shortly after the page has loaded. A link opened while the app runs reaches this
//! instance through the single-instance plugin.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use hearth_client::JoinLink;
use tauri::{App, AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::ipc::{HearthEvent, EVENT_CHANNEL};

/// How long after the page has loaded startup links are sent (the UI subscribes once its
/// script has run, which can finish after the load event).
const STARTUP_DELAY: Duration = Duration::from_millis(1500);

/// Links that arrived before the UI could listen. A std mutex, held only to push or drain.
#[derive(Default)]
struct StartupLinks(Mutex<Vec<HearthEvent>>);

/// Reads a link: `hearth://HOST:PORT/CODE`, or `hearth://HOST[:PORT]` without a code.
pub fn parse(url: &str) -> Option<HearthEvent> {
    if let Ok(link) = JoinLink::from_str(url) {
        return Some(HearthEvent::JoinLink {
            address: link.addr.to_string(),
            join_code: Some(link.code.to_string()),
        });
    }
    let rest = url
        .strip_prefix(hearth_client::link::SCHEME)?
        .strip_prefix("://")?;
    let address = rest.trim_end_matches('/');
    let addr = crate::join::parse_address(address).ok()?;
    Some(HearthEvent::JoinLink {
        address: addr.to_string(),
        join_code: None,
    })
}

/// Registers the link handlers. Called from the app's setup, after the plugins.
pub fn setup<R: Runtime>(app: &App<R>) {
    app.manage(StartupLinks::default());
    // An AppImage is not installed, so it registers the scheme for itself.
    #[cfg(target_os = "linux")]
    if std::env::var_os("APPIMAGE").is_some() {
        if let Err(e) = app.deep_link().register_all() {
            log::warn!("cannot register the hearth:// scheme: {e}");
        }
    }
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            opened(&handle, url.as_str());
        }
    });
    match app.deep_link().get_current() {
        Ok(Some(urls)) => {
            let pending = app.state::<StartupLinks>();
            let mut pending = pending.0.lock().unwrap_or_else(|p| p.into_inner());
            pending.extend(urls.iter().filter_map(|u| parse(u.as_str())));
        }
        Ok(None) => {}
        Err(e) => log::warn!("cannot read the startup link: {e}"),
    }
}

fn opened<R: Runtime>(app: &AppHandle<R>, url: &str) {
    match parse(url) {
        Some(event) => {
            if let Err(e) = app.emit(EVENT_CHANNEL, &event) {
                log::warn!("cannot emit a join link: {e}");
            }
        }
        None => log::warn!("ignoring a link that is not a Hearth join link"),
    }
}

/// Sends the startup links once the page has loaded. Called from `on_page_load`.
pub fn page_loaded<R: Runtime>(app: &AppHandle<R>) {
    let Some(pending) = app.try_state::<StartupLinks>() else {
        return;
    };
    let links: Vec<HearthEvent> =
        std::mem::take(&mut *pending.0.lock().unwrap_or_else(|p| p.into_inner()));
    if links.is_empty() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(STARTUP_DELAY).await;
        for event in links {
            if let Err(e) = app.emit(EVENT_CHANNEL, &event) {
                log::warn!("cannot emit a join link: {e}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_and_without_a_code() {
        let code = hearth_client::JoinCode::from_fingerprint(
            &hearth_client::Fingerprint::of_spki_der(b"k"),
        );
        assert_eq!(
            parse(&format!("hearth://192.168.1.20:7000/{code}")),
            Some(HearthEvent::JoinLink {
                address: "192.168.1.20:7000".into(),
                join_code: Some(code.to_string()),
            })
        );
        assert_eq!(
            parse("hearth://host.lan/"),
            Some(HearthEvent::JoinLink {
                address: "host.lan:7878".into(),
                join_code: None,
            })
        );
        assert_eq!(parse("https://example.com"), None);
    }
}
