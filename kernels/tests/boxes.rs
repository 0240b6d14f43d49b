//! `regress_boxes` and `nms_mask` (+ the host greedy pass) against `regress_ref` and `nms_ref`:
//! seeded clusters of boxes with integer and fractional corners, score ties, both overlap kinds,
//! counts across mask-word boundaries, and the engine's own NMS examples.

use argus_kernels::boxes::{
    Candidate, Overlap, nms_gpu, nms_ref, regress_gpu, regress_nms_gpu, regress_ref,
};

use crate::common::{REGRESS_ULPS, Rng, gpu};

fn candidate(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Candidate {
    Candidate {
        x1,
        y1,
        x2,
        y2,
        score,
        reg: [0.0; 4],
    }
}

/// `count` boxes in a few clusters (so that many overlap); integer corners when `integral`;
/// scores quantised to 1/64 so that ties occur.
fn clustered(rng: &mut Rng, count: usize, integral: bool) -> Vec<Candidate> {
    let centres: Vec<(f32, f32)> = (0..6)
        .map(|_| (rng.unit() * 200.0 + 250.0, rng.unit() * 150.0 + 200.0))
        .collect();
    (0..count)
        .map(|i| {
            let (cx, cy) = centres[i % centres.len()];
            let side = 20.0 + 30.0 * (rng.unit() + 1.0);
            let mut x1 = cx + rng.unit() * 15.0 - side / 2.0;
            let mut y1 = cy + rng.unit() * 15.0 - side / 2.0;
            let mut x2 = x1 + side * (0.8 + 0.2 * rng.unit());
            let mut y2 = y1 + side;
            if integral {
                (x1, y1, x2, y2) = (x1.floor(), y1.floor(), x2.floor(), y2.floor());
            }
            Candidate {
                x1,
                y1,
                x2,
                y2,
                score: ((rng.unit() + 1.0) * 32.0).floor() / 64.0,
                reg: std::array::from_fn(|_| rng.unit() * 0.2),
            }
        })
        .collect()
}

fn assert_boxes_close(gpu: &[[f32; 4]], reference: &[[f32; 4]], boxes: &[Candidate], what: &str) {
    assert_eq!(gpu.len(), reference.len(), "{what}: lengths");
    for (i, (g, r)) in gpu.iter().zip(reference).enumerate() {
        let b = &boxes[i];
        let scale =
            b.x1.abs()
                .max(b.x2.abs())
                .max(b.y1.abs())
                .max(b.y2.abs())
                .max(1.0);
        for c in 0..4 {
            let bound = REGRESS_ULPS * f32::EPSILON * scale;
            assert!(
                (g[c] - r[c]).abs() <= bound,
                "{what}: box {i} coordinate {c}: gpu {} ref {}",
                g[c],
                r[c]
            );
        }
    }
}

#[test]
fn nms_matches_the_engine_examples() {
    let Some(client) = gpu() else { return };
    let boxes = [
        candidate(0.0, 0.0, 10.0, 10.0, 0.8),
        candidate(1.0, 1.0, 11.0, 11.0, 0.9),
        candidate(50.0, 50.0, 60.0, 60.0, 0.7),
    ];
    assert_eq!(
        nms_gpu(&client, &boxes, 0.5, Overlap::Union).expect("nms"),
        vec![1, 2]
    );
    assert_eq!(
        nms_gpu(&client, &boxes, 0.7, Overlap::Union).expect("nms"),
        vec![1, 0, 2]
    );
    let nested = [
        candidate(0.0, 0.0, 100.0, 100.0, 0.9),
        candidate(10.0, 10.0, 30.0, 30.0, 0.95),
    ];
    assert_eq!(
        nms_gpu(&client, &nested, 0.7, Overlap::Min).expect("nms"),
        vec![1]
    );
    assert_eq!(
        nms_gpu(&client, &nested, 0.7, Overlap::Union).expect("nms"),
        vec![1, 0]
    );
}

#[test]
fn nms_matches_reference_on_seeded_clusters() {
    let Some(client) = gpu() else { return };
    for (seed, count, integral) in [
        (70, 1, true),
        (71, 33, true),
        (72, 500, true),
        (73, 1111, false),
    ] {
        let boxes = clustered(&mut Rng::new(seed), count, integral);
        for (threshold, overlap) in [
            (0.5, Overlap::Union),
            (0.7, Overlap::Union),
            (0.7, Overlap::Min),
        ] {
            let gpu = nms_gpu(&client, &boxes, threshold, overlap).expect("nms");
            let reference = nms_ref(&boxes, threshold, overlap);
            assert_eq!(gpu, reference, "seed {seed} {overlap:?} {threshold}");
            if count > 100 {
                assert!(
                    reference.len() > 3 && reference.len() < count * 9 / 10,
                    "seed {seed}: {} of {count} kept: the data should exercise suppression",
                    reference.len()
                );
            }
        }
    }
}

#[test]
fn nms_ties_keep_the_earlier_box() {
    let Some(client) = gpu() else { return };
    let boxes = [
        candidate(5.0, 5.0, 25.0, 25.0, 0.5),
        candidate(5.0, 5.0, 25.0, 25.0, 0.5),
        candidate(5.0, 5.0, 25.0, 25.0, 0.5),
    ];
    assert_eq!(
        nms_gpu(&client, &boxes, 0.5, Overlap::Union).expect("nms"),
        vec![0]
    );
    assert!(
        nms_gpu(&client, &[], 0.5, Overlap::Union)
            .expect("empty")
            .is_empty()
    );
    // Degenerate (zero-area) boxes: 0 / 0 overlap is NaN, never above the threshold.
    let points = [
        candidate(1.0, 1.0, 1.0, 1.0, 0.9),
        candidate(1.0, 1.0, 1.0, 1.0, 0.8),
    ];
    let gpu = nms_gpu(&client, &points, 0.5, Overlap::Union).expect("nms");
    assert_eq!(gpu, nms_ref(&points, 0.5, Overlap::Union));
    assert_eq!(gpu, vec![0, 1]);
}

#[test]
fn regress_matches_reference() {
    let Some(client) = gpu() else { return };
    let boxes = clustered(&mut Rng::new(80), 300, false);
    for (plus, square) in [(0.0, true), (1.0, true), (1.0, false)] {
        let gpu = regress_gpu(&client, &boxes, plus, square).expect("regress");
        let reference = regress_ref(&boxes, plus, square);
        assert_boxes_close(
            &gpu,
            &reference,
            &boxes,
            &format!("plus {plus} square {square}"),
        );
        if square {
            assert!(
                gpu.iter()
                    .all(|b| ((b[2] - b[0]) - (b[3] - b[1])).abs() < 1e-3)
            );
        }
    }
    assert!(
        regress_gpu(&client, &[], 1.0, true)
            .expect("empty")
            .is_empty()
    );
}

#[test]
fn regress_then_nms_matches_reference() {
    let Some(client) = gpu() else { return };
    for (seed, count) in [(90, 7), (91, 400)] {
        let boxes = clustered(&mut Rng::new(seed), count, false);
        let gpu = regress_nms_gpu(&client, &boxes, 1.0, 0.7, Overlap::Min).expect("regress+nms");
        let regressed = regress_ref(&boxes, 1.0, false);
        assert_boxes_close(&gpu.boxes, &regressed, &boxes, "regressed");
        let moved: Vec<Candidate> = boxes
            .iter()
            .zip(&regressed)
            .map(|(b, r)| Candidate {
                x1: r[0],
                y1: r[1],
                x2: r[2],
                y2: r[3],
                ..*b
            })
            .collect();
        assert_eq!(gpu.kept, nms_ref(&moved, 0.7, Overlap::Min), "seed {seed}");
    }
    let empty = regress_nms_gpu(&client, &[], 1.0, 0.7, Overlap::Min).expect("empty");
    assert!(empty.kept.is_empty() && empty.boxes.is_empty());
}
