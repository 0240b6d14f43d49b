//! Emits the CUDA C of every kernel (matcher, GEMM, image and box kernels) without a GPU, and compiles it with NVRTC to sm_90 PTX.
//! Each kernel's definition is built against the wgpu client (lavapipe's device properties: an
//! approximation of an H100's) and compiled with `cubecl::cuda::CudaCompiler`.
//!
//! Usage: `emit_cuda <out dir> <CUDA include dir>`; writes `<kernel>.<variant>.cu` and `.ptx`.
//! Run by `kernels/ptx-check.sh`, which then runs ptxas on the PTX.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use argus_kernels::boxes::{NMS_CUBE_DIM, REGRESS_CUBE_DIM, nms_mask, regress_boxes};
use argus_kernels::gemm::{GEMM_THREADS, TileProduct, gemm_topk};
use argus_kernels::image::IMAGE_CUBE_DIM;
use argus_kernels::l2::{ROW_CUBE_DIM, l2_normalize};
use argus_kernels::quantize::{quantize_i8, to_f16};
use argus_kernels::resize::{crop_resize, pyramid_resize};
use argus_kernels::topk::{ScanShape, merge_topk, scan_topk_f16, scan_topk_i8};
use argus_kernels::warp::warp_affine;
use cubecl::CubeTask;
use cubecl::cuda::CudaCompiler;
use cubecl::prelude::*;
use cubecl::server::ExecutionMode;
use cubecl::wgpu::WgpuRuntime;
use half::f16;

type Client = ComputeClient<WgpuRuntime>;

/// The vector width CUDA would pick for 16-byte loads of `elem_bytes` elements.
const CUDA_LOAD_BYTES: usize = 16;
const K: usize = 10;

fn settings(threads: u32) -> KernelSettings {
    KernelSettings::default()
        .cube_dim(CubeDim::new_1d(threads))
        .address_type(AddressType::U32)
}

fn launcher(client: &Client, settings: &KernelSettings) -> KernelLauncher<WgpuRuntime> {
    let mut launcher = KernelLauncher::<WgpuRuntime>::new(settings.clone());
    launcher.with_scope(|scope| scope.device_properties(client.properties()));
    launcher
}

/// A dummy buffer argument: definitions only need the argument's type, not its contents.
fn array(client: &Client) -> ArrayArg<WgpuRuntime> {
    // SAFETY: the kernel is only defined and compiled, never launched on this buffer.
    unsafe { ArrayArg::from_raw_parts(client.empty(64), 1) }
}

fn cuda_source<K: CubeKernel + 'static>(kernel: K) -> anyhow::Result<String> {
    let address_type = kernel.address_type();
    let task = KernelTask::<CudaCompiler, K>::new(kernel);
    let compiled = task
        .compile(
            &mut Default::default(),
            &Default::default(),
            ExecutionMode::Checked,
            address_type,
        )
        .map_err(|e| anyhow::anyhow!("CudaCompiler: {e}"))?;
    Ok(compiled.source)
}

/// The generated constructor takes the vector width before the comptime arguments; a wrong
/// order compiles but defines another kernel. The entry point's `_n_<width>` suffix tells.
fn checked_width(source: String, width: usize) -> anyhow::Result<String> {
    if !source.contains(&format!("_n_{width} (")) {
        bail!("emitted kernel does not have vector width {width}: arguments out of order");
    }
    Ok(source)
}

fn scan_f16_source(
    client: &Client,
    dim: usize,
    shape: ScanShape,
) -> anyhow::Result<(String, String)> {
    let (threads, tile) = (shape.threads, shape.tile);
    let width = CUDA_LOAD_BYTES / 2;
    let s = settings(threads as u32);
    let mut l = launcher(client, &s);
    l.with_scope(|scope| scope.register_size::<scan_topk_f16::N>(width));
    let a0 = <Array<Vector<f16, scan_topk_f16::N>> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<Vector<f32, scan_topk_f16::N>> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a3 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a4 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a5 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    // Scalars (rows, query count, filter words) register into the info block; their
    // compilation argument is `()`.
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel = scan_topk_f16::ScanTopkF16::<WgpuRuntime>::new(
        s,
        client.clone(),
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        (),
        (),
        (),
        width,
        dim / width,
        threads,
        K,
        tile,
    );
    Ok((
        format!("scan_topk_f16.d{dim}_w{width}_t{threads}_k{K}_q{tile}"),
        checked_width(cuda_source(kernel)?, width)?,
    ))
}

