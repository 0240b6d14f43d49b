//! `FlatIndex`: exact search over segments. Writers serialise on the id map and lock one segment at a time;
//! searches take a snapshot of the segment list and read-lock each segment only while scanning it, so no lock is
//! held across a whole scan. Large scans are split across threads; a batch of queries reads each vector once for
//! all queries. A filter on lists that selects few items walks only those items' slots.

use crate::dot::BLOCK_ROWS;
use crate::dot::Kernels;
use crate::query::Query;
use crate::segment::{BlockScratch, SEGMENT_SLOTS, ScanQueries, Segment};
use crate::topk::TopK;
use crate::{
    Filter, Hit, IndexConfig, IndexError, ItemId, ItemMeta, MAX_DIM, MAX_K, Result, unit_vector,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use uuid::Uuid;

/// Where an item lives: segment number and slot inside it.
type SlotRef = (usize, usize);

/// Below this many slots a search stays on the calling thread.
const PARALLEL_FROM: usize = 32_768;
/// A list filter walks member slots instead of scanning when members are fewer than total / this.
const SELECTIVE_RATIO: usize = 8;

#[derive(Default)]
struct Directory {
    slots: HashMap<ItemId, SlotRef>,
    members: HashMap<Uuid, HashSet<SlotRef>>,
    dead: usize,
    /// Counts the directory's write locks (`FlatIndex::write_directory`): member bits made at one count hold for
    /// as long as it stays.
    changes: u64,
}

/// The member bits of the last list filter that a scan read as bits, with the directory's change count and
/// segment count they were made at.
struct MemberBits {
    changes: u64,
    segments: usize,
    lists: Vec<Uuid>,
    bits: Arc<Vec<Vec<u64>>>,
}

/// An exact in-memory index. `Send + Sync`: share it in an `Arc`.
pub struct FlatIndex {
    config: IndexConfig,
    kernels: Kernels,
    threads: usize,
    directory: RwLock<Directory>,
    segments: RwLock<Vec<Arc<RwLock<Segment>>>>,
    /// Reused by searches with the same lists until the directory changes: making the bits walks every member.
    member_bits: Mutex<Option<MemberBits>>,
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl FlatIndex {
    /// An empty index using every core for large scans.
    pub fn new(config: IndexConfig) -> Result<FlatIndex> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        FlatIndex::with_threads(config, threads)
    }

    /// An empty index using at most `threads` threads per search.
    pub fn with_threads(config: IndexConfig, threads: usize) -> Result<FlatIndex> {
        if config.dim == 0 || config.dim > MAX_DIM {
            return Err(IndexError::BadConfig);
        }
        Ok(FlatIndex {
            config,
            kernels: Kernels::detect(),
            threads: threads.max(1),
            directory: RwLock::default(),
            segments: RwLock::default(),
            member_bits: Mutex::default(),
        })
    }

    /// The directory, locked for writing; every write lock counts as a change.
    fn write_directory(&self) -> RwLockWriteGuard<'_, Directory> {
        let mut dir = write(&self.directory);
        dir.changes += 1;
        dir
    }

    /// The members of `lists` in the first `segments` segments: the bits of the last search with these lists when
    /// nothing has changed since, else made afresh.
    fn members(&self, dir: &Directory, lists: &[Uuid], segments: usize) -> Members {
        let mut cached = self
            .member_bits
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = cached.as_ref()
            && last.changes == dir.changes
            && last.segments == segments
            && last.lists == lists
        {
            return Members::Many(last.bits.clone());
        }
        let members = list_members(dir, lists, segments);
        if let Members::Many(bits) = &members {
            *cached = Some(MemberBits {
                changes: dir.changes,
                segments,
                lists: lists.to_vec(),
                bits: bits.clone(),
            });
        }
        members
    }

    /// The configuration.
    pub fn config(&self) -> IndexConfig {
        self.config
    }

    /// The dot-product kernels in use (e.g. "avx2+fma+f16c" or "scalar").
    pub fn simd(&self) -> &'static str {
        self.kernels.name
    }

    /// Checks length and finiteness and returns the unit-length vector.
    fn normalised(&self, v: &[f32]) -> Result<Vec<f32>> {
        unit_vector(self.config.dim, v)
    }

    /// Inserts or replaces an item. The vector is normalised to unit length.
    pub fn upsert(&self, id: ItemId, descriptor: &[f32], meta: ItemMeta) -> Result<()> {
        let v = self.normalised(descriptor)?;
        let mut dir = self.write_directory();
        let mut segments = write(&self.segments);
        self.store(&mut dir, &mut segments, id, &v, meta);
        Ok(())
    }

    /// Bulk load (e.g. from the database at start-up): `upsert` for every item, taking the locks once per
    /// `SEGMENT_SLOTS` items so that searches still run in between. Stops at the first bad descriptor and returns
    /// its error; the items before it stay in. Returns how many items were stored.
    pub fn upsert_many<I>(&self, items: I) -> Result<usize>
    where
        I: IntoIterator<Item = (ItemId, Vec<f32>, ItemMeta)>,
    {
        let mut items = items.into_iter().peekable();
        let mut stored = 0;
        while items.peek().is_some() {
            let mut dir = self.write_directory();
            let mut segments = write(&self.segments);
            for (id, descriptor, meta) in items.by_ref().take(SEGMENT_SLOTS) {
                let v = self.normalised(&descriptor)?;
                self.store(&mut dir, &mut segments, id, &v, meta);
                stored += 1;
            }
        }
        Ok(stored)
    }

    /// Writes a normalised vector into the item's slot, or a new slot at the end; the caller holds both locks.
    fn store(
        &self,
        dir: &mut Directory,
        segments: &mut Vec<Arc<RwLock<Segment>>>,
        id: ItemId,
        v: &[f32],
        meta: ItemMeta,
    ) {
        let lists = meta.lists.clone();
        let at = match dir.slots.get(&id).copied() {
            Some(at) => {
                let old_lists = {
                    let mut s = write(&segments[at.0]);
                    let old = std::mem::take(&mut s.meta[at.1].lists);
                    s.set(at.1, v, meta);
                    old
                };
                forget_lists(dir, at, &old_lists);
                at
            }
            None => {
                if segments.last().is_none_or(|s| read(s).is_full()) {
                    segments.push(Arc::new(RwLock::new(Segment::new(
                        self.config.dim,
                        self.config.storage,
                    ))));
                }
                let number = segments.len() - 1;
                let slot = write(&segments[number]).push(id, v, meta);
                dir.slots.insert(id, (number, slot));
                (number, slot)
            }
        };
        for list in lists {
            dir.members.entry(list).or_default().insert(at);
        }
    }

    /// Removes an item; true when it was there. Searches that start after this returns never see it.
    pub fn remove(&self, id: ItemId) -> bool {
        let mut dir = self.write_directory();
        let Some(at) = dir.slots.remove(&id) else {
            return false;
        };
        let segment = read(&self.segments)[at.0].clone();
        let lists = {
            let mut s = write(&segment);
            s.alive[at.1] = false;
            std::mem::take(&mut s.meta[at.1].lists)
        };
        forget_lists(&mut dir, at, &lists);
        dir.dead += 1;
        true
    }

    /// Replaces an item's list memberships without touching its vector.
    pub fn set_lists(&self, id: ItemId, lists: Vec<Uuid>) -> Result<()> {
        let mut dir = self.write_directory();
        let at = *dir.slots.get(&id).ok_or(IndexError::NotFound(id))?;
        let segment = read(&self.segments)[at.0].clone();
        let old = std::mem::replace(&mut write(&segment).meta[at.1].lists, lists.clone());
        forget_lists(&mut dir, at, &old);
        for list in lists {
            dir.members.entry(list).or_default().insert(at);
        }
        Ok(())
    }

    /// The metadata and stored (decoded) vector of an item.
    pub fn get(&self, id: ItemId) -> Option<(ItemMeta, Vec<f32>)> {
        let at = *read(&self.directory).slots.get(&id)?;
        let segment = read(&self.segments)[at.0].clone();
        let s = read(&segment);
        Some((s.meta[at.1].clone(), s.vector(at.1)))
    }

    /// Live items.
    pub fn len(&self) -> usize {
        read(&self.directory).slots.len()
    }

    /// True when no live item is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by vectors, including deleted slots not yet compacted.
    pub fn memory_bytes(&self) -> usize {
        let slots: usize = read(&self.segments).iter().map(|s| read(s).len()).sum();
        slots * self.config.storage.bytes_per_vector(self.config.dim)
    }

    /// Rewrites the segments without deleted slots. Searches without a list filter keep running on the old
    /// segments meanwhile; writers and list-filtered searches wait until it is done.
    pub fn compact(&self) {
        let mut dir = self.write_directory();
        if dir.dead == 0 {
            return;
        }
        let old: Vec<_> = read(&self.segments).clone();
        let mut fresh = Directory::default();
        let mut segments: Vec<Segment> = Vec::new();
        for segment in &old {
            let s = read(segment);
            for slot in 0..s.len() {
                if !s.alive[slot] {
                    continue;
                }
                if segments.last().is_none_or(Segment::is_full) {
                    segments.push(Segment::new(self.config.dim, self.config.storage));
                }
                let number = segments.len() - 1;
                let meta = s.meta[slot].clone();
                let at = (
                    number,
                    segments[number].push(s.ids[slot], &s.vector(slot), meta.clone()),
                );
                fresh.slots.insert(s.ids[slot], at);
                for list in meta.lists {
                    fresh.members.entry(list).or_default().insert(at);
                }
            }
        }
        *write(&self.segments) = segments
            .into_iter()
            .map(|s| Arc::new(RwLock::new(s)))
            .collect();
        *dir = fresh;
    }

    fn check_k(k: usize) -> Result<()> {
        if k == 0 || k > MAX_K {
            return Err(IndexError::BadK { k, max: MAX_K });
        }
        Ok(())
    }

    /// The `k` most similar items passing the filter, best first (ties: smaller id first).
    pub fn search(&self, query: &[f32], k: usize, filter: &Filter) -> Result<Vec<Hit>> {
        Ok(self.search_batch(&[query.to_vec()], k, filter)?.remove(0))
    }

    /// `search` for several queries; each vector is read once for all of them.
    pub fn search_batch(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Vec<Hit>>> {
        FlatIndex::check_k(k)?;
        let queries: Vec<Query> = queries
            .iter()
            .map(|q| self.normalised(q).map(Query::new))
            .collect::<Result<_>>()?;
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        // With a list filter, the segment list and the list members are read together under the directory lock,
        // so that a compaction cannot renumber the slots in between; other searches need no directory lock.
        let (segments, members) = match &filter.lists {
            Some(lists) => {
                let dir = read(&self.directory);
                let segments: Vec<_> = read(&self.segments).clone();
                let members = self.members(&dir, lists, segments.len());
                (segments, Some(members))
            }
            None => (read(&self.segments).clone(), None),
        };
        let member_bits = match members {
            Some(Members::Few(slots)) => {
                let mut tops: Vec<TopK> = queries.iter().map(|_| TopK::new(k)).collect();
                for (number, slots) in slots {
                    let s = read(&segments[number]);
                    let members = Membership::Known;
                    self.score_slots(&s, slots.into_iter(), &queries, filter, members, &mut tops);
                }
                return Ok(tops.into_iter().map(TopK::into_hits).collect());
            }
            Some(Members::Many(bits)) => Some(bits),
            None => None,
        };
        let segments: Vec<(usize, Arc<RwLock<Segment>>)> =
            segments.into_iter().enumerate().collect();
        let total: usize = segments.iter().map(|(_, s)| read(s).len()).sum();
        let workers = if total >= PARALLEL_FROM {
            self.threads.min(segments.len())
        } else {
            1
        };
        let scan = |part: &[(usize, Arc<RwLock<Segment>>)]| {
            let mut tops: Vec<TopK> = queries.iter().map(|_| TopK::new(k)).collect();
            for (number, segment) in part {
                let s = read(segment);
                let members = match &member_bits {
                    Some(bits) => Membership::Bits(&bits[*number]),
                    None => Membership::Unknown,
                };
                self.score_segment(&s, &queries, filter, members, &mut tops);
            }
            tops
        };
        let tops = if workers <= 1 {
            scan(&segments)
        } else {
            let per = segments.len().div_ceil(workers);
            std::thread::scope(|scope| {
                // The first part is scanned here, the others on threads of their own.
                let (first, rest) = segments.split_at(per.min(segments.len()));
                let handles: Vec<_> = rest
                    .chunks(per)
                    .map(|part| scope.spawn(move || scan(part)))
                    .collect();
                let mut merged = scan(first);
                for handle in handles {
                    let part = handle
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    for (m, t) in merged.iter_mut().zip(part) {
                        m.merge(t);
                    }
                }
                merged
            })
        };
        Ok(tops.into_iter().map(TopK::into_hits).collect())
    }

    /// Scores every accepted slot of `s` against every query into `tops`. When the account condition is settled
    /// for the whole segment and the filter has no ids or predicate (which need each item), a block's accepted
    /// slots are its live ones and list members, read from bits; otherwise each slot is checked.
    fn score_segment(
        &self,
        s: &Segment,
        queries: &[Query],
        filter: &Filter,
        members: Membership,
        tops: &mut [TopK],
    ) {
        let Some(account_settled) = account_settled(filter, s) else {
            return;
        };
        let by_bits = account_settled
            && filter.ids.is_none()
            && filter.predicate.is_none()
            && match members {
                Membership::Bits(_) => true,
                Membership::Unknown => filter.lists.is_none(),
                Membership::Known => false,
            };
        if !by_bits {
            return self.score_slots(s, 0..s.len(), queries, filter, members, tops);
        }
        let mut scorer = self.block_scorer(s, queries);
        for block in 0..s.len().div_ceil(BLOCK_ROWS) {
            let mut mask = s.alive_mask(block);
            if let Membership::Bits(bits) = members {
                mask &= member_mask(bits, block);
            }
            if mask != 0 {
                scorer.score((block, mask), tops);
            }
        }
    }

    /// Scores the accepted ones of `slots` (ascending, or nearly: a block met twice is scored twice) against
    /// every query into `tops`, a block of `BLOCK_ROWS` slots at a time.
    fn score_slots(
        &self,
        s: &Segment,
        slots: impl Iterator<Item = usize>,
        queries: &[Query],
        filter: &Filter,
        members: Membership,
        tops: &mut [TopK],
    ) {
        let Some(account_settled) = account_settled(filter, s) else {
            return;
        };
        let rest = |id: &ItemId, meta: &ItemMeta| {
            (account_settled || filter.account == Some(meta.account))
                && filter.accepts_ids_and_predicate(id, meta)
        };
        let mut scorer = self.block_scorer(s, queries);
        // The block being gathered and a bit for each of its accepted slots.
        let mut pending: Option<(usize, u32)> = None;
        for slot in slots {
            if slot >= s.len() || !s.alive[slot] {
                continue;
            }
            let (id, meta) = (&s.ids[slot], &s.meta[slot]);
            let accepted = match members {
                Membership::Unknown => filter.accepts_lists(meta) && rest(id, meta),
                Membership::Known => rest(id, meta),
                Membership::Bits(bits) => bit_set(bits, slot) && rest(id, meta),
            };
            if !accepted {
                continue;
            }
            let (block, bit) = (slot / BLOCK_ROWS, 1u32 << (slot % BLOCK_ROWS));
            match &mut pending {
                Some((gathering, mask)) if *gathering == block => *mask |= bit,
                _ => {
                    if let Some(done) = pending.replace((block, bit)) {
                        scorer.score(done, tops);
                    }
                }
            }
        }
        if let Some(done) = pending {
            scorer.score(done, tops);
        }
    }

    fn block_scorer<'a>(&'a self, s: &'a Segment, queries: &'a [Query]) -> BlockScorer<'a> {
        BlockScorer {
            kernels: &self.kernels,
            segment: s,
            queries: ScanQueries::new(queries),
            scratch: BlockScratch {
                dots: Vec::with_capacity(queries.len()),
            },
            scores: vec![[0f32; BLOCK_ROWS]; queries.len()],
        }
    }
}

