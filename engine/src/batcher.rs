//! Dynamic batching: concurrent callers' inputs are gathered into one network run of up to `max_batch` items, and
//! each caller gets back its own rows. The batch size follows the load: a run takes every input already waiting,
//! and waits up to `max_wait` for more only when the run before it served several callers. A lone caller is
//! therefore never kept waiting, and under concurrent load the inputs that arrive during one run fill the next.
//! Owns: the worker thread and the queue. The network itself is a closure given at start.

use crate::error::{EngineError, Result};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::{Duration, Instant};

/// Runs a batch: input rows in (`In`, by default f32 values), output rows out (same count and order), or an error
/// message. The rows are handed over, so that a network can keep their buffers for later batches.
pub type BatchFn<In = Vec<f32>> =
    Box<dyn FnMut(Vec<In>) -> std::result::Result<Vec<Vec<f32>>, String> + Send>;

struct Job<In> {
    rows: Vec<In>,
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

/// A queue in front of one network, taking input rows of type `In`.
pub struct Batcher<In = Vec<f32>> {
    queue: Mutex<Sender<Job<In>>>,
    name: &'static str,
    max_batch: usize,
}

impl<In: Send + 'static> Batcher<In> {
    /// Starts the worker thread.
    pub fn start(name: &'static str, limits: BatchLimits, run: BatchFn<In>) -> Result<Batcher<In>> {
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
            max_batch: limits.max_batch.max(1),
        })
    }

    /// Sends rows through the network, batched with whatever else is waiting; blocks until done. More rows than
    /// `max_batch` are queued as several jobs, so no network run exceeds the limit.
    pub fn run(&self, mut rows: Vec<In>) -> Result<Vec<Vec<f32>>> {
        let stopped = || EngineError::Inference {
            model: self.name,
            reason: "the batcher has stopped".into(),
        };
        let mut answers = Vec::new();
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(self.max_batch));
            let (reply, answer) = sync_channel(1);
            self.queue
                .lock()
                .map_err(|_| stopped())?
                .send(Job { rows, reply })
                .map_err(|_| stopped())?;
            answers.push(answer);
            rows = rest;
        }
        let mut outputs = Vec::new();
        for answer in answers {
            let chunk =
                answer
                    .recv()
                    .map_err(|_| stopped())?
                    .map_err(|reason| EngineError::Inference {
                        model: self.name,
                        reason,
                    })?;
            outputs.extend(chunk);
        }
        Ok(outputs)
    }
}

/// Serves jobs until every sender is gone. A job that would push a batch past `max_batch` is held back to start
/// the next batch (`run` never queues a job larger than `max_batch`).
fn worker<In>(jobs: Receiver<Job<In>>, limits: BatchLimits, mut run: BatchFn<In>) {
    let mut held: Option<Job<In>> = None;
    // Whether the last run served more than one caller: then more callers are likely on their way.
    let mut busy = false;
    loop {
        let first = match held.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let deadline = Instant::now() + limits.max_wait;
        let mut rows = first.rows.len();
        let mut batch = vec![first];
        while rows < limits.max_batch {
            let next = if busy {
                let left = deadline.saturating_duration_since(Instant::now());
                jobs.recv_timeout(left).ok()
            } else {
                jobs.try_recv().ok()
            };
            match next {
                Some(job) if rows + job.rows.len() > limits.max_batch => {
                    held = Some(job);
                    break;
                }
                Some(job) => {
                    rows += job.rows.len();
                    batch.push(job);
                }
                None => break,
            }
        }
        busy = batch.len() > 1;
        let counts: Vec<usize> = batch.iter().map(|j| j.rows.len()).collect();
        let inputs: Vec<In> = batch.iter_mut().flat_map(|j| j.rows.drain(..)).collect();
        let count = inputs.len();
        match run(inputs) {
            Ok(outputs) if outputs.len() == count => {
                let mut outputs = outputs.into_iter();
                for (job, n) in batch.iter().zip(counts) {
                    let _ = job.reply.send(Ok(outputs.by_ref().take(n).collect()));
                }
            }
            Ok(outputs) => {
                let message = format!("{count} rows in, {} out", outputs.len());
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

    /// The network takes 50 ms a run, as a real one takes its time: callers arriving during a run share the next.
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
                Box::new(move |rows: Vec<Vec<f32>>| {
                    seen.fetch_max(rows.len(), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
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
    fn more_rows_than_max_batch_are_split_and_come_back_in_order() {
        let largest = Arc::new(AtomicUsize::new(0));
        let seen = largest.clone();
        let limits = BatchLimits {
            max_batch: 3,
            max_wait: Duration::from_millis(1),
        };
        let batcher = Batcher::start(
            "identity",
            limits,
            Box::new(move |rows: Vec<Vec<f32>>| {
                seen.fetch_max(rows.len(), Ordering::SeqCst);
                Ok(rows)
            }),
        )
        .unwrap();
        let rows: Vec<Vec<f32>> = (0..10).map(|i| vec![i as f32]).collect();
        assert_eq!(batcher.run(rows.clone()).unwrap(), rows);
        assert_eq!(largest.load(Ordering::SeqCst), 3);
    }

    /// A caller alone is not kept waiting for company: with a minute's `max_wait`, its answer comes at once.
    #[test]
    fn a_lone_caller_does_not_wait_for_company() {
        let limits = BatchLimits {
            max_batch: 8,
            max_wait: Duration::from_secs(60),
        };
        let batcher =
            Batcher::start("lone", limits, Box::new(|rows: Vec<Vec<f32>>| Ok(rows))).unwrap();
        let started = Instant::now();
        for i in 0..3 {
            assert_eq!(
                batcher.run(vec![vec![i as f32]]).unwrap(),
                vec![vec![i as f32]]
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "a lone caller waited for company"
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
