//! `files`: how fast one file goes up to the host and comes back down on
//! loopback, and whether several people downloading it at once stall chat.
//!
//! 1. One user uploads a `--size-mib` file (Hearth's client's window of
//!    `upload_chunk`s in flight): upload MB/s, until the host confirmed
//!    the last byte (hash checked, stored).
//! 2. One user downloads it (the client's window of `download`s): download MB/s, and
//!    the bytes' SHA-256 is checked.
//! 3. A room of `--chat-users` chats at `--chat-rate` messages per second while
//!    `--downloaders` users download the file at once; only chat messages sent
//!    while the downloads run count toward its latency.

use std::collections::VecDeque;
use std::sync::Arc;

use anyhow::{bail, Context};
use hearth_protocol::files::{Base64, DOWNLOAD_WINDOW, UPLOAD_CHUNK_BYTES, UPLOAD_WINDOW};
use hearth_protocol::requests::{Download, FileChunk, Upload, UploadChunk, UploadProgress};
use sha2::{Digest, Sha256};

use crate::chat::Chat;
use crate::conn::{Conn, Target};
use crate::report::Report;
use crate::setup::{self, Options};
use crate::stats::{now_us, Meter};

/// Options of the `files` scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct FilesArgs {
    /// Size of the file, in MiB (the host's default cap is 100).
    #[arg(long, default_value_t = 100)]
    pub size_mib: u64,
    /// Users downloading the file at once while the room chats.
    #[arg(long, default_value_t = 5)]
    pub downloaders: usize,
    /// Members of the chat room (all of them send).
    #[arg(long, default_value_t = 20)]
    pub chat_users: usize,
    /// Chat messages per second in total.
    #[arg(long, default_value_t = 20.0)]
    pub chat_rate: f64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes that do not compress and do not repeat in short cycles.
