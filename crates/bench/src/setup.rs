//! Getting users ready: unique names, registration and login with bounded
//! concurrency, and rooms.
//!
//! Registration costs the server one Argon2id hash per account and the
//! server rations hashing to half its cores, so registering thousands of
//! users takes minutes at the default cost. Start the server with cheap
//! hashes for big runs (`--argon2-memory-kib 64 --argon2-iterations 1`).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use hearth_protocol::requests::{Create, Enter, Login, Register};
use hearth_protocol::Secret;
use rand::Rng;
use tokio::sync::Semaphore;

use crate::conn::{Conn, Target};

/// Settings every scenario shares.
#[derive(Debug, Clone)]
pub struct Options {
    /// Registrations in flight at once.
    pub register_concurrency: usize,
    /// The server's process id, for its RSS and CPU time.
    pub server_pid: Option<u32>,
}

/// A random suffix, so that every run makes fresh accounts and rooms.
pub fn run_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// `count` user names for run `id` with a `tag` (one letter): `b<id><tag><i>`.
pub fn user_names(id: &str, tag: char, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("b{id}{tag}{i}")).collect()
}

/// Runs `work(i)` for `0..count` with at most `concurrency` at a time and
/// returns the results in order, or the first error (without starting more).
pub async fn bounded<T, F, Fut>(count: usize, concurrency: usize, work: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let mut settle = |done: Result<(usize, anyhow::Result<T>), tokio::task::JoinError>| {
        let (i, out) = done.context("setup task panicked")?;
        slots[i] = Some(out?);
        anyhow::Ok(())
    };
    for i in 0..count {
        // The semaphore is never closed.
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        let fut = work(i);
        tasks.spawn(async move {
            let out = fut.await;
            drop(permit);
            (i, out)
        });
        while let Some(done) = tasks.try_join_next() {
            settle(done)?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        settle(done)?;
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.with_context(|| format!("setup item {i} produced nothing")))
        .collect()
}

/// Registers `names` on separate connections, `concurrency` at a time.
pub async fn register_all(
    target: &Target,
    names: &[String],
    concurrency: usize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    bounded(names.len(), concurrency, |i| {
        let target = target.clone();
        let name = names[i].clone();
        async move {
            let mut conn = target.connect().await?;
            register(&mut conn, &name, &target.password).await?;
            conn.close().await;
            Ok(())
        }
    })
    .await?;
    eprintln!(
        "registered {} users in {:.1} s",
        names.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Sends `register` on an open connection.
pub async fn register(conn: &mut Conn, name: &str, password: &str) -> anyhow::Result<()> {
    conn.request(&Register {
        username: name.to_owned(),
        password: Secret::new(password),
        color: None,
    })
    .await
    .with_context(|| format!("registering {name}"))?;
    Ok(())
}

/// Sends `login` on an open connection.
pub async fn login(conn: &mut Conn, name: &str, password: &str) -> anyhow::Result<()> {
    conn.request(&Login {
        username: name.to_owned(),
        password: Some(Secret::new(password)),
        token: None,
        device: None,
    })
    .await
    .with_context(|| format!("logging in {name}"))?;
    Ok(())
}

/// Sends `login` with a device login token on an open connection.
pub async fn login_token(conn: &mut Conn, name: &str, token: Secret) -> anyhow::Result<()> {
    conn.request(&Login {
        username: name.to_owned(),
        password: None,
        token: Some(token),
        device: None,
    })
    .await
    .with_context(|| format!("logging {name} in with a token"))?;
    Ok(())
}

/// Logs every account in once with its password and a device name, and returns
/// the login tokens issued, in order.
pub async fn issue_tokens(
    target: &Target,
    names: &[String],
    concurrency: usize,
) -> anyhow::Result<Vec<Secret>> {
    let started = Instant::now();
    let tokens = bounded(names.len(), concurrency, |i| {
        let target = target.clone();
        let name = names[i].clone();
        async move {
            let mut conn = target.connect().await?;
            let reply = conn
                .request(&Login {
                    username: name.clone(),
                    password: Some(Secret::new(target.password.as_str())),
                    token: None,
                    device: Some("hearth-bench".to_owned()),
                })
                .await
                .with_context(|| format!("logging {name} in for a token"))?;
            conn.close().await;
            let logged_in: hearth_protocol::requests::LoggedIn = reply.data_as()?;
            logged_in
                .token
                .with_context(|| format!("the server issued {name} no token"))
        }
    })
    .await?;
    eprintln!(
        "issued {} login tokens in {:.1} s",
        names.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(tokens)
}

/// Creates a room (from the lobby).
pub async fn create_room(conn: &mut Conn, room: &str) -> anyhow::Result<()> {
    conn.request(&Create {
        room: room.to_owned(),
    })
    .await
    .with_context(|| format!("creating room {room}"))?;
    Ok(())
}

/// Enters a room (from the lobby).
pub async fn enter_room(conn: &mut Conn, room: &str) -> anyhow::Result<()> {
    conn.request(&Enter {
        room: room.to_owned(),
    })
    .await
    .with_context(|| format!("entering room {room}"))?;
    Ok(())
}

/// Connects, optionally registers, logs in and enters `room(i)` for every
/// user, `concurrency` at a time; returns the open connections in order.
/// Rooms must exist already. Nobody stays in the lobby longer than it takes
/// to enter, which keeps the lobby's presence pushes small.
pub async fn join_all<R>(
    target: &Target,
    names: &[String],
    register_first: bool,
    concurrency: usize,
    room: R,
) -> anyhow::Result<Vec<Conn>>
where
    R: Fn(usize) -> String,
{
    let started = Instant::now();
    let conns = bounded(names.len(), concurrency, |i| {
        let target = target.clone();
        let name = names[i].clone();
        let room = room(i);
        async move {
            let mut conn = target.connect().await?;
            if register_first {
                register(&mut conn, &name, &target.password).await?;
            }
            login(&mut conn, &name, &target.password).await?;
            enter_room(&mut conn, &room).await?;
            conn.shrink();
            Ok(conn)
        }
    })
    .await?;
    eprintln!(
        "{} users {}logged in and in their rooms after {:.1} s",
        names.len(),
        if register_first { "registered, " } else { "" },
        started.elapsed().as_secs_f64()
    );
    Ok(conns)
}
