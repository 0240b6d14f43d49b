//! Group sync: the WAL is flushed to disk by whichever writer finds no flush running, once for every commit made
//! before that flush began. Commits themselves run with `synchronous=NORMAL` (appended to the WAL, not flushed),
//! so the connection's mutex is never held across an fsync, and concurrent writers share one flush instead of
//! queueing one each. A writer is acknowledged only after a flush that began after its commit has finished.

use crate::{Result, StoreError};
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Commit tickets and the flushes that cover them.
pub(super) struct GroupSync {
    wal: PathBuf,
    state: Mutex<SyncState>,
    flushed: Condvar,
}

struct SyncState {
    /// Tickets handed out: commits made so far.
    committed: u64,
    /// Every commit up to this ticket is on disk.
    synced: u64,
    /// A writer is flushing now.
    flushing: bool,
    /// The WAL, opened at the first flush.
    file: Option<File>,
}

impl GroupSync {
    /// Flushes `wal`, the database's write-ahead log.
    pub(super) fn new(wal: PathBuf) -> GroupSync {
        GroupSync {
            wal,
            state: Mutex::new(SyncState {
                committed: 0,
                synced: 0,
                flushing: false,
                file: None,
            }),
            flushed: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, SyncState> {
        // A poisoned lock only means another writer panicked; the counters are always consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ticket of a commit just made; called while the connection is still held, so tickets follow commit order.
    pub(super) fn committed(&self) -> u64 {
        let mut state = self.state();
        state.committed += 1;
        state.committed
    }

    /// Returns once the commit with `ticket` is on disk: flushes the WAL itself when no flush is running, else waits
    /// for the running one and checks again (it may have begun before this commit).
    pub(super) fn wait(&self, ticket: u64) -> Result<()> {
        let mut state = self.state();
        loop {
            if state.synced >= ticket {
                return Ok(());
            }
            if state.flushing {
                state = self
                    .flushed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.flushing = true;
            let target = state.committed;
            let mut file = state.file.take();
            drop(state);
            let flushed = self.flush(&mut file);
            state = self.state();
            state.file = file;
            state.flushing = false;
            if flushed.is_ok() {
                state.synced = state.synced.max(target);
            }
            self.flushed.notify_all();
            flushed?;
        }
    }

    fn flush(&self, file: &mut Option<File>) -> Result<()> {
        let failed = |e: std::io::Error| {
            StoreError::Unavailable(format!("flushing {}: {e}", self.wal.display()))
        };
        let wal = match file {
            Some(wal) => wal,
            None => file.insert(File::open(&self.wal).map_err(failed)?),
        };
        wal.sync_data().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;

    #[test]
    fn every_ticket_of_concurrent_writers_is_covered_by_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("db-wal");
        let mut file = File::create(&wal).unwrap();
        file.write_all(b"frames").unwrap();
        let sync = Arc::new(GroupSync::new(wal));
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let sync = sync.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let ticket = sync.committed();
                        sync.wait(ticket).unwrap();
                        assert!(sync.state().synced >= ticket);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let state = sync.state();
        assert_eq!(
            (state.committed, state.synced, state.flushing),
            (400, 400, false)
        );
    }

    #[test]
    fn a_wal_that_cannot_be_opened_fails_the_write_and_the_next_one_retries() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("db-wal");
        let sync = GroupSync::new(wal.clone());
        let ticket = sync.committed();
        let err = sync.wait(ticket).unwrap_err();
        assert!(err.to_string().contains("db-wal"), "{err}");
        File::create(&wal).unwrap();
        sync.wait(ticket).unwrap();
    }
}
