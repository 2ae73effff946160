//! `hearth-server`: the headless Hearth chat server.
//!
//! ```text
//! hearth-server --listen 0.0.0.0:7878 --data-dir ./hearth-data [--owner NAME]
//!               [--name "LAN party"] [--no-announce]
//! ```
//! Prints `listening on ADDR:PORT`, `fingerprint SHA256:<hex>` and the join
//! code, then serves until Ctrl-C or SIGTERM, when it says goodbye to every
//! client, flushes and closes the database. While it serves it announces the
//! room on the LAN (mDNS and UDP beacons, `hearth-discovery`) unless told not to
//! or listening on loopback only.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use hearth_server::Config;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "hearth-server",
    version,
    about = "Hearth LAN chat server (TLS)"
)]
struct Args {
    /// Address and port to listen on; port 0 picks a free port.
    #[arg(long, default_value = "0.0.0.0:7878")]
    listen: SocketAddr,
    /// Directory for the database and the certificate (created on first start).
    #[arg(long)]
    data_dir: PathBuf,
    /// Account that becomes the owner (default: the first account registered).
    #[arg(long)]
    owner: Option<String>,
    /// Extra name or address for a newly generated certificate (repeatable).
    #[arg(long = "san")]
    sans: Vec<String>,
    /// Largest frame a client may send, in bytes.
    #[arg(long, default_value_t = hearth_protocol::frame::DEFAULT_MAX_CLIENT_FRAME)]
    max_frame: usize,
    /// Bytes that may wait to be sent to one client before it is cut off (it reads too slowly).
    #[arg(long, default_value_t = hearth_server::config::DEFAULT_QUEUE_BYTES)]
    max_queue_bytes: usize,
    /// Most connections at once.
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Messages a connection may send in a burst.
    #[arg(long, default_value_t = 20)]
    msg_burst: u32,
    /// Sustained messages per second per connection (0 = no limit, for load tests).
    #[arg(long, default_value_t = 5)]
    msg_rate: u32,
    /// Argon2id memory cost (KiB) for new password hashes.
    #[arg(long, default_value_t = 19 * 1024)]
    argon2_memory_kib: u32,
    /// Argon2id passes for new password hashes.
    #[arg(long, default_value_t = 2)]
    argon2_iterations: u32,
    /// Largest file a user may send, in MiB.
    #[arg(long, default_value_t = hearth_server::config::DEFAULT_MAX_FILE_BYTES >> 20)]
    max_file_mib: u64,
    /// MiB of sent files kept; past it the oldest files are evicted.
    #[arg(long, default_value_t = hearth_server::config::DEFAULT_FILES_QUOTA_BYTES >> 20)]
    files_quota_mib: u64,
    /// MiB one user may upload per hour.
    #[arg(long, default_value_t = hearth_server::config::DEFAULT_UPLOAD_BYTES_PER_HOUR >> 20)]
    upload_mib_per_hour: u64,
    /// While a room is busy, µs a batch of messages is held open for more, so they share
    /// each recipient's write (0: off).
    #[arg(long, default_value_t = hearth_server::config::DEFAULT_BATCH_LINGER.as_micros() as u64)]
    batch_linger_us: u64,
    /// The room name friends see in their Join list (default: this computer's name).
    #[arg(long)]
    name: Option<String>,
    /// Do not announce the room on the LAN (mDNS and UDP beacons).
    #[arg(long)]
    no_announce: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    limit_malloc_arenas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hearth_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    raise_fd_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Blocking work is SQLite (one connection) and rationed Argon2: a few
        // threads suffice, and each idle extra one costs a stack and an arena.
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let mut config = Config::new(&args.data_dir);
    config.owner = args.owner;
    config.extra_sans = args.sans;
    config.max_frame = args.max_frame;
    config.max_connections = args.max_connections;
    config.queue_bytes = args.max_queue_bytes;
    config.msg_burst = args.msg_burst;
    config.msg_rate = args.msg_rate;
    config.argon2_memory_kib = args.argon2_memory_kib;
    config.argon2_iterations = args.argon2_iterations;
    config.max_file_bytes = args.max_file_mib << 20;
    config.files_quota_bytes = args.files_quota_mib << 20;
    config.upload_bytes_per_hour = args.upload_mib_per_hour << 20;
    config.batch_linger = std::time::Duration::from_micros(args.batch_linger_us);

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let server = hearth_server::start(config, listener)
        .await
        .context("starting the server")?;
    // Whoever started us may have stopped reading stdout: that is no reason to stop serving.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", server.local_addr());
    let _ = writeln!(out, "fingerprint {}", server.fingerprint());
    let _ = writeln!(out, "join code {}", server.join_code());
    let _ = out.flush();
    drop(out);

    let _announcer = if args.no_announce || args.listen.ip().is_loopback() {
        None
    } else {
        let announcer = std::sync::Arc::new(announce(&server, args.name.as_deref())?);
        tokio::spawn(keep_count(announcer.clone(), server.stats()));
        Some(announcer)
    };

    let token = server.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("shutting down");
        token.cancel();
    });
    server
        .wait()
        .await
        .context("server stopped with an error")?;
    Ok(())
}

/// Starts announcing the room, and keeps its online count current until the server stops.
fn announce(
    server: &hearth_server::RunningServer,
    name: Option<&str>,
) -> anyhow::Result<hearth_discovery::Announcer> {
    let host = hearth_discovery::host_name();
    let beacon = hearth_discovery::Beacon::new(
        name.unwrap_or(&host),
        &host,
        server.local_addr().port(),
        server.join_code(),
        0,
    )
    .context("the room name (--name) must be 1 to 64 characters, without control characters")?;
    let announcer = hearth_discovery::Announcer::start(
        beacon,
        hearth_discovery::announce::AnnounceOptions::default(),
    )
    .context("announcing on the LAN (--no-announce turns it off)")?;
    let lan: Vec<String> = hearth_discovery::adapters::lan()
        .iter()
        .map(|a| a.label())
        .collect();
    eprintln!(
        "announcing \"{}\" on {}",
        announcer.beacon().name,
        if lan.is_empty() {
            "no LAN adapter yet".to_owned()
        } else {
            lan.join(", ")
        }
    );
    Ok(announcer)
}

/// Keeps the announced online count in step with the server's.
async fn keep_count(
    announcer: std::sync::Arc<hearth_discovery::Announcer>,
    mut stats: tokio::sync::watch::Receiver<hearth_server::Stats>,
) {
    loop {
        let online = u32::try_from(stats.borrow_and_update().online).unwrap_or(u32::MAX);
        announcer.set_online(online);
        if stats.changed().await.is_err() {
            return;
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Lifts the soft open-file limit to the hard limit so many clients fit.
fn raise_fd_limit() {
    #[cfg(unix)]
    {
        if let Ok((_, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE) {
            let _ = rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard);
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena (up to 8 per
/// core), and with thousands of connections the arenas' slack dominates the
/// server's memory. Two arenas measured the same speed and a third less
/// memory (docs/PERFORMANCE.md). glibc reads the setting only at start-up, so
/// the process re-executes itself once with it set, unless the user chose a value.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        const VAR: &str = "MALLOC_ARENA_MAX";
        if std::env::var_os(VAR).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(VAR, "2")
            .exec();
        // Only reached if exec failed: carry on with glibc's defaults.
        eprintln!("hearth-server: could not limit malloc arenas ({err}); continuing");
    }
}
