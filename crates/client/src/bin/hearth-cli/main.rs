//! `hearth-cli`: a terminal client for Hearth, for people without a desktop
//! and for scripts.
//!
//! Layout: `args` (flags), `command` (what a line of input means), `print`
//! (how events look), `session` (the loop that ties stdin, the client and
//! stdout together), `status` (the typing status line on a terminal). Exit
//! status: 0 after `/quit` or end of input, 1 when the connection, the
//! server's key, or the login fails (reason on stderr), 2 for bad flags.

mod args;
mod command;
mod discover;
mod print;
mod session;
mod status;
mod unread;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The local offset can only be read safely while this is the only thread.
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let args = args::Args::parse();
    if args.discover {
        return discover::run(std::time::Duration::from_secs_f64(
            args.timeout.clamp(0.1, 3600.0),
        ));
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HEARTH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hearth-cli: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(session::run(
        args,
        print::Format {
            offset,
            highlight: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        },
    )) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hearth-cli: {e:#}");
            ExitCode::FAILURE
        }
    }
}
