//! MTCNN face detection: image pyramid → P-Net → R-Net → O-Net, with box regression, squaring, NMS and the five
//! landmarks. Follows facenet-pytorch's `detect_face` (see the models fact sheet): area interpolation, the
//! normalisation (x − 127.5)/128, crops clipped to the image and stretched, widths without +1 in stage 1 and with
//! +1 afterwards, and the largest face first.
//! The networks' input tensors are made on the CPU for ONNX Runtime networks, and for Burn networks by the kernels
//! crate on their device from one upload of the image (`Pixels`); boxes, scores and NMS are host code either way.

use crate::error::{EngineError, Result};
use crate::image::Image;
use crate::nms::{Candidate, Overlap, nms};
use crate::resample::{FloatImage, area_resize};
use crate::runtime::{DeviceFrame, DeviceInput, Network};
use argus_kernels::resize::{MIN_FACE, PYRAMID_FACTOR, crop_rect, pyramid_levels};
use ndarray::{Array4, ArrayD, Axis};
use serde::Serialize;
use std::borrow::Cow;

/// Per-stage probability thresholds of P-Net, R-Net and O-Net.
const THRESHOLDS: [f32; 3] = [0.6, 0.7, 0.7];

/// A point in image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Column.
    pub x: f32,
    /// Row.
    pub y: f32,
}

/// An axis-aligned rectangle in image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rect {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// A detected face.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// The face box (may extend past the image border).
    pub rect: Rect,
    /// O-Net face probability, 0..1.
    pub score: f32,
    /// Eye on the image left, eye on the image right, nose tip, mouth corner left, mouth corner right.
    pub landmarks5: [Point; 5],
}

/// What to detect.
#[derive(Clone, Debug)]
pub struct DetectOptions {
    /// All faces (true) or only the largest one (false).
    pub multiface: bool,
    /// Faces with a lower O-Net score are dropped. 0.95 keeps MTCNN's false positives out.
    pub score_threshold: f32,
    /// Detect only inside this rectangle.
    pub roi: Option<Rect>,
    /// The 68-point landmarks: no model in this build.
    pub landmarks68: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            multiface: true,
            score_threshold: 0.95,
            roi: None,
            landmarks68: false,
        }
    }
}

/// Where the networks' inputs are made from: the image as floats on the CPU, or uploaded to the device of the Burn
/// backend the networks run on.
enum Pixels {
    Host(FloatImage),
    Device(DeviceFrame),
}

/// The three MTCNN networks.
pub struct Mtcnn {
    pub(crate) pnet: Network,
    pub(crate) rnet: Network,
    pub(crate) onet: Network,
}

impl Mtcnn {
    /// Detects faces, largest first.
    pub fn detect(&self, image: &Image, options: &DetectOptions) -> Result<Vec<Detection>> {
        if options.landmarks68 {
            return Err(EngineError::Unsupported {
                what: "landmarks68".into(),
            });
        }
        if !(0.0..=1.0).contains(&options.score_threshold) {
            return Err(EngineError::BadOption {
                reason: format!(
                    "score threshold {} is outside 0..1",
                    options.score_threshold
                ),
            });
        }
        let bounds = match options.roi {
            None => (0, 0, image.width() as usize, image.height() as usize),
            Some(roi) => clip_roi(image, roi)?,
        };
        let (dx, dy) = (bounds.0 as f32, bounds.1 as f32);
        let region = self.pixels(image, bounds)?;
        let stage1 = self.stage1(&region)?;
        let stage2 = self.refine(&region, stage1, 24, &self.rnet, THRESHOLDS[1])?;
        let mut faces = self.stage3(&region, stage2)?;
        faces.retain(|f| f.score >= options.score_threshold);
        for face in &mut faces {
            face.rect.x += dx;
            face.rect.y += dy;
            for p in &mut face.landmarks5 {
                p.x += dx;
                p.y += dy;
            }
        }
        faces.sort_by(|a, b| {
            let area = |d: &Detection| d.rect.width * d.rect.height;
            area(b).total_cmp(&area(a))
        });
        if !options.multiface {
            faces.truncate(1);
        }
        Ok(faces)
    }

