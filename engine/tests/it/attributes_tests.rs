//! Face attributes on the real test photos: head pose (frontal faces look straight, a mirrored photo turns the
//! other way, a turned photo rolls by the turn), emotions on a smiling and a neutral face, age and gender of
//! known subjects, liveness of a photo against a simulated replay of it, and batched runs equal single runs.

use crate::common::{engine, faces, photo};
use argus_engine::{FaceAttributes, Image, Point, Wanted, rotation_degrees, to_image};

const ALL: Wanted = Wanted {
    head_pose: true,
    landmarks68: true,
    eyes: true,
    mouth: true,
    emotions: true,
    basic_attributes: true,
    liveness: true,
};

/// The attributes of the largest face of an image, with the roll turned into the image's frame.
fn attributes_of(image: &Image) -> FaceAttributes {
    let found = faces(image);
    let face = found.first().expect("a face is found");
    let sample = engine().warp(image, face);
    let mut attributes = engine()
        .estimate(&[sample], ALL)
        .expect("estimation runs")
        .remove(0);
    attributes.head_pose = attributes
        .head_pose
        .map(|p| p.rolled_by(rotation_degrees(&face.landmarks5)));
    attributes
}

fn pixel(image: &Image, x: i64, y: i64) -> [u8; 3] {
    let i = (y as usize * image.width() as usize + x as usize) * 3;
    let rgb = image.rgb();
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Maps every output pixel (x, y) to the source pixel `f(x, y)` (black outside).
fn remapped(image: &Image, width: u32, height: u32, f: impl Fn(i64, i64) -> (i64, i64)) -> Image {
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as i64 {
        for x in 0..width as i64 {
            let (sx, sy) = f(x, y);
            if sx < 0 || sy < 0 || sx >= image.width() as i64 || sy >= image.height() as i64 {
                rgb.extend_from_slice(&[0, 0, 0]);
            } else {
                rgb.extend_from_slice(&pixel(image, sx, sy));
            }
        }
    }
    Image::from_rgb(width, height, rgb).unwrap()
}

fn mirrored(image: &Image) -> Image {
    let w = image.width() as i64;
    remapped(image, image.width(), image.height(), |x, y| (w - 1 - x, y))
}

/// Turned clockwise by `degrees` about the centre (corners that come from outside are black).
fn turned(image: &Image, degrees: f32) -> Image {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (image.width() as f32 / 2.0, image.height() as f32 / 2.0);
    remapped(image, image.width(), image.height(), |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        (
            (cx + cos * dx + sin * dy) as i64,
            (cy - sin * dx + cos * dy) as i64,
        )
    })
}

#[test]
fn frontal_faces_look_straight_and_a_mirror_turns_the_other_way() {
    for name in ["obama.jpg", "obama2.jpg", "biden.jpg", "grace_hopper.jpg"] {
        let image = photo(name);
        let pose = attributes_of(&image).head_pose.unwrap();
        let flipped = attributes_of(&mirrored(&image)).head_pose.unwrap();
        println!("{name}: {pose:?}, mirrored {flipped:?}");
        assert!(
            pose.yaw.abs() < 15.0 && pose.pitch.abs() < 15.0,
            "{name}: {pose:?}"
        );
        assert!(pose.roll.abs() < 15.0, "{name}: {pose:?}");
        // The mirror image turns the other way by about as much, and its pitch is the same.
        assert!(
            (pose.yaw + flipped.yaw).abs() < 4.0,
            "{name}: {pose:?} vs {flipped:?}"
        );
        assert!(
            (pose.pitch - flipped.pitch).abs() < 4.0,
            "{name}: {pose:?} vs {flipped:?}"
        );
        if pose.yaw.abs() > 3.0 {
            assert!(pose.yaw.signum() != flipped.yaw.signum(), "{name}");
        }
    }
}

#[test]
fn a_turned_photo_rolls_by_the_turn() {
    let image = photo("obama.jpg");
    let upright = attributes_of(&image).head_pose.unwrap();
    for degrees in [25.0, -25.0] {
        let pose = attributes_of(&turned(&image, degrees)).head_pose.unwrap();
        println!("upright {upright:?}, turned by {degrees}: {pose:?}");
        assert!((pose.roll - upright.roll - degrees).abs() < 4.0, "{pose:?}");
        assert!((pose.yaw - upright.yaw).abs() < 4.0, "{pose:?}");
    }
}

