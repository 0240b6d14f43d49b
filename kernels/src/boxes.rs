//! MTCNN's box post-processing on the GPU: the bounding-box regression (optionally followed by
//! squaring) of the CPU engine's `detect::regress` / `detect::square`, and non-maximum
//! suppression in the bitmask formulation: one thread per (box, 32 later boxes) computes the
//! overlap of the box with each later one (boxes ranked by score) and sets a bit where the
//! overlap exceeds the threshold; the host then runs the greedy pass over the bitmask rows,
//! which keeps exactly the set of the engine's `nms::nms`. The CPU references are
//! [`regress_ref`] and [`nms_ref`].

use cubecl::prelude::*;

use crate::image::check_grid;
use crate::runtime::{read_f32, read_u32};
use crate::{KernelError, Result};

/// A candidate box, field for field the engine's `nms::Candidate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Left.
    pub x1: f32,
    /// Top.
    pub y1: f32,
    /// Right.
    pub x2: f32,
    /// Bottom.
    pub y2: f32,
    /// Face probability.
    pub score: f32,
    /// Regression offsets (dx1, dy1, dx2, dy2), relative to the box size.
    pub reg: [f32; 4],
}

/// How overlap is measured (the engine's `nms::Overlap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// Intersection over union; widths are x2 − x1.
    Union,
    /// Intersection over the smaller box; widths are x2 − x1 + 1.
    Min,
}

/// Threads per cube of the mask kernel (one 32-bit mask word each).
pub const NMS_CUBE_DIM: u32 = 32;
/// Threads per cube of the regression kernel.
pub const REGRESS_CUBE_DIM: u32 = 64;
/// Most boxes one NMS takes (its mask is `n * ceil(n / 32)` words: 32 MiB at this size).
pub const MAX_NMS_BOXES: usize = 16_384;
/// Pre-filled into the mask: the kernel never sets bit `i` of row `i` (only later boxes), so a
/// row whose diagonal bit is still set was not written.
const MASK_NOT_WRITTEN: u32 = u32::MAX;
/// Pre-filled into the regressed boxes: a NaN payload no arithmetic produces.
const BOX_NOT_WRITTEN: u32 = 0x7FC0_DEAD;

/// Overlap of box `a` with box `b` (`boxes` holds x1, y1, x2, y2 per box), in the engine's
/// operations and order; `min_overlap` selects [`Overlap::Min`] (areas and intersection + 1).
#[cube]
fn overlap(boxes: &Array<f32>, a: usize, b: usize, #[comptime] min_overlap: bool) -> f32 {
    let mut plus = 0.0f32;
    if min_overlap {
        plus = 1.0f32;
    }
    let ax1 = boxes[a * 4];
    let ay1 = boxes[a * 4 + 1];
    let ax2 = boxes[a * 4 + 2];
    let ay2 = boxes[a * 4 + 3];
    let bx1 = boxes[b * 4];
    let by1 = boxes[b * 4 + 1];
    let bx2 = boxes[b * 4 + 2];
    let by2 = boxes[b * 4 + 3];
    let area_a = (ax2 - ax1 + plus) * (ay2 - ay1 + plus);
    let area_b = (bx2 - bx1 + plus) * (by2 - by1 + plus);
    let iw = f32::max(f32::min(ax2, bx2) - f32::max(ax1, bx1) + plus, 0.0f32);
    let ih = f32::max(f32::min(ay2, by2) - f32::max(ay1, by1) + plus, 0.0f32);
    let inter = iw * ih;
    let mut ratio = inter / (area_a + area_b - inter);
    if min_overlap {
        ratio = inter / f32::min(area_a, area_b);
    }
    ratio
}

/// Grid (ceil(words / 32), count): thread (w, i) writes word `w` of row `i` of the mask: bit `k`
/// is set when box `j = 32 w + k` ranks after box `i` (`j > i`; the boxes come sorted by score)
/// and their overlap exceeds `threshold`.
#[cube(launch)]
pub fn nms_mask(
    boxes: &Array<f32>,
    mask: &mut Array<u32>,
    count: u32,
    threshold: f32,
    #[comptime] min_overlap: bool,
) {
    let word = ABSOLUTE_POS_X;
    let row = CUBE_POS_Y;
    #[expect(
        clippy::manual_div_ceil,
        reason = "u32::div_ceil is not expanded inside #[cube]"
    )]
    let words = (count + 31) / 32;
    if word < words {
        let mut bits = 0u32;
        for k in 0..32u32 {
            let column = word * 32 + k;
            // Nested, not `&&`: the overlap must not be read for a column past the last box.
            #[expect(
                clippy::collapsible_if,
                reason = "`&&` inside #[cube] is not guaranteed to short-circuit"
            )]
            if column > row && column < count {
                if overlap(boxes, row as usize, column as usize, min_overlap) > threshold {
                    bits |= 1u32 << k;
                }
            }
        }
        mask[(row * words + word) as usize] = bits;
    }
}