    /// The pixels of the `(x0, y0, x1, y1)` rectangle of `image` where the networks' inputs are made.
    fn pixels(
        &self,
        image: &Image,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
    ) -> Result<Pixels> {
        if !self.pnet.on_device() {
            return Ok(Pixels::Host(FloatImage::crop(image, x0, y0, x1, y1)));
        }
        let stride = image.width() as usize * 3;
        let rgb: Cow<[u8]> = if x1 - x0 == image.width() as usize {
            Cow::Borrowed(&image.rgb()[y0 * stride..y1 * stride])
        } else {
            let rows = image.rgb().chunks_exact(stride).take(y1).skip(y0);
            Cow::Owned(rows.flat_map(|row| &row[x0 * 3..x1 * 3]).copied().collect())
        };
        self.pnet.frame(&rgb, x1 - x0, y1 - y0).map(Pixels::Device)
    }

    /// Stage 1: P-Net over the image pyramid, per-level NMS, then NMS over all levels, regress, square.
    fn stage1(&self, pixels: &Pixels) -> Result<Vec<Candidate>> {
        let (width, height) = pixels.size();
        let levels = pyramid_levels(width, height, MIN_FACE, PYRAMID_FACTOR);
        let outputs = ["prob", "reg"];
        let per_level = match pixels {
            Pixels::Host(image) => levels
                .iter()
                .map(|level| {
                    let input = area_resize(image, level.width, level.height);
                    self.pnet.run(to_tensor(&[input]).view(), &outputs)
                })
                .collect::<Result<Vec<_>>>()?,
            Pixels::Device(frame) => match frame.pyramid(&levels)? {
                None => Vec::new(),
                Some(batch) => {
                    let inputs: Vec<DeviceInput> = levels
                        .iter()
                        .map(|level| DeviceInput {
                            batch: &batch,
                            offset: level.offset,
                            shape: [1, 3, level.height, level.width],
                        })
                        .collect();
                    self.pnet.run_on_device(&inputs, &outputs)?
                }
            },
        };
        let mut all = Vec::new();
        for (level, out) in levels.iter().zip(&per_level) {
            let found = cells_to_boxes(&out[0], &out[1], level.scale, THRESHOLDS[0]);
            let keep = nms(&found, 0.5, Overlap::Union);
            all.extend(keep.into_iter().map(|i| found[i]));
        }
        let keep = nms(&all, 0.7, Overlap::Union);
        Ok(keep
            .into_iter()
            .map(|i| square(regress(all[i], 0.0)))
            .collect())
    }

    /// Stage 2: crop, resize to `size`, run the net, keep > threshold, NMS, regress, square.
    fn refine(
        &self,
        image: &Pixels,
        boxes: Vec<Candidate>,
        size: usize,
        net: &Network,
        threshold: f32,
    ) -> Result<Vec<Candidate>> {
        let (kept, out) = self.run_on_crops(image, boxes, size, net, &["prob", "reg"])?;
        let mut passed = Vec::new();
        for (i, mut candidate) in kept.into_iter().enumerate() {
            let prob = out[0][[i, 1]];
            if prob > threshold {
                candidate.score = prob;
                candidate.reg = [
                    out[1][[i, 0]],
                    out[1][[i, 1]],
                    out[1][[i, 2]],
                    out[1][[i, 3]],
                ];
                passed.push(candidate);
            }
        }
        let keep = nms(&passed, 0.7, Overlap::Union);
        Ok(keep
            .into_iter()
            .map(|i| square(regress(passed[i], 1.0)))
            .collect())
    }

