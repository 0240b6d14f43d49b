//! Which product computes the score tile: [`TileProduct`], chosen from the client's reported
//! `cmma` configs and plane sizes, and the fragment config the tensor-core product needs.

use std::collections::BTreeSet;

use cubecl::ir::features::MmaConfig;
use cubecl::ir::{ElemType, FloatKind, IntKind};
use cubecl::prelude::*;

use super::fragment::{FRAGMENT, PLANE};

/// How a cube computes its 64 x 64 score tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileProduct {
    /// f32 FMAs on the vector units, 4 x 4 scores per thread. Runs everywhere.
    Fma,
    /// CubeCL `cmma` 16 x 16 x 16 fragments (tensor cores on CUDA): fp16 operands with f32
    /// accumulation (each query as a high and a low fp16 part), int8 with i32 accumulation.
    /// Only where [`TileProduct::choose`] finds the fragment config.
    TensorCores,
    /// [`TileProduct::TensorCores`]' staging, warp ownership, accumulation order per element
    /// and store, with each fragment multiply done by plain loads and multiply-adds. Runs
    /// everywhere; the tests use it to check the fragment path's data flow without `cmma`.
    Emulated,
}

impl TileProduct {
    /// The product [`crate::topk::search_gpu`] uses on `client` for fp16 or (`int8`) int8
    /// storage: tensor cores when the client reports `cmma` for [`fragment_config`] and
    /// 32-thread planes, else FMAs.
    pub fn choose<R: Runtime>(client: &ComputeClient<R>, int8: bool) -> Self {
        let properties = client.properties();
        TileProduct::for_features(
            &properties.features.matmul.cmma,
            properties.hardware.plane_size_min,
            properties.hardware.plane_size_max,
            int8,
        )
    }

    /// [`TileProduct::choose`] on the reported `cmma` configs and plane sizes.
    pub fn for_features(
        cmma: &BTreeSet<MmaConfig>,
        plane_size_min: u32,
        plane_size_max: u32,
        int8: bool,
    ) -> Self {
        let warps_of_32 = plane_size_min == PLANE as u32 && plane_size_max == PLANE as u32;
        if warps_of_32 && cmma.contains(&fragment_config(int8)) {
            TileProduct::TensorCores
        } else {
            TileProduct::Fma
        }
    }
}

/// The `cmma` config the tensor-core product needs: 16 x 16 x 16, fp16 x fp16 -> f32, or (int8)
/// i8 x i8 -> i32.
pub fn fragment_config(int8: bool) -> MmaConfig {
    let (operand, accumulator) = if int8 {
        (ElemType::Int(IntKind::I8), ElemType::Int(IntKind::I32))
    } else {
        (
            ElemType::Float(FloatKind::F16),
            ElemType::Float(FloatKind::F32),
        )
    };
    MmaConfig {
        a_type: operand.into(),
        b_type: operand.into(),
        cd_type: accumulator.into(),
        m: FRAGMENT as u32,
        n: FRAGMENT as u32,
        k: FRAGMENT as u32,
    }
}
