//! `SearchCombiner`: merges concurrent single-query searches that share a filter into one batched scan, so that
//! the vectors are read once for all of them (the scan is bound by memory traffic; a batch of Q queries costs far
//! less than Q scans).
//!
//! There is no extra thread and no waiting window: the first caller to find no scan running becomes the leader,
//! takes every search queued so far, runs them (one `search_batch` per filter) and hands out the results; callers
//! that arrive meanwhile queue up and the next of them leads the next round. An idle server therefore answers a
//! lone search at once, and a busy one batches as many searches as arrived during the previous scan.
//! Searches with an id set or a predicate are not merged (their filters cannot be compared): they run directly.

use crate::{Filter, Hit, Index, IndexError, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The part of a filter that searches must share to be merged.
#[derive(Clone, PartialEq, Eq, Hash)]
struct FilterKey {
    account: Option<Uuid>,
    lists: Option<Vec<Uuid>>,
}

impl FilterKey {
    fn of(filter: &Filter) -> Option<FilterKey> {
        if filter.ids.is_some() || filter.predicate.is_some() {
            return None;
        }
        Some(FilterKey {
            account: filter.account,
            lists: filter.lists.clone(),
        })
    }

    fn filter(&self) -> Filter {
        Filter {
            account: self.account,
            lists: self.lists.clone(),
            ids: None,
            predicate: None,
        }
    }
}

struct Queued {
    ticket: u64,
    query: Vec<f32>,
    k: usize,
    key: FilterKey,
}

#[derive(Default)]
struct Round {
    leading: bool,
    next_ticket: u64,
    queued: Vec<Queued>,
    answers: HashMap<u64, Result<Vec<Hit>>>,
}

/// Counters of the merged scans, for metrics.
#[derive(Default)]
pub struct CombinerStats {
    /// Scans run by leaders (one per filter per round).
    pub scans: AtomicU64,
    /// Searches answered by those scans.
    pub searches: AtomicU64,
}

/// Merges concurrent searches over one index. `Send + Sync`: share it next to the index.
#[derive(Default)]
pub struct SearchCombiner {
    round: Mutex<Round>,
    answered: Condvar,
    stats: CombinerStats,
}

fn lock(round: &Mutex<Round>) -> MutexGuard<'_, Round> {
    round.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SearchCombiner {
    /// The counters so far.
    pub fn stats(&self) -> &CombinerStats {
        &self.stats
    }

    /// `index.search(query, k, filter)`, merged with whatever else is searching the same filter meanwhile. The
    /// answer is the one `search` gives: merging widens k to the round's largest and cuts each answer back, and
    /// the ranking is a total order, so the cut keeps exactly the best `k`.
    pub fn search(
        &self,
        index: &Index,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>> {
        let Some(key) = FilterKey::of(filter) else {
            return index.search(query, k, filter);
        };
        let mut round = lock(&self.round);
        let ticket = round.next_ticket;
        round.next_ticket += 1;
        round.queued.push(Queued {
            ticket,
            query: query.to_vec(),
            k,
            key,
        });
        loop {
            if let Some(answer) = round.answers.remove(&ticket) {
                return answer;
            }
            if round.leading {
                round = self
                    .answered
                    .wait(round)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            round.leading = true;
            let queued = std::mem::take(&mut round.queued);
            drop(round);
            let tickets: Vec<u64> = queued.iter().map(|q| q.ticket).collect();
            // A panic inside a scan must not leave the others waiting for a leader that is gone.
            let answers =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(index, queued)))
                    .unwrap_or_else(|_| {
                        let failed = || Err(IndexError::Device("a merged search panicked".into()));
                        tickets.into_iter().map(|t| (t, failed())).collect()
                    });
            round = lock(&self.round);
            round.answers.extend(answers);
            round.leading = false;
            self.answered.notify_all();
        }
    }

    /// Runs one round: a batched scan per filter; a batch that fails (one bad query fails them all) is retried
    /// query by query so that each caller gets its own answer.
    fn run(&self, index: &Index, queued: Vec<Queued>) -> Vec<(u64, Result<Vec<Hit>>)> {
        let mut groups: HashMap<FilterKey, Vec<Queued>> = HashMap::new();
        for q in queued {
            groups.entry(q.key.clone()).or_default().push(q);
        }
        let mut answers = Vec::new();
        for (key, group) in groups {
            let filter = key.filter();
            self.stats.scans.fetch_add(1, Ordering::Relaxed);
            self.stats
                .searches
                .fetch_add(group.len() as u64, Ordering::Relaxed);
            let widest = group.iter().map(|q| q.k).max().unwrap_or(1);
            let queries: Vec<Vec<f32>> = group.iter().map(|q| q.query.clone()).collect();
            match index.search_batch(&queries, widest, &filter) {
                Ok(results) => {
                    for (q, mut hits) in group.into_iter().zip(results) {
                        hits.truncate(q.k);
                        answers.push((q.ticket, Ok(hits)));
                    }
                }
                Err(_) => {
                    for q in group {
                        answers.push((q.ticket, index.search(&q.query, q.k, &filter)));
                    }
                }
            }
        }
        answers
    }
}
