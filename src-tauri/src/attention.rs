//! When a desktop notification may be shown: the policy, pure, so it is tested
//! over a fake focus and fullscreen source.
//!
//! Never while the window is focused (the user sees the chat), never in Do Not
//! Disturb, only the kinds the notification setting asks for, and never over a
//! fullscreen app (a game): those are held and shown as one digest ("5
//! mentions in #games, 2 private messages") when the fullscreen app leaves.
//! Nothing here focuses, shows or raises the window.

use crate::ipc::{NotifyLevel, Settings};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// A message from someone else that does not mention this user.
    Message,
    /// A message that mentions this user (by name or `@room`).
    Mention,
    /// A private message.
    Private,
    /// A private chat request.
    Request,
}

/// A desktop notification to show (or hold) when the window is not focused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// First line.
    pub title: String,
    /// Second line.
    pub body: String,
    /// What it is about.
    pub kind: AlertKind,
    /// The room, for a room message; the other person, for a private one.
    pub place: Option<String>,
}

/// Whether another app fills the screen, as far as the platform can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fullscreen {
    /// Another app is fullscreen (a game, a presentation).
    Yes,
    /// Nothing is fullscreen.
    No,
    /// The platform gives no signal (treated as not fullscreen).
    Unknown,
}

/// What to do with an alert now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Show it.
    Show(Alert),
    /// Keep it for the digest.
    Hold,
    /// Not wanted.
    Drop,
}

/// Alerts held while a fullscreen app runs. One per app, owned by the sink.
#[derive(Debug, Default)]
pub struct Attention {
    held: Vec<Alert>,
}

/// Whether the notification setting asks for this kind.
fn wanted(level: NotifyLevel, kind: AlertKind) -> bool {
    match level {
        NotifyLevel::Off => false,
        NotifyLevel::Mentions => kind != AlertKind::Message,
        NotifyLevel::All => true,
    }
}

impl Attention {
    /// Decides what to do with `alert`, given the settings, whether the app's
    /// window is focused and (asked last) whether another app is fullscreen.
    pub fn offer(
        &mut self,
        alert: Alert,
        settings: &Settings,
        focused: bool,
        fullscreen: impl FnOnce() -> Fullscreen,
    ) -> Verdict {
        if settings.do_not_disturb || focused || !wanted(settings.notifications, alert.kind) {
            return Verdict::Drop;
        }
        // Asked only now: the platform query costs a round trip.
        if fullscreen() == Fullscreen::Yes {
            self.held.push(alert);
            return Verdict::Hold;
        }
        Verdict::Show(alert)
    }

    /// True while alerts wait for the fullscreen app to leave.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// The fullscreen app left: one digest of everything held (none when
    /// nothing was, or when it is no longer wanted: the window got focus, Do
    /// Not Disturb came on, or notifications were turned down meanwhile).
    pub fn release(&mut self, settings: &Settings, focused: bool) -> Option<Alert> {
        let held = std::mem::take(&mut self.held);
        let held: Vec<Alert> = held
            .into_iter()
            .filter(|a| wanted(settings.notifications, a.kind))
            .collect();
        if held.is_empty() || focused || settings.do_not_disturb {
            return None;
        }
        Some(digest(&held))
    }
}