/// Whether the filter's account condition holds for every item of `s` (`Some(true)`), must be checked per item
/// (`Some(false)`), or holds for none (`None`: the segment's items all belong to another account).
fn account_settled(filter: &Filter, s: &Segment) -> Option<bool> {
    match (filter.account, s.only_account()) {
        (Some(wanted), Some(only)) if wanted != only => None,
        (Some(_), Some(_)) | (None, _) => Some(true),
        (Some(_), None) => Some(false),
    }
}

/// Scores blocks of one segment for one scan, with the scan's buffers.
struct BlockScorer<'a> {
    kernels: &'a Kernels,
    segment: &'a Segment,
    queries: ScanQueries<'a>,
    scratch: BlockScratch,
    scores: Vec<[f32; BLOCK_ROWS]>,
}

impl BlockScorer<'_> {
    /// Scores the slots `mask` picks in `block` and offers them to every query's top k.
    fn score(&mut self, (block, mask): (usize, u32), tops: &mut [TopK]) {
        self.segment.block_scores(
            self.kernels,
            &self.queries,
            block,
            &mut self.scratch,
            &mut self.scores,
        );
        // Most rows fall below every query's floor: sixteen comparisons find the few that do not.
        for (top, scores) in tops.iter_mut().zip(&self.scores) {
            let mut rows = mask & top.not_below_floor(scores);
            while rows != 0 {
                let r = rows.trailing_zeros() as usize;
                top.push(self.segment.ids[block * BLOCK_ROWS + r], scores[r]);
                rows &= rows - 1;
            }
        }
    }
}

