//! The loop: connect, log in, then run input lines and print events until
//! the input ends, `/quit`, or the connection is gone for good.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use hearth_client::known_hosts::KnownHostsError;
use hearth_client::{
    sha256_hex, CancellationToken, Client, ClientError, ClientOptions, ConnectionState, Event,
    EventStream, FileInfo, History, JoinCode, JoinLink, KnownHosts, Notice, OnUnknownHost, Profile,
    Secret, ServerAddr, TransferProgress, Trust, TrustError, TrustOutcome,
};
use hearth_protocol::files::human_size;
use hearth_protocol::requests::{Read, Search};
use tokio::sync::mpsc;

use crate::args::Args;
use crate::command::{self, Command, HELP};
use crate::print::Format;
use crate::status::TypingStatus;
use crate::unread::UnreadCounts;

/// Exit status for connection, trust and login failures.
const FAILED: u8 = 1;

/// Runs the whole session; the result is the process's exit status.
pub async fn run(args: Args, fmt: Format) -> anyhow::Result<ExitCode> {
    let (Some(server), Some(user)) = (args.server.as_deref(), args.user.as_deref()) else {
        anyhow::bail!("give the server and --user (or --discover)");
    };
    let (addr, code) = target(server, args.code.as_deref())?;
    let known_hosts = match &args.known_hosts {
        Some(path) => path.clone(),
        None => KnownHosts::default_path()
            .context("no config directory for the known-hosts file; use --known-hosts FILE")?,
    };
    let trust = match code {
        Some(code) => Trust::Code(code),
        None => Trust::KnownHosts {
            path: known_hosts.clone(),
            on_unknown: if args.trust_new {
                OnUnknownHost::TrustAndSave
            } else {
                OnUnknownHost::Refuse
            },
        },
    };
    let options = ClientOptions {
        raw_frames: args.json,
        ..ClientOptions::default()
    };
    let (client, events) = match Client::connect_with(&addr.to_string(), trust, options).await {
        Ok(pair) => pair,
        Err(e) => return Ok(fail(&connect_failure(&e, &known_hosts))),
    };
    remember_key(&client, &addr, code.is_some(), &known_hosts);

    let password = if args.password_stdin {
        None
    } else {
        let prompt = format!("password for {user}: ");
        let typed = tokio::task::spawn_blocking(move || rpassword::prompt_password(prompt))
            .await
            .context("password prompt")?
            .context("cannot ask for the password on the terminal; use --password-stdin")?;
        Some(typed)
    };
    // Read stdin on a plain thread: a blocking read there never holds up the exit.
    let mut lines = stdin_lines();
    let password = match password {
        Some(p) => p,
        None => match lines.recv().await {
            Some(Ok(p)) => p,
            _ => {
                return Ok(fail(
                    "--password-stdin: no password on the first line of stdin",
                ))
            }
        },
    };
    let password = Secret::new(password.trim_end_matches(['\r', '\n']));

    let mut ui = Ui {
        client,
        events,
        fmt,
        json: args.json,
        status: (!args.json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal())
            .then(TypingStatus::default),
        files: HashMap::new(),
        unread: UnreadCounts::default(),
        newest_seen: None,
        marked: None,
        newest_private: HashMap::new(),
        marked_private: HashMap::new(),
    };
    if let Some(code) = ui.log_in(user, &password, args.register).await {
        return Ok(code);
    }
    drop(password);

    loop {
        tokio::select! {
            line = lines.recv() => match line {
                None => return Ok(ui.quit().await),
                Some(Err(e)) => {
                    eprintln!("hearth-cli: reading stdin: {e}");
                    return Ok(ui.quit().await);
                }
                Some(Ok(line)) => match command::parse(&line) {
                    Ok(Command::Quit) => return Ok(ui.quit().await),
                    Ok(cmd) => {
                        if let Some(code) = ui.execute(cmd).await {
                            return Ok(code);
                        }
                    }
                    Err(usage) => ui.error(&usage),
                },
            },
            event = ui.events.recv() => match event {
                Some(event) => {
                    ui.remember_files(&event);
                    ui.count(&event);
                    if let Some(code) = ui.show(event) {
                        return Ok(code);
                    }
                }
                None => return Ok(ExitCode::from(FAILED)),
            },
            () = until(ui.status.as_ref().and_then(TypingStatus::next_expiry)) => {
                if let Some(status) = &mut ui.status {
                    status.expire(Instant::now());
                }
            }
        }
    }
}