fn payload(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn mb_per_s(bytes: usize, us: u64) -> f64 {
    bytes as f64 / 1e6 / (us.max(1) as f64 / 1e6)
}

/// Runs the scenario.
pub async fn run(target: &Target, opts: &Options, args: &FilesArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.downloaders >= 1, "--downloaders must be at least 1");
    let id = setup::run_id();
    let names = setup::user_names(&id, 'f', 1 + args.downloaders);
    setup::register_all(target, &names, opts.register_concurrency).await?;
    let room = format!("files-{id}");
    let mut uploader = target.connect().await?;
    setup::login(&mut uploader, &names[0], &target.password).await?;
    setup::create_room(&mut uploader, &room).await?;
    setup::enter_room(&mut uploader, &room).await?;
    let data = Arc::new(payload((args.size_mib as usize) << 20));
    let sha256 = hex(&Sha256::digest(&data[..]));

    let meter = Meter::start(opts.server_pid);
    let started = now_us();
    upload(&mut uploader, &data, &sha256).await?;
    let upload_us = now_us() - started;
    let message_id = file_message(&mut uploader).await?;

    let mut downloaders = Vec::new();
    for name in &names[1..] {
        let mut conn = target.connect().await?;
        setup::login(&mut conn, name, &target.password).await?;
        downloaders.push(conn);
    }
    let started = now_us();
    let got = download(&mut downloaders[0], message_id).await?;
    let download_us = now_us() - started;
    if hex(&Sha256::digest(&got)) != sha256 {
        bail!("the downloaded bytes do not match the upload's SHA-256");
    }
    drop(got);

    let chat = Chat::start(target, opts, &id, args.chat_users, args.chat_rate).await?;
    let started = now_us();
    let tasks: Vec<_> = downloaders
        .into_iter()
        .map(|mut conn| {
            let sha256 = sha256.clone();
            tokio::spawn(async move {
                let got = download(&mut conn, message_id).await?;
                anyhow::ensure!(hex(&Sha256::digest(&got)) == sha256, "bytes differ");
                Ok::<usize, anyhow::Error>(got.len())
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.context("download task")??;
    }
    let parallel_us = now_us() - started;
    let chat = chat.finish().await?;
    let metered = meter.read();

    let mut report = Report::new("files");
    report.param("size_mib", args.size_mib);
    report.param("downloaders", args.downloaders);
    report.param("chat_users", args.chat_users);
    report.param("chat_rate", args.chat_rate);
    report.metered(metered);
    report.latency_us = chat.latency.summary();
    report.deliveries_per_s = chat.deliveries_per_s();
    report.metric("upload_mb_per_s", mb_per_s(data.len(), upload_us));
    report.metric("download_mb_per_s", mb_per_s(data.len(), download_us));
    report.metric(
        "parallel_downloads_mb_per_s_total",
        mb_per_s(total, parallel_us),
    );
    report.metric("chat_latency_us", chat.latency.summary());
    report.metric("chat_send_lag_us", chat.send_lag.summary());
    report.problems = chat.problems;
    Ok(report)
}

/// Uploads `data` to the current room with a window of chunks in flight.
async fn upload(conn: &mut Conn, data: &[u8], sha256: &str) -> anyhow::Result<()> {
    let start = conn
        .request(&Upload {
            to: hearth_protocol::PUBLIC.into(),
            name: "bench.bin".into(),
            size: data.len() as u64,
            sha256: sha256.into(),
        })
        .await?;
    let start: UploadProgress = start.data_as().context("upload reply")?;
    let mut next = start.received as usize;
    let mut in_flight = 0;
    loop {
        while in_flight < UPLOAD_WINDOW && next < data.len() {
            let end = (next + UPLOAD_CHUNK_BYTES).min(data.len());
            let chunk = UploadChunk {
                upload: start.upload.clone(),
                offset: next as u64,
                data: Base64(data[next..end].to_vec()),
            };
            conn.send(&chunk).await.context("sending a chunk")?;
            next = end;
            in_flight += 1;
        }
        let reply = conn.reply_of("upload_chunk").await?;
        in_flight -= 1;
        if !reply.is_ok() {
            bail!("chunk refused: {}", reply.message.as_deref().unwrap_or(""));
        }
        let progress: UploadProgress = reply.data_as().context("upload_chunk reply")?;
        if progress.complete {
            return Ok(());
        }
    }
}

/// Waits for the file's own `msg` push and returns its id.
async fn file_message(conn: &mut Conn) -> anyhow::Result<i64> {
    let push = conn.reply_of("msg").await?;
    let message: hearth_protocol::ChatMessage = push.data_as().context("msg push")?;
    anyhow::ensure!(message.file.is_some(), "the msg push carries no file");
    Ok(message.id)
}

/// Downloads the file of message `id` with a window of requests in flight.
async fn download(conn: &mut Conn, id: i64) -> anyhow::Result<Vec<u8>> {
    let ask = |offset: u64| Download {
        id,
        offset,
        length: None,
        thumbnail: false,
    };
    let first: FileChunk = conn.request(&ask(0)).await?.data_as()?;
    let size = first.size;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(&first.data.0);
    let step = first.data.0.len().max(1) as u64;
    let mut next = out.len() as u64;
    let mut in_flight = VecDeque::new();
    while (out.len() as u64) < size {
        while in_flight.len() < DOWNLOAD_WINDOW && next < size {
            conn.send(&ask(next)).await.context("sending a download")?;
            in_flight.push_back(next);
            next += step;
        }
        let reply = conn.reply_of("download").await?;
        if !reply.is_ok() {
            bail!(
                "download refused: {}",
                reply.message.as_deref().unwrap_or("")
            );
        }
        let chunk: FileChunk = reply.data_as()?;
        anyhow::ensure!(
            in_flight.pop_front() == Some(chunk.offset) && chunk.offset == out.len() as u64,
            "chunks out of order"
        );
        out.extend_from_slice(&chunk.data.0);
    }
    conn.shrink();
    Ok(out)
}
