//! `hearth-bench`: load a Hearth server on this machine and report numbers.
//!
//! ```text
//! hearth-bench --addr 127.0.0.1:7878 --insecure fanout --users 100 --senders 1 --messages 200000
//! hearth-bench --addr 127.0.0.1:7878 --code XXXX-XXXX-XXXX-XXXX logins --users 100 --concurrency 100 --with-chat
//! hearth-bench --addr 127.0.0.1:7878 --insecure --server-pid 1234 idle --connections 10000
//! hearth-bench floor --users 100 --rate 2000 --per-write 1
//! ```
//! Prints a table, writes `--json FILE` if asked, and exits 0 only when the
//! run completed without problems. Every run ends within `--timeout` seconds.
//!
//! Apart from `files` (and `floor`, which talks to no server), it speaks the
//! wire protocol with nothing but `register`, `login`, `create`, `enter`,
//! `msg` and `ping`, so it can load any server with that message set (the
//! original Python one included). It only ever dials loopback addresses.
//!
//! Code map:
//! - `conn`: the loopback-only [`conn::Target`], one TLS connection
//!   ([`conn::Conn`]) with request/reply for setting up, and the raw frame
//!   loop the scenarios read with.
//! - `tls`: rustls client config (ring): `--insecure`, or `--code` pinning
//!   the server key to a join code while still checking signatures.
//! - `hearth_bench::probe` (the library): the timestamp carried in each
//!   benchmark message's text and the cheap scanner that finds it.
//! - `setup`: unique user names, bounded-concurrency registration and login,
//!   rooms.
//! - `room`: the fan-out engine: members reading, senders pacing (open loop
//!   with `--rate`, or a bounded in-flight window at max rate).
//! - `chat`: a chat room measured while another load runs.
//! - `fanout`, `logins`, `idle`, `files`: one module per scenario.
//! - `floor`: no server: the kernel's cost per `write` of a fan-out over
//!   loopback, the least any server pays for one write per delivery.
//! - `stats`: the clock, latency histograms, CPU time (getrusage) and server
//!   RSS from `/proc`.
//! - `report`: the result, as a human table and as JSON.

mod chat;
mod conn;
mod fanout;
mod files;
mod floor;
mod idle;
mod logins;
mod report;
mod room;
mod setup;
mod stats;
mod tls;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use conn::Target;
use fanout::FanoutArgs;
use files::FilesArgs;
use floor::FloorArgs;
use hearth_certs::JoinCode;
use idle::IdleArgs;
use logins::LoginsArgs;
use report::Report;
use setup::Options;
use tls::Trust;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "hearth-bench",
    version,
    about = "Load tool for Hearth servers on this machine (loopback only)",
    after_help = "Registration costs one Argon2id hash per user: for big runs start the server with \
                  --argon2-memory-kib 64 --argon2-iterations 1, and with --msg-rate 0 so flood control \
                  does not refuse benchmark messages."
)]
struct Cli {
    /// Server address (loopback only), e.g. 127.0.0.1:7878.
    #[arg(long, global = true, default_value = "127.0.0.1:7878")]
    addr: String,
    /// Accept any server key (signatures are still verified).
    #[arg(long, global = true)]
    insecure: bool,
    /// Join code the server's key must match.
    #[arg(long, global = true, conflicts_with = "insecure")]
    code: Option<String>,
    /// Also write the results as JSON to this file.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    /// Hard limit for the whole run, in seconds.
    #[arg(long, global = true, default_value_t = 600)]
    timeout: u64,
    /// Registrations in flight at once.
    #[arg(long, global = true, default_value_t = 4)]
    register_concurrency: usize,
    /// The server's process id: report its CPU time (and RSS for `idle`).
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// Async worker threads of the load tool.
    #[arg(long, global = true, default_value_t = 2)]
    threads: usize,
    #[command(subcommand)]
    scenario: Scenario,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
enum Scenario {
    /// N users in one room, S of them sending: deliveries/s and latency.
    Fanout(FanoutArgs),
    /// Login throughput and latency, optionally with a chat room running.
    Logins(LoginsArgs),
    /// N logged-in idle connections: server RSS per connection.
    Idle(IdleArgs),
    /// Upload and download throughput of one file, and chat latency while
    /// several users download it.
    Files(FilesArgs),
    /// No server: writes blocks to loopback connections as an open-loop
    /// fan-out would and reports the kernel's CPU per write (the floor under
    /// `fanout`'s server CPU per delivery) and the latency it adds.
    Floor(FloorArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match run(&cli) {
        Ok(report) => {
            print!("{}", report.table());
            if report.problems.is_empty() {
                0
            } else {
                1
            }
        }
        Err(e) => {
            eprintln!("hearth-bench: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

/// The server to load, from `--addr` and `--code` or `--insecure` (every
/// scenario but `floor`, which talks to no server).
fn target(cli: &Cli) -> anyhow::Result<Target> {
    let trust = match (&cli.code, cli.insecure) {
        (Some(code), _) => Trust::Code(JoinCode::parse(code).context("--code")?),
        (None, true) => Trust::Insecure,
        (None, false) => bail!("give --code CODE (the server's join code) or --insecure"),
    };
    Target::new(&cli.addr, trust)
}

fn run(cli: &Cli) -> anyhow::Result<Report> {
    let opts = Options {
        register_concurrency: cli.register_concurrency,
        server_pid: cli.server_pid,
    };
    // Best effort: the idle scenario checks that its own need is met.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let limit = Duration::from_secs(cli.timeout);
    let result = runtime.block_on(async {
        let scenario = async {
            match &cli.scenario {
                Scenario::Fanout(args) => fanout::run(&target(cli)?, &opts, args).await,
                Scenario::Logins(args) => logins::run(&target(cli)?, &opts, args).await,
                Scenario::Idle(args) => idle::run(&target(cli)?, &opts, args).await,
                Scenario::Files(args) => files::run(&target(cli)?, &opts, args).await,
                Scenario::Floor(args) => {
                    if cli.code.is_some() || cli.insecure || cli.server_pid.is_some() {
                        bail!("floor talks to no server: --code, --insecure and --server-pid do not apply");
                    }
                    floor::run(args).await
                }
            }
        };
        match tokio::time::timeout(limit, scenario).await {
            Ok(r) => r,
            Err(_) => bail!("run stopped after --timeout {} s", cli.timeout),
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    let report = result?;
    if let Some(path) = &cli.json {
        report.write_json(path)?;
    }
    Ok(report)
}
