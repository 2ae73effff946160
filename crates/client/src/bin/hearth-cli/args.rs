//! Command-line flags.

use std::path::PathBuf;

use clap::Parser;

/// Terminal client for Hearth chat servers.
///
/// Reads lines from stdin: plain text is a message to the current room;
/// `/help` lists the commands. End of input quits.
#[derive(Debug, Parser)]
#[command(name = "hearth-cli", version)]
pub struct Args {
    /// The server: HOST:PORT (IPv6 in brackets), or a hearth://HOST:PORT/CODE join link.
    pub server: String,
    /// The join code the server's owner gave you (pins the server's key).
    #[arg(long, conflicts_with = "trust_new")]
    pub code: Option<String>,
    /// Trust a server not yet in the known-hosts file and save its key.
    #[arg(long)]
    pub trust_new: bool,
    /// Your user name.
    #[arg(long)]
    pub user: String,
    /// Create the account first.
    #[arg(long)]
    pub register: bool,
    /// Read the password from the first line of stdin instead of the terminal.
    #[arg(long)]
    pub password_stdin: bool,
    /// Print every reply and push as one JSON object per line, exactly as received.
    #[arg(long)]
    pub json: bool,
    /// Known-hosts file (default: hearth/known_hosts in your config directory).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
}