fn scan_i8_source(
    client: &Client,
    dim: usize,
    shape: ScanShape,
) -> anyhow::Result<(String, String)> {
    let (threads, tile) = (shape.threads, shape.tile);
    let width = CUDA_LOAD_BYTES;
    let s = settings(threads as u32);
    let mut l = launcher(client, &s);
    l.with_scope(|scope| scope.register_size::<scan_topk_i8::N>(width));
    let a0 = <Array<Vector<i8, scan_topk_i8::N>> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<Vector<i8, scan_topk_i8::N>> as LaunchArg>::register(array(client), &mut l);
    let a3 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a4 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a5 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a6 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a7 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel = scan_topk_i8::ScanTopkI8::<WgpuRuntime>::new(
        s,
        client.clone(),
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        a6,
        a7,
        (),
        (),
        (),
        width,
        dim / width,
        threads,
        K,
        tile,
    );
    Ok((
        format!("scan_topk_i8.d{dim}_w{width}_t{threads}_k{K}_q{tile}"),
        checked_width(cuda_source(kernel)?, width)?,
    ))
}

/// `gemm_topk` for storage type `E` loaded `width` lanes at a time (fp16: 8, int8: 16), with
/// fragment accumulator `C` (used by the tensor-core product only) and tile product `product`.
fn gemm_source<E: Numeric, C: Numeric>(
    client: &Client,
    dim: usize,
    width: usize,
    scaled: bool,
    product: TileProduct,
    name: &str,
) -> anyhow::Result<(String, String)> {
    let s = settings(GEMM_THREADS as u32);
    let mut l = launcher(client, &s);
    l.with_scope(|scope| scope.register_size::<gemm_topk::N>(width));
    let a0 = <Array<Vector<E, gemm_topk::N>> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a3 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a4 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a5 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a6 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a7 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    // Scalars (rows, query count, filter words) register into the info block.
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel = gemm_topk::GemmTopk::<E, C, WgpuRuntime>::new(
        s,
        client.clone(),
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        a6,
        a7,
        (),
        (),
        (),
        width,
        dim / width,
        K,
        scaled,
        product,
    );
    Ok((
        format!("gemm_topk.{name}_d{dim}_w{width}_t{GEMM_THREADS}_k{K}"),
        checked_width(cuda_source(kernel)?, width)?,
    ))
}

/// The detector's image and box kernels, at the sizes the engine uses (chips of 112, R-Net and
/// O-Net crops of 24 and 48, descriptor chips of 150).
fn image_sources(client: &Client) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let chip = 112;
    let s = settings(IMAGE_CUBE_DIM);
    let mut l = launcher(client, &s);
    let a0 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    // Scalars (width, height) register into the info block; their compilation argument is `()`.
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel =
        warp_affine::WarpAffine::<WgpuRuntime>::new(s, client.clone(), a0, a1, a2, (), (), chip);
    out.push((format!("warp_affine.s{chip}"), cuda_source(kernel)?));

    for size in [24, 48, 150] {
        let s = settings(IMAGE_CUBE_DIM);
        let mut l = launcher(client, &s);
        let a0 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
        let a1 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
        let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
        // image_width, then the normalisation's offset and scale.
        <u32 as LaunchArg>::register(1u32, &mut l);
        <f32 as LaunchArg>::register(0f32, &mut l);
        <f32 as LaunchArg>::register(1f32, &mut l);
        let kernel = crop_resize::CropResize::<WgpuRuntime>::new(
            s,
            client.clone(),
            a0,
            a1,
            a2,
            (),
            (),
            (),
            size,
        );
        out.push((format!("crop_resize.s{size}"), cuda_source(kernel)?));
    }

    let s = settings(IMAGE_CUBE_DIM);
    let mut l = launcher(client, &s);
    let a0 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel =
        pyramid_resize::PyramidResize::<WgpuRuntime>::new(s, client.clone(), a0, a1, a2, (), ());
    out.push(("pyramid_resize.any".into(), cuda_source(kernel)?));

    for (min_overlap, name) in [(false, "union"), (true, "min")] {
        let s = settings(NMS_CUBE_DIM);
        let mut l = launcher(client, &s);
        let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
        let a1 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
        <u32 as LaunchArg>::register(1u32, &mut l);
        <f32 as LaunchArg>::register(0.5f32, &mut l);
        let kernel =
            nms_mask::NmsMask::<WgpuRuntime>::new(s, client.clone(), a0, a1, (), (), min_overlap);
        out.push((format!("nms_mask.{name}"), cuda_source(kernel)?));
    }

    for (square, name) in [(true, "square"), (false, "plain")] {
        let s = settings(REGRESS_CUBE_DIM);
        let mut l = launcher(client, &s);
        let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
        let a1 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
        let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
        <f32 as LaunchArg>::register(1.0f32, &mut l);
        let kernel = regress_boxes::RegressBoxes::<WgpuRuntime>::new(
            s,
            client.clone(),
            a0,
            a1,
            a2,
            (),
            square,
        );
        out.push((format!("regress_boxes.{name}"), cuda_source(kernel)?));
    }
    Ok(out)
}

