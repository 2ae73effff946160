//! What a line of input asks for.

/// One line of input, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Nothing (an empty line).
    Nothing,
    /// A message to the current room.
    Say(String),
    /// `/rooms`
    Rooms,
    /// `/create R`
    Create(String),
    /// `/join R`
    Join(String),
    /// `/leave`
    Leave,
    /// `/who`
    Who,
    /// `/msg USER TEXT`
    Msg {
        /// Recipient.
        to: String,
        /// Text.
        text: String,
    },
    /// `/request USER`
    Request(String),
    /// `/accept USER`
    Accept(String),
    /// `/reject USER`
    Reject(String),
    /// `/end USER`
    End(String),
    /// `/color #hex`
    Color(String),
    /// `/kick USER [MINUTES] REASON`
    Kick {
        /// Whom.
        user: String,
        /// Cooldown in minutes (server default when absent).
        minutes: Option<u32>,
        /// Why.
        reason: String,
    },
    /// `/history [N]`
    History(Option<u32>),
    /// `/file [@USER] PATH`: send a file to the current room or a private partner.
    File {
        /// The private partner, or `None` for the current room.
        to: Option<String>,
        /// The file to send.
        path: String,
    },
    /// `/save ID [PATH]`: download the file of message ID.
    Save {
        /// The message the file is attached to.
        id: i64,
        /// Where to write it (default: its name, in the current directory).
        path: Option<String>,
    },
    /// `/react ID EMOJI`: give or take back a reaction.
    React {
        /// The message.
        id: i64,
        /// The emoji.
        emoji: String,
    },
    /// `/edit ID TEXT`: replace the text of your message.
    Edit {
        /// The message.
        id: i64,
        /// The new text.
        text: String,
    },
    /// `/delete ID`
    Delete(i64),
    /// `/search TEXT`: search the current room (or, in the lobby, nothing).
    Search(String),
    /// `/help`
    Help,
    /// `/quit`
    Quit,
}

/// The commands, for `/help` and error messages.
pub const HELP: &str = "\
commands: plain text sends to the current room; //text sends text starting with '/'
  /rooms  /create ROOM  /join ROOM  /leave  /who
  /msg USER TEXT  /request USER  /accept USER  /reject USER  /end USER
  /file [@USER] PATH  /save ID [PATH]
  /react ID EMOJI  /edit ID TEXT  /delete ID  /search TEXT
  /color #rrggbb  /kick USER [MINUTES] REASON  /history [N]  /help  /quit";

/// Understands one line of input (without its line ending).
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(text) = line.strip_prefix("//") {
        return Ok(Command::Say(format!("/{text}")));
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Ok(if line.trim().is_empty() {
            Command::Nothing
        } else {
            Command::Say(line.to_owned())
        });
    };
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (rest, ""),
    };
    let one = |what: &str| -> Result<String, String> {
        match args.split_whitespace().collect::<Vec<_>>()[..] {
            [arg] => Ok(arg.to_owned()),
            _ => Err(format!("usage: /{name} {what}")),
        }
    };
    let none = |cmd: Command| {
        if args.is_empty() {
            Ok(cmd)
        } else {
            Err(format!("/{name} takes no arguments"))
        }
    };
    match name {
        "rooms" => none(Command::Rooms),
        "create" => one("ROOM").map(Command::Create),
        "join" => one("ROOM").map(Command::Join),
        "leave" => none(Command::Leave),
        "who" => none(Command::Who),
        "msg" => match args.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => Ok(Command::Msg {
                to: to.to_owned(),
                text: text.trim_start().to_owned(),
            }),
            _ => Err("usage: /msg USER TEXT".into()),
        },
        "request" => one("USER").map(Command::Request),
        "accept" => one("USER").map(Command::Accept),
        "reject" => one("USER").map(Command::Reject),
        "end" => one("USER").map(Command::End),
        "color" | "colour" => one("#rrggbb").map(Command::Color),
        "kick" => parse_kick(args),
        "history" => match args {
            "" => Ok(Command::History(None)),
            n => n
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| Command::History(Some(n)))
                .ok_or_else(|| "usage: /history [N]".to_owned()),
        },
        "file" => parse_file(args),
        "save" => {
            const USAGE: &str = "usage: /save ID [PATH]";
            let (id, path) = match args.split_once(char::is_whitespace) {
                Some((id, path)) => (id, Some(path.trim().to_owned())),
                None => (args, None),
            };
            let id = id.parse::<i64>().map_err(|_| USAGE.to_owned())?;
            Ok(Command::Save { id, path })
        }
        "react" => {
            const USAGE: &str = "usage: /react ID EMOJI";
            match args.split_whitespace().collect::<Vec<_>>()[..] {
                [id, emoji] => Ok(Command::React {
                    id: id.parse().map_err(|_| USAGE.to_owned())?,
                    emoji: emoji.to_owned(),
                }),
                _ => Err(USAGE.into()),
            }
        }
        "edit" => {
            const USAGE: &str = "usage: /edit ID TEXT";
            match args.split_once(char::is_whitespace) {
                Some((id, text)) if !text.trim().is_empty() => Ok(Command::Edit {
                    id: id.parse().map_err(|_| USAGE.to_owned())?,
                    text: text.trim_start().to_owned(),
                }),
                _ => Err(USAGE.into()),
            }
        }
        "delete" => {
            const USAGE: &str = "usage: /delete ID";
            one("ID")?
                .parse()
                .map(Command::Delete)
                .map_err(|_| USAGE.to_owned())
        }
        "search" if !args.is_empty() => Ok(Command::Search(args.to_owned())),
        "search" => Err("usage: /search TEXT".into()),
        "help" => Ok(Command::Help),
        "quit" | "exit" => none(Command::Quit),
        other => Err(format!("unknown command /{other}; /help lists them")),
    }
}

