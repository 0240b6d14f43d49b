//! Area resizing of RGB8 images into network input tensors: the crops of candidate boxes for
//! R-Net / O-Net and the descriptor network's chips of aligned samples ([`crop_resize_gpu`]) and
//! P-Net's whole image pyramid in one launch ([`pyramid_gpu`]), from host bytes to host values,
//! or on an image already uploaded leaving the tensors in device memory for the networks
//! ([`crop_resize_on_device`], [`pyramid_on_device`]). Both are the GPU twins of the CPU engine's
//! `resample::area_resize` (separable adaptive average pooling: each output pixel averages the
//! rows of per-row column averages) followed by a [`Normalisation`] (MTCNN's
//! `(v - 127.5) * 0.0078125` of `detect::to_tensor`, or none for the descriptor chips) into
//! planar NCHW (channel planes of height x width, what the networks take). The CPU references are
//! [`crop_resize_ref`] and [`pyramid_ref`]; the crop rule is [`crop_rect`] and the pyramid's
//! scales are [`pyramid_levels`], host arithmetic shared by the launchers and the references.

use cubecl::prelude::*;

use crate::image::{DeviceImage, IMAGE_CUBE_DIM, channel, check_grid};
use crate::runtime::read_f32;
use crate::{KernelError, Result};

/// MTCNN's input normalisation: `(v - 127.5) * NORM_SCALE`.
pub const NORM_SCALE: f32 = 0.0078125;

/// How an averaged pixel value `v` (0..=255) becomes a network input: `(v - offset) * scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalisation {
    /// Subtracted first.
    pub offset: f32,
    /// Then multiplied by.
    pub scale: f32,
}

/// MTCNN's input: `(v - 127.5) * NORM_SCALE`, values in -1..=1.
pub const MTCNN_INPUT: Normalisation = Normalisation {
    offset: 127.5,
    scale: NORM_SCALE,
};

/// The values as they are, 0..=255 (the descriptor network normalises inside its graph).
pub const RAW: Normalisation = Normalisation {
    offset: 0.0,
    scale: 1.0,
};
/// Smallest face the pyramid looks for, in pixels (the engine's detection uses it).
pub const MIN_FACE: f32 = 20.0;
/// The pyramid step (the engine's detection uses it).
pub const PYRAMID_FACTOR: f32 = 0.709;
/// Bit pattern pre-filled into the outputs that are read back ([`Output::Checked`]): a quiet NaN
/// with a payload no arithmetic produces, so a value still holding it after read-back means the
/// launch did not run.
const NOT_WRITTEN: u32 = 0x7FC0_DEAD;

/// A rectangle of whole pixels: columns `x0..x0 + width`, rows `y0..y0 + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// First column.
    pub x0: usize,
    /// First row.
    pub y0: usize,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

/// The crop of box (x1, y1, x2, y2) in a `width x height` image, as the engine's
/// `detect::crop_box` takes it: coordinates truncated toward zero, 1-based, clipped to the image
/// (no padding), so columns `max(trunc(x1), 1) - 1 .. min(trunc(x2), width)`; `None` when that
/// is empty (the engine drops such a box).
pub fn crop_rect(bx: [f32; 4], width: usize, height: usize) -> Option<PixelRect> {
    let (w, h) = (width as i64, height as i64);
    let x = (bx[0].trunc() as i64).max(1);
    let y = (bx[1].trunc() as i64).max(1);
    let ex = (bx[2].trunc() as i64).min(w);
    let ey = (bx[3].trunc() as i64).min(h);
    if ex < x || ey < y {
        return None;
    }
    Some(PixelRect {
        x0: (x - 1) as usize,
        y0: (y - 1) as usize,
        width: (ex - x + 1) as usize,
        height: (ey - y + 1) as usize,
    })
}

/// First input index output index `i` of `output` averages over `input` values:
/// `floor(i * input / output)` (the engine's `resample::area_range`).
#[cube]
fn area_start(i: u32, input: u32, output: u32) -> u32 {
    i * input / output
}

