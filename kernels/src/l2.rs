//! Row-wise L2 normalisation of a row-major `[n, d]` f32 matrix, in place: the GPU kernel, its
//! launcher and the scalar CPU reference [`l2_normalize_ref`]. A zero row stays zero.

use cubecl::prelude::*;

use crate::runtime::{check_len, read_f32};
use crate::{KernelError, Result};

/// Threads per cube for the one-thread-per-row kernels of this crate.
pub const ROW_CUBE_DIM: u32 = 64;

/// One thread per row: sum of squares in index order, then a multiply by `1 / sqrt(sum)`.
#[cube(launch)]
pub fn l2_normalize(matrix: &mut Array<f32>, #[comptime] dim: usize) {
    let row = ABSOLUTE_POS;
    let rows = matrix.len() / dim;
    if row < rows {
        let base = row * dim;
        let mut sum = 0.0f32;
        for i in 0..dim {
            let value = matrix[base + i];
            sum += value * value;
        }
        if sum > 0.0 {
            let inverse = 1.0f32 / f32::sqrt(sum);
            for i in 0..dim {
                matrix[base + i] *= inverse;
            }
        }
    }
}

/// CPU reference of [`l2_normalize`]: the same operations in the same order.
pub fn l2_normalize_ref(matrix: &mut [f32], dim: usize) {
    for row in matrix.chunks_exact_mut(dim) {
        let sum: f32 = row.iter().fold(0.0, |acc, v| acc + v * v);
        if sum > 0.0 {
            let inverse = 1.0 / sum.sqrt();
            row.iter_mut().for_each(|v| *v *= inverse);
        }
    }
}

/// Normalises every row of `matrix` (`rows * dim` values) on the device and returns the result.
pub fn l2_normalize_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    matrix: &[f32],
    dim: usize,
) -> Result<Vec<f32>> {
    check_len("matrix", matrix.len(), dim)?;
    let rows = matrix.len() / dim;
    if rows == 0 {
        return Ok(Vec::new());
    }
    let handle = client.create_from_slice(f32::as_bytes(matrix));
    let cubes = (rows as u32).div_ceil(ROW_CUBE_DIM);
    l2_normalize::launch::<R>(
        client,
        CubeCount::Static(cubes, 1, 1),
        CubeDim::new_1d(ROW_CUBE_DIM),
        // SAFETY: the handle holds exactly `matrix.len()` f32 values.
        unsafe { ArrayArg::from_raw_parts(handle.clone(), matrix.len()) },
        dim,
    );
    let out = read_f32(client, handle, "l2_normalize")?;
    if out.len() < matrix.len() {
        return Err(KernelError::Internal {
            kernel: "l2_normalize",
            detail: format!("read back {} values, expected {}", out.len(), matrix.len()),
        });
    }
    Ok(out[..matrix.len()].to_vec())
}
