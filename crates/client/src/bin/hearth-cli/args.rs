//! Command-line flags.

use std::path::PathBuf;

use clap::Parser;

/// Terminal client for Hearth chat servers.
///
/// Reads lines from stdin: plain text is a message to the current room;
/// `/help` lists the commands. End of input quits.
///
/// `hearth-cli --discover` instead lists the hosts announcing on the LAN, one
/// `NAME ADDR:PORT CODE` line each.
#[derive(Debug, Parser)]
#[command(name = "hearth-cli", version)]
pub struct Args {
    /// The server: HOST:PORT (IPv6 in brackets), or a hearth://HOST:PORT/CODE join link.
    #[arg(required_unless_present = "discover")]
    pub server: Option<String>,
    /// The join code the server's owner gave you (pins the server's key).
    #[arg(long, conflicts_with = "trust_new")]
    pub code: Option<String>,
    /// Trust a server not yet in the known-hosts file and save its key.
    #[arg(long)]
    pub trust_new: bool,
    /// Your user name.
    #[arg(long, required_unless_present = "discover")]
    pub user: Option<String>,
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
    /// List the Hearth hosts on the LAN (mDNS and UDP beacons) and exit: 0 if any was
    /// found, 1 if none (with the interfaces searched on stderr).
    #[arg(long, conflicts_with_all = ["server", "user", "code", "trust_new", "register"])]
    pub discover: bool,
    /// How long --discover listens, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 3.0,
        requires = "discover"
    )]
    pub timeout: f64,
}
