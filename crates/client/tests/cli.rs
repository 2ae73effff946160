//! `hearth-cli` end to end: two instances hold a conversation from piped
//! stdin (one printing text, one printing raw JSON), and trust failures exit
//! non-zero with the reason on stderr.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{start_server, Mitm};

const CLI: &str = env!("CARGO_BIN_EXE_hearth-cli");

/// One running `hearth-cli`, its stdin, and its stdout lines as they come.
struct Cli {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Cli {
    fn spawn(name: &'static str, args: &[&str]) -> Cli {
        let mut child = Command::new(CLI)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hearth-cli starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Cli {
            name,
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to hearth-cli");
        stdin.flush().unwrap();
    }

    /// Waits for a stdout line that `pred` accepts.
    fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(_) => {
                    let stderr = self.stderr_now();
                    panic!(
                        "{}: no line {what:?}; output so far:\n{}\nstderr: {stderr}",
                        self.name,
                        self.seen.join("\n"),
                    )
                }
            }
        }
    }

    fn stderr_now(&mut self) -> String {
        let _ = self.child.kill();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }

    /// Closes stdin and waits for the exit status and stderr.
    fn finish(mut self) -> (i32, String, Vec<String>) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{} did not exit", self.name);
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let rest: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(rest);
        (status.code().unwrap_or(-1), err, self.seen)
    }
}

/// Shape of a message line: `[hh:mm:ss] #room user: text`, with the message's
/// ` [#ID]` after a text (not after a file).
fn is_line(line: &str, rest: &str) -> bool {
    let line = match line.rsplit_once(" [#") {
        Some((head, id))
            if id.ends_with(']') && id[..id.len() - 1].bytes().all(|c| c.is_ascii_digit()) =>
        {
            head
        }
        _ => line,
    };
    let b = line.as_bytes();
    line.len() > 11
        && b[0] == b'['
        && b[3] == b':'
        && b[6] == b':'
        && b[9] == b']'
        && b[1..9].iter().filter(|c| c.is_ascii_digit()).count() == 6
        && line[10..] == format!(" {rest}")
}

/// The message id a text line ends with (` [#ID]`).
fn id_in(line: &str) -> i64 {
    let (_, tail) = line.rsplit_once(" [#").expect("a message id");
    tail.trim_end_matches(']').parse().expect("a numeric id")
}

fn json(line: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert!(v.is_object(), "{line}");
    v
}