/// One thread per box: the engine's `regress(b, plus)` (w = x2 − x1 + plus, each corner moved by
/// its offset times w or h), then, when `square`, `square(..)` (side = the longer side, kept
/// centred). `boxes` and `regs` hold 4 f32 per box; `out` receives x1, y1, x2, y2.
#[cube(launch)]
pub fn regress_boxes(
    boxes: &Array<f32>,
    regs: &Array<f32>,
    out: &mut Array<f32>,
    plus: f32,
    #[comptime] square: bool,
) {
    let i = ABSOLUTE_POS;
    if i < boxes.len() / 4 {
        let x1 = boxes[i * 4];
        let y1 = boxes[i * 4 + 1];
        let x2 = boxes[i * 4 + 2];
        let y2 = boxes[i * 4 + 3];
        let w = x2 - x1 + plus;
        let h = y2 - y1 + plus;
        let mut nx1 = x1 + regs[i * 4] * w;
        let mut ny1 = y1 + regs[i * 4 + 1] * h;
        let mut nx2 = x2 + regs[i * 4 + 2] * w;
        let mut ny2 = y2 + regs[i * 4 + 3] * h;
        if square {
            let sw = nx2 - nx1;
            let sh = ny2 - ny1;
            let side = f32::max(sw, sh);
            nx1 = nx1 + sw * 0.5f32 - side * 0.5f32;
            ny1 = ny1 + sh * 0.5f32 - side * 0.5f32;
            nx2 = nx1 + side;
            ny2 = ny1 + side;
        }
        out[i * 4] = nx1;
        out[i * 4 + 1] = ny1;
        out[i * 4 + 2] = nx2;
        out[i * 4 + 3] = ny2;
    }
}

/// CPU reference of [`regress_boxes`]: the engine's `detect::regress(b, plus)`, then
/// `detect::square` when `square`. Returns x1, y1, x2, y2 per box.
pub fn regress_ref(boxes: &[Candidate], plus: f32, square: bool) -> Vec<[f32; 4]> {
    boxes
        .iter()
        .map(|b| {
            let (w, h) = (b.x2 - b.x1 + plus, b.y2 - b.y1 + plus);
            let (x1, y1) = (b.x1 + b.reg[0] * w, b.y1 + b.reg[1] * h);
            let (x2, y2) = (b.x2 + b.reg[2] * w, b.y2 + b.reg[3] * h);
            if !square {
                return [x1, y1, x2, y2];
            }
            let (w, h) = (x2 - x1, y2 - y1);
            let side = w.max(h);
            let sx1 = x1 + w * 0.5 - side * 0.5;
            let sy1 = y1 + h * 0.5 - side * 0.5;
            [sx1, sy1, sx1 + side, sy1 + side]
        })
        .collect()
}

/// The engine's rank order: score descending (`total_cmp`), ties to the lower index.
pub fn score_order(boxes: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score).then(a.cmp(&b)));
    order
}

/// CPU reference of the GPU NMS: the engine's `nms::nms` (greedy over the rank order, a kept box
/// suppresses every later box whose overlap with it exceeds `threshold`). Returns the kept
/// indices, best first.
pub fn nms_ref(boxes: &[Candidate], threshold: f32, overlap: Overlap) -> Vec<usize> {
    let order = score_order(boxes);
    let plus = if overlap == Overlap::Min { 1.0 } else { 0.0 };
    let area = |b: &Candidate| (b.x2 - b.x1 + plus) * (b.y2 - b.y1 + plus);
    let mut suppressed = vec![false; boxes.len()];
    let mut kept = Vec::new();
    for (rank, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        kept.push(i);
        let a = &boxes[i];
        for &j in &order[rank + 1..] {
            if suppressed[j] {
                continue;
            }
            let b = &boxes[j];
            let iw = (a.x2.min(b.x2) - a.x1.max(b.x1) + plus).max(0.0);
            let ih = (a.y2.min(b.y2) - a.y1.max(b.y1) + plus).max(0.0);
            let inter = iw * ih;
            let ratio = match overlap {
                Overlap::Union => inter / (area(a) + area(b) - inter),
                Overlap::Min => inter / area(a).min(area(b)),
            };
            if ratio > threshold {
                suppressed[j] = true;
            }
        }
    }
    kept
}