/// The members of a search's lists, read under the directory lock together with the segment list.
enum Members {
    /// Few (fewer than one in `SELECTIVE_RATIO` items): their slots grouped by segment, walked one by one.
    Few(Vec<(usize, Vec<usize>)>),
    /// Many: one bit per slot of each segment, tested during a full scan. Reading a bit is far cheaper than
    /// reading an item's list ids, which live in a heap allocation of their own.
    Many(Arc<Vec<Vec<u64>>>),
}

/// What a scan knows about the list condition of the slots it visits.
#[derive(Clone, Copy)]
enum Membership<'a> {
    /// Nothing: the filter checks the item's lists (or has no list condition).
    Unknown,
    /// Every visited slot is a member.
    Known,
    /// A slot is a member when its bit is set.
    Bits(&'a [u64]),
}

/// The member bits of block `block` (bit r: slot `block · BLOCK_ROWS + r`).
fn member_mask(bits: &[u64], block: usize) -> u32 {
    const _: () = assert!(64 % BLOCK_ROWS == 0 && BLOCK_ROWS <= 32);
    const PER_WORD: usize = 64 / BLOCK_ROWS;
    const ROWS: u64 = (1 << BLOCK_ROWS) - 1;
    bits.get(block / PER_WORD).map_or(0, |word| {
        (word >> (block % PER_WORD * BLOCK_ROWS) & ROWS) as u32
    })
}