/// Sleeps until `at`; never returns without one.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The server address and join code, from a join link or the flags.
fn target(server: &str, code: Option<&str>) -> anyhow::Result<(ServerAddr, Option<JoinCode>)> {
    let flag_code = code.map(JoinCode::parse).transpose().context("--code")?;
    if server.to_ascii_lowercase().starts_with("hearth://") {
        let link: JoinLink = server.parse().context("join link")?;
        if flag_code.is_some_and(|c| c != link.code) {
            anyhow::bail!("--code does not match the code in the join link");
        }
        return Ok((link.addr, Some(link.code)));
    }
    let addr: ServerAddr = server.parse()?;
    Ok((addr, flag_code))
}

/// The message for a failed connection, with a hint on what to do.
fn connect_failure(e: &ClientError, known_hosts: &std::path::Path) -> String {
    match e {
        ClientError::Trust(TrustError::UnknownHost { .. }) => format!(
            "{e}. To trust it, run again with --trust-new (or --code CODE from the server's owner)"
        ),
        ClientError::Trust(TrustError::HostKeyChanged { addr, .. }) => format!(
            "{e}. To forget the old key, remove the line for {addr} from {}",
            known_hosts.display()
        ),
        _ => e.to_string(),
    }
}

/// Records the key of a server joined with a code, and says when a new key was saved.
fn remember_key(client: &Client, addr: &ServerAddr, with_code: bool, path: &std::path::Path) {
    let Some(key) = client.server_key() else {
        return;
    };
    if client.trust_outcome() == Some(TrustOutcome::SavedNewHost) {
        eprintln!(
            "hearth-cli: trusted the new server {addr} (key {key}); saved in {}",
            path.display()
        );
    }
    if !with_code {
        return;
    }
    match KnownHosts::load(path).and_then(|mut hosts| hosts.trust(addr, key)) {
        Ok(()) => {}
        Err(KnownHostsError::AlreadySaved { saved, .. }) => eprintln!(
            "hearth-cli: note: {} lists another key ({saved}) for {addr}; without --code it will be refused",
            path.display()
        ),
        Err(e) => eprintln!("hearth-cli: note: could not save the server's key: {e}"),
    }
}

/// `sending shot.png: 42% (1.2 MiB of 2.9 MiB)`.
fn progress_line(verb: &str, name: &str, p: TransferProgress) -> String {
    let percent = (p.done * 100).checked_div(p.total).unwrap_or(100);
    format!(
        "{verb} {name}: {percent}% ({} of {})",
        human_size(p.done),
        human_size(p.total)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Prints a failure on stderr and gives the failure status.
fn fail(reason: &str) -> ExitCode {
    eprintln!("hearth-cli: {reason}");
    ExitCode::from(FAILED)
}

/// Lines of stdin, read on their own thread.
fn stdin_lines() -> mpsc::UnboundedReceiver<std::io::Result<String>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let stop = line.is_err();
            if tx.send(line).is_err() || stop {
                return;
            }
        }
    });
    rx
}

/// The connected client and how to show things.
struct Ui {
    client: Client,
    events: EventStream,
    fmt: Format,
    json: bool,
    /// The typing status line, on a terminal (see `status.rs`).
    status: Option<TypingStatus>,
    /// The files seen in messages, by message id (for `/save`'s default name
    /// and hash check).
    files: HashMap<i64, FileInfo>,
    /// Unread messages and mentions per room elsewhere and per private chat
    /// (for `/rooms`).
    unread: UnreadCounts,
    /// The newest message seen in the current room, and the read mark last
    /// sent for it (sent when leaving, listing rooms or quitting).
    newest_seen: Option<(String, i64)>,
    marked: Option<(String, i64)>,
    /// The newest private message shown from each partner, and the read mark
    /// last sent for each (sent when the room's is).
    newest_private: HashMap<String, i64>,
    marked_private: HashMap<String, i64>,
}

