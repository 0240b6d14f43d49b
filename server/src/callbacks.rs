//! Handler callbacks (`storage_policy.callbacks` of type `http`): after a request's events are stored, each HTTP
//! callback whose filters pass at least one event gets the generate-events answer (with only those events) in a
//! POST. Deliveries go through a bounded queue to a few sender threads, so a slow or dead endpoint never holds up
//! ingestion: a delivery that finds the queue full is dropped. Each delivery is tried once (at most once: no
//! retries), within the callback's timeout. Sent, failed and dropped deliveries are counted in `/metrics`.

use prometheus::IntCounter;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Deliveries waiting for a sender thread; more are dropped.
const QUEUE: usize = 1024;
/// Threads sending deliveries.
const SENDERS: usize = 2;

/// One POST to make.
pub struct Delivery {
    /// `http://` or `https://` address.
    pub url: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// `application/json` or `application/msgpack`.
    pub content_type: String,
    /// The whole exchange must finish within this.
    pub timeout: Duration,
    /// The encoded body.
    pub body: Vec<u8>,
}

/// The counters the sender keeps up to date.
#[derive(Clone)]
pub struct CallbackCounters {
    /// Deliveries the endpoint answered with a 2xx status.
    pub sent: IntCounter,
    /// Deliveries that failed: no connection, a timeout, or a status other than 2xx.
    pub failed: IntCounter,
    /// Deliveries dropped because the queue was full.
    pub dropped: IntCounter,
}

/// The queue and its sender threads. `Send + Sync`.
pub struct CallbackSender {
    queue: SyncSender<Delivery>,
    counters: CallbackCounters,
}

impl CallbackSender {
    /// Starts the sender threads.
    pub fn start(counters: CallbackCounters) -> anyhow::Result<CallbackSender> {
        let (queue, deliveries) = sync_channel(QUEUE);
        let deliveries = Arc::new(Mutex::new(deliveries));
        for n in 0..SENDERS {
            let (deliveries, counters) = (deliveries.clone(), counters.clone());
            std::thread::Builder::new()
                .name(format!("callbacks-{n}"))
                .spawn(move || send_all(&deliveries, &counters))?;
        }
        Ok(CallbackSender { queue, counters })
    }

    /// Queues a delivery; a full queue drops it (counted).
    pub fn queue(&self, delivery: Delivery) {
        match self.queue.try_send(delivery) {
            Ok(()) => {}
            Err(TrySendError::Full(d)) => {
                self.counters.dropped.inc();
                tracing::warn!(url = %d.url, "callback queue full: delivery dropped");
            }
            Err(TrySendError::Disconnected(d)) => {
                self.counters.failed.inc();
                tracing::error!(url = %d.url, "callback senders stopped: delivery lost");
            }
        }
    }
}

/// A sender thread: takes deliveries until the queue is gone.
fn send_all(deliveries: &Mutex<Receiver<Delivery>>, counters: &CallbackCounters) {
    loop {
        let next = deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(delivery) = next else {
            return;
        };
        match send(&delivery) {
            Ok(()) => counters.sent.inc(),
            Err(reason) => {
                counters.failed.inc();
                tracing::warn!(url = %delivery.url, %reason, "callback failed");
            }
        }
    }
}

fn send(d: &Delivery) -> Result<(), String> {
    let agent = ureq::AgentBuilder::new().timeout(d.timeout).build();
    let mut request = agent.post(&d.url).set("Content-Type", &d.content_type);
    if let Some(auth) = &d.authorization {
        request = request.set("Authorization", auth);
    }
    match request.send_bytes(&d.body) {
        Ok(_) => Ok(()),
        Err(ureq::Error::Status(code, _)) => Err(format!("the endpoint answered {code}")),
        Err(e) => Err(e.to_string()),
    }
}
