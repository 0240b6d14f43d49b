//! Unit tests of the host-side choices: which product a client's features select, the fragment
//! config, and the shared memory each product needs.

use std::collections::BTreeSet;

use cubecl::ir::features::MmaConfig;
use cubecl::ir::{ElemType, FloatKind, IntKind};

use super::{GEMM_MAX_K, TileProduct, fragment_config, shared_bytes};

fn cuda_like(int8: bool) -> BTreeSet<MmaConfig> {
    [fragment_config(false), fragment_config(true)]
        .into_iter()
        .filter(|config| !int8 || config.a_type == fragment_config(true).a_type)
        .collect()
}

#[test]
fn tensor_cores_need_the_fragment_config_and_32_thread_planes() {
    let both = cuda_like(false);
    assert_eq!(
        TileProduct::for_features(&both, 32, 32, false),
        TileProduct::TensorCores
    );
    assert_eq!(
        TileProduct::for_features(&both, 32, 32, true),
        TileProduct::TensorCores
    );
    // No cmma at all (lavapipe, a CPU runtime).
    let none = BTreeSet::new();
    assert_eq!(
        TileProduct::for_features(&none, 32, 32, false),
        TileProduct::Fma
    );
    assert_eq!(
        TileProduct::for_features(&none, 32, 32, true),
        TileProduct::Fma
    );
    // Only the int8 config: fp16 stays on the FMAs, int8 takes the fragments.
    let int8_only = cuda_like(true);
    assert_eq!(int8_only.len(), 1);
    assert_eq!(
        TileProduct::for_features(&int8_only, 32, 32, false),
        TileProduct::Fma
    );
    assert_eq!(
        TileProduct::for_features(&int8_only, 32, 32, true),
        TileProduct::TensorCores
    );
    // Planes of 64 (or a range): the warp ownership assumes 32 threads.
    assert_eq!(
        TileProduct::for_features(&both, 64, 64, false),
        TileProduct::Fma
    );
    assert_eq!(
        TileProduct::for_features(&both, 16, 32, false),
        TileProduct::Fma
    );
    // Another fragment shape of the right types does not count.
    let mut other = BTreeSet::new();
    other.insert(MmaConfig {
        k: 8,
        ..fragment_config(false)
    });
    assert_eq!(
        TileProduct::for_features(&other, 32, 32, false),
        TileProduct::Fma
    );
}

#[test]
fn the_fragment_config_is_16_cubed_with_wide_accumulators() {
    let half = fragment_config(false);
    assert_eq!((half.m, half.n, half.k), (16, 16, 16));
    assert_eq!(half.a_type, ElemType::Float(FloatKind::F16).into());
    assert_eq!(half.cd_type, ElemType::Float(FloatKind::F32).into());
    let int8 = fragment_config(true);
    assert_eq!(int8.b_type, ElemType::Int(IntKind::I8).into());
    assert_eq!(int8.cd_type, ElemType::Int(IntKind::I32).into());
}

#[test]
fn shared_memory_per_product() {
    // FMA: 16 KiB of tiles and 8 B per list entry; 32 KiB at k = 32 (lavapipe's limit).
    assert_eq!(shared_bytes(10, TileProduct::Fma, false), 16_384 + 5_120);
    assert_eq!(shared_bytes(GEMM_MAX_K, TileProduct::Fma, true), 32 * 1024);
    // fp16 fragments: two query parts and the rows, 64 x 24 values of 2 B each, on top.
    assert_eq!(
        shared_bytes(10, TileProduct::TensorCores, false),
        16_384 + 3 * 64 * 24 * 2 + 5_120
    );
    assert_eq!(
        shared_bytes(10, TileProduct::Emulated, false),
        shared_bytes(10, TileProduct::TensorCores, false)
    );
    // int8 fragments: one query part and the rows, 64 x 48 values of 1 B each.
    assert_eq!(
        shared_bytes(10, TileProduct::TensorCores, true),
        16_384 + 2 * 64 * 48 + 5_120
    );
    // Fragments at k = 32 exceed lavapipe's 32 KiB (not a GPU's 48 KiB or more).
    assert_eq!(
        shared_bytes(GEMM_MAX_K, TileProduct::Emulated, false),
        16_384 + 9_216 + 16_384
    );
    assert_eq!(
        shared_bytes(GEMM_MAX_K, TileProduct::TensorCores, true),
        16_384 + 6_144 + 16_384
    );
}
