//! Events: batches stored whole or not at all, read back field for field, every search condition, order and
//! pages, meta path filters, deletion, and no account ever sees another's events.

use crate::support::ALL;
use argus_store::*;
use uuid::Uuid;

/// An event of the account at time `t`, with every optional field empty.
fn event(account: Uuid, t: i64) -> Event {
    Event {
        event_id: Uuid::new_v4(),
        account_id: account,
        handler_id: None,
        create_time: t,
        end_time: t + 1,
        source: None,
        stream_id: None,
        location: EventLocation::default(),
        tags: Vec::new(),
        track_id: None,
        external_id: String::new(),
        user_data: String::new(),
        meta: None,
        face_id: None,
        attach_result: Vec::new(),
        top_match: None,
        match_result: None,
        face_detections: "[]".into(),
        body_detections: "[]".into(),
        estimations: EventEstimations::default(),
    }
}

/// Ten events at times 0..10: even ones from "cam0" in Moscow tagged "even", odd ones from no source; each
/// has `meta` `{"n": t, "name": "e<t>", "deep": {"odd": t % 2 == 1}}` and a top match of similarity t / 10.
fn ten_events(s: &dyn Store, me: Uuid) -> Vec<Event> {
    let events: Vec<Event> = (0..10)
        .map(|t| {
            let mut e = event(me, t);
            if t % 2 == 0 {
                e.source = Some("cam0".into());
                e.location.city = Some("Moscow".into());
                e.tags = vec!["even".into(), format!("t{t}")];
            }
            e.track_id = Some(format!("track{}", t % 3));
            e.external_id = format!("ext{t}");
            e.user_data = format!("event number {t}");
            e.meta = Some(format!(
                r#"{{"n": {t}, "name": "e{t}", "deep": {{"odd": {}}}}}"#,
                t % 2 == 1
            ));
            e.top_match = Some(TopMatch {
                object: MatchedObject::Face(Uuid::new_v4()),
                external_id: Some(format!("person{t}")),
                label: "staff".into(),
                similarity: t as f64 / 10.0,
            });
            e.location.geo_position = Some(GeoPosition {
                latitude: 55.0 + t as f64 * 0.01,
                longitude: 37.0,
            });
            e
        })
        .collect();
    s.create_events(&events).unwrap();
    events
}

fn times(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.create_time).collect()
}

