//! `hearth-bench`: a load tool for Hearth servers, and the pieces the
//! criterion micro-benchmarks share with it.
//!
//! It speaks the wire protocol with nothing but `register`, `login`, `create`,
//! `enter`, `msg` and `ping`, so it can load any server with that message set
//! (the original Python one included). It only ever dials loopback addresses,
//! and every run ends by itself (`--timeout`).
//!
//! Code map:
//! - [`conn`]: the loopback-only [`conn::Target`], one TLS connection
//!   ([`conn::Conn`]) with request/reply for setting up, and the raw frame
//!   loop the scenarios read with.
//! - [`tls`]: rustls client config (ring): `--insecure`, or `--code` pinning
//!   the server key to a join code while still checking signatures.
//! - [`probe`]: the timestamp carried in each benchmark message's text and the
//!   cheap scanner that finds it in a `msg` push without parsing the JSON.
//! - [`setup`]: unique user names, bounded-concurrency registration and login,
//!   rooms.
//! - [`room`]: the fan-out engine: members reading, senders pacing (open loop
//!   with `--rate`, or a bounded in-flight window at max rate).
//! - [`fanout`], [`logins`], [`idle`]: one module per scenario.
//! - [`stats`]: the clock, latency histograms, CPU time (getrusage) and server
//!   RSS from `/proc`.
//! - [`report`]: the result, as a human table and as JSON.

pub mod conn;
pub mod fanout;
pub mod idle;
pub mod logins;
pub mod probe;
pub mod report;
pub mod room;
pub mod setup;
pub mod stats;
pub mod tls;
