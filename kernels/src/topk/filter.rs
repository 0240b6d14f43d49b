//! Which slots a search may return: the alive bitmap and the caller's filter on the host
//! ([`FilterBits`], [`Eligible`]), their upload as kernel arguments ([`Bitmaps`]), and the
//! in-kernel AND of the two.

use cubecl::prelude::*;
use cubecl::server::Handle;

/// Word `word` of the eligible-slot bitmap: the alive bitmap ANDed with the caller's filter.
/// `filter_words` = 0 means no caller filter (`filter` is not read); otherwise words of `filter`
/// at or beyond `filter_words` count as zero.
#[cube]
pub(crate) fn eligible_word(
    alive: &Array<u32>,
    filter: &Array<u32>,
    filter_words: u32,
    word: usize,
) -> u32 {
    let mut bits = alive[word];
    if filter_words > 0 {
        if word < filter_words as usize {
            bits &= filter[word];
        } else {
            bits = 0u32;
        }
    }
    bits
}

/// True when slot `row` is alive and passes the caller's filter (see [`eligible_word`]).
#[cube]
pub(crate) fn passes(
    alive: &Array<u32>,
    filter: &Array<u32>,
    filter_words: u32,
    row: usize,
) -> bool {
    let word = eligible_word(alive, filter, filter_words, row / 32);
    ((word >> (row % 32) as u32) & 1u32) == 1u32
}

/// A bitmap of slots, one bit per slot (set = eligible), at least `rows.div_ceil(32)` words.
#[derive(Clone, Copy)]
pub enum FilterBits<'a> {
    /// On the host: uploaded by the search.
    Host(&'a [u32]),
    /// Already on the device (a matcher's bitmap of live slots, kept there between searches).
    Device {
        /// The words.
        handle: &'a Handle,
        /// How many words the handle holds.
        words: usize,
    },
}

impl FilterBits<'_> {
    pub(super) fn words(&self) -> usize {
        match self {
            FilterBits::Host(words) => words.len(),
            FilterBits::Device { words, .. } => *words,
        }
    }
}

/// Which slots a search may return: the live ones, ANDed inside the kernels with the caller's
/// filter when there is one. Only the caller's filter is uploaded per search (when the alive
/// bitmap is already on the device).
#[derive(Clone, Copy)]
pub struct Eligible<'a> {
    /// Live slots (stored and not deleted).
    pub alive: FilterBits<'a>,
    /// The caller's filter, one bit per slot; words beyond its end count as zero. `None`: every
    /// live slot.
    pub filter: Option<&'a [u32]>,
}

/// The bitmaps as kernel arguments. Without a caller filter, `filter` is the alive handle again
/// and `filter_words` is 0, which tells the kernels not to read it.
pub(crate) struct Bitmaps {
    pub(crate) alive: Handle,
    pub(crate) alive_words: usize,
    pub(crate) filter: Handle,
    pub(crate) filter_words: usize,
}

/// The alive bitmap (uploaded when on the host) and the caller's filter (uploaded, at most
/// `words` words), as kernel arguments. `filter` must not be an empty slice.
pub(super) fn upload_bitmaps<R: Runtime>(
    client: &ComputeClient<R>,
    eligible: Eligible<'_>,
    words: usize,
) -> Bitmaps {
    let alive = match eligible.alive {
        FilterBits::Host(bits) => client.create_from_slice(u32::as_bytes(&bits[..words])),
        FilterBits::Device { handle, .. } => handle.clone(),
    };
    match eligible.filter {
        Some(bits) => {
            let filter_words = bits.len().min(words);
            Bitmaps {
                filter: client.create_from_slice(u32::as_bytes(&bits[..filter_words])),
                alive,
                alive_words: words,
                filter_words,
            }
        }
        None => Bitmaps {
            filter: alive.clone(),
            alive,
            alive_words: words,
            filter_words: 0,
        },
    }
}

/// True when bit `row` of `filter` is set.
pub fn bit_set(filter: &[u32], row: usize) -> bool {
    filter
        .get(row / 32)
        .is_some_and(|word| (word >> (row % 32)) & 1 == 1)
}
