//! Detection on real photos: one face where there is one, none where there is none, landmarks inside the box,
//! and the reference box of obama.jpg.

use crate::common::{PORTRAITS, faces, photo};

#[test]
fn one_face_on_each_portrait_with_landmarks_inside_the_box() {
    for name in PORTRAITS {
        let found = faces(&photo(name));
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        let face = &found[0];
        assert!(face.score > 0.95, "{name}: score {}", face.score);
        for p in face.landmarks5 {
            assert!(
                p.x > face.rect.x
                    && p.x < face.rect.x + face.rect.width
                    && p.y > face.rect.y
                    && p.y < face.rect.y + face.rect.height,
                "{name}: landmark {p:?} outside {:?}",
                face.rect
            );
        }
        let [left_eye, right_eye, nose, mouth_left, mouth_right] = face.landmarks5;
        assert!(
            left_eye.x < right_eye.x && mouth_left.x < mouth_right.x,
            "{name}"
        );
        assert!(left_eye.y < nose.y && nose.y < mouth_left.y, "{name}");
    }
}

#[test]
fn no_face_on_a_landscape() {
    assert!(faces(&photo("ice_block.jpg")).is_empty());
}

#[test]
fn obama_box_matches_the_reference_implementation() {
    // facenet-pytorch gives (367.5, 79.0, 616.4, 428.3) for this photo (models fact sheet §2.4).
    let face = &faces(&photo("obama.jpg"))[0];
    let r = face.rect;
    let got = [r.x, r.y, r.x + r.width, r.y + r.height];
    for (g, want) in got.iter().zip([367.5, 79.0, 616.4, 428.3]) {
        assert!((g - want).abs() < 2.0, "box {got:?}");
    }
}

#[test]
fn roi_limits_the_search_and_keeps_image_coordinates() {
    let image = photo("obama.jpg");
    let engine = crate::common::engine();
    let around = argus_engine::Rect {
        x: 300.0,
        y: 20.0,
        width: 400.0,
        height: 480.0,
    };
    let options = argus_engine::DetectOptions {
        roi: Some(around),
        ..Default::default()
    };
    let found = engine.detect(&image, &options).unwrap();
    assert_eq!(found.len(), 1);
    // The pyramid differs with the image size, so the box moves a little; it is the same face.
    let (a, b) = (found[0].rect, faces(&image)[0].rect);
    let iw = (a.x + a.width).min(b.x + b.width) - a.x.max(b.x);
    let ih = (a.y + a.height).min(b.y + b.height) - a.y.max(b.y);
    let iou = iw * ih / (a.width * a.height + b.width * b.height - iw * ih);
    assert!(iou > 0.85, "{a:?} vs {b:?}");
    let elsewhere = argus_engine::Rect {
        x: 0.0,
        y: 700.0,
        width: 300.0,
        height: 400.0,
    };
    let options = argus_engine::DetectOptions {
        roi: Some(elsewhere),
        ..Default::default()
    };
    assert!(engine.detect(&image, &options).unwrap().is_empty());
    let tiny = argus_engine::Rect {
        x: 0.0,
        y: 0.0,
        width: 5.0,
        height: 5.0,
    };
    let options = argus_engine::DetectOptions {
        roi: Some(tiny),
        ..Default::default()
    };
    assert!(matches!(
        engine.detect(&image, &options),
        Err(argus_engine::EngineError::BadOption { .. })
    ));
}