fn kh(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clis_hold_a_conversation_from_piped_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let code = server.code().to_string();
    let alice_hosts = kh(dir.path(), "alice_known_hosts");
    let bob_hosts = kh(dir.path(), "bob_known_hosts");

    // The blocking pipe work runs off the async threads.
    tokio::task::spawn_blocking(move || {
        let mut alice = Cli::spawn(
            "alice",
            &[
                &addr,
                "--code",
                &code,
                "--user",
                "alice",
                "--register",
                "--password-stdin",
                "--known-hosts",
                &alice_hosts,
            ],
        );
        alice.say("alice-password");
        alice.expect("login", |l| l.contains("logged in as alice (owner)"));
        alice.say("/create fun");
        alice.expect("created", |l| l.contains("fun created"));
        alice.say("/join fun");
        alice.expect("entered", |l| l.contains("you are in #fun"));

        let mut bob = Cli::spawn(
            "bob",
            &[
                &addr,
                "--trust-new",
                "--user",
                "bob",
                "--register",
                "--password-stdin",
                "--json",
                "--known-hosts",
                &bob_hosts,
            ],
        );
        bob.say("bob-password");
        bob.expect("login reply", |l| {
            let v = json(l);
            v["type"] == "login" && v["status"] == "ok"
        });
        bob.say("/join fun");
        bob.expect("enter reply", |l| json(l)["type"] == "enter");
        alice.expect("bob joined", |l| l.ends_with("* bob joined #fun"));

        alice.say("hello bob");
        let echo = alice.expect("own echo", |l| is_line(l, "#fun alice: hello bob"));
        let hello = id_in(&echo);
        let m = bob.expect("alice's message", |l| json(l)["type"] == "msg");
        let m = json(&m);
        assert_eq!(m["data"]["text"], "hello bob");
        assert_eq!(m["data"]["from"], "alice");
        assert_eq!(m["status"], "ok");
        assert!(m["message"].is_null());

        bob.say("hi alice");
        alice.expect("bob's reply", |l| is_line(l, "#fun bob: hi alice"));
        bob.say("//slash is text");
        alice.expect("escaped slash", |l| is_line(l, "#fun bob: /slash is text"));

        bob.say("/request alice");
        alice.expect("private request", |l| {
            l.contains("bob asks for a private chat")
        });
        alice.say("/accept bob");
        bob.expect("private started", |l| json(l)["type"] == "private_started");
        bob.say("/msg alice just between us");
        alice.expect("private message", |l| {
            is_line(l, "(private) bob -> alice: just between us")
        });

        // Mentions, reactions, edits, search and deletion.
        bob.say("thanks @alice");
        let thanks = alice.expect("mention", |l| is_line(l, "#fun bob: thanks @alice"));
        let thanks = id_in(&thanks);
        alice.say(&format!("/react {thanks} 👍"));
        alice.expect("reaction ack", |l| {
            l.ends_with(&format!("* reactions on [#{thanks}]: 👍 alice"))
        });
        bob.expect("reactions push", |l| json(l)["type"] == "reactions");
        alice.say(&format!("/edit {hello} hello bob, edited"));
        alice.expect("edited line", |l| {
            is_line(l, "#fun alice: hello bob, edited (edited)")
        });
        bob.expect("edited push", |l| json(l)["type"] == "edited");
        alice.say("/search edit");
        alice.expect("search header", |l| {
            l.ends_with("* 1 message in #fun match \"edit\"")
        });
        alice.expect("search hit", |l| {
            is_line(l, "#fun alice: hello bob, edited (edited)")
        });
        // Alice owns the server, so she may delete bob's room message.
        alice.say(&format!("/delete {thanks}"));
        alice.expect("deleted", |l| {
            l.ends_with(&format!("* deleted [#{thanks}]"))
        });
        bob.expect("deleted push", |l| json(l)["type"] == "deleted");
        alice.say(&format!("/edit {thanks} mine now"));
        alice.expect("gone", |l| l.starts_with("! no such message"));
        alice.say(&format!("/react {thanks} lol"));
        alice.expect("not an emoji", |l| {
            l.starts_with("! a reaction must be exactly one emoji")
        });

        alice.say("/who");
        alice.expect("members", |l| {
            l.contains("in #fun (") && l.contains("alice") && l.contains("bob")
        });
        alice.say("/history 10");
        alice.expect("history header", |l| l.contains("earlier messages in #fun"));
        alice.expect("history line", |l| {
            is_line(l, "#fun alice: hello bob, edited (edited)")
        });
        alice.expect("deleted in history", |l| {
            is_line(l, "#fun bob: [message deleted]")
        });
        alice.say("/nonsense");
        alice.expect("usage error", |l| {
            l.starts_with("! unknown command /nonsense")
        });
        alice.say("/kick bob");
        alice.expect("kick usage", |l| l.starts_with("! usage: /kick"));

        // Unread counts while away, and a mention told right away.
        alice.say("/leave");
        alice.expect("back in the lobby", |l| l.ends_with("* back in the lobby"));
        bob.say("are you there @alice");
        alice.expect("mention notice", |l| {
            l.ends_with("* bob mentioned you in #fun")
        });
        alice.say("/rooms");
        let rooms = alice.expect("unread in /rooms", |l| {
            l.contains("#fun (bob) [1 unread, 1 mention]")
        });
        // bob's private message was shown, so it was marked read before the list
        assert!(!rooms.contains("private:"), "{rooms}");
        alice.say("/join fun");
        alice.expect("back in fun", |l| l.ends_with("* you are in #fun"));

        bob.say("/quit");
        let (code, err, bob_lines) = bob.finish();
        assert_eq!(code, 0, "bob quits cleanly; stderr: {err}");
        assert!(err.contains("trusted the new server"), "{err}");
        for line in &bob_lines {
            json(line);
        }
        assert!(
            bob_lines.iter().any(|l| json(l)["type"] == "logout"),
            "logout printed raw"
        );
        alice.expect("bob left", |l| l.ends_with("* bob left #fun"));

        // End of input is quitting too.
        let (code, err, _) = alice.finish();
        assert_eq!(code, 0, "stderr: {err}");
    })
    .await
    .unwrap();

    // What alice's terminal showed her is read on the server too.
    let trust = hearth_client::Trust::Code(server.code());
    let (again, _events) = hearth_client::Client::connect(&server.addr_text(), trust)
        .await
        .unwrap();
    let info = again
        .login("alice", &hearth_client::Secret::new("alice-password"))
        .await
        .unwrap();
    assert!(
        info.unread.iter().all(|c| c.with.is_none()),
        "{:?}",
        info.unread
    );

    // Joining with a code also remembered the key for next time.
    let hosts = hearth_client::KnownHosts::load(dir.path().join("alice_known_hosts")).unwrap();
    assert_eq!(hosts.get(&server.addr.into()), Some(server.fingerprint));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_failures_exit_non_zero_with_the_reason_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let code = server.code().to_string();
    let hosts = kh(dir.path(), "known_hosts");
    let fingerprint = server.fingerprint.to_hex();
    let (mut mitm, _) = Mitm::own_key().await;
    let mitm_addr = mitm.addr.to_string();

    let wrong = tokio::task::spawn_blocking(move || {
        // Unknown host without --trust-new: refused, the fingerprint shown.
        let cli = Cli::spawn(
            "unknown",
            &[
                &addr,
                "--user",
                "a",
                "--password-stdin",
                "--known-hosts",
                &hosts,
            ],
        );
        let (status, err, out) = cli.finish();
        assert_eq!(status, 1, "{err}");
        assert!(
            err.contains(&fingerprint) && err.contains("--trust-new"),
            "{err}"
        );
        assert!(out.is_empty(), "{out:?}");

        // The right code, but the impostor answers: refused before the password is read.
        let mut cli = Cli::spawn(
            "wrong",
            &[
                &mitm_addr,
                "--code",
                &code,
                "--user",
                "a",
                "--password-stdin",
                "--known-hosts",
                &hosts,
            ],
        );
        cli.say("secret-password");
        cli.say("hello");
        let (status, err, _) = cli.finish();
        assert_eq!(status, 1, "{err}");
        assert!(
            err.contains("this is not the host you were given the code for"),
            "{err}"
        );

        // Nonsense flags are a usage error.
        let cli = Cli::spawn("usage", &["nowhere", "--user", "a", "--code", "not-a-code"]);
        let (status, err, _) = cli.finish();
        assert_ne!(status, 0, "{err}");
        assert!(err.contains("--code"), "{err}");
    });
    let seen = mitm.next_seen().await;
    assert!(!seen.handshake_ok);
    assert!(seen.bytes.is_empty(), "the impostor got nothing");
    wrong.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_with_slash_file_is_saved_with_slash_save_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let code = server.code().to_string();
    let work = dir.path().to_owned();

    tokio::task::spawn_blocking(move || {
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let source = work.join("world backup.sav");
        std::fs::write(&source, &bytes).unwrap();
        let sha256 = hearth_client::sha256_hex(&bytes);
        let spawn = |name: &'static str| {
            let hosts = kh(&work, &format!("{name}_known_hosts"));
            let mut cli = Cli::spawn(
                name,
                &[
                    &addr,
                    "--code",
                    &code,
                    "--user",
                    name,
                    "--register",
                    "--password-stdin",
                    "--known-hosts",
                    &hosts,
                ],
            );
            cli.say(&format!("{name}-password"));
            cli.expect("login", |l| l.contains(&format!("logged in as {name}")));
            cli
        };
        let mut alice = spawn("alice");
        alice.say("/create lan");
        alice.expect("created", |l| l.contains("lan created"));
        alice.say("/join lan");
        alice.expect("entered", |l| l.contains("you are in #lan"));
        let mut bob = spawn("bob");
        bob.say("/join lan");
        bob.expect("entered", |l| l.contains("you are in #lan"));

        alice.say(&format!("/file {}", source.display()));
        let line = bob.expect("the file line", |l| {
            is_line(l, "#lan alice: [file 1] world backup.sav (293.0 KiB)") || l.contains("[file ")
        });
        assert!(
            line.ends_with("#lan alice: [file 1] world backup.sav (293.0 KiB)"),
            "{line}"
        );
        let saved = work.join("saved.sav");
        bob.say(&format!("/save 1 {}", saved.display()));
        let done = bob.expect("saved", |l| l.contains("* saved "));
        assert!(
            done.ends_with(&format!(
                "* saved {} (293.0 KiB) sha256 {sha256}",
                saved.display()
            )),
            "{done}"
        );
        assert_eq!(std::fs::read(&saved).unwrap(), bytes);

        // Without a path it keeps the file's name, in the current directory.
        bob.say("/save 99");
        bob.expect("no such file", |l| l.starts_with("! no file with id 99"));
        let (status, stderr, _) = bob.finish();
        assert_eq!(status, 0, "{stderr}");
        assert!(
            stderr.contains("saving"),
            "a progress line on stderr: {stderr}"
        );
        alice.finish();
    })
    .await
    .unwrap();
}

