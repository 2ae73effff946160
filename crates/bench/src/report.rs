//! A run's result: the fields every scenario reports, plus its own metrics
//! in insertion order; printed as a table and written as JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::stats::{Metered, Summary};

/// What a scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario: `fanout`, `logins`, `idle`, `files` or `floor`.
    pub scenario: String,
    /// The machine's CPU model and logical CPU count ("AMD EPYC 7B13, 2 CPUs"), so a figure
    /// is never read without the machine it was measured on.
    pub cpu: String,
    /// The options the scenario ran with.
    pub params: Map<String, Value>,
    /// Messages seen per second, counting each recipient (0 when nothing was sent).
    pub deliveries_per_s: f64,
    /// The scenario's main latency, µs.
    pub latency_us: Summary,
    /// CPU seconds the load tool used during the measured phase.
    pub loadgen_cpu_s: f64,
    /// Wall seconds of the measured phase.
    pub wall_s: f64,
    /// Things that went wrong; a run with problems exits non-zero.
    pub problems: Vec<String>,
    /// CPU seconds the server used during the measured phase (with `--server-pid`).
    #[serde(skip)]
    pub server_cpu_s: Option<f64>,
    /// Scenario-specific metrics.
    #[serde(flatten)]
    pub metrics: Map<String, Value>,
}

impl Report {
    /// An empty report for `scenario`.
    pub fn new(scenario: &str) -> Report {
        Report {
            scenario: scenario.to_owned(),
            cpu: cpu_model(),
            params: Map::new(),
            deliveries_per_s: 0.0,
            latency_us: Summary::default(),
            loadgen_cpu_s: 0.0,
            wall_s: 0.0,
            problems: Vec::new(),
            server_cpu_s: None,
            metrics: Map::new(),
        }
    }

    /// Records an option.
    pub fn param(&mut self, key: &str, value: impl Into<Value>) {
        self.params.insert(key.to_owned(), value.into());
    }

    /// Records a metric.
    pub fn metric(&mut self, key: &str, value: impl Serialize) {
        // Plain numbers, strings and summaries always serialize.
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.metrics.insert(key.to_owned(), value);
    }

    /// Fills wall time and CPU time from a meter reading.
    pub fn metered(&mut self, m: Metered) {
        self.wall_s = m.wall_s;
        self.loadgen_cpu_s = m.loadgen_cpu_s;
        self.metric(
            "loadgen_cpu_util",
            if m.wall_s > 0.0 {
                m.loadgen_cpu_s / m.wall_s
            } else {
                0.0
            },
        );
        if let Some(util) = m.machine_cpu_util {
            // Everything busy that was neither this tool nor the server: other work on the machine.
            let ours = m.loadgen_cpu_s + m.server_cpu_s.unwrap_or(0.0);
            let others = if m.wall_s > 0.0 {
                (util - ours / m.wall_s).max(0.0)
            } else {
                0.0
            };
            self.metric("machine_cpu_util", util);
            if m.server_cpu_s.is_some() {
                self.metric("others_cpu_util", others);
            }
        }
        if let Some(cpu) = m.server_cpu_s {
            self.server_cpu_s = Some(cpu);
            self.metric("server_cpu_s", cpu);
            self.metric("server_sys_s", m.server_sys_s.unwrap_or(0.0));
            self.metric(
                "server_cpu_util",
                if m.wall_s > 0.0 { cpu / m.wall_s } else { 0.0 },
            );
        }
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", plain(v)))
            .collect();
        let _ = writeln!(
            out,
            "hearth-bench {}  ({})",
            self.scenario,
            params.join(" ")
        );
        let mut row = |k: &str, v: String| {
            let _ = writeln!(out, "  {k:<24} {v}");
        };
        row("cpu", self.cpu.clone());
        row("deliveries/s", number(self.deliveries_per_s));
        row("latency µs", summary(&self.latency_us));
        row("wall s", format!("{:.2}", self.wall_s));
        row("loadgen cpu s", format!("{:.2}", self.loadgen_cpu_s));
        for (k, v) in &self.metrics {
            let shown = match v {
                Value::Object(_) => serde_json::from_value::<SummaryIn>(v.clone())
                    .map(|s| summary(&s.into()))
                    .unwrap_or_else(|_| v.to_string()),
                Value::Number(n) => number(n.as_f64().unwrap_or(0.0)),
                other => plain(other),
            };
            row(&k.replace('_', " "), shown);
        }
        for p in &self.problems {
            row("PROBLEM", p.clone());
        }
        out
    }

    /// Writes the JSON to `path`.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

/// "MODEL, N CPUs" from `/proc/cpuinfo` (Linux); "unknown CPU" elsewhere.
pub fn cpu_model() -> String {
    let count = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{model}, {count} CPUs")
}

/// The fields of a serialized [`Summary`], read back for the table.
#[derive(serde::Deserialize)]
struct SummaryIn {
    count: u64,
    p50: u64,
    p99: u64,
    p999: u64,
    max: u64,
    mean: f64,
}

impl From<SummaryIn> for Summary {
    fn from(s: SummaryIn) -> Summary {
        Summary {
            count: s.count,
            p50: s.p50,
            p99: s.p99,
            p999: s.p999,
            max: s.max,
            mean: s.mean,
        }
    }
}

fn summary(s: &Summary) -> String {
    if s.count == 0 {
        return "(no samples)".to_owned();
    }
    format!(
        "p50 {}  p99 {}  p99.9 {}  max {}  (n={})",
        number(s.p50 as f64),
        number(s.p99 as f64),
        number(s.p999 as f64),
        number(s.max as f64),
        number(s.count as f64)
    )
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Integers with thousands separators; small fractions with 3 decimals.
fn number(x: f64) -> String {
    if x.fract() != 0.0 && x.abs() < 1000.0 {
        return format!("{x:.3}");
    }
    let int = x.round() as i128;
    let digits = int.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if int < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(1_234_567.4), "1,234,567");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.25), "0.250");
        assert_eq!(number(-1000.0), "-1,000");
    }

    #[test]
    fn json_has_the_required_fields() {
        let mut r = Report::new("fanout");
        r.param("users", 3);
        r.deliveries_per_s = 10.0;
        r.metric(
            "chat_latency_us",
            Summary {
                count: 1,
                p50: 2,
                p99: 3,
                p999: 4,
                max: 5,
                mean: 2.0,
            },
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["deliveries_per_s"], 10.0);
        assert!(v["latency_us"]["p999"].is_number());
        assert!(v["loadgen_cpu_s"].is_number());
        assert!(
            v["cpu"].as_str().unwrap().ends_with(" CPUs"),
            "{}",
            v["cpu"]
        );
        assert_eq!(v["chat_latency_us"]["max"], 5);
        let table = r.table();
        assert!(table.contains("users=3"));
        assert!(table.contains("chat latency us"));
        assert!(table.contains("p99.9 4"));
        assert!(table.contains(&r.cpu));
    }
}
