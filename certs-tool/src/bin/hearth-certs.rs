//! `hearth-certs`: create and inspect Hearth server certificates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use hearth_certs::{CertInfo, JoinCode, CERT_FILE_NAME, KEY_FILE_NAME};

/// Create and inspect self-signed certificates for Hearth servers.
#[derive(Parser, Debug)]
#[command(name = "hearth-certs", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a new key and self-signed certificate (cert.pem, key.pem).
    Generate {
        /// Directory to write cert.pem and key.pem into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Extra DNS name or IP address to include, besides localhost and
        /// every local interface address. May be repeated.
        #[arg(long = "san", value_name = "NAME_OR_IP")]
        sans: Vec<String>,
        /// Replace existing cert.pem / key.pem.
        #[arg(long)]
        force: bool,
    },
    /// Print the subject, names, validity, fingerprint and join code of a certificate.
    Show {
        /// PEM file holding the certificate (the first one is shown).
        file: PathBuf,
    },
    /// Print only the join code of a certificate (`XXXX-XXXX-XXXX-XXXX`).
    Code {
        /// PEM file holding the certificate.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hearth-certs: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate { out, sans, force } => generate(&out, &sans, force),
        Command::Show { file } => {
            print_info(&inspect(&file)?);
            Ok(())
        }
        Command::Code { file } => {
            println!("{}", inspect(&file)?.join_code);
            Ok(())
        }
    }
}

fn inspect(file: &Path) -> Result<CertInfo> {
    Ok(hearth_certs::inspect_pem_file(file)?)
}

fn generate(out: &Path, extra_sans: &[String], force: bool) -> Result<()> {
    let cert_path = out.join(CERT_FILE_NAME);
    let key_path = out.join(KEY_FILE_NAME);
    if !force {
        for path in [&cert_path, &key_path] {
            let exists = path
                .try_exists()
                .with_context(|| format!("cannot check {}", path.display()))?;
            if exists {
                bail!(
                    "{} already exists; pass --force to replace it (this changes the server's fingerprint)",
                    path.display()
                );
            }
        }
    }

    let sans = hearth_certs::default_sans(extra_sans);
    let generated = hearth_certs::generate(&sans)?;
    hearth_certs::write_pair(out, &generated)?;

    println!("certificate {}", cert_path.display());
    println!("private key {}", key_path.display());
    for san in &sans {
        println!("san {san}");
    }
    println!("fingerprint {}", generated.fingerprint);
    println!(
        "join code {}",
        JoinCode::from_fingerprint(&generated.fingerprint)
    );
    Ok(())
}

fn print_info(info: &CertInfo) {
    println!("subject {}", info.subject);
    for san in &info.sans {
        println!("san {san}");
    }
    println!("not before {}", info.not_before);
    println!("not after {}", info.not_after);
    println!("fingerprint {}", info.fingerprint);
    println!("join code {}", info.join_code);
}