/// The greedy pass over a suppression mask of `count` ranked boxes (`words` words per row):
/// returns the kept ranks, best first.
pub fn greedy_over_mask(mask: &[u32], count: usize, words: usize) -> Vec<usize> {
    let mut removed = vec![0u32; words];
    let mut kept = Vec::new();
    for rank in 0..count {
        if (removed[rank / 32] >> (rank % 32)) & 1 == 1 {
            continue;
        }
        kept.push(rank);
        for (r, m) in removed
            .iter_mut()
            .zip(&mask[rank * words..(rank + 1) * words])
        {
            *r |= m;
        }
    }
    kept
}

fn check_count(count: usize) -> Result<()> {
    if count > MAX_NMS_BOXES {
        return Err(KernelError::BadInput(format!(
            "{count} boxes in one NMS; at most {MAX_NMS_BOXES}"
        )));
    }
    Ok(())
}

/// Launches the mask kernel on `ranked` (a handle of `count * 4` f32 in rank order), reads the
/// mask back and runs the greedy pass; returns the kept ranks.
fn mask_and_keep<R: Runtime>(
    client: &ComputeClient<R>,
    ranked: cubecl::server::Handle,
    count: usize,
    threshold: f32,
    overlap: Overlap,
) -> Result<Vec<usize>> {
    let words = count.div_ceil(32);
    let grid_x = check_grid("nms_mask", words.div_ceil(NMS_CUBE_DIM as usize))?;
    let grid_y = check_grid("nms_mask (boxes)", count)?;
    let mask_handle =
        client.create_from_slice(u32::as_bytes(&vec![MASK_NOT_WRITTEN; count * words]));
    nms_mask::launch::<R>(
        client,
        CubeCount::Static(grid_x, grid_y, 1),
        CubeDim::new_1d(NMS_CUBE_DIM),
        // SAFETY: `ranked` holds `count * 4` f32 and the mask `count * words` u32.
        unsafe { ArrayArg::from_raw_parts(ranked, count * 4) },
        unsafe { ArrayArg::from_raw_parts(mask_handle.clone(), count * words) },
        count as u32,
        threshold,
        overlap == Overlap::Min,
    );
    let mask = read_u32(client, mask_handle, "nms_mask")?;
    if mask.len() < count * words {
        return Err(KernelError::Internal {
            kernel: "nms_mask",
            detail: "short read-back".to_string(),
        });
    }
    let unwritten = (0..count).any(|i| (mask[i * words + i / 32] >> (i % 32)) & 1 == 1);
    if unwritten {
        return Err(KernelError::Internal {
            kernel: "nms_mask",
            detail: "mask rows were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok(greedy_over_mask(&mask, count, words))
}

/// NMS on the GPU: ranks the boxes by score on the host, computes the suppression mask in one
/// launch, and runs the greedy pass on the host. Returns the kept indices, best first: the set
/// and order of the engine's `nms::nms`.
pub fn nms_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    boxes: &[Candidate],
    threshold: f32,
    overlap: Overlap,
) -> Result<Vec<usize>> {
    check_count(boxes.len())?;
    if boxes.is_empty() {
        return Ok(Vec::new());
    }
    let order = score_order(boxes);
    let ranked: Vec<f32> = order
        .iter()
        .flat_map(|&i| [boxes[i].x1, boxes[i].y1, boxes[i].x2, boxes[i].y2])
        .collect();
    let handle = client.create_from_slice(f32::as_bytes(&ranked));
    let kept = mask_and_keep(client, handle, boxes.len(), threshold, overlap)?;
    Ok(kept.into_iter().map(|rank| order[rank]).collect())
}

/// Launches [`regress_boxes`] on `count` boxes already on the device; returns the output handle.
fn launch_regress<R: Runtime>(
    client: &ComputeClient<R>,
    boxes: cubecl::server::Handle,
    regs: cubecl::server::Handle,
    count: usize,
    plus: f32,
    square: bool,
) -> Result<cubecl::server::Handle> {
    let grid = check_grid("regress_boxes", count.div_ceil(REGRESS_CUBE_DIM as usize))?;
    let out = client.create_from_slice(u32::as_bytes(&vec![BOX_NOT_WRITTEN; count * 4]));
    regress_boxes::launch::<R>(
        client,
        CubeCount::Static(grid, 1, 1),
        CubeDim::new_1d(REGRESS_CUBE_DIM),
        // SAFETY: each handle holds `count * 4` f32.
        unsafe { ArrayArg::from_raw_parts(boxes, count * 4) },
        unsafe { ArrayArg::from_raw_parts(regs, count * 4) },
        unsafe { ArrayArg::from_raw_parts(out.clone(), count * 4) },
        plus,
        square,
    );
    Ok(out)
}

/// Reads `count` boxes back and fails if one was not written.
fn read_boxes<R: Runtime>(
    client: &ComputeClient<R>,
    handle: cubecl::server::Handle,
    count: usize,
) -> Result<Vec<[f32; 4]>> {
    let values = read_f32(client, handle, "regress_boxes")?;
    if values.len() < count * 4 {
        return Err(KernelError::Internal {
            kernel: "regress_boxes",
            detail: "short read-back".to_string(),
        });
    }
    if values[..count * 4]
        .iter()
        .any(|v| v.to_bits() == BOX_NOT_WRITTEN)
    {
        return Err(KernelError::Internal {
            kernel: "regress_boxes",
            detail: "boxes were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok(values[..count * 4]
        .chunks_exact(4)
        .map(|b| [b[0], b[1], b[2], b[3]])
        .collect())
}

fn upload_boxes<R: Runtime>(
    client: &ComputeClient<R>,
    boxes: &[Candidate],
    order: &[usize],
) -> (cubecl::server::Handle, cubecl::server::Handle) {
    let corners: Vec<f32> = order
        .iter()
        .flat_map(|&i| [boxes[i].x1, boxes[i].y1, boxes[i].x2, boxes[i].y2])
        .collect();
    let regs: Vec<f32> = order.iter().flat_map(|&i| boxes[i].reg).collect();
    (
        client.create_from_slice(f32::as_bytes(&corners)),
        client.create_from_slice(f32::as_bytes(&regs)),
    )
}

/// The box regression on the GPU (`plus` 0 for stage-1 widths, 1 afterwards; `square` as the
/// engine's stages 1 and 2 do). Returns x1, y1, x2, y2 per box, in input order.
pub fn regress_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    boxes: &[Candidate],
    plus: f32,
    square: bool,
) -> Result<Vec<[f32; 4]>> {
    if boxes.is_empty() {
        return Ok(Vec::new());
    }
    let order: Vec<usize> = (0..boxes.len()).collect();
    let (corners, regs) = upload_boxes(client, boxes, &order);
    let out = launch_regress(client, corners, regs, boxes.len(), plus, square)?;
    read_boxes(client, out, boxes.len())
}

/// What [`regress_nms_gpu`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressedNms {
    /// Indices of the kept boxes, best first.
    pub kept: Vec<usize>,
    /// The regressed box (x1, y1, x2, y2) of every input box, in input order.
    pub boxes: Vec<[f32; 4]>,
}

/// Regression, then NMS over the regressed boxes, as the engine's stage 3 does
/// (`regress(b, 1)` then `nms(.., 0.7, Min)`): both kernels run back to back on the device (the
/// regressed boxes stay there, in rank order, for the mask kernel), the greedy pass on the host.
/// Reference: [`regress_ref`] then [`nms_ref`] on the regressed boxes.
pub fn regress_nms_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    boxes: &[Candidate],
    plus: f32,
    threshold: f32,
    overlap: Overlap,
) -> Result<RegressedNms> {
    check_count(boxes.len())?;
    if boxes.is_empty() {
        return Ok(RegressedNms {
            kept: Vec::new(),
            boxes: Vec::new(),
        });
    }
    // Regression does not change scores, so the rank order is that of the input boxes.
    let order = score_order(boxes);
    let (corners, regs) = upload_boxes(client, boxes, &order);
    let regressed = launch_regress(client, corners, regs, boxes.len(), plus, false)?;
    let kept = mask_and_keep(client, regressed.clone(), boxes.len(), threshold, overlap)?;
    let ranked = read_boxes(client, regressed, boxes.len())?;
    let mut out = vec![[0f32; 4]; boxes.len()];
    for (rank, &i) in order.iter().enumerate() {
        out[i] = ranked[rank];
    }
    Ok(RegressedNms {
        kept: kept.into_iter().map(|rank| order[rank]).collect(),
        boxes: out,
    })
}
