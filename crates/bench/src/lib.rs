//! The part of `hearth-bench` the criterion micro-benchmarks share with the
//! load tool: [`probe`], the timestamp carried in each benchmark message's
//! text and the cheap scanner that finds it in a `msg` push without parsing
//! the JSON. Everything else lives in the `hearth-bench` binary (`main.rs`
//! and the modules it declares).

pub mod probe;