/// One past the last input index output `i` averages: `max(ceil((i + 1) * input / output),
/// start + 1)` (the engine's `resample::area_range`).
#[cube]
fn area_end(i: u32, input: u32, output: u32, start: u32) -> u32 {
    #[expect(
        clippy::manual_div_ceil,
        reason = "u32::div_ceil is not expanded inside #[cube]"
    )]
    let mut end = ((i + 1) * input + output - 1) / output;
    if end < start + 1 {
        end = start + 1;
    }
    end
}

/// Output pixel (ox, oy) of the area resize of the rectangle (x0, y0, width, height) of the
/// packed image (`image_width` pixels per row) to `out_width x out_height`, normalised as
/// `(v - offset) * scale`, written to the three planes
/// `out[base + c * plane + oy * out_width + ox]`. Per channel, in the engine's order: each source
/// row's columns are summed in order and divided by their count, those row averages are summed
/// in order, the sum is divided by the row count.
#[cube]
#[allow(clippy::too_many_arguments)]
fn area_pixel(
    image: &Array<u32>,
    image_width: u32,
    x0: u32,
    y0: u32,
    width: u32,
    height: u32,
    out_width: u32,
    out_height: u32,
    ox: u32,
    oy: u32,
    out: &mut Array<f32>,
    base: usize,
    offset: f32,
    scale: f32,
) {
    let col_start = area_start(ox, width, out_width);
    let col_end = area_end(ox, width, out_width, col_start);
    let row_start = area_start(oy, height, out_height);
    let row_end = area_end(oy, height, out_height, row_start);
    let columns = f32::cast_from(col_end - col_start);
    let rows = f32::cast_from(row_end - row_start);
    let mut red = 0.0f32;
    let mut green = 0.0f32;
    let mut blue = 0.0f32;
    let mut sy = row_start;
    while sy < row_end {
        let mut row_red = 0.0f32;
        let mut row_green = 0.0f32;
        let mut row_blue = 0.0f32;
        let mut sx = col_start;
        while sx < col_end {
            let index = ((y0 + sy) * image_width + x0 + sx) * 3;
            row_red += channel(image, index);
            row_green += channel(image, index + 1);
            row_blue += channel(image, index + 2);
            sx += 1;
        }
        red += row_red / columns;
        green += row_green / columns;
        blue += row_blue / columns;
        sy += 1;
    }
    let plane = (out_width * out_height) as usize;
    let at = base + (oy * out_width + ox) as usize;
    out[at] = (red / rows - offset) * scale;
    out[at + plane] = (green / rows - offset) * scale;
    out[at + 2 * plane] = (blue / rows - offset) * scale;
}

/// One thread per output pixel; grid (ceil(size² / threads), crops). `rects` holds
/// (x0, y0, width, height) per crop; crop `i` fills `out[i * 3 * size² ..][..3 * size²]` (NCHW),
/// normalised as `(v - offset) * scale`.
#[cube(launch)]
pub fn crop_resize(
    image: &Array<u32>,
    rects: &Array<u32>,
    out: &mut Array<f32>,
    image_width: u32,
    offset: f32,
    scale: f32,
    #[comptime] size: usize,
) {
    let pixel = ABSOLUTE_POS_X as usize;
    let crop = CUBE_POS_Y as usize;
    if pixel < size * size {
        let side = size as u32;
        area_pixel(
            image,
            image_width,
            rects[crop * 4],
            rects[crop * 4 + 1],
            rects[crop * 4 + 2],
            rects[crop * 4 + 3],
            side,
            side,
            (pixel % size) as u32,
            (pixel / size) as u32,
            out,
            crop * 3 * size * size,
            offset,
            scale,
        );
    }
}

