//! `--index-storage`: the matcher kept in f16 or i8 rebuilds from the same store and ranks the faces as f32 does,
//! with similarities close to the exact ones; an unknown storage is refused at start with the known ones.

use crate::server::{Account, Server, enrol_attribute, enrol_face, list_matches, refused_start};
use serde_json::json;

#[test]
fn half_and_quarter_storage_rank_faces_as_the_exact_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[("ARGUS_INDEX_STORAGE", "f32")]);
    let me = Account::create(&server, "storage@argus.dev");
    let list = server.post_json("/6/lists", &me.h(), &json!({}));
    let list_id = list.json["list_id"].as_str().unwrap().to_string();
    for name in ["obama.jpg", "biden.jpg", "grace_hopper.jpg", "obama3.jpg"] {
        enrol_face(&server, &me, name, &list_id);
    }
    let (_, probe) = enrol_attribute(&server, &me, "obama2.jpg");
    let exact = list_matches(&server, &me, &probe, &list_id);
    assert_eq!(exact.len(), 4);
    assert_eq!(server.stop(), Some(0));

    for (storage, tolerance) in [("f16", 0.002), ("i8", 0.02)] {
        let server = Server::start_with(dir.path(), &[("ARGUS_INDEX_STORAGE", storage)]);
        let found = list_matches(&server, &me, &probe, &list_id);
        let ids = |m: &[(String, f64)]| m.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&found),
            ids(&exact),
            "{storage}: {found:?} vs {exact:?}"
        );
        for ((_, got), (_, want)) in found.iter().zip(&exact) {
            assert!(
                (got - want).abs() < tolerance,
                "{storage}: {found:?} vs {exact:?}"
            );
        }
        assert_eq!(server.stop(), Some(0));
    }
}

#[test]
fn an_unknown_index_storage_is_refused_with_the_known_ones() {
    let stderr = refused_start(&["--index-storage", "f8"]);
    assert!(
        stderr.contains("unknown index storage \"f8\"") && stderr.contains("f32, f16, i8"),
        "{stderr}"
    );
}
