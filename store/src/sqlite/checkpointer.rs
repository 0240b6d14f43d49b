//! Checkpoints off the write path: the writing connection never checkpoints (`wal_autocheckpoint=0`); a thread
//! with its own connection copies the WAL into the database file every `INTERVAL`, while writers go on. Between
//! checkpoints a page written many times is copied once. A checkpoint changes nothing a reader or a crash
//! recovery sees: committed data is in the WAL, flushed by `group_sync`, until the checkpoint has it in the file.

use super::unavailable;
use crate::{Result, StoreError};
use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// Time between checkpoints.
const INTERVAL: Duration = Duration::from_millis(500);

/// The checkpoint thread; it stops when this is dropped.
pub(super) struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (already in WAL mode).
    pub(super) fn start(path: &Path) -> Result<Checkpointer> {
        let connection = Connection::open(path).map_err(unavailable)?;
        let (stop, stopped) = channel();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_until_stopped(&connection, &stopped))
            .map_err(|e| StoreError::Unavailable(format!("starting the checkpoint thread: {e}")))?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn checkpoint_until_stopped(connection: &Connection, stopped: &Receiver<()>) {
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
        // PASSIVE: copies what no reader still needs and never waits for the writer.
        let done = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(e) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one retries");
        }
    }
}
