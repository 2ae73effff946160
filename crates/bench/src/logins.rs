//! `logins`: how fast accounts log in, and (with `--with-chat`) whether that
//! password work stalls chat going on at the same time. With `--tokens`, every
//! account first gets a login token for a device (as "remember me" does), and
//! the measured logins use the tokens: a crowd reconnecting after a Wi-Fi blip.
//!
//! Accounts are registered first. Then `--concurrency` workers take the next
//! account, connect (full TLS handshake), send `login`, wait for the reply and
//! close, until every account has logged in once. Login latency is from the
//! `login` request to its reply; connect latency (TCP + TLS) is shown apart.
//! With `--with-chat`, a separate room of `--chat-users` members chats at
//! `--chat-rate` messages per second (open loop) throughout, and only the
//! messages meant to be sent while logins run count toward its latency. The
//! chat runs on its own thread and runtime, so the load tool's own TLS
//! handshakes cannot delay it: what it measures is the server.

use std::sync::Mutex;

use crate::chat::Chat;
use crate::conn::Target;
use crate::report::Report;
use crate::setup::{self, Options};
use crate::stats::{now_us, Latencies, Meter};

/// Options of the `logins` scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginsArgs {
    /// Accounts to log in (each once).
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Logins in flight at once.
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Run a chat room at the same time and report its latency.
    #[arg(long)]
    pub with_chat: bool,
    /// Members of the chat room (all of them send).
    #[arg(long, default_value_t = 10)]
    pub chat_users: usize,
    /// Chat messages per second in total.
    #[arg(long, default_value_t = 200.0)]
    pub chat_rate: f64,
    /// Log in with device login tokens (issued before the measured phase)
    /// instead of passwords.
    #[arg(long)]
    pub tokens: bool,
}

#[derive(Default)]
struct Times {
    connect: Latencies,
    login: Latencies,
    total: Latencies,
}

/// Runs the scenario.
pub async fn run(target: &Target, opts: &Options, args: &LoginsArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.users >= 1, "--users must be at least 1");
    let id = setup::run_id();
    let names = setup::user_names(&id, 'l', args.users);
    setup::register_all(target, &names, opts.register_concurrency).await?;
    let tokens = if args.tokens {
        Some(setup::issue_tokens(target, &names, opts.register_concurrency).await?)
    } else {
        None
    };
    let tokens = std::sync::Arc::new(tokens);

    let chat = if args.with_chat {
        Some(Chat::start(target, opts, &id, args.chat_users, args.chat_rate).await?)
    } else {
        None
    };

    let times = std::sync::Arc::new(Mutex::new(Times::default()));
    let meter = Meter::start(opts.server_pid);
    let started = now_us();
    let result = setup::bounded(names.len(), args.concurrency, |i| {
        let target = target.clone();
        let name = names[i].clone();
        let times = times.clone();
        let token = tokens.as_ref().as_ref().map(|t| t[i].clone());
        async move {
            let t0 = now_us();
            let mut conn = target.connect().await?;
            let t1 = now_us();
            match token {
                Some(token) => setup::login_token(&mut conn, &name, token).await?,
                None => setup::login(&mut conn, &name, &target.password).await?,
            }
            let t2 = now_us();
            {
                let mut t = times.lock().unwrap_or_else(|e| e.into_inner());
                t.connect.record(t1 - t0);
                t.login.record(t2 - t1);
                t.total.record(t2 - t0);
            }
            conn.close().await;
            Ok(())
        }
    })
    .await;
    let logins_s = (now_us() - started) as f64 / 1e6;
    let metered = meter.read();

    let chat_outcome = match chat {
        Some(chat) => Some(chat.finish().await?),
        None => None,
    };
    result?;

    let times = std::mem::take(&mut *times.lock().unwrap_or_else(|e| e.into_inner()));
    let mut report = Report::new("logins");
    report.param("users", args.users);
    report.param("concurrency", args.concurrency);
    report.param("with_chat", args.with_chat);
    report.param("tokens", args.tokens);
    report.metered(metered);
    report.latency_us = times.login.summary();
    report.metric("logins_per_s", args.users as f64 / logins_s);
    report.metric("connect_latency_us", times.connect.summary());
    report.metric("connect_and_login_latency_us", times.total.summary());
    if let Some(chat) = chat_outcome {
        report.param("chat_users", args.chat_users);
        report.param("chat_rate", args.chat_rate);
        report.deliveries_per_s = chat.deliveries_per_s();
        report.metric("chat_latency_us", chat.latency.summary());
        report.metric("chat_send_lag_us", chat.send_lag.summary());
        report.metric("chat_latency_from_write_us", chat.from_write.summary());
        report.problems = chat.problems;
    }
    Ok(report)
}
