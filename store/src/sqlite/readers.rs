//! Read connections: reads go to a few connections of their own, so searches run side by side (the WAL lets
//! readers work while the writer commits) instead of queueing behind the writer's connection. Each read sees every
//! commit acknowledged before it started.

use super::unavailable;
use crate::Result;
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

/// Read connections kept open.
const READERS: usize = 4;

/// The pool of read connections.
pub(super) struct Readers {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl Readers {
    /// Opens the read connections to the database at `path` (already created, in WAL mode).
    pub(super) fn open(path: &Path) -> Result<Readers> {
        let connections = (0..READERS)
            .map(|_| {
                let connection = Connection::open(path).map_err(unavailable)?;
                connection
                    .execute_batch(
                        "PRAGMA query_only=1; PRAGMA cache_size=-16384; PRAGMA mmap_size=1073741824; \
                         PRAGMA busy_timeout=5000;",
                    )
                    .map_err(unavailable)?;
                Ok(Mutex::new(connection))
            })
            .collect::<Result<_>>()?;
        Ok(Readers {
            connections,
            next: AtomicUsize::new(0),
        })
    }

    /// A free connection, or the next one in turn when all are busy. A panic during an earlier read leaves the
    /// connection usable (a read changes nothing), so a poisoned lock is taken over.
    pub(super) fn get(&self) -> MutexGuard<'_, Connection> {
        for connection in &self.connections {
            match connection.try_lock() {
                Ok(free) => return free,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        self.connections[turn]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