/// One thread per output pixel of one level; grid (ceil(largest level's pixels / threads),
/// levels). `levels` holds (offset in floats, width, height) per level; level `l` fills
/// `out[offset..offset + 3 * width * height]` (CHW) from the whole image, normalised as MTCNN's
/// input.
#[cube(launch)]
pub fn pyramid_resize(
    image: &Array<u32>,
    levels: &Array<u32>,
    out: &mut Array<f32>,
    image_width: u32,
    image_height: u32,
) {
    let pixel = ABSOLUTE_POS_X;
    let level = CUBE_POS_Y as usize;
    let offset = levels[level * 3];
    let width = levels[level * 3 + 1];
    let height = levels[level * 3 + 2];
    if pixel < width * height {
        area_pixel(
            image,
            image_width,
            0u32,
            0u32,
            image_width,
            image_height,
            width,
            height,
            pixel % width,
            pixel / width,
            out,
            offset as usize,
            127.5f32,
            0.0078125f32,
        );
    }
}

/// The engine's `resample::area_resize` of the `rect` of an RGB8 image (read as f32) to
/// `out_width x out_height`, then `norm`, appended to `out` as three planes (R, G, B).
fn area_resize_ref(
    rgb: &[u8],
    image_width: usize,
    rect: PixelRect,
    (out_width, out_height): (usize, usize),
    norm: Normalisation,
    out: &mut Vec<f32>,
) {
    let ranges = |input: usize, output: usize| -> Vec<(usize, usize)> {
        (0..output)
            .map(|i| {
                let start = i * input / output;
                let end = ((i + 1) * input).div_ceil(output);
                (start, end.max(start + 1))
            })
            .collect()
    };
    let columns = ranges(rect.width, out_width);
    let mut horizontal = vec![0f32; rect.height * out_width * 3];
    for y in 0..rect.height {
        let row_start = ((rect.y0 + y) * image_width + rect.x0) * 3;
        let row = &rgb[row_start..row_start + rect.width * 3];
        for (x, &(start, end)) in columns.iter().enumerate() {
            let mut sum = [0f32; 3];
            for px in row[start * 3..end * 3].chunks_exact(3) {
                sum[0] += f32::from(px[0]);
                sum[1] += f32::from(px[1]);
                sum[2] += f32::from(px[2]);
            }
            let n = (end - start) as f32;
            let at = (y * out_width + x) * 3;
            horizontal[at..at + 3].copy_from_slice(&[sum[0] / n, sum[1] / n, sum[2] / n]);
        }
    }
    let mut data = vec![0f32; out_height * out_width * 3];
    for (y, &(start, end)) in ranges(rect.height, out_height).iter().enumerate() {
        let row = &mut data[y * out_width * 3..(y + 1) * out_width * 3];
        for sy in start..end {
            let source = &horizontal[sy * out_width * 3..(sy + 1) * out_width * 3];
            for (o, v) in row.iter_mut().zip(source) {
                *o += v;
            }
        }
        let n = (end - start) as f32;
        row.iter_mut().for_each(|o| *o /= n);
    }
    let base = out.len();
    out.resize(base + data.len(), 0.0);
    let plane = out_width * out_height;
    for (i, px) in data.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[base + c * plane + i] = (px[c] - norm.offset) * norm.scale;
        }
    }
}

/// The crops of some candidate boxes, resized and normalised: `kept[i]` is the index of the
/// input box whose `3 x size x size` tensor is `data[i * 3 * size² ..]`; boxes with an empty
/// crop are left out, as the engine's `run_on_crops` drops them.
#[derive(Debug, Clone, PartialEq)]
pub struct Crops {
    /// Indices of the boxes that have a crop, in input order.
    pub kept: Vec<usize>,
    /// `kept.len() x 3 x size x size` f32, NCHW.
    pub data: Vec<f32>,
}