fn distance(a: Point, b: Point) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn mean(points: &[Point]) -> Point {
    let n = points.len() as f32;
    Point {
        x: points.iter().map(|p| p.x).sum::<f32>() / n,
        y: points.iter().map(|p| p.y).sum::<f32>() / n,
    }
}

#[test]
fn the_68_landmarks_agree_with_the_detectors_five_and_the_eyes_are_open() {
    for name in [
        "obama.jpg",
        "biden.jpg",
        "grace_hopper.jpg",
        "astronaut.png",
    ] {
        let image = photo(name);
        let face = faces(&image)[0].clone();
        let sample = engine().warp(&image, &face);
        let estimated = engine().estimate(&[sample], ALL).unwrap().remove(0);
        let points = to_image(&face.landmarks5, &estimated.landmarks68.unwrap());
        let five = face.landmarks5;
        let eyes = distance(five[0], five[1]);
        // Eye centres, nose tip and mouth corners of the 68 against the detector's five points, within a fifth
        // of the distance between the eyes.
        let pairs = [
            (mean(&points[36..42]), five[0], "left eye"),
            (mean(&points[42..48]), five[1], "right eye"),
            (points[30], five[2], "nose tip"),
            (points[48], five[3], "left mouth corner"),
            (points[54], five[4], "right mouth corner"),
        ];
        for (ours, theirs, what) in pairs {
            let off = distance(ours, theirs) / eyes;
            println!("{name} {what}: {off:.3} eye distances");
            assert!(off < 0.2, "{name} {what}: {ours:?} vs {theirs:?}");
        }
        // Every subject has both eyes open.
        let states = estimated.eyes.clone().unwrap();
        println!(
            "{name} eye aspect ratios: right {:.3}, left {:.3}",
            states.right.aspect_ratio, states.left.aspect_ratio
        );
        assert_eq!(states.right.state.name(), "open", "{name}");
        assert_eq!(states.left.state.name(), "open", "{name}");
        // The jaw runs from the image's left over the chin to its right; the chin is well below the eyes.
        assert!(
            points[0].x < points[8].x && points[8].x < points[16].x,
            "{name}"
        );
        let eye_level = (five[0].y + five[1].y) / 2.0;
        assert!(points[8].y > eye_level + eyes, "{name}: {:?}", points[8]);
    }
}

#[test]
fn a_smiling_face_is_happy_and_a_straight_one_is_not() {
    let smiling = attributes_of(&photo("obama.jpg")).emotions.unwrap();
    let straight = attributes_of(&photo("grace_hopper.jpg")).emotions.unwrap();
    println!("smiling {smiling:?}\nstraight {straight:?}");
    assert_eq!(smiling.predominant, "happiness");
    assert_ne!(straight.predominant, "happiness");
    let total: f32 = smiling.estimations.iter().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-3);
}

#[test]
fn a_speaking_mouth_is_open_a_closed_one_is_not_and_smiles_are_smiles() {
    let speaking = attributes_of(&photo("obama2.jpg")).mouth.unwrap();
    let smiling = attributes_of(&photo("obama.jpg")).mouth.unwrap();
    let closed = attributes_of(&photo("grace_hopper.jpg")).mouth.unwrap();
    println!("speaking {speaking:?}\nsmiling {smiling:?}\nclosed {closed:?}");
    assert!(speaking.opened > 0.5 && closed.opened < 0.5);
    assert!(smiling.smile > 0.5 && speaking.smile < 0.5 && closed.smile < 0.5);
}

#[test]
fn age_and_gender_agree_with_the_known_subjects() {
    // (photo, male, plausible age range): Obama at about 50, Biden at about 70, Eileen Collins at about 40. The
    // network reads young: it gives Obama 32–41 and Biden 59.
    let subjects = [
        ("obama.jpg", true, 30.0, 60.0),
        ("obama2.jpg", true, 30.0, 60.0),
        ("biden.jpg", true, 45.0, 80.0),
        ("astronaut.png", false, 25.0, 50.0),
    ];
    for (name, male, youngest, oldest) in subjects {
        let basic = attributes_of(&photo(name)).basic_attributes.unwrap();
        println!("{name}: {basic:?}");
        assert_eq!(basic.gender >= 0.5, male, "{name}: {basic:?}");
        assert!(
            basic.age >= youngest && basic.age <= oldest,
            "{name}: {basic:?}"
        );
    }
    // Grace Hopper at 77 reads older than Obama, though the network takes her for a man (0.94 male): a known miss,
    // not asserted.
    let hopper = attributes_of(&photo("grace_hopper.jpg"))
        .basic_attributes
        .unwrap();
    let obama = attributes_of(&photo("obama.jpg")).basic_attributes.unwrap();
    println!("grace_hopper.jpg: {hopper:?}");
    assert!(hopper.age > obama.age + 15.0, "{hopper:?} vs {obama:?}");
}

