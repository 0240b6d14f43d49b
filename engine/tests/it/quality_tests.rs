//! Sample quality on real face samples: each score moves the right way when a sample is blurred, darkened,
//! overexposed, lit from one side or given glare spots, and the originals score well.

use crate::common::{PORTRAITS, engine, faces, photo};
use argus_engine::{Image, quality};

fn sample(name: &str) -> Image {
    let image = photo(name);
    let found = faces(&image);
    engine().warp(&image, &found[0])
}

/// Applies `f(x, y, [r, g, b])` to every pixel.
fn remap(s: &Image, f: impl Fn(usize, usize, [u8; 3]) -> [u8; 3]) -> Image {
    let w = s.width() as usize;
    let mut rgb = Vec::with_capacity(s.rgb().len());
    for (i, p) in s.rgb().chunks(3).enumerate() {
        rgb.extend_from_slice(&f(i % w, i / w, [p[0], p[1], p[2]]));
    }
    Image::from_rgb(s.width(), s.height(), rgb).unwrap()
}

/// A 9×9 box blur.
fn blurred(s: &Image) -> Image {
    let (w, h) = (s.width() as usize, s.height() as usize);
    let px = s.rgb();
    remap(s, |x, y, _| {
        let mut sum = [0u32; 3];
        let mut n = 0;
        for yy in y.saturating_sub(4)..(y + 5).min(h) {
            for xx in x.saturating_sub(4)..(x + 5).min(w) {
                for c in 0..3 {
                    sum[c] += u32::from(px[(yy * w + xx) * 3 + c]);
                }
                n += 1;
            }
        }
        sum.map(|v| (v / n) as u8)
    })
}

fn scale(p: [u8; 3], k: f32, add: f32) -> [u8; 3] {
    p.map(|v| (f32::from(v) * k + add).clamp(0.0, 255.0) as u8)
}

#[test]
fn every_score_moves_the_right_way() {
    for name in PORTRAITS {
        let original = sample(name);
        let q = quality::estimate(&original);
        assert!(
            q.dark > 0.8 && q.light > 0.8 && q.specularity > 0.6,
            "{name}: {q:?}"
        );
        let blur = quality::estimate(&blurred(&original));
        assert!(
            blur.blurriness < q.blurriness * 0.5,
            "{name}: blurred {} vs {}",
            blur.blurriness,
            q.blurriness
        );
        let dark = quality::estimate(&remap(&original, |_, _, p| scale(p, 0.2, 0.0)));
        assert!(
            dark.dark < 0.3 && dark.dark < q.dark,
            "{name}: darkened {dark:?}"
        );
        let bright = quality::estimate(&remap(&original, |_, _, p| scale(p, 1.0, 150.0)));
        assert!(
            bright.light < q.light - 0.3,
            "{name}: overexposed {bright:?}"
        );
        let half = original.width() as usize / 2;
        let sided = remap(
            &original,
            |x, _, p| if x < half { scale(p, 0.3, 0.0) } else { p },
        );
        let sided = quality::estimate(&sided);
        assert!(
            sided.illumination < q.illumination - 0.2,
            "{name}: side-lit {} vs {}",
            sided.illumination,
            q.illumination
        );
        let glare = remap(&original, |x, y, p| {
            if (x / 10 + y / 10) % 4 == 0 {
                [255, 255, 255]
            } else {
                p
            }
        });
        let glare = quality::estimate(&glare);
        assert!(
            glare.specularity < q.specularity - 0.3,
            "{name}: glare {glare:?}"
        );
    }
}