fn sources(client: &Client) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let dim = 512;

    let s = settings(ROW_CUBE_DIM);
    let mut l = launcher(client, &s);
    let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    out.push((
        "l2_normalize.d512".into(),
        cuda_source(l2_normalize::L2Normalize::<WgpuRuntime>::new(
            s,
            client.clone(),
            a0,
            dim,
        ))?,
    ));

    let s = settings(ROW_CUBE_DIM);
    let mut l = launcher(client, &s);
    let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<i8> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    out.push((
        "quantize_i8.d512".into(),
        cuda_source(quantize_i8::QuantizeI8::<WgpuRuntime>::new(
            s,
            client.clone(),
            a0,
            a1,
            a2,
            dim,
        ))?,
    ));

    let s = settings(ROW_CUBE_DIM);
    let mut l = launcher(client, &s);
    let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<f16> as LaunchArg>::register(array(client), &mut l);
    out.push((
        "to_f16.any".into(),
        cuda_source(to_f16::ToF16::<WgpuRuntime>::new(s, client.clone(), a0, a1))?,
    ));

    // Q = 1 (one query per cube) and a large batch (a tile of queries per cube).
    for queries in [1, 1000] {
        let shape = ScanShape::new(10_000_000, K, queries);
        out.push(scan_f16_source(client, dim, shape)?);
        out.push(scan_i8_source(client, dim, shape)?);
    }
    for (product, suffix) in [(TileProduct::Fma, ""), (TileProduct::TensorCores, "_tc")] {
        out.push(gemm_source::<f16, f32>(
            client,
            dim,
            CUDA_LOAD_BYTES / 2,
            false,
            product,
            &format!("f16{suffix}"),
        )?);
        out.push(gemm_source::<i8, i32>(
            client,
            dim,
            CUDA_LOAD_BYTES,
            true,
            product,
            &format!("i8{suffix}"),
        )?);
    }
    let scan_cubes = ScanShape::new(10_000_000, K, 1).cubes;
    let merge_threads = ScanShape::new(scan_cubes * K, K, 1).threads;
    let s = settings(merge_threads as u32);
    let mut l = launcher(client, &s);
    let a0 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a1 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    let a2 = <Array<f32> as LaunchArg>::register(array(client), &mut l);
    let a3 = <Array<u32> as LaunchArg>::register(array(client), &mut l);
    // Scalars register into the info block; their compilation argument is `()`.
    <u32 as LaunchArg>::register(1u32, &mut l);
    let kernel = merge_topk::MergeTopk::<WgpuRuntime>::new(
        s,
        client.clone(),
        a0,
        a1,
        a2,
        a3,
        (),
        merge_threads,
        K,
    );
    out.push((
        format!("merge_topk.t{merge_threads}_k{K}"),
        cuda_source(kernel)?,
    ));
    out.extend(image_sources(client)?);
    Ok(out)
}

fn compile_ptx(name: &str, source: &str, include: &Path) -> anyhow::Result<String> {
    let options = cudarc::nvrtc::CompileOptions {
        arch: Some("sm_90"),
        include_paths: vec![include.display().to_string()],
        ..Default::default()
    };
    let ptx = cudarc::nvrtc::compile_ptx_with_opts(source, options)
        .map_err(|e| anyhow::anyhow!("NVRTC failed on {name}: {e:?}"))?;
    Ok(ptx.to_src())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(include)) = (args.next(), args.next()) else {
        bail!("usage: emit_cuda <out dir> <CUDA include dir>");
    };
    let out = PathBuf::from(out);
    let include = PathBuf::from(include);
    let client = argus_kernels::runtime::wgpu_client().map_err(anyhow::Error::msg)?;
    for (name, source) in sources(&client)? {
        std::fs::write(out.join(format!("{name}.cu")), &source)
            .with_context(|| format!("writing {name}.cu"))?;
        let ptx = compile_ptx(&name, &source, &include)?;
        std::fs::write(out.join(format!("{name}.ptx")), ptx)
            .with_context(|| format!("writing {name}.ptx"))?;
        eprintln!(
            "emit_cuda: {name}: CUDA C {} bytes, PTX written",
            source.len()
        );
    }
    Ok(())
}