/// CPU reference of [`crop_resize`]: mirrors the engine's `detect::run_on_crops` (`crop_box`,
/// `resample::area_resize` to `size x size`, `to_tensor`) on an RGB8 image read as f32, with
/// `norm` for `to_tensor`'s normalisation.
pub fn crop_resize_ref(
    rgb: &[u8],
    (width, height): (usize, usize),
    boxes: &[[f32; 4]],
    size: usize,
    norm: Normalisation,
) -> Crops {
    let mut crops = Crops {
        kept: Vec::new(),
        data: Vec::new(),
    };
    for (i, bx) in boxes.iter().enumerate() {
        if let Some(rect) = crop_rect(*bx, width, height) {
            crops.kept.push(i);
            area_resize_ref(rgb, width, rect, (size, size), norm, &mut crops.data);
        }
    }
    crops
}

/// Crops every box (x1, y1, x2, y2 in pixels) out of the `width x height` RGB8 image, area
/// resizes it to `size x size` and normalises it with `norm`, all boxes in one launch.
pub fn crop_resize_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    rgb: &[u8],
    (width, height): (usize, usize),
    boxes: &[[f32; 4]],
    size: usize,
    norm: Normalisation,
) -> Result<Crops> {
    let image = DeviceImage::upload(client, rgb, width, height)?;
    let (kept, values) = crop_resize_launch(client, &image, boxes, size, norm, Output::Checked)?;
    let data = match values {
        Some(values) => read_written(client, values, "crop_resize")?,
        None => Vec::new(),
    };
    Ok(Crops { kept, data })
}

/// f32 values a launch left in device memory: `len` of them at the start of `handle`.
pub struct DeviceValues {
    /// The buffer.
    pub handle: cubecl::server::Handle,
    /// How many f32 it holds.
    pub len: usize,
}

/// [`crop_resize_gpu`] on an image already on the device, leaving the crops there: the indices
/// of the boxes that have a crop and their `kept.len() x 3 x size x size` NCHW tensor (`None`
/// when no box has one).
pub fn crop_resize_on_device<R: Runtime>(
    client: &ComputeClient<R>,
    image: &DeviceImage,
    boxes: &[[f32; 4]],
    size: usize,
    norm: Normalisation,
) -> Result<(Vec<usize>, Option<DeviceValues>)> {
    crop_resize_launch(client, image, boxes, size, norm, Output::Unfilled)
}

fn crop_resize_launch<R: Runtime>(
    client: &ComputeClient<R>,
    image: &DeviceImage,
    boxes: &[[f32; 4]],
    size: usize,
    norm: Normalisation,
    output: Output,
) -> Result<(Vec<usize>, Option<DeviceValues>)> {
    let (width, height) = (image.width, image.height);
    let mut kept = Vec::new();
    let mut rects = Vec::new();
    for (i, bx) in boxes.iter().enumerate() {
        if let Some(rect) = crop_rect(*bx, width, height) {
            kept.push(i);
            rects.extend([rect.x0, rect.y0, rect.width, rect.height].map(|v| v as u32));
        }
    }
    let pixels = size * size;
    let values = kept
        .len()
        .checked_mul(3 * pixels)
        .filter(|n| *n < u32::MAX as usize)
        .ok_or_else(|| KernelError::BadInput(format!("{} crops of {size}²", kept.len())))?;
    if kept.is_empty() || size == 0 {
        return Ok((kept, None));
    }
    // The area ranges multiply an output index by the crop side in u32.
    if size.saturating_mul(width.max(height)) >= u32::MAX as usize {
        return Err(KernelError::BadInput(format!(
            "{size}² crops of a {width}x{height} image exceed 32-bit arithmetic"
        )));
    }
    let grid_x = check_grid("crop_resize", pixels.div_ceil(IMAGE_CUBE_DIM as usize))?;
    let grid_y = check_grid("crop_resize (crops)", kept.len())?;
    let rects_handle = client.create_from_slice(u32::as_bytes(&rects));
    let out_handle = output.buffer(client, values);
    crop_resize::launch::<R>(
        client,
        CubeCount::Static(grid_x, grid_y, 1),
        CubeDim::new_1d(IMAGE_CUBE_DIM),
        image.arg(),
        // SAFETY: each handle was created above for exactly the length given.
        unsafe { ArrayArg::from_raw_parts(rects_handle, rects.len()) },
        unsafe { ArrayArg::from_raw_parts(out_handle.clone(), values) },
        width as u32,
        norm.offset,
        norm.scale,
        size,
    );
    Ok((
        kept,
        Some(DeviceValues {
            handle: out_handle,
            len: values,
        }),
    ))
}

