//! Compression of f32 descriptors for the device-resident database: symmetric per-vector int8
//! (`code = round(x * 127 / max|x|)`, scale `max|x| / 127`) and f32 -> f16 packing. GPU kernels,
//! launchers and the scalar CPU references [`quantize_i8_ref`] and [`to_f16_ref`].

#![expect(
    clippy::manual_clamp,
    reason = "f32::max/min are the CubeCL intrinsics; f32::clamp is not expanded inside #[cube]"
)]

use cubecl::prelude::*;
use half::f16;

use crate::l2::ROW_CUBE_DIM;
use crate::runtime::{check_len, read_f32, read_i8};
use crate::{KernelError, Result};

/// One thread per row: max |x|, then codes `floor(x * (127 / max) + 0.5)` clamped to [-127, 127].
#[cube(launch)]
pub fn quantize_i8(
    input: &Array<f32>,
    codes: &mut Array<i8>,
    scales: &mut Array<f32>,
    #[comptime] dim: usize,
) {
    let row = ABSOLUTE_POS;
    let rows = input.len() / dim;
    if row < rows {
        let base = row * dim;
        let mut max_abs = 0.0f32;
        for i in 0..dim {
            max_abs = f32::max(max_abs, f32::abs(input[base + i]));
        }
        let mut inverse = 0.0f32;
        if max_abs > 0.0 {
            inverse = 127.0f32 / max_abs;
        }
        for i in 0..dim {
            let scaled = f32::floor(input[base + i] * inverse + 0.5f32);
            let clamped = f32::max(f32::min(scaled, 127.0f32), -127.0f32);
            codes[base + i] = i8::cast_from(clamped);
        }
        scales[row] = max_abs / 127.0f32;
    }
}

/// One thread per value: f32 -> f16 (round to nearest even).
#[cube(launch)]
pub fn to_f16(input: &Array<f32>, output: &mut Array<f16>) {
    if ABSOLUTE_POS < input.len() {
        output[ABSOLUTE_POS] = f16::cast_from(input[ABSOLUTE_POS]);
    }
}

/// CPU reference of [`quantize_i8`]: returns (codes, one scale per row).
pub fn quantize_i8_ref(input: &[f32], dim: usize) -> (Vec<i8>, Vec<f32>) {
    let mut codes = Vec::with_capacity(input.len());
    let mut scales = Vec::with_capacity(input.len() / dim.max(1));
    for row in input.chunks_exact(dim) {
        let max_abs = row.iter().fold(0.0f32, |acc, v| acc.max(v.abs()));
        let inverse = if max_abs > 0.0 { 127.0 / max_abs } else { 0.0 };
        for v in row {
            let scaled = (v * inverse + 0.5).floor();
            codes.push(scaled.clamp(-127.0, 127.0) as i8);
        }
        scales.push(max_abs / 127.0);
    }
    (codes, scales)
}

/// CPU reference of [`to_f16`].
pub fn to_f16_ref(input: &[f32]) -> Vec<f16> {
    input.iter().map(|v| f16::from_f32(*v)).collect()
}

/// Quantises every row of `input` on the device; returns (codes, one scale per row).
pub fn quantize_i8_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    input: &[f32],
    dim: usize,
) -> Result<(Vec<i8>, Vec<f32>)> {
    check_len("input", input.len(), dim)?;
    let rows = input.len() / dim;
    if rows == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let input_handle = client.create_from_slice(f32::as_bytes(input));
    let codes_handle = client.empty(input.len());
    // Scales are >= 0: a -1 left after the launch means the kernel did not run.
    let scales_handle = client.create_from_slice(f32::as_bytes(&vec![-1.0f32; rows]));
    quantize_i8::launch::<R>(
        client,
        CubeCount::Static((rows as u32).div_ceil(ROW_CUBE_DIM), 1, 1),
        CubeDim::new_1d(ROW_CUBE_DIM),
        // SAFETY: each handle was sized above for exactly the length given.
        unsafe { ArrayArg::from_raw_parts(input_handle, input.len()) },
        unsafe { ArrayArg::from_raw_parts(codes_handle.clone(), input.len()) },
        unsafe { ArrayArg::from_raw_parts(scales_handle.clone(), rows) },
        dim,
    );
    let codes = read_i8(client, codes_handle, "quantize_i8")?;
    let scales = read_f32(client, scales_handle, "quantize_i8")?;
    if codes.len() < input.len() || scales.len() < rows {
        return Err(KernelError::Internal {
            kernel: "quantize_i8",
            detail: "short read-back".to_string(),
        });
    }
    if scales[..rows].iter().any(|scale| *scale < 0.0) {
        return Err(KernelError::Internal {
            kernel: "quantize_i8",
            detail: "scales were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok((codes[..input.len()].to_vec(), scales[..rows].to_vec()))
}

/// Packs `input` to f16 on the device.
pub fn to_f16_gpu<R: Runtime>(client: &ComputeClient<R>, input: &[f32]) -> Result<Vec<f16>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let input_handle = client.create_from_slice(f32::as_bytes(input));
    let output_handle = client.empty(input.len() * size_of::<f16>());
    to_f16::launch::<R>(
        client,
        CubeCount::Static((input.len() as u32).div_ceil(ROW_CUBE_DIM), 1, 1),
        CubeDim::new_1d(ROW_CUBE_DIM),
        // SAFETY: each handle holds exactly `input.len()` values of its type.
        unsafe { ArrayArg::from_raw_parts(input_handle, input.len()) },
        unsafe { ArrayArg::from_raw_parts(output_handle.clone(), input.len()) },
    );
    let bytes = client
        .read_one(output_handle)
        .map_err(|e| KernelError::Internal {
            kernel: "to_f16",
            detail: e.to_string(),
        })?;
    let values: Vec<f16> = bytes
        .chunks_exact(2)
        .map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])))
        .collect();
    if values.len() < input.len() {
        return Err(KernelError::Internal {
            kernel: "to_f16",
            detail: "short read-back".to_string(),
        });
    }
    Ok(values[..input.len()].to_vec())
}
