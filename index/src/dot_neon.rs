//! NEON dot products (aarch64); int8 and f32 blocks use the scalar references, which the compiler vectorises. f16 values are widened eight at a time with the `half` crate (which uses the
//! CPU's fp16 instructions where it has them) and then summed exactly as the f32 kernel sums. The x86_64 development machine has no
//! aarch64 toolchain, so this file has not been compiled yet: build it and run the kernel test (which compares it
//! with the scalar reference) on an aarch64 host before relying on it.

use super::{
    Kernels, dot_f16_ref, dot_f32_block_ref, dot_f32_ref, dot_i8_block_ref, widen_f16_ref,
};
use std::arch::aarch64::*;

pub(super) fn kernels() -> Option<Kernels> {
    std::arch::is_aarch64_feature_detected!("neon").then_some(Kernels {
        f32x4: |qs, x| qs.map(|q| f32_dot(q, x)),
        f16: f16_dot,
        widen_f16: widen_f16_ref,
        i8_block: dot_i8_block_ref,
        f32_block: dot_f32_block_ref,
        name: "neon",
    })
}

fn f32_dot(q: &[f32], x: &[f32]) -> f32 {
    // Safety: only reachable through `kernels()`, which checked the CPU feature.
    unsafe { f32_dot_neon(q, x) }
}

fn f16_dot(q: &[f32], x: &[u16]) -> f32 {
    // Safety: as above.
    unsafe { f16_dot_neon(q, x) }
}

#[target_feature(enable = "neon")]
fn f32_dot_neon(q: &[f32], x: &[f32]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 8;
    let (mut a0, mut a1) = (vdupq_n_f32(0.0), vdupq_n_f32(0.0));
    let mut i = 0;
    while i < body {
        // Safety: i + 8 <= n, both slices hold at least n values.
        unsafe {
            a0 = vfmaq_f32(
                a0,
                vld1q_f32(q.as_ptr().add(i)),
                vld1q_f32(x.as_ptr().add(i)),
            );
            a1 = vfmaq_f32(
                a1,
                vld1q_f32(q.as_ptr().add(i + 4)),
                vld1q_f32(x.as_ptr().add(i + 4)),
            );
        }
        i += 8;
    }
    vaddvq_f32(vaddq_f32(a0, a1)) + dot_f32_ref(&q[body..n], &x[body..n])
}

/// Same accumulators and tail as `f32_dot_neon`, so it equals that kernel on the widened vector bit for bit.
#[target_feature(enable = "neon")]
fn f16_dot_neon(q: &[f32], x: &[u16]) -> f32 {
    let n = q.len().min(x.len());
    let body = n - n % 8;
    let (mut a0, mut a1) = (vdupq_n_f32(0.0), vdupq_n_f32(0.0));
    let mut wide = [0f32; 8];
    let mut i = 0;
    while i < body {
        widen_f16_ref(&x[i..i + 8], &mut wide);
        // Safety: i + 8 <= n for q; `wide` holds 8 values.
        unsafe {
            a0 = vfmaq_f32(a0, vld1q_f32(q.as_ptr().add(i)), vld1q_f32(wide.as_ptr()));
            a1 = vfmaq_f32(
                a1,
                vld1q_f32(q.as_ptr().add(i + 4)),
                vld1q_f32(wide.as_ptr().add(4)),
            );
        }
        i += 8;
    }
    vaddvq_f32(vaddq_f32(a0, a1)) + dot_f16_ref(&q[body..n], &x[body..n])
}