/// Everything a `hearth-cli` running on a terminal (a pseudo-terminal that
/// util-linux's `script` gives it) has written, stdout and stderr together.
struct OnTerminal {
    child: Child,
    stdin: ChildStdin,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl OnTerminal {
    fn spawn(args: &[&str]) -> OnTerminal {
        let quoted: Vec<String> = std::iter::once(CLI)
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect();
        let mut child = Command::new("script")
            .args(["-qfec", &quoted.join(" "), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux's `script` runs (package bsdutils)");
        let mut stdout = child.stdout.take().unwrap();
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        OnTerminal {
            stdin: child.stdin.take().unwrap(),
            child,
            output,
        }
    }

    fn say(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output so far satisfies `pred`.
    fn expect(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pred(&self.text()) {
            assert!(
                Instant::now() < deadline,
                "{what}: not on the terminal; it shows:\n{:?}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for OnTerminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_typing_is_a_status_line_that_goes_when_the_message_lands() {
    use hearth_client::{Client, Secret, Trust};
    use hearth_protocol::requests::Typing;

    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&dir.path().join("data"), "127.0.0.1:0").await;
    let addr = server.addr_text();
    let code = server.code().to_string();
    let bob_hosts = kh(dir.path(), "bob_known_hosts");

    let (alice, _events) = Client::connect_with(&addr, Trust::Code(server.code()), common::quick())
        .await
        .expect("alice connects");
    let pw = Secret::new("alice-password");
    alice.register("alice", &pw, None).await.unwrap();
    alice.login("alice", &pw).await.unwrap();
    alice.create("fun").await.unwrap();
    alice.enter("fun").await.unwrap();

    let (cli_addr, cli_code) = (addr.clone(), code.clone());
    let bob = tokio::task::spawn_blocking(move || {
        let mut bob = OnTerminal::spawn(&[
            &cli_addr,
            "--code",
            &cli_code,
            "--user",
            "bob",
            "--register",
            "--password-stdin",
            "--known-hosts",
            &bob_hosts,
        ]);
        bob.say("bob-password");
        bob.say("/join fun");
        bob.expect("bob in #fun", |t| t.contains("you are in #fun"));
        bob
    })
    .await
    .unwrap();

    alice
        .typing(Typing {
            room: Some("fun".into()),
            with: None,
        })
        .await
        .unwrap();
    let bob = tokio::task::spawn_blocking(move || {
        // Drawn in place (erase the line, write, no newline), not printed as a line.
        bob.expect("the status line", |t| {
            t.contains("\r\x1b[2K* alice is typing in #fun…")
        });
        assert!(
            !bob.text().contains("alice is typing in #fun…\r\n"),
            "typing must not be a line of its own on a terminal:\n{:?}",
            bob.text()
        );
        bob
    })
    .await
    .unwrap();

    alice.send_public("done typing").await.unwrap();
    tokio::task::spawn_blocking(move || {
        // The message wipes the status line and takes its place; nothing is drawn after it.
        bob.expect("alice's message", |t| t.contains("alice: done typing"));
        bob.expect("the status line gone", |t| {
            let after = &t[t.rfind("alice: done typing").unwrap()..];
            t.contains("\r\x1b[2K[") && !after.contains("is typing")
        });
    })
    .await
    .unwrap();
}