#[test]
fn an_event_reads_back_as_it_was_stored() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let mut e = event(me, 1_700_000_000_000);
    e.handler_id = Some(Uuid::new_v4());
    e.source = Some("3rd Avenue".into());
    e.stream_id = Some(Uuid::new_v4());
    e.location = EventLocation {
        city: Some("Moscow".into()),
        area: Some("Central".into()),
        district: Some("Basmanny".into()),
        street: Some("Podsosensky lane".into()),
        house_number: Some("23 bldg.3".into()),
        geo_position: Some(GeoPosition {
            latitude: 55.752,
            longitude: 36.616,
        }),
    };
    e.tags = vec!["b".into(), "a".into()];
    e.track_id = Some("track_1".into());
    e.external_id = "ext".into();
    e.user_data = "some event".into();
    e.meta = Some(r#"{"k":"v"}"#.into());
    e.face_id = Some(Uuid::new_v4());
    e.attach_result = vec![Uuid::new_v4(), Uuid::new_v4()];
    e.top_match = Some(TopMatch {
        object: MatchedObject::Event(Uuid::new_v4()),
        external_id: None,
        label: "l".into(),
        similarity: 0.75,
    });
    e.match_result = Some(r#"[{"label":"l","candidates":[]}]"#.into());
    e.face_detections = r#"[{"sample_id":"x"}]"#.into();
    e.estimations = EventEstimations {
        age: Some(41.5),
        gender: Some(1),
        emotion: Some(4),
        liveness: Some(1),
    };
    s.create_events(std::slice::from_ref(&e)).unwrap();
    assert_eq!(s.event(me, e.event_id).unwrap(), e);
    let plain = event(me, 5);
    s.create_events(std::slice::from_ref(&plain)).unwrap();
    assert_eq!(s.event(me, plain.event_id).unwrap(), plain);
}

#[test]
fn a_batch_is_stored_whole_or_not_at_all() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let stored = event(me, 1);
    s.create_events(std::slice::from_ref(&stored)).unwrap();
    let fresh = event(me, 2);
    let mut repeated = event(me, 3);
    repeated.event_id = stored.event_id;
    let err = s.create_events(&[fresh.clone(), repeated]).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(matches!(
        s.event(me, fresh.event_id),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.count_events(me, &EventQuery::default()).unwrap(), 1);
    let twice = event(me, 4);
    assert!(s.create_events(&[twice.clone(), twice.clone()]).is_err());
    assert!(s.event(me, twice.event_id).is_err());
}

#[test]
fn events_are_found_by_every_condition() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let all = ten_events(s.as_ref(), me);
    let asc = |q: EventQuery| {
        let q = EventQuery {
            order: Order::Asc,
            ..q
        };
        let found = s.events(me, &q, ALL).unwrap();
        assert_eq!(s.count_events(me, &q).unwrap(), found.len() as u64);
        times(&found)
    };
    let q = EventQuery {
        create_time_gte: Some(3),
        create_time_lt: Some(6),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![3, 4, 5]);
    let q = EventQuery {
        end_time_gte: Some(9),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![8, 9]);
    let q = EventQuery {
        event_ids: Some(vec![all[7].event_id, all[2].event_id, Uuid::new_v4()]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![2, 7]);
    let q = EventQuery {
        sources: Some(vec![Some("cam0".into())]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![0, 2, 4, 6, 8]);
    let q = EventQuery {
        sources: Some(vec![None]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![1, 3, 5, 7, 9]);
    let q = EventQuery {
        sources: Some(vec![Some("nowhere".into()), None]),
        cities: Some(vec![None]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![1, 3, 5, 7, 9]);
    let q = EventQuery {
        cities: Some(vec![Some("Moscow".into())]),
        track_ids: Some(vec![Some("track0".into()), Some("track1".into())]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![0, 4, 6]);
    let q = EventQuery {
        tags: Some(vec!["even".into(), "t4".into()]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![4], "every tag must be there");
    let q = EventQuery {
        tags: Some(vec!["even".into()]),
        create_time_gte: Some(2),
        create_time_lt: Some(7),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![2, 4, 6], "a tag within a time range");
    let q = EventQuery {
        external_ids: Some(vec!["ext1".into(), "ext9".into()]),
        user_data: Some("number".into()),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![1, 9]);
    let q = EventQuery {
        top_similarity_gte: Some(0.45),
        top_similarity_lt: Some(0.75),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![5, 6, 7]);
    let top = match all[3].top_match.as_ref().unwrap().object {
        MatchedObject::Face(id) | MatchedObject::Event(id) => id,
    };
    let q = EventQuery {
        top_similar_object_ids: Some(vec![top]),
        top_matching_label: Some("staff".into()),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![3]);
    let q = EventQuery {
        top_similar_external_ids: Some(vec!["person8".into()]),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![8]);
    let q = EventQuery {
        geo: Some(GeoFilter::Within {
            origin: GeoPosition {
                latitude: 55.02,
                longitude: 37.001,
            },
            latitude_delta: 0.015,
            longitude_delta: 0.01,
        }),
        ..EventQuery::default()
    };
    assert_eq!(asc(q), vec![1, 2, 3]);
    let q = EventQuery {
        geo: Some(GeoFilter::Unset),
        ..EventQuery::default()
    };
    assert!(asc(q).is_empty());
}

#[test]
fn handlers_streams_and_faces_select_their_events() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let (handler, stream, face) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut a = event(me, 1);
    a.handler_id = Some(handler);
    a.stream_id = Some(stream);
    let mut b = event(me, 2);
    b.face_id = Some(face);
    s.create_events(&[a.clone(), b.clone()]).unwrap();
    let ids = |q: EventQuery| -> Vec<Uuid> {
        s.events(me, &q, ALL)
            .unwrap()
            .iter()
            .map(|e| e.event_id)
            .collect()
    };
    let q = EventQuery {
        handler_ids: Some(vec![handler]),
        ..EventQuery::default()
    };
    assert_eq!(ids(q), vec![a.event_id]);
    let q = EventQuery {
        stream_ids: Some(vec![None]),
        ..EventQuery::default()
    };
    assert_eq!(ids(q), vec![b.event_id]);
    let q = EventQuery {
        stream_ids: Some(vec![Some(stream)]),
        face_ids: Some(vec![face]),
        ..EventQuery::default()
    };
    assert!(ids(q).is_empty());
}

#[test]
fn meta_fields_are_compared_by_type() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    ten_events(s.as_ref(), me);
    let meta = |path: &str, op: MetaOp, values: Vec<MetaValue>| {
        let q = EventQuery {
            meta: vec![MetaFilter {
                path: path.split('.').map(str::to_string).collect(),
                op,
                values,
            }],
            order: Order::Asc,
            ..EventQuery::default()
        };
        times(&s.events(me, &q, ALL).unwrap())
    };
    use MetaValue::*;
    assert_eq!(meta("n", MetaOp::Gt, vec![Integer(7)]), vec![8, 9]);
    assert_eq!(meta("n", MetaOp::Lte, vec![Numeric(1.5)]), vec![0, 1]);
    assert_eq!(meta("n", MetaOp::Eq, vec![Integer(4)]), vec![4]);
    assert!(
        meta("n", MetaOp::Eq, vec![Text("4".into())]).is_empty(),
        "a string never equals a number"
    );
    assert_eq!(meta("name", MetaOp::Eq, vec![Text("e3".into())]), vec![3]);
    assert_eq!(
        meta(
            "name",
            MetaOp::In,
            vec![Text("e3".into()), Text("e5".into())]
        ),
        vec![3, 5]
    );
    assert_eq!(
        meta(
            "name",
            MetaOp::Nin,
            vec![Text("e0".into()), Text("e1".into())]
        )
        .len(),
        8
    );
    assert_eq!(
        meta("name", MetaOp::Like, vec![Text("e_".into())]).len(),
        10
    );
    assert_eq!(
        meta("name", MetaOp::Nlike, vec![Text("%1".into())]).len(),
        9
    );
    assert_eq!(
        meta("deep.odd", MetaOp::Eq, vec![Integer(1)]),
        vec![1, 3, 5, 7, 9]
    );
    assert!(meta("missing", MetaOp::Eq, vec![Integer(1)]).is_empty());
    assert_eq!(meta("missing", MetaOp::Eq, vec![Null]).len(), 10);
    assert!(meta("name", MetaOp::Eq, vec![Null]).is_empty());
    assert_eq!(meta("name", MetaOp::Neq, vec![Null]).len(), 10);
    assert_eq!(
        meta("deep.odd", MetaOp::In, vec![Null, Integer(0)]),
        vec![0, 2, 4, 6, 8]
    );
    assert_eq!(
        meta("deep.odd", MetaOp::Nin, vec![Null, Integer(0)]),
        vec![1, 3, 5, 7, 9]
    );
    assert!(
        meta("n\" OR 1=1 --", MetaOp::Eq, vec![Integer(1)]).is_empty(),
        "the path is a bound value, never SQL"
    );
}

#[test]
fn events_come_newest_first_in_pages_or_in_id_order() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let all = ten_events(s.as_ref(), me);
    let page = |q: &EventQuery, page| times(&s.events(me, q, Page { page, page_size: 4 }).unwrap());
    let newest = EventQuery::default();
    assert_eq!(page(&newest, 1), vec![9, 8, 7, 6]);
    assert_eq!(page(&newest, 3), vec![1, 0]);
    let oldest = EventQuery {
        order: Order::Asc,
        ..EventQuery::default()
    };
    assert_eq!(page(&oldest, 2), vec![4, 5, 6, 7]);
    let mut ids: Vec<Uuid> = all.iter().map(|e| e.event_id).collect();
    ids.sort();
    let by_id = EventQuery {
        event_id_gte: Some(ids[2]),
        event_id_lt: Some(ids[8]),
        order: Order::Asc,
        ..EventQuery::default()
    };
    let found: Vec<Uuid> = s
        .events(me, &by_id, ALL)
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(found, ids[2..8].to_vec());
}

#[test]
fn events_are_found_by_their_estimations_and_unestimated_ones_by_null() {
    let (_d, s) = crate::support::store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    // Ages 20, 30, …, 70; genders alternate female, male; emotions happiness (4) then neutral (5); the last
    // event has no estimations at all.
    let mut events: Vec<Event> = (0..7)
        .map(|i| {
            let mut e = event(me, i);
            e.estimations = EventEstimations {
                age: Some(20.0 + 10.0 * i as f64),
                gender: Some((i % 2) as u8),
                emotion: Some(if i < 3 { 4 } else { 5 }),
                liveness: Some(1),
            };
            e
        })
        .collect();
    events[6].estimations = EventEstimations::default();
    s.create_events(&events).unwrap();
    s.create_events(&[{
        let mut e = event(other, 1);
        e.estimations.age = Some(30.0);
        e
    }])
    .unwrap();
    let count = |q: EventQuery| s.count_events(me, &q).unwrap();
    let found = |q: EventQuery| times(&s.events(me, &q, ALL).unwrap());
    assert_eq!(
        found(EventQuery {
            age_gte: Some(30.0),
            age_lt: Some(50.0),
            ..EventQuery::default()
        }),
        [2, 1]
    );
    assert_eq!(
        count(EventQuery {
            genders: Some(vec![Some(1)]),
            ..EventQuery::default()
        }),
        3
    );
    assert_eq!(
        found(EventQuery {
            emotions: Some(vec![Some(4), None]),
            ..EventQuery::default()
        }),
        [6, 2, 1, 0]
    );
    assert_eq!(
        found(EventQuery {
            liveness: Some(vec![None]),
            ..EventQuery::default()
        }),
        [6]
    );
    assert_eq!(
        count(EventQuery {
            liveness: Some(vec![Some(0)]),
            ..EventQuery::default()
        }),
        0
    );
    // Statistics read the same estimations: gender groups (NULL for the unestimated event), mean age, and
    // counts that skip what was not estimated.
    let stats = |targets: Vec<(StatColumn, Aggregator)>, q: &EventQuery| {
        s.event_stats(
            me,
            q,
            &StatsRequest {
                targets,
                bucket: None,
            },
        )
        .unwrap()
        .rows
    };
    assert_eq!(
        stats(
            vec![
                (StatColumn::Gender, Aggregator::GroupBy),
                (StatColumn::Age, Aggregator::Avg),
                (StatColumn::Emotion, Aggregator::Max)
            ],
            &EventQuery::default()
        ),
        vec![
            vec![StatValue::Null, StatValue::Null, StatValue::Null],
            vec![
                StatValue::Integer(0),
                StatValue::Real(40.0),
                StatValue::Integer(5)
            ],
            vec![
                StatValue::Integer(1),
                StatValue::Real(50.0),
                StatValue::Integer(5)
            ],
        ],
        "females 20, 40, 60; males 30, 50, 70"
    );
    let happy = EventQuery {
        emotions: Some(vec![Some(4)]),
        ..EventQuery::default()
    };
    assert_eq!(
        stats(
            vec![
                (StatColumn::Liveness, Aggregator::Count),
                (StatColumn::Age, Aggregator::Min)
            ],
            &happy
        ),
        vec![vec![StatValue::Integer(3), StatValue::Real(20.0)]]
    );
    // Deleting the event deletes its estimations; the other account's are untouched.
    s.delete_event(me, events[1].event_id).unwrap();
    assert_eq!(
        count(EventQuery {
            age_lt: Some(35.0),
            ..EventQuery::default()
        }),
        1
    );
    let q = EventQuery {
        age_gte: Some(30.0),
        age_lt: Some(31.0),
        ..EventQuery::default()
    };
    assert_eq!(s.count_events(other, &q).unwrap(), 1);
}

#[test]
fn deleting_removes_only_the_accounts_events() {
    let (_d, s) = crate::support::store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let mine = ten_events(s.as_ref(), me);
    let theirs = ten_events(s.as_ref(), other);
    assert!(matches!(
        s.event(other, mine[0].event_id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.delete_event(other, mine[0].event_id).is_err());
    assert_eq!(s.count_events(other, &EventQuery::default()).unwrap(), 10);
    let q = EventQuery {
        event_ids: Some(vec![mine[1].event_id]),
        ..EventQuery::default()
    };
    assert!(s.events(other, &q, ALL).unwrap().is_empty());

    s.delete_event(me, mine[0].event_id).unwrap();
    assert!(s.event(me, mine[0].event_id).is_err());
    assert!(s.delete_event(me, mine[0].event_id).is_err());
    let deleted = s
        .delete_events(
            me,
            &[mine[1].event_id, theirs[1].event_id, mine[1].event_id],
        )
        .unwrap();
    assert_eq!(deleted, vec![mine[1].event_id]);
    assert_eq!(s.count_events(me, &EventQuery::default()).unwrap(), 8);
    assert_eq!(s.count_events(other, &EventQuery::default()).unwrap(), 10);
    let tagged = EventQuery {
        tags: Some(vec!["t0".into()]),
        ..EventQuery::default()
    };
    assert_eq!(s.count_events(me, &tagged).unwrap(), 0);
    assert_eq!(s.count_events(other, &tagged).unwrap(), 1);
}

#[test]
fn statistics_count_group_and_bucket_the_selected_events() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    ten_events(&*s, me);
    ten_events(&*s, Uuid::new_v4());
    let all = EventQuery::default();
    let table = |targets: Vec<(StatColumn, Aggregator)>, bucket, q: &EventQuery| {
        s.event_stats(me, q, &StatsRequest { targets, bucket })
            .unwrap()
            .rows
    };
    use Aggregator::*;
    use StatColumn::*;
    use StatValue::{Integer, Null, Real, Text};
    assert_eq!(
        table(vec![(EventId, Count), (Source, Count)], None, &all),
        vec![vec![Integer(10), Integer(5)]],
        "COUNT counts set values of this account only"
    );
    assert_eq!(
        table(
            vec![
                (TopSimilarObjectSimilarity, Max),
                (TopSimilarObjectSimilarity, Avg),
                (CreateTime, Min)
            ],
            None,
            &all
        ),
        vec![vec![Real(0.9), Real(0.45), Integer(0)]]
    );
    assert_eq!(
        table(vec![(Source, GroupBy), (EventId, Count)], None, &all),
        vec![
            vec![Null, Integer(5)],
            vec![Text("cam0".into()), Integer(5)]
        ]
    );
    let even = EventQuery {
        tags: Some(vec!["even".into()]),
        ..EventQuery::default()
    };
    assert_eq!(
        table(vec![(EventId, Count)], Some(TimeBucket::Interval(4)), &even),
        vec![
            vec![Integer(0), Integer(2)],
            vec![Integer(4), Integer(2)],
            vec![Integer(8), Integer(1)]
        ],
        "events at 0, 2 | 4, 6 | 8 in 4 ms buckets"
    );
    assert_eq!(
        table(
            vec![(EventId, Count)],
            Some(TimeBucket::Frequency(CalendarField::HourOfDay)),
            &all
        ),
        vec![vec![Integer(0), Integer(10)]],
        "every event is in the first hour of 1970-01-01 UTC"
    );
}

#[test]
fn tag_searches_see_events_stored_before_the_tag_time_table_existed() {
    let dir = tempfile::tempdir().unwrap();
    let me = Uuid::new_v4();
    {
        let s = SqliteStore::open(dir.path()).unwrap();
        ten_events(&s, me);
    }
    // An older data directory: the tags are there, the table of tags by time is empty.
    let db = rusqlite::Connection::open(dir.path().join("argus.sqlite3")).unwrap();
    db.execute("DELETE FROM event_tag_times", []).unwrap();
    drop(db);
    let s = SqliteStore::open(dir.path()).unwrap();
    let q = EventQuery {
        tags: Some(vec!["even".into()]),
        create_time_lt: Some(5),
        order: Order::Asc,
        ..EventQuery::default()
    };
    assert_eq!(times(&s.events(me, &q, ALL).unwrap()), vec![0, 2, 4]);
}

#[test]
fn deleting_an_account_deletes_its_events() {
    let (_d, s) = crate::support::store();
    let doomed = crate::support::account("events-doomed@argus.dev");
    let kept = crate::support::account("events-kept@argus.dev");
    s.create_account(&doomed).unwrap();
    s.create_account(&kept).unwrap();
    ten_events(s.as_ref(), doomed.account_id);
    ten_events(s.as_ref(), kept.account_id);
    s.delete_account(doomed.account_id).unwrap();
    let tagged = EventQuery {
        tags: Some(vec!["even".into()]),
        ..EventQuery::default()
    };
    assert_eq!(
        s.count_events(doomed.account_id, &EventQuery::default())
            .unwrap(),
        0
    );
    assert_eq!(s.count_events(doomed.account_id, &tagged).unwrap(), 0);
    assert_eq!(s.count_events(kept.account_id, &tagged).unwrap(), 5);
}

fn descriptor(byte: u8) -> StoredDescriptor {
    StoredDescriptor {
        version: 59,
        bytes: vec![byte; 16],
    }
}

#[test]
fn event_descriptors_are_stored_with_their_batch_scanned_and_deleted_with_the_event() {
    let (_d, s) = crate::support::store();
    let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
    let mut with = event(me, 1);
    with.external_id = "person".into();
    let without = event(me, 2);
    let theirs = event(other, 3);
    s.create_events_with_descriptors(
        &[with.clone(), without.clone()],
        &[EventDescriptor {
            event_id: with.event_id,
            descriptor: descriptor(1),
        }],
    )
    .unwrap();
    s.create_events_with_descriptors(
        std::slice::from_ref(&theirs),
        &[EventDescriptor {
            event_id: theirs.event_id,
            descriptor: descriptor(2),
        }],
    )
    .unwrap();
    assert_eq!(
        s.event(me, with.event_id).unwrap(),
        with,
        "the event reads back as it was"
    );
    assert_eq!(
        s.event_descriptor(me, with.event_id).unwrap(),
        Some(descriptor(1))
    );
    assert_eq!(s.event_descriptor(me, without.event_id).unwrap(), None);
    assert!(matches!(
        s.event_descriptor(me, theirs.event_id),
        Err(StoreError::NotFound { .. })
    ));

    let mut scanned = Vec::new();
    s.scan_event_descriptors(&mut |e| scanned.push(e)).unwrap();
    scanned.sort_by_key(|e| e.create_time);
    assert_eq!(
        scanned,
        vec![
            IndexedEvent {
                event_id: with.event_id,
                account_id: me,
                external_id: "person".into(),
                create_time: 1,
                descriptor: descriptor(1),
            },
            IndexedEvent {
                event_id: theirs.event_id,
                account_id: other,
                external_id: String::new(),
                create_time: 3,
                descriptor: descriptor(2),
            },
        ]
    );

    let mut ids = s.event_ids(me, &EventQuery::default()).unwrap();
    ids.sort();
    let mut expected = vec![with.event_id, without.event_id];
    expected.sort();
    assert_eq!(ids, expected);
    let later = EventQuery {
        create_time_gte: Some(2),
        ..EventQuery::default()
    };
    assert_eq!(s.event_ids(me, &later).unwrap(), vec![without.event_id]);

    s.delete_event(me, with.event_id).unwrap();
    let mut scanned = Vec::new();
    s.scan_event_descriptors(&mut |e| scanned.push(e.event_id))
        .unwrap();
    assert_eq!(scanned, vec![theirs.event_id]);
}

#[test]
fn a_descriptor_without_its_event_in_the_batch_stores_nothing() {
    let (_d, s) = crate::support::store();
    let me = Uuid::new_v4();
    let e = event(me, 1);
    let stray = EventDescriptor {
        event_id: Uuid::new_v4(),
        descriptor: descriptor(1),
    };
    let err = s
        .create_events_with_descriptors(std::slice::from_ref(&e), &[stray])
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(s.event(me, e.event_id).is_err());
}

#[test]
fn deleting_an_account_deletes_its_events_and_their_descriptors() {
    let (_d, s) = crate::support::store();
    let (doomed, kept) = (
        crate::support::account("doomed@x.io"),
        crate::support::account("kept@x.io"),
    );
    s.create_account(&doomed).unwrap();
    s.create_account(&kept).unwrap();
    let mut ids = Vec::new();
    for account in [doomed.account_id, kept.account_id] {
        let mut e = event(account, 1);
        e.tags = vec!["t".into()];
        s.create_events_with_descriptors(
            std::slice::from_ref(&e),
            &[EventDescriptor {
                event_id: e.event_id,
                descriptor: descriptor(1),
            }],
        )
        .unwrap();
        ids.push(e.event_id);
    }
    let deleted = s.delete_account(doomed.account_id).unwrap();
    assert_eq!(deleted.events, vec![ids[0]]);
    assert_eq!(
        s.count_events(doomed.account_id, &EventQuery::default())
            .unwrap(),
        0
    );
    let mut scanned = Vec::new();
    s.scan_event_descriptors(&mut |e| scanned.push(e.event_id))
        .unwrap();
    assert_eq!(scanned, vec![ids[1]]);
    let tagged = EventQuery {
        tags: Some(vec!["t".into()]),
        ..EventQuery::default()
    };
    assert_eq!(s.count_events(kept.account_id, &tagged).unwrap(), 1);
}
