//! Dynamic batching: concurrent callers' inputs are gathered into one network run, up to `max_batch` items or
//! until `max_wait` has passed since the first one arrived, and each caller gets back its own rows.
//! Owns: the worker thread and the queue. The network itself is a closure given at start.

use crate::error::{EngineError, Result};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::time::{Duration, Instant};

/// Runs a batch: input rows in, output rows out (same count and order), or an error message.
pub type BatchFn = Box<dyn FnMut(&[Vec<f32>]) -> std::result::Result<Vec<Vec<f32>>, String> + Send>;

struct Job {
    rows: Vec<Vec<f32>>,
    reply: SyncSender<std::result::Result<Vec<Vec<f32>>, String>>,
}

/// Batch limits.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    /// Most rows in one run.
    pub max_batch: usize,
    /// Longest a row waits for company.
    pub max_wait: Duration,
}

/// A queue in front of one network.
pub struct Batcher {
    queue: Mutex<Sender<Job>>,
    name: &'static str,
}

impl Batcher {
    /// Starts the worker thread.
    pub fn start(name: &'static str, limits: BatchLimits, run: BatchFn) -> Result<Batcher> {
        let (queue, jobs) = channel();
        std::thread::Builder::new()
            .name(format!("batcher-{name}"))
            .spawn(move || worker(jobs, limits, run))
            .map_err(|e| EngineError::Inference {
                model: name,
                reason: format!("cannot start the batcher thread: {e}"),
            })?;
        Ok(Batcher {
            queue: Mutex::new(queue),
            name,
        })
    }

    /// Sends rows through the network, batched with whatever else is waiting; blocks until done.
    pub fn run(&self, rows: Vec<Vec<f32>>) -> Result<Vec<Vec<f32>>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let stopped = || EngineError::Inference {
            model: self.name,
            reason: "the batcher has stopped".into(),
        };
        let (reply, answer) = sync_channel(1);
        self.queue
            .lock()
            .map_err(|_| stopped())?
            .send(Job { rows, reply })
            .map_err(|_| stopped())?;
        answer
            .recv()
            .map_err(|_| stopped())?
            .map_err(|reason| EngineError::Inference {
                model: self.name,
                reason,
            })
    }
}

fn worker(jobs: Receiver<Job>, limits: BatchLimits, mut run: BatchFn) {
    while let Ok(first) = jobs.recv() {
        let deadline = Instant::now() + limits.max_wait;
        let mut batch = vec![first];
        let mut rows: usize = batch[0].rows.len();
        while rows < limits.max_batch {
            let left = deadline.saturating_duration_since(Instant::now());
            match jobs.recv_timeout(left) {
                Ok(job) => {
                    rows += job.rows.len();
                    batch.push(job);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let counts: Vec<usize> = batch.iter().map(|j| j.rows.len()).collect();
        let inputs: Vec<Vec<f32>> = batch.iter_mut().flat_map(|j| j.rows.drain(..)).collect();
        match run(&inputs) {
            Ok(outputs) if outputs.len() == inputs.len() => {
                let mut outputs = outputs.into_iter();
                for (job, n) in batch.iter().zip(counts) {
                    let _ = job.reply.send(Ok(outputs.by_ref().take(n).collect()));
                }
            }
            Ok(outputs) => {
                let message = format!("{} rows in, {} out", inputs.len(), outputs.len());
                batch.iter().for_each(|j| {
                    let _ = j.reply.send(Err(message.clone()));
                });
            }
            Err(message) => batch.iter().for_each(|j| {
                let _ = j.reply.send(Err(message.clone()));
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_callers_get_their_own_rows_and_are_batched() {
        let largest = Arc::new(AtomicUsize::new(0));
        let seen = largest.clone();
        let limits = BatchLimits {
            max_batch: 64,
            max_wait: Duration::from_millis(20),
        };
        let batcher = Arc::new(
            Batcher::start(
                "double",
                limits,
                Box::new(move |rows| {
                    seen.fetch_max(rows.len(), Ordering::SeqCst);
                    Ok(rows
                        .iter()
                        .map(|r| r.iter().map(|v| v * 2.0).collect())
                        .collect())
                }),
            )
            .unwrap(),
        );
        let handles: Vec<_> = (0..16)
            .map(|caller| {
                let batcher = batcher.clone();
                std::thread::spawn(move || {
                    let rows = vec![vec![caller as f32, 1.0], vec![caller as f32, 2.0]];
                    assert_eq!(
                        batcher.run(rows).unwrap(),
                        vec![
                            vec![2.0 * caller as f32, 2.0],
                            vec![2.0 * caller as f32, 4.0]
                        ]
                    );
                })
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert!(
            largest.load(Ordering::SeqCst) > 2,
            "no two callers shared a batch"
        );
    }

    #[test]
    fn a_failing_run_reaches_every_caller() {
        let limits = BatchLimits {
            max_batch: 4,
            max_wait: Duration::from_millis(1),
        };
        let batcher = Batcher::start("fail", limits, Box::new(|_| Err("boom".into()))).unwrap();
        assert!(matches!(
            batcher.run(vec![vec![1.0]]),
            Err(EngineError::Inference { .. })
        ));
    }
}