/// A replay of a photo: the face region printed at a third of the resolution, photographed with moiré and
/// held up against a grey wall, so the print's border shows around the face.
fn replayed(image: &Image) -> Image {
    let face = faces(image)[0].rect;
    let side = (face.width.max(face.height) * 1.25) as i64;
    let (cx, cy) = (
        (face.x + face.width / 2.0) as i64,
        (face.y + face.height / 2.0) as i64,
    );
    let canvas = (side * 2) as u32;
    let (x0, y0) = (cx - side / 2, cy - side / 2);
    let offset = side / 2;
    let print = |x: i64, y: i64| -> Option<[u8; 3]> {
        let (px, py) = (x - offset, y - offset);
        if px < 0 || py < 0 || px >= side || py >= side {
            return None;
        }
        // A third of the resolution: each 3×3 block takes the colour of its corner.
        let (sx, sy) = (x0 + px / 3 * 3, y0 + py / 3 * 3);
        if sx < 0 || sy < 0 || sx >= image.width() as i64 || sy >= image.height() as i64 {
            return Some([0, 0, 0]);
        }
        Some(pixel(image, sx, sy))
    };
    let mut rgb = Vec::with_capacity((canvas * canvas * 3) as usize);
    for y in 0..canvas as i64 {
        for x in 0..canvas as i64 {
            let px = match print(x, y) {
                Some(p) => {
                    let moire = 1.0 + 0.18 * ((x as f32 * 0.9 + y as f32 * 0.35).sin());
                    p.map(|v| (f32::from(v) * 0.8 * moire + 30.0).clamp(0.0, 255.0) as u8)
                }
                None => [128, 128, 120],
            };
            rgb.extend_from_slice(&px);
        }
    }
    Image::from_rgb(canvas, canvas, rgb).unwrap()
}

#[test]
fn a_replayed_photo_scores_lower_liveness_than_the_original() {
    for name in ["obama.jpg", "biden.jpg", "grace_hopper.jpg"] {
        let image = photo(name);
        let original = attributes_of(&image).liveness.unwrap();
        let replay = attributes_of(&replayed(&image)).liveness.unwrap();
        println!("{name}: original {original:?}, replay {replay:?}");
        assert!(
            replay.probability < original.probability,
            "{name}: {original:?} vs {replay:?}"
        );
    }
}

#[test]
fn a_batch_gives_what_single_runs_give() {
    let samples: Vec<Image> = ["obama.jpg", "biden.jpg", "astronaut.png"]
        .iter()
        .map(|name| {
            let image = photo(name);
            engine().warp(&image, &faces(&image)[0])
        })
        .collect();
    let together = engine().estimate(&samples, ALL).unwrap();
    for (sample, batched) in samples.iter().zip(&together) {
        let alone = engine()
            .estimate(std::slice::from_ref(sample), ALL)
            .unwrap()
            .remove(0);
        let (a, b) = (
            alone.basic_attributes.unwrap(),
            batched.basic_attributes.unwrap(),
        );
        assert!((a.age - b.age).abs() < 1e-3 && (a.gender - b.gender).abs() < 1e-4);
        let (a, b) = (alone.head_pose.unwrap(), batched.head_pose.unwrap());
        assert!((a.yaw - b.yaw).abs() < 1e-2 && (a.pitch - b.pitch).abs() < 1e-2);
        let (a, b) = (alone.emotions.unwrap(), batched.emotions.clone().unwrap());
        assert_eq!(a.predominant, b.predominant);
        let (a, b) = (alone.liveness.unwrap(), batched.liveness.unwrap());
        assert!((a.probability - b.probability).abs() < 1e-4);
    }
    let nothing = engine().estimate(&samples, Wanted::default()).unwrap();
    assert!(nothing.iter().all(|f| *f == FaceAttributes::default()));
}

#[test]
fn a_sample_of_the_wrong_size_is_refused() {
    let small = Image::from_rgb(20, 20, vec![0; 20 * 20 * 3]).unwrap();
    assert!(engine().estimate(&[small], ALL).is_err());
}