/// "5 mentions in #games, 2 private messages": counts per kind and room.
fn digest(held: &[Alert]) -> Alert {
    let mut parts: Vec<(String, usize)> = Vec::new();
    let mut add = |label: String| match parts.iter_mut().find(|(l, _)| *l == label) {
        Some((_, n)) => *n += 1,
        None => parts.push((label, 1)),
    };
    for alert in held {
        let room = alert.place.as_deref().unwrap_or("a room");
        match alert.kind {
            AlertKind::Mention => add(format!("mention|in #{room}")),
            AlertKind::Message => add(format!("message|in #{room}")),
            AlertKind::Private => add("private message|".to_owned()),
            AlertKind::Request => add("private chat request|".to_owned()),
        }
    }
    let body: Vec<String> = parts
        .into_iter()
        .map(|(label, n)| {
            let (noun, place) = label.split_once('|').unwrap_or((label.as_str(), ""));
            let plural = if n == 1 { "" } else { "s" };
            let place = if place.is_empty() {
                String::new()
            } else {
                format!(" {place}")
            };
            format!("{n} {noun}{plural}{place}")
        })
        .collect();
    Alert {
        title: "While you were in fullscreen".to_owned(),
        body: body.join(", "),
        kind: AlertKind::Mention,
        place: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: AlertKind, place: &str) -> Alert {
        Alert {
            title: "t".into(),
            body: "b".into(),
            kind,
            place: Some(place.into()),
        }
    }

    fn settings(level: NotifyLevel) -> Settings {
        Settings {
            notifications: level,
            ..Settings::default()
        }
    }

    #[test]
    fn the_setting_decides_the_kinds() {
        let mut a = Attention::default();
        let mentions = settings(NotifyLevel::Mentions);
        let m = alert(AlertKind::Message, "games");
        assert_eq!(
            a.offer(m.clone(), &mentions, false, || Fullscreen::No),
            Verdict::Drop
        );
        let all = settings(NotifyLevel::All);
        assert_eq!(
            a.offer(m.clone(), &all, false, || Fullscreen::Unknown),
            Verdict::Show(m)
        );
        let p = alert(AlertKind::Private, "bob");
        assert_eq!(
            a.offer(p.clone(), &mentions, false, || Fullscreen::No),
            Verdict::Show(p.clone())
        );
        assert_eq!(
            a.offer(p, &settings(NotifyLevel::Off), false, || Fullscreen::No),
            Verdict::Drop
        );
    }

    #[test]
    fn never_while_focused_or_in_do_not_disturb() {
        let mut a = Attention::default();
        let m = alert(AlertKind::Mention, "games");
        let all = settings(NotifyLevel::All);
        assert_eq!(
            a.offer(m.clone(), &all, true, || Fullscreen::No),
            Verdict::Drop
        );
        let dnd = Settings {
            do_not_disturb: true,
            ..all
        };
        assert_eq!(
            a.offer(m.clone(), &dnd, false, || Fullscreen::Yes),
            Verdict::Drop
        );
        assert!(!a.holding(), "nothing held in Do Not Disturb");
    }

    #[test]
    fn fullscreen_holds_and_one_digest_follows() {
        let mut a = Attention::default();
        let s = settings(NotifyLevel::Mentions);
        for _ in 0..5 {
            assert_eq!(
                a.offer(alert(AlertKind::Mention, "games"), &s, false, || {
                    Fullscreen::Yes
                }),
                Verdict::Hold
            );
        }
        a.offer(alert(AlertKind::Private, "bob"), &s, false, || {
            Fullscreen::Yes
        });
        a.offer(alert(AlertKind::Private, "cy"), &s, false, || {
            Fullscreen::Yes
        });
        a.offer(alert(AlertKind::Mention, "art"), &s, false, || {
            Fullscreen::Yes
        });
        assert!(a.holding());
        let digest = a.release(&s, false).expect("a digest");
        assert_eq!(
            digest.body,
            "5 mentions in #games, 2 private messages, 1 mention in #art"
        );
        assert!(!a.holding());
        assert_eq!(a.release(&s, false), None, "one digest, once");
    }

    #[test]
    fn a_digest_is_dropped_when_no_longer_wanted() {
        let mut a = Attention::default();
        let s = settings(NotifyLevel::Mentions);
        a.offer(alert(AlertKind::Mention, "games"), &s, false, || {
            Fullscreen::Yes
        });
        assert_eq!(a.release(&s, true), None, "the user is looking at the app");
        a.offer(alert(AlertKind::Mention, "games"), &s, false, || {
            Fullscreen::Yes
        });
        assert_eq!(a.release(&settings(NotifyLevel::Off), false), None);
    }
}