fn bit_set(bits: &[u64], slot: usize) -> bool {
    bits.get(slot / 64)
        .is_some_and(|word| word >> (slot % 64) & 1 == 1)
}

fn list_members(dir: &Directory, lists: &[Uuid], segment_count: usize) -> Members {
    let sets: Vec<&HashSet<SlotRef>> = lists.iter().filter_map(|l| dir.members.get(l)).collect();
    let count: usize = sets.iter().map(|set| set.len()).sum();
    let members = sets.into_iter().flatten().filter(|at| at.0 < segment_count);
    if count * SELECTIVE_RATIO > dir.slots.len() {
        let mut bits = vec![vec![0u64; SEGMENT_SLOTS.div_ceil(64)]; segment_count];
        for &(number, slot) in members {
            bits[number][slot / 64] |= 1 << (slot % 64);
        }
        return Members::Many(Arc::new(bits));
    }
    let mut by_segment: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(number, slot) in members {
        by_segment.entry(number).or_default().push(slot);
    }
    let mut out: Vec<_> = by_segment.into_iter().collect();
    for (_, slots) in &mut out {
        slots.sort_unstable();
        slots.dedup();
    }
    out.sort_unstable_by_key(|(n, _)| *n);
    Members::Few(out)
}

fn forget_lists(dir: &mut Directory, at: SlotRef, lists: &[Uuid]) {
    for list in lists {
        if let Some(set) = dir.members.get_mut(list) {
            set.remove(&at);
            if set.is_empty() {
                dir.members.remove(list);
            }
        }
    }
}
