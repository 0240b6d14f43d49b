//! Measures the SQLite store: faces per second when each face is its own durable commit (as `POST /faces`
//! does), bulk-loading faces, and the start-up descriptor scan rate. Data goes to a fresh directory under the
//! system temp dir, removed afterwards.
//!
//! `cargo run --release -p argus-store --example store_throughput -- [single_commits] [scan_faces]`
//! (defaults 2000 and 100000).

use argus_store::{Face, FaceFilter, List, SqliteStore, Store, StoredDescriptor};
use std::time::Instant;
use uuid::Uuid;

/// A 128-float descriptor's size in bytes.
const DESCRIPTOR_BYTES: usize = 512;
const BULK_BATCH: usize = 5_000;

fn face(account: Uuid, lists: Vec<Uuid>, i: u64) -> (Face, Option<StoredDescriptor>) {
    let face = Face {
        face_id: Uuid::from_u64_pair(i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i),
        account_id: account,
        user_data: format!("person {i}"),
        external_id: format!("ext-{i}"),
        event_id: None,
        avatar: String::new(),
        create_time: i as i64,
        lists,
    };
    let descriptor = StoredDescriptor {
        version: 1,
        bytes: vec![(i % 251) as u8; DESCRIPTOR_BYTES],
    };
    (face, Some(descriptor))
}

fn arg(position: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(position) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("argument {position} must be a count, got {text:?}")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let single_commits = arg(1, 2_000)?;
    let scan_faces = arg(2, 100_000)?;
    let dir = std::env::temp_dir().join(format!("argus-store-throughput-{}", std::process::id()));
    let store = SqliteStore::open(&dir)?;
    let account = Uuid::new_v4();
    let list = List {
        list_id: Uuid::new_v4(),
        account_id: account,
        user_data: "all".into(),
        create_time: 0,
        last_update_time: 0,
    };
    store.create_list(&list)?;

    let started = Instant::now();
    for i in 0..single_commits {
        let (face, descriptor) = face(account, vec![list.list_id], i);
        store.create_face(&face, descriptor.as_ref())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "single-face commits: {single_commits} in {seconds:.2} s = {:.0} faces/s ({:.2} ms each)",
        single_commits as f64 / seconds,
        seconds * 1e3 / single_commits as f64
    );

    let started = Instant::now();
    let mut next = single_commits;
    while next < scan_faces {
        let end = (next + BULK_BATCH as u64).min(scan_faces);
        let batch: Vec<_> = (next..end)
            .map(|i| face(account, vec![list.list_id], i))
            .collect();
        store.create_faces(&batch)?;
        next = end;
    }
    let loaded = next.saturating_sub(single_commits);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "bulk load: {loaded} faces in batches of {BULK_BATCH} in {seconds:.2} s = {:.0} faces/s",
        loaded as f64 / seconds
    );
    let total = store.count_faces(account, &FaceFilter::default())?;

    let started = Instant::now();
    let mut rows = 0u64;
    let mut bytes = 0usize;
    store.scan_face_descriptors(&mut |f| {
        rows += 1;
        bytes += f.descriptor.bytes.len() + f.lists.len();
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "descriptor scan: {rows} of {total} faces ({} MB of descriptors) in {seconds:.3} s = {:.0} rows/s",
        bytes / 1_000_000,
        rows as f64 / seconds
    );
    drop(store);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