/// One level of the pyramid: P-Net's input at `scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PyramidLevel {
    /// Scale from the image to this level (P-Net's cells map back through it).
    pub scale: f32,
    /// Level width in pixels.
    pub width: usize,
    /// Level height in pixels.
    pub height: usize,
    /// Where the level's `3 x height x width` planes start in the flat buffer, in floats.
    pub offset: usize,
}

/// The engine's pyramid (`detect::Mtcnn::stage1`'s loop, in f32): scale starts at
/// `12 / min_face`, a level is `(w * scale + 1) as usize x (h * scale + 1) as usize` while
/// `min(w, h) * scale >= 12`, then scale and the side shrink by `factor`. The engine uses
/// [`MIN_FACE`] and [`PYRAMID_FACTOR`]. Offsets pack the levels one after another.
pub fn pyramid_levels(
    width: usize,
    height: usize,
    min_face: f32,
    factor: f32,
) -> Vec<PyramidLevel> {
    let (w, h) = (width as f32, height as f32);
    let mut scale = 12.0 / min_face;
    let mut min_side = w.min(h) * scale;
    let mut levels = Vec::new();
    let mut offset = 0;
    // A factor >= 1 would never end; the engine's is 0.709.
    while min_side >= 12.0 && factor < 1.0 && factor > 0.0 {
        let (sw, sh) = ((w * scale + 1.0) as usize, (h * scale + 1.0) as usize);
        levels.push(PyramidLevel {
            scale,
            width: sw,
            height: sh,
            offset,
        });
        offset += 3 * sw * sh;
        scale *= factor;
        min_side *= factor;
    }
    levels
}

/// The pyramid of one image: its levels and one flat buffer of every level's normalised CHW
/// planes at the levels' offsets.
#[derive(Debug, Clone, PartialEq)]
pub struct Pyramid {
    /// The levels, largest first.
    pub levels: Vec<PyramidLevel>,
    /// All levels, `levels[l].offset ..` each.
    pub data: Vec<f32>,
}

/// CPU reference of [`pyramid_resize`]: for each level of [`pyramid_levels`], the engine's
/// `resample::area_resize` of the whole image and `detect::to_tensor`.
pub fn pyramid_ref(rgb: &[u8], width: usize, height: usize, levels: &[PyramidLevel]) -> Pyramid {
    let mut data = Vec::new();
    let whole = PixelRect {
        x0: 0,
        y0: 0,
        width,
        height,
    };
    for level in levels {
        let size = (level.width, level.height);
        area_resize_ref(rgb, width, whole, size, MTCNN_INPUT, &mut data);
    }
    Pyramid {
        levels: levels.to_vec(),
        data,
    }
}

/// Resizes and normalises the `width x height` RGB8 image to every level in one launch.
pub fn pyramid_gpu<R: Runtime>(
    client: &ComputeClient<R>,
    rgb: &[u8],
    width: usize,
    height: usize,
    levels: &[PyramidLevel],
) -> Result<Pyramid> {
    let image = DeviceImage::upload(client, rgb, width, height)?;
    let data = match pyramid_launch(client, &image, levels, Output::Checked)? {
        Some(values) => read_written(client, values, "pyramid_resize")?,
        None => Vec::new(),
    };
    Ok(Pyramid {
        levels: levels.to_vec(),
        data,
    })
}

/// [`pyramid_gpu`] on an image already on the device, leaving the levels there, each at its
/// `offset` (`None` when there are no levels).
pub fn pyramid_on_device<R: Runtime>(
    client: &ComputeClient<R>,
    image: &DeviceImage,
    levels: &[PyramidLevel],
) -> Result<Option<DeviceValues>> {
    pyramid_launch(client, image, levels, Output::Unfilled)
}

