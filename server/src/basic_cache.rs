//! Remembers Basic credentials that verified, so that a client sending its login and password with every
//! request pays the PBKDF2 cost once, not per request. An entry is a keyed SHA-256 of (stored hash, password)
//! under a random per-process key: a changed password (a new stored hash) or a deleted account (no stored
//! hash) never hits an old entry, and neither passwords nor their hashes are kept. At most `CAPACITY` entries;
//! when full, the cache starts again empty.

use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Mutex;

/// The most remembered credentials.
const CAPACITY: usize = 10_000;

/// Verified credentials of this process.
pub struct BasicCache {
    key: [u8; 32],
    verified: Mutex<HashSet<[u8; 32]>>,
}

impl Default for BasicCache {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        BasicCache {
            key,
            verified: Mutex::new(HashSet::new()),
        }
    }
}

impl BasicCache {
    fn entry(&self, stored_hash: &str, password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update((stored_hash.len() as u64).to_le_bytes());
        h.update(stored_hash.as_bytes());
        h.update(password.as_bytes());
        h.finalize().into()
    }

    /// True when `password` matches `stored_hash`, from memory when it was verified before; `verify` runs
    /// the full check otherwise.
    pub fn check(&self, stored_hash: &str, password: &str, verify: impl FnOnce() -> bool) -> bool {
        let entry = self.entry(stored_hash, password);
        let known = |set: &HashSet<[u8; 32]>| set.contains(&entry);
        if self.verified.lock().map(|s| known(&s)).unwrap_or(false) {
            return true;
        }
        if !verify() {
            return false;
        }
        if let Ok(mut set) = self.verified.lock() {
            if set.len() >= CAPACITY {
                set.clear();
            }
            set.insert(entry);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_verified_is_remembered_and_only_for_the_same_stored_hash() {
        let cache = BasicCache::default();
        let mut calls = 0;
        assert!(!cache.check("h1", "wrong", || {
            calls += 1;
            false
        }));
        assert!(!cache.check("h1", "wrong", || {
            calls += 1;
            false
        }));
        assert!(cache.check("h1", "right", || {
            calls += 1;
            true
        }));
        assert!(cache.check("h1", "right", || panic!("verified again")));
        assert_eq!(calls, 3, "failures are never remembered");
        assert!(
            !cache.check("h2", "right", || false),
            "a new stored hash is checked again"
        );
    }
}
