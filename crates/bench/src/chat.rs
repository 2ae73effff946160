//! A chat room that runs beside another load (logins, file transfers) and
//! measures its latency while that load runs. It runs on its own thread and
//! runtime, so the load tool's own work cannot delay it: what it measures is
//! the server.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::oneshot;

use crate::conn::Target;
use crate::room::{self, Outcome, Plan};
use crate::setup::Options;

/// A chat room running beside another load, on its own thread and runtime.
pub struct Chat {
    stop: oneshot::Sender<()>,
    done: oneshot::Receiver<anyhow::Result<Outcome>>,
}

impl Chat {
    /// Sets the room up, lets it settle for a second and starts counting;
    /// `users` members, all sending, `rate` messages per second in total.
    pub async fn start(
        target: &Target,
        opts: &Options,
        id: &str,
        users: usize,
        rate: f64,
    ) -> anyhow::Result<Chat> {
        let plan = Plan {
            users,
            senders: users,
            messages: None,
            rate: Some(rate),
            window: 2048,
            text_len: 0,
            join_concurrency: 8,
        };
        let (target, opts, id) = (target.clone(), opts.clone(), id.to_owned());
        let (ready_tx, ready_rx) = oneshot::channel::<anyhow::Result<()>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("hearth-bench-chat".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let running = match room::prepare(&target, &opts, &id, 'c', plan).await {
                        Ok(prepared) => prepared.start().await,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    // Let the chat reach its steady state before the other load begins.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    running.record_from_now();
                    let _ = ready_tx.send(Ok(()));
                    let _ = stop_rx.await;
                    running.record_until_now();
                    // Give the last in-window messages time to arrive.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let _ = done_tx.send(Ok(running.finish().await));
                });
            })
            .context("starting the chat thread")?;
        ready_rx.await.context("chat thread ended early")??;
        Ok(Chat {
            stop: stop_tx,
            done: done_rx,
        })
    }

    /// Stops counting and collects the chat's outcome.
    pub async fn finish(self) -> anyhow::Result<Outcome> {
        let _ = self.stop.send(());
        self.done.await.context("chat thread ended early")?
    }
}