    fn stage3(&self, image: &Pixels, boxes: Vec<Candidate>) -> Result<Vec<Detection>> {
        let (kept, out) =
            self.run_on_crops(image, boxes, 48, &self.onet, &["prob", "reg", "landmarks"])?;
        let mut passed = Vec::new();
        let mut points = Vec::new();
        for (i, mut candidate) in kept.into_iter().enumerate() {
            let prob = out[0][[i, 1]];
            if prob <= THRESHOLDS[2] {
                continue;
            }
            let (bw, bh) = (
                candidate.x2 - candidate.x1 + 1.0,
                candidate.y2 - candidate.y1 + 1.0,
            );
            let landmarks: [Point; 5] = std::array::from_fn(|k| Point {
                x: candidate.x1 + bw * out[2][[i, k]] - 1.0,
                y: candidate.y1 + bh * out[2][[i, k + 5]] - 1.0,
            });
            candidate.score = prob;
            candidate.reg = std::array::from_fn(|k| out[1][[i, k]]);
            passed.push(regress(candidate, 1.0));
            points.push(landmarks);
        }
        let keep = nms(&passed, 0.7, Overlap::Min);
        Ok(keep
            .into_iter()
            .map(|i| {
                let b = passed[i];
                Detection {
                    rect: Rect {
                        x: b.x1,
                        y: b.y1,
                        width: b.x2 - b.x1,
                        height: b.y2 - b.y1,
                    },
                    score: b.score,
                    landmarks5: points[i],
                }
            })
            .collect())
    }

    /// Crops every box (clipped, no padding), resizes to `size` and runs `net` on the batch. Boxes whose crop is
    /// empty are dropped, and the returned boxes line up with the output rows.
    fn run_on_crops(
        &self,
        pixels: &Pixels,
        boxes: Vec<Candidate>,
        size: usize,
        net: &Network,
        outputs: &[&str],
    ) -> Result<(Vec<Candidate>, Vec<ArrayD<f32>>)> {
        let image = match pixels {
            Pixels::Host(image) => image,
            Pixels::Device(frame) => {
                let corners: Vec<[f32; 4]> =
                    boxes.iter().map(|b| [b.x1, b.y1, b.x2, b.y2]).collect();
                let (kept, batch) = frame.crops(&corners, size)?;
                let kept: Vec<Candidate> = kept.into_iter().map(|i| boxes[i]).collect();
                let Some(batch) = batch else {
                    return Ok((kept, Vec::new()));
                };
                let input = DeviceInput {
                    batch: &batch,
                    offset: 0,
                    shape: [kept.len(), 3, size, size],
                };
                let out = net.run_on_device(&[input], outputs)?;
                return Ok((kept, out.into_iter().next().unwrap_or_default()));
            }
        };
        let mut crops = Vec::new();
        let mut kept = Vec::new();
        for b in boxes {
            if let Some(crop) = crop_box(image, &b) {
                crops.push(area_resize(&crop, size, size));
                kept.push(b);
            }
        }
        if crops.is_empty() {
            return Ok((kept, Vec::new()));
        }
        let out = net.run(to_tensor(&crops).view(), outputs)?;
        Ok((kept, out))
    }
}

impl Pixels {
    /// Width and height of the region detection runs on.
    fn size(&self) -> (usize, usize) {
        match self {
            Pixels::Host(image) => (image.width, image.height),
            Pixels::Device(frame) => (frame.width(), frame.height()),
        }
    }
}

fn clip_roi(image: &Image, roi: Rect) -> Result<(usize, usize, usize, usize)> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let x0 = roi.x.max(0.0).min(w);
    let y0 = roi.y.max(0.0).min(h);
    let x1 = (roi.x + roi.width).max(0.0).min(w);
    let y1 = (roi.y + roi.height).max(0.0).min(h);
    if !(x1 - x0 >= 12.0 && y1 - y0 >= 12.0) {
        return Err(EngineError::BadOption {
            reason: format!("roi {roi:?} leaves less than 12x12 pixels of the image"),
        });
    }
    Ok((x0 as usize, y0 as usize, x1 as usize, y1 as usize))
}

