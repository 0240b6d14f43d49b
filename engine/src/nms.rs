//! Non-maximum suppression, in the two flavours MTCNN uses: "union" (IoU, areas without +1, stages 1 and 2) and
//! "min" (intersection over the smaller area, areas with +1, stage 3).

/// A candidate box: corners, score and the network's regression offsets.
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// How overlap is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlap {
    /// Intersection over union; widths are x2 − x1.
    Union,
    /// Intersection over the smaller box; widths are x2 − x1 + 1.
    Min,
}

/// Keeps the highest-scoring boxes, dropping every box that overlaps a kept one by more than `threshold`.
/// Returns the kept indices, best first. Ties in score keep the earlier box first.
pub fn nms(boxes: &[Candidate], threshold: f32, overlap: Overlap) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score).then(a.cmp(&b)));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Candidate {
        Candidate {
            x1,
            y1,
            x2,
            y2,
            score,
            reg: [0.0; 4],
        }
    }

    #[test]
    fn union_drops_heavy_overlap_keeps_disjoint() {
        let boxes = [
            b(0.0, 0.0, 10.0, 10.0, 0.8),
            b(1.0, 1.0, 11.0, 11.0, 0.9),
            b(50.0, 50.0, 60.0, 60.0, 0.7),
        ];
        assert_eq!(nms(&boxes, 0.5, Overlap::Union), vec![1, 2]);
        // IoU of the first two is 81 / 119 ≈ 0.68: kept at a 0.7 threshold.
        assert_eq!(nms(&boxes, 0.7, Overlap::Union), vec![1, 0, 2]);
    }

    #[test]
    fn min_drops_a_box_inside_another() {
        let boxes = [
            b(0.0, 0.0, 100.0, 100.0, 0.9),
            b(10.0, 10.0, 30.0, 30.0, 0.95),
        ];
        assert_eq!(nms(&boxes, 0.7, Overlap::Min), vec![1]);
        assert_eq!(nms(&boxes, 0.7, Overlap::Union), vec![1, 0]);
    }
}