impl Ui {
    /// Registers (if asked) and logs in; `Some(status)` when that failed.
    async fn log_in(&mut self, user: &str, password: &Secret, register: bool) -> Option<ExitCode> {
        if register {
            match self.client.register(user, password, None).await {
                Ok(ack) => self.notice(ack.message.as_deref().unwrap_or("registered")),
                Err(e) => {
                    self.drain();
                    return Some(fail(&format!("registration failed: {e}")));
                }
            }
        }
        match self.client.login(user, password).await {
            Ok(info) => {
                self.notice(&format!(
                    "logged in as {} ({}); you are in the lobby. /help lists the commands",
                    info.username, info.role
                ));
                self.unread = UnreadCounts::from_server(&info.unread);
                let mut partners: Vec<(String, (u64, u64))> = self
                    .unread
                    .private
                    .iter()
                    .map(|(who, n)| (who.clone(), *n))
                    .collect();
                partners.sort();
                for (with, (n, _)) in partners {
                    self.notice(&format!(
                        "{n} unread private message{} from {with}",
                        plural(n as usize)
                    ));
                }
                let (n, m) = self.unread.room_totals();
                if n > 0 {
                    self.notice(&format!(
                        "{n} unread message{} ({m} mentioning you) in other rooms: /rooms",
                        plural(n as usize)
                    ));
                }
                None
            }
            Err(e) => {
                self.drain();
                Some(fail(&format!("login failed: {e}")))
            }
        }
    }

    /// Runs one command and prints its outcome after the events that came
    /// before its reply; `Some(status)` when the client has stopped for good.
    async fn execute(&mut self, cmd: Command) -> Option<ExitCode> {
        let c = &self.client;
        let result: Result<Vec<String>, ClientError> = match cmd {
            Command::Nothing | Command::Quit => Ok(vec![]),
            Command::Help => Ok(HELP.lines().map(str::to_owned).collect()),
            Command::Say(text) => c.send_public(&text).await.map(|_| vec![]),
            Command::Rooms | Command::Who => {
                self.mark_read().await;
                match self.client.list().await {
                    Ok(reply) => {
                        // after the read marks above: what is left was never shown
                        self.unread = UnreadCounts::from_server(&reply.unread);
                        Ok(vec![self.fmt.rooms(&reply.list, &self.unread)])
                    }
                    Err(e) => Err(e),
                }
            }
            Command::Create(room) => c
                .create(&room)
                .await
                .map(|a| self.ack(a.message, "created")),
            Command::Join(room) => {
                self.mark_read().await;
                let c = &self.client;
                self.unread.rooms.remove(&room);
                if c.status().room.is_some() {
                    if let Err(e) = c.exit().await {
                        self.error(&e.to_string());
                        return self.drain();
                    }
                }
                c.enter(&room).await.map(|e| {
                    vec![self
                        .fmt
                        .notice_line(None, &format!("you are in #{}", e.room))]
                })
            }
            Command::Leave => {
                self.mark_read().await;
                let c = &self.client;
                c.exit().await.map(|_| self.ack(None, "back in the lobby"))
            }
            Command::React { id, emoji } => c.react(id, &emoji).await.map(|r| {
                let chips: Vec<String> = r
                    .reactions
                    .iter()
                    .map(|g| format!("{} {}", g.emoji, g.users.join(", ")))
                    .collect();
                self.ack(None, &format!("reactions on [#{id}]: {}", chips.join("; ")))
            }),
            Command::Edit { id, text } => {
                c.edit(id, &text).await.map(|m| vec![self.fmt.message(&m)])
            }
            Command::Delete(id) => c
                .delete(id)
                .await
                .map(|_| self.ack(None, &format!("deleted [#{id}]"))),
            Command::Search(query) => match c.status().room {
                None => Err(ClientError::Protocol("join a room to search it".into())),
                Some(room) => {
                    let search = Search {
                        room: Some(room.clone()),
                        query: query.clone(),
                        ..Search::default()
                    };
                    c.search(search).await.map(|page| {
                        let n = page.messages.len();
                        let more = if page.more {
                            " (newest first; more match)"
                        } else {
                            ""
                        };
                        let mut lines = vec![self.fmt.notice_line(
                            None,
                            &format!(
                                "{n} message{} in #{room} match \"{query}\"{more}",
                                plural(n)
                            ),
                        )];
                        lines.extend(page.messages.iter().map(|m| self.fmt.message(m)));
                        lines
                    })
                }
            },
            Command::Msg { to, text } => c.send_private(&to, &text).await.map(|_| vec![]),
            Command::Request(user) => c
                .private_request(&user)
                .await
                .map(|a| self.ack(a.message, &format!("asked {user} for a private chat"))),
            Command::Accept(user) => c
                .private_accept(&user)
                .await
                .map(|a| self.ack(a.message, &format!("accepted {user}"))),
            Command::Reject(user) => c
                .private_reject(&user)
                .await
                .map(|a| self.ack(a.message, &format!("declined {user}"))),
            Command::End(user) => c
                .private_end(&user)
                .await
                .map(|a| self.ack(a.message, &format!("ended the private chat with {user}"))),
            Command::Color(color) => c
                .profile(Profile {
                    color: Some(color),
                    ..Profile::default()
                })
                .await
                .map(|p| self.ack(None, &format!("your color is now {}", p.color))),
            Command::Kick {
                user,
                minutes,
                reason,
            } => c
                .kick(&user, &reason, minutes)
                .await
                .map(|a| self.ack(a.message, &format!("kicked {user}"))),
            Command::File { to, path } => self.send_file(to, &path).await,
            Command::Save { id, path } => self.save_file(id, path).await,
            Command::History(limit) => match c.status().room {
                None => Err(ClientError::Protocol("join a room first".into())),
                Some(room) => {
                    let query = History {
                        room: Some(room.clone()),
                        limit,
                        ..History::default()
                    };
                    c.history(query).await.map(|page| {
                        let n = page.messages.len();
                        let mut lines = vec![self.fmt.notice_line(
                            None,
                            &format!("{n} earlier message{} in #{room}", plural(n)),
                        )];
                        lines.extend(page.messages.iter().map(|m| self.fmt.message(m)));
                        lines
                    })
                }
            },
        };
        let stop = self.drain();
        match result {
            Ok(lines) => {
                if !self.json {
                    for line in lines {
                        self.say(&line);
                    }
                }
            }
            // In JSON mode the server's error reply was already printed as received.
            Err(ClientError::Server { .. }) if self.json => {}
            Err(e) => self.error(&e.to_string()),
        }
        stop
    }