fn pyramid_launch<R: Runtime>(
    client: &ComputeClient<R>,
    image: &DeviceImage,
    levels: &[PyramidLevel],
    output: Output,
) -> Result<Option<DeviceValues>> {
    let (width, height) = (image.width, image.height);
    let mut table = Vec::with_capacity(levels.len() * 3);
    let mut values = 0usize;
    let mut largest = 0usize;
    for level in levels {
        if level.offset != values {
            return Err(KernelError::BadInput(format!(
                "level offset {} where the previous levels end at {values}",
                level.offset
            )));
        }
        if level.width == 0 || level.height == 0 {
            return Err(KernelError::BadInput(
                "a pyramid level is empty".to_string(),
            ));
        }
        let pixels = level.width.saturating_mul(level.height);
        values = values.saturating_add(pixels.saturating_mul(3));
        largest = largest.max(pixels);
        if values >= u32::MAX as usize
            || level
                .width
                .max(level.height)
                .saturating_mul(width.max(height))
                >= u32::MAX as usize
        {
            return Err(KernelError::BadInput(format!(
                "pyramid of {values} values exceeds 32-bit arithmetic"
            )));
        }
        table.extend([level.offset as u32, level.width as u32, level.height as u32]);
    }
    if levels.is_empty() {
        return Ok(None);
    }
    let grid_x = check_grid("pyramid_resize", largest.div_ceil(IMAGE_CUBE_DIM as usize))?;
    let grid_y = check_grid("pyramid_resize (levels)", levels.len())?;
    let table_handle = client.create_from_slice(u32::as_bytes(&table));
    let out_handle = output.buffer(client, values);
    pyramid_resize::launch::<R>(
        client,
        CubeCount::Static(grid_x, grid_y, 1),
        CubeDim::new_1d(IMAGE_CUBE_DIM),
        image.arg(),
        // SAFETY: each handle was created above for exactly the length given.
        unsafe { ArrayArg::from_raw_parts(table_handle, table.len()) },
        unsafe { ArrayArg::from_raw_parts(out_handle.clone(), values) },
        width as u32,
        height as u32,
    );
    Ok(Some(DeviceValues {
        handle: out_handle,
        len: values,
    }))
}

/// How a launch's output buffer starts.
#[derive(Clone, Copy)]
enum Output {
    /// Every value [`NOT_WRITTEN`], uploaded from the host, for outputs read back by [`read_written`], which then
    /// notices a launch that did not run.
    Checked,
    /// As the device's memory pool hands it out, for outputs that stay on the device: no host buffer, no upload.
    Unfilled,
}

impl Output {
    /// A buffer of `values` f32.
    fn buffer<R: Runtime>(
        self,
        client: &ComputeClient<R>,
        values: usize,
    ) -> cubecl::server::Handle {
        match self {
            Output::Checked => client.create_from_slice(u32::as_bytes(&vec![NOT_WRITTEN; values])),
            Output::Unfilled => client.empty(values * std::mem::size_of::<f32>()),
        }
    }
}

/// Reads `values` back and fails if one still holds [`NOT_WRITTEN`].
fn read_written<R: Runtime>(
    client: &ComputeClient<R>,
    values: DeviceValues,
    kernel: &'static str,
) -> Result<Vec<f32>> {
    let data = read_f32(client, values.handle, kernel)?;
    if data.len() < values.len {
        return Err(KernelError::Internal {
            kernel,
            detail: "short read-back".to_string(),
        });
    }
    if data[..values.len]
        .iter()
        .any(|v| v.to_bits() == NOT_WRITTEN)
    {
        return Err(KernelError::Internal {
            kernel,
            detail: "outputs were not written: the launch failed (see the log)".to_string(),
        });
    }
    Ok(data[..values.len].to_vec())
}