/// P-Net output cells with prob ≥ threshold as boxes in image coordinates (stride 2, cell 12).
fn cells_to_boxes(
    prob: &ArrayD<f32>,
    reg: &ArrayD<f32>,
    scale: f32,
    threshold: f32,
) -> Vec<Candidate> {
    let (rows, cols) = (prob.shape()[2], prob.shape()[3]);
    let mut out = Vec::new();
    for y in 0..rows {
        for x in 0..cols {
            let p = prob[[0, 1, y, x]];
            if p >= threshold {
                let (fx, fy) = (x as f32, y as f32);
                out.push(Candidate {
                    x1: ((2.0 * fx + 1.0) / scale).floor(),
                    y1: ((2.0 * fy + 1.0) / scale).floor(),
                    x2: ((2.0 * fx + 12.0) / scale).floor(),
                    y2: ((2.0 * fy + 12.0) / scale).floor(),
                    score: p,
                    reg: std::array::from_fn(|k| reg[[0, k, y, x]]),
                });
            }
        }
    }
    out
}

/// Applies the regression offsets; `plus` is 0 for stage 1 widths and 1 afterwards.
fn regress(b: Candidate, plus: f32) -> Candidate {
    let (w, h) = (b.x2 - b.x1 + plus, b.y2 - b.y1 + plus);
    Candidate {
        x1: b.x1 + b.reg[0] * w,
        y1: b.y1 + b.reg[1] * h,
        x2: b.x2 + b.reg[2] * w,
        y2: b.y2 + b.reg[3] * h,
        ..b
    }
}

/// Makes the box square around its centre, side = the longer side.
fn square(b: Candidate) -> Candidate {
    let (w, h) = (b.x2 - b.x1, b.y2 - b.y1);
    let side = w.max(h);
    let x1 = b.x1 + w * 0.5 - side * 0.5;
    let y1 = b.y1 + h * 0.5 - side * 0.5;
    Candidate {
        x1,
        y1,
        x2: x1 + side,
        y2: y1 + side,
        ..b
    }
}

/// The crop of a box (the kernels crate's `crop_rect`: coordinates truncated toward zero, 1-based, clipped to
/// the image); None when empty.
fn crop_box(image: &FloatImage, b: &Candidate) -> Option<FloatImage> {
    let rect = crop_rect([b.x1, b.y1, b.x2, b.y2], image.width, image.height)?;
    let mut data = Vec::with_capacity(rect.width * rect.height * 3);
    for row in rect.y0..rect.y0 + rect.height {
        let start = (row * image.width + rect.x0) * 3;
        data.extend_from_slice(&image.data[start..start + rect.width * 3]);
    }
    Some(FloatImage {
        width: rect.width,
        height: rect.height,
        data,
    })
}

/// Stacks same-size float images into a normalised NCHW tensor.
fn to_tensor(images: &[FloatImage]) -> ArrayD<f32> {
    let (w, h) = (images[0].width, images[0].height);
    let mut tensor = Array4::<f32>::zeros((images.len(), 3, h, w));
    for (mut plane, img) in tensor.axis_iter_mut(Axis(0)).zip(images) {
        for (i, px) in img.data.chunks_exact(3).enumerate() {
            let (y, x) = (i / w, i % w);
            for c in 0..3 {
                plane[[c, y, x]] = (px[c] - 127.5) * 0.0078125;
            }
        }
    }
    tensor.into_dyn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_keeps_centre_and_takes_longer_side() {
        let b = square(Candidate {
            x1: 10.0,
            y1: 20.0,
            x2: 30.0,
            y2: 60.0,
            score: 1.0,
            reg: [0.0; 4],
        });
        assert_eq!((b.x1, b.y1, b.x2, b.y2), (0.0, 20.0, 40.0, 60.0));
    }

    #[test]
    fn crop_outside_the_image_is_empty() {
        let image = FloatImage {
            width: 10,
            height: 10,
            data: vec![0.0; 300],
        };
        let outside = Candidate {
            x1: 20.0,
            y1: 20.0,
            x2: 30.0,
            y2: 30.0,
            score: 1.0,
            reg: [0.0; 4],
        };
        assert!(crop_box(&image, &outside).is_none());
    }
}