    fn ack(&self, message: Option<String>, default: &str) -> Vec<String> {
        vec![self
            .fmt
            .notice_line(None, message.as_deref().unwrap_or(default))]
    }

    fn notice(&mut self, text: &str) {
        if !self.json {
            let line = self.fmt.notice_line(None, text);
            self.say(&line);
        }
    }

    fn error(&mut self, text: &str) {
        if self.json {
            eprintln!("hearth-cli: {text}");
        } else {
            self.say(&format!("! {text}"));
        }
    }

    /// Prints one line on stdout, keeping the typing status line under it.
    fn say(&mut self, line: &str) {
        if let Some(status) = &mut self.status {
            status.before_print();
        }
        println!("{line}");
        if let Some(status) = &mut self.status {
            status.after_print();
        }
    }

    /// `/file`: sends a file with a progress line (on stderr, so that stdout
    /// keeps one line per event).
    async fn send_file(&self, to: Option<String>, path: &str) -> Result<Vec<String>, ClientError> {
        let data = tokio::fs::read(path)
            .await
            .map_err(|e| ClientError::Io(format!("cannot read {path}: {e}")))?;
        let name = std::path::Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned());
        let to = to.unwrap_or_else(|| hearth_protocol::PUBLIC.to_owned());
        let show = !self.json;
        let label = name.clone();
        let progress = move |p: TransferProgress| {
            if show {
                eprint!("\r{}", progress_line("sending", &label, p));
            }
        };
        let sent = self
            .client
            .send_file(&to, &name, data.into(), progress, &CancellationToken::new())
            .await;
        if show {
            eprintln!();
        }
        sent.map(|_| vec![])
    }

    /// `/save`: downloads a file, writes it and prints its path and SHA-256.
    async fn save_file(&self, id: i64, path: Option<String>) -> Result<Vec<String>, ClientError> {
        let known = self.files.get(&id);
        let path =
            path.unwrap_or_else(|| known.map_or_else(|| format!("file-{id}"), |f| f.name.clone()));
        let show = !self.json;
        let label = path.clone();
        let progress = move |p: TransferProgress| {
            if show {
                eprint!("\r{}", progress_line("saving", &label, p));
            }
        };
        let mut data = Vec::new();
        let got = self
            .client
            .download_file(id, false, &mut data, progress, &CancellationToken::new())
            .await;
        if show {
            eprintln!();
        }
        let size = got?;
        let sha256 = sha256_hex(&data);
        if let Some(file) = known {
            if file.sha256 != sha256 {
                return Err(ClientError::Protocol(format!(
                    "the bytes received do not match the SHA-256 of {}",
                    file.name
                )));
            }
        }
        tokio::fs::write(&path, &data)
            .await
            .map_err(|e| ClientError::Io(format!("cannot write {path}: {e}")))?;
        Ok(vec![self.fmt.notice_line(
            None,
            &format!("saved {path} ({}) sha256 {sha256}", human_size(size)),
        )])
    }

    /// Counts what arrives elsewhere and notes the newest message here.
    fn count(&mut self, event: &Event) {
        let me = self.client.status().username.unwrap_or_default();
        match event {
            Event::Activity(a) if a.from != me => {
                let mentioned = a.mentions.iter().any(|n| n.eq_ignore_ascii_case(&me));
                let entry = self.unread.rooms.entry(a.room.clone()).or_default();
                entry.0 += 1;
                if mentioned {
                    entry.1 += 1;
                    self.notice(&format!("{} mentioned you in #{}", a.from, a.room));
                }
            }
            Event::Message(m) if !m.private => {
                if let Some(room) = &m.room {
                    self.newest_seen = Some((room.clone(), m.id));
                }
            }
            Event::Message(m) if m.from != me => {
                self.newest_private.insert(m.from.clone(), m.id);
            }
            Event::History { room, messages } => {
                if let Some(last) = messages.last() {
                    self.newest_seen = Some((room.clone(), last.id));
                }
            }
            _ => {}
        }
    }

    /// Tells the server the current room, and each private chat, is read up
    /// to the newest message shown.
    async fn mark_read(&mut self) {
        if let Some((room, id)) = self.newest_seen.clone() {
            if self.marked.as_ref() != Some(&(room.clone(), id)) {
                let read = Read {
                    room: Some(room.clone()),
                    id,
                    ..Read::default()
                };
                if self.client.read(read).await.is_ok() {
                    self.marked = Some((room, id));
                }
            }
        }
        let unmarked: Vec<(String, i64)> = self
            .newest_private
            .iter()
            .filter(|(who, id)| self.marked_private.get(*who) != Some(id))
            .map(|(who, id)| (who.clone(), *id))
            .collect();
        for (with, id) in unmarked {
            let read = Read {
                with: Some(with.clone()),
                id,
                ..Read::default()
            };
            if self.client.read(read).await.is_ok() {
                self.marked_private.insert(with, id);
            }
        }
    }

    /// Notes the files of messages, for `/save`.
    fn remember_files(&mut self, event: &Event) {
        let messages = match event {
            Event::Message(m) => std::slice::from_ref(m),
            Event::History { messages, .. } => messages.as_slice(),
            _ => return,
        };
        for m in messages {
            if let Some(file) = &m.file {
                self.files.insert(m.id, file.clone());
            }
        }
    }

    /// Prints one event; `Some(status)` when the client has stopped for good.
    fn show(&mut self, event: Event) -> Option<ExitCode> {
        if let Event::Connection(ConnectionState::Disconnected { reason }) = &event {
            if !self.json {
                self.say(&format!("! disconnected: {reason}"));
            }
            return Some(fail(&format!("disconnected: {reason}")));
        }
        if let Event::Notice(n @ (Notice::Joined { .. } | Notice::Left { .. })) = &event {
            // Your own comings and goings are already told by the replies.
            let me = self.client.status().username;
            if me.as_deref() == Some(n.user()) && !self.json {
                return None;
            }
        }
        if let Some(status) = &mut self.status {
            match &event {
                Event::Typing { user, room } => {
                    status.typing(user, room.as_deref(), Instant::now());
                    return None;
                }
                Event::Message(m) => status.spoke(&m.from),
                _ => {}
            }
        }
        if self.json {
            match &event {
                Event::Raw(frame) => println!("{frame}"),
                Event::Connection(_) => {
                    for line in self.fmt.event(&event) {
                        eprintln!("hearth-cli: {line}");
                    }
                }
                _ => {}
            }
        } else {
            for line in self.fmt.event(&event) {
                self.say(&line);
            }
        }
        None
    }

    /// Prints every event already waiting.
    fn drain(&mut self) -> Option<ExitCode> {
        while let Some(event) = self.events.try_recv() {
            self.remember_files(&event);
            self.count(&event);
            if let Some(code) = self.show(event) {
                return Some(code);
            }
        }
        None
    }

    /// Logs out, closes, prints what is left, and exits cleanly.
    async fn quit(mut self) -> ExitCode {
        self.mark_read().await;
        let status = self.client.status();
        if status.connected && status.username.is_some() {
            let _ = self.client.logout().await;
        }
        self.client.close().await;
        while let Some(event) = self.events.try_recv() {
            if !matches!(
                event,
                Event::Connection(ConnectionState::Disconnected { .. })
            ) {
                self.show(event);
            }
        }
        if let Some(status) = &mut self.status {
            // Leave the terminal on a clean line.
            status.before_print();
        }
        ExitCode::SUCCESS
    }
}
