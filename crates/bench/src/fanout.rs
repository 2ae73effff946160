//! `fanout`: N users in one room, S of them sending; deliveries per second
//! (a message seen by N−1 recipients counts N−1) and end-to-end latency.

use std::time::Duration;

use crate::conn::Target;
use crate::report::Report;
use crate::room::{self, Plan};
use crate::setup::{self, Options};
use crate::stats::Meter;

/// Options of the `fanout` scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct FanoutArgs {
    /// Users in the room.
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// How many of them send (messages are spread evenly).
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Messages to send in total, across all senders.
    #[arg(long, default_value_t = 100_000)]
    pub messages: u64,
    /// Total messages per second across all senders (open loop); max rate if absent.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Most messages in flight (sent but not yet seen by every member).
    #[arg(long, default_value_t = 2048)]
    pub window: u64,
    /// Pad message texts to at least this many bytes.
    #[arg(long, default_value_t = 0)]
    pub text_len: usize,
    /// Logins and room entries in flight while setting up.
    #[arg(long, default_value_t = 16)]
    pub join_concurrency: usize,
    /// Longest wait for the last deliveries after the last send, seconds.
    #[arg(long, default_value_t = 30)]
    pub drain_timeout: u64,
}

/// Runs the scenario.
pub async fn run(target: &Target, opts: &Options, args: &FanoutArgs) -> anyhow::Result<Report> {
    let id = setup::run_id();
    let plan = Plan {
        users: args.users,
        senders: args.senders,
        messages: Some(args.messages),
        rate: args.rate,
        window: args.window,
        text_len: args.text_len,
        join_concurrency: args.join_concurrency,
    };
    let prepared = room::prepare(target, opts, &id, 'f', plan).await?;
    let mut running = prepared.start().await;
    let meter = Meter::start(opts.server_pid);
    running.senders_done().await;
    running.drain(Duration::from_secs(args.drain_timeout)).await;
    let outcome = running.finish().await;
    let metered = meter.read();

    let mut report = Report::new("fanout");
    report.param("users", args.users);
    report.param("senders", args.senders);
    report.param("messages", args.messages);
    report.param(
        "rate",
        args.rate
            .map_or_else(|| "max".into(), serde_json::Value::from),
    );
    report.param("window", args.window);
    report.deliveries_per_s = outcome.deliveries_per_s();
    report.latency_us = outcome.latency.summary();
    report.metered(metered);
    report.metric("messages_sent", outcome.sent);
    report.metric("deliveries", outcome.deliveries);
    report.metric("expected_deliveries", outcome.expected_deliveries);
    report.metric(
        "lost_deliveries",
        outcome
            .expected_deliveries
            .saturating_sub(outcome.deliveries),
    );
    if outcome.refused > 0 {
        report.metric("refused", outcome.refused);
    }
    let span = outcome
        .last_delivery_us
        .saturating_sub(outcome.first_send_us) as f64
        / 1e6;
    report.metric("send_to_last_delivery_s", span);
    if span > 0.0 {
        report.metric(
            "messages_per_s",
            (outcome.sent - outcome.refused) as f64 / span,
        );
    }
    if args.rate.is_some() {
        report.metric("send_lag_us", outcome.send_lag.summary());
        report.metric("latency_from_write_us", outcome.from_write.summary());
    }
    if let Some(cpu) = report.server_cpu_s.filter(|_| outcome.deliveries > 0) {
        // The main figure: the server's CPU per message delivered to one recipient.
        report.metric(
            "server_cpu_us_per_delivery",
            cpu * 1e6 / outcome.deliveries as f64,
        );
    }
    report.problems = outcome.problems;
    if outcome.deliveries < outcome.expected_deliveries {
        report.problems.push(format!(
            "{} of {} deliveries missing after the drain timeout",
            outcome.expected_deliveries - outcome.deliveries,
            outcome.expected_deliveries
        ));
    }
    Ok(report)
}
