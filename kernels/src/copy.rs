//! Device-to-device copies of byte ranges between buffers, so that a matcher can grow its device
//! buffers and refresh the chunks that changed without uploading the whole database again. One
//! kernel, [`copy_words`] (16-byte words, a grid-stride loop), its launcher [`copy_into`] and the
//! CPU reference [`copy_into_ref`].

use cubecl::prelude::*;
use cubecl::server::Handle;

use crate::{KernelError, Result};

/// Bytes per copied word: a vector of four u32.
pub const WORD_BYTES: usize = 16;
const WORD_LANES: usize = 4;
const COPY_THREADS: u32 = 256;
const MAX_COPY_CUBES: usize = 4096;

/// `target[offset + i] = source[i]` for every word of `source`, each thread striding over the grid.
#[cube(launch)]
pub fn copy_words<N: Size>(
    source: &Array<Vector<u32, N>>,
    target: &mut Array<Vector<u32, N>>,
    offset: u32,
) {
    let stride = (CUBE_COUNT_X as usize) * (CUBE_DIM_X as usize);
    let mut i = ABSOLUTE_POS;
    while i < source.len() {
        target[offset as usize + i] = source[i];
        i += stride;
    }
}

/// CPU reference of [`copy_into`]: `target[offset..offset + source.len()] = source`.
pub fn copy_into_ref(source: &[u8], target: &mut [u8], offset: usize) {
    target[offset..offset + source.len()].copy_from_slice(source);
}

/// Copies all of `source` into `target` at byte `offset`. Both sizes and the offset must be
/// multiples of [`WORD_BYTES`], and the range must lie inside `target` (else `BadInput`). Sizes
/// are the handles' own, which the runtime may pad beyond the bytes asked for (a 20-byte upload
/// gives a 32-byte handle on wgpu): callers copy buffers whose lengths are whole words.
pub fn copy_into<R: Runtime>(
    client: &ComputeClient<R>,
    source: &Handle,
    target: &Handle,
    offset: usize,
) -> Result<()> {
    let (bytes, target_bytes) = (source.size() as usize, target.size() as usize);
    if !(bytes.is_multiple_of(WORD_BYTES)
        && offset.is_multiple_of(WORD_BYTES)
        && target_bytes.is_multiple_of(WORD_BYTES))
    {
        return Err(KernelError::BadInput(format!(
            "copy of {bytes} bytes to offset {offset} of {target_bytes}: not whole {WORD_BYTES}-byte words"
        )));
    }
    if offset + bytes > target_bytes {
        return Err(KernelError::BadInput(format!(
            "copy of {bytes} bytes to offset {offset} runs past the target's {target_bytes}"
        )));
    }
    let words = bytes / WORD_BYTES;
    if words == 0 {
        return Ok(());
    }
    let offset_words = u32::try_from(offset / WORD_BYTES)
        .map_err(|_| KernelError::BadInput(format!("offset {offset} beyond u32 words")))?;
    let cubes = words.div_ceil(COPY_THREADS as usize).min(MAX_COPY_CUBES) as u32;
    copy_words::launch::<R>(
        client,
        CubeCount::Static(cubes, 1, 1),
        CubeDim::new_1d(COPY_THREADS),
        WORD_LANES,
        // SAFETY: both handles hold the byte counts checked above, in whole 16-byte words; the
        // lengths are in u32 elements (a vectorised array's length counts its scalars).
        unsafe { ArrayArg::from_raw_parts(source.clone(), bytes / size_of::<u32>()) },
        unsafe { ArrayArg::from_raw_parts(target.clone(), target_bytes / size_of::<u32>()) },
        offset_words,
    );
    Ok(())
}