fn parse_file(args: &str) -> Result<Command, String> {
    const USAGE: &str = "usage: /file [@USER] PATH";
    let (to, path) = match args.strip_prefix('@') {
        Some(rest) => match rest.split_once(char::is_whitespace) {
            Some((user, path)) if !user.is_empty() => (Some(user.to_owned()), path.trim()),
            _ => return Err(USAGE.into()),
        },
        None => (None, args),
    };
    if path.is_empty() {
        return Err(USAGE.into());
    }
    Ok(Command::File {
        to,
        path: path.to_owned(),
    })
}

fn parse_kick(args: &str) -> Result<Command, String> {
    const USAGE: &str = "usage: /kick USER [MINUTES] REASON";
    let (user, rest) = args.split_once(char::is_whitespace).ok_or(USAGE)?;
    let rest = rest.trim_start();
    let (minutes, reason) = match rest.split_once(char::is_whitespace) {
        Some((first, reason)) => match first.parse::<u32>() {
            Ok(m) => (Some(m), reason.trim()),
            Err(_) => (None, rest),
        },
        None if rest.parse::<u32>().is_ok() => return Err(USAGE.into()),
        None => (None, rest),
    };
    if reason.is_empty() {
        return Err(USAGE.into());
    }
    Ok(Command::Kick {
        user: user.to_owned(),
        minutes,
        reason: reason.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_commands() {
        assert_eq!(
            parse("/file shots/a b.png").unwrap(),
            Command::File {
                to: None,
                path: "shots/a b.png".into()
            }
        );
        assert_eq!(
            parse("/file @bob save.zip").unwrap(),
            Command::File {
                to: Some("bob".into()),
                path: "save.zip".into()
            }
        );
        assert!(parse("/file").is_err());
        assert!(parse("/file @bob").is_err());
        assert_eq!(
            parse("/save 42").unwrap(),
            Command::Save { id: 42, path: None }
        );
        assert_eq!(
            parse("/save 42 /tmp/x.png").unwrap(),
            Command::Save {
                id: 42,
                path: Some("/tmp/x.png".into())
            }
        );
        assert!(parse("/save x").is_err());
        assert_eq!(
            parse("/react 7 👍").unwrap(),
            Command::React {
                id: 7,
                emoji: "👍".into()
            }
        );
        assert!(parse("/react x 👍").is_err());
        assert!(parse("/react 7").is_err());
        assert_eq!(
            parse("/edit 7 fixed  typo").unwrap(),
            Command::Edit {
                id: 7,
                text: "fixed  typo".into()
            }
        );
        assert!(parse("/edit 7").is_err());
        assert_eq!(parse("/delete 7").unwrap(), Command::Delete(7));
        assert!(parse("/delete seven").is_err());
        assert_eq!(
            parse("/search lan party").unwrap(),
            Command::Search("lan party".into())
        );
        assert!(parse("/search").is_err());
    }

    #[test]
    fn text_and_escapes() {
        assert_eq!(
            parse("hello there").unwrap(),
            Command::Say("hello there".into())
        );
        assert_eq!(parse("//shrug\r").unwrap(), Command::Say("/shrug".into()));
        assert_eq!(parse("   ").unwrap(), Command::Nothing);
    }

    #[test]
    fn commands_with_arguments() {
        assert_eq!(parse("/join fun").unwrap(), Command::Join("fun".into()));
        assert_eq!(
            parse("/msg bob  hi  there").unwrap(),
            Command::Msg {
                to: "bob".into(),
                text: "hi  there".into()
            }
        );
        assert_eq!(
            parse("/color #a0b0c0").unwrap(),
            Command::Color("#a0b0c0".into())
        );
        assert_eq!(parse("/history").unwrap(), Command::History(None));
        assert_eq!(parse("/history 20").unwrap(), Command::History(Some(20)));
        assert_eq!(parse("/quit").unwrap(), Command::Quit);
    }

    #[test]
    fn kick_takes_optional_minutes() {
        assert_eq!(
            parse("/kick bob 10 spamming the room").unwrap(),
            Command::Kick {
                user: "bob".into(),
                minutes: Some(10),
                reason: "spamming the room".into()
            }
        );
        assert_eq!(
            parse("/kick bob spam").unwrap(),
            Command::Kick {
                user: "bob".into(),
                minutes: None,
                reason: "spam".into()
            }
        );
        assert_eq!(
            parse("/kick bob 0 rude").unwrap(),
            Command::Kick {
                user: "bob".into(),
                minutes: Some(0),
                reason: "rude".into()
            }
        );
        assert!(parse("/kick bob").is_err());
        assert!(parse("/kick bob 5").is_err());
    }

    #[test]
    fn usage_errors() {
        for bad in [
            "/join",
            "/join a b",
            "/msg bob",
            "/leave now",
            "/history x",
            "/history 0",
            "/dance",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("/dance").unwrap_err().contains("/help"));
    }
}
