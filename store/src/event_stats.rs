//! Statistics over events (`POST /events/stats`, catalogue §2.14): aggregations of event columns over the events
//! an `EventQuery` selects, optionally grouped by columns and by a time bucket of the creation time.

/// An event column statistics can be computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatColumn {
    /// The event id.
    EventId,
    /// The client's external id.
    ExternalId,
    /// The handler.
    HandlerId,
    /// The video stream.
    StreamId,
    /// The source.
    Source,
    /// The face created from the event.
    FaceId,
    /// Free text.
    UserData,
    /// Location: city.
    City,
    /// Location: area.
    Area,
    /// Location: district.
    District,
    /// Location: street.
    Street,
    /// Location: house number.
    HouseNumber,
    /// The track.
    TrackId,
    /// The label of the top match's policy.
    TopMatchingCandidatesLabel,
    /// The top match's face or event.
    TopSimilarObjectId,
    /// The top match's external id.
    TopSimilarExternalId,
    /// The top match's similarity.
    TopSimilarObjectSimilarity,
    /// Creation time (Unix milliseconds).
    CreateTime,
    /// End time (Unix milliseconds).
    EndTime,
    /// The face's estimated age, in years.
    Age,
    /// The face's estimated gender code (0 female, 1 male).
    Gender,
    /// The face's predominant emotion code (1..7).
    Emotion,
    /// The face's liveness code (0 spoof, 1 real, 2 unknown).
    Liveness,
}

impl StatColumn {
    /// Every column, with its API name.
    pub const ALL: [(StatColumn, &'static str); 23] = [
        (StatColumn::EventId, "event_id"),
        (StatColumn::ExternalId, "external_id"),
        (StatColumn::HandlerId, "handler_id"),
        (StatColumn::StreamId, "stream_id"),
        (StatColumn::Source, "source"),
        (StatColumn::FaceId, "face_id"),
        (StatColumn::UserData, "user_data"),
        (StatColumn::City, "city"),
        (StatColumn::Area, "area"),
        (StatColumn::District, "district"),
        (StatColumn::Street, "street"),
        (StatColumn::HouseNumber, "house_number"),
        (StatColumn::TrackId, "track_id"),
        (
            StatColumn::TopMatchingCandidatesLabel,
            "top_matching_candidates_label",
        ),
        (StatColumn::TopSimilarObjectId, "top_similar_object_id"),
        (StatColumn::TopSimilarExternalId, "top_similar_external_id"),
        (
            StatColumn::TopSimilarObjectSimilarity,
            "top_similar_object_similarity",
        ),
        (StatColumn::CreateTime, "create_time"),
        (StatColumn::EndTime, "end_time"),
        (StatColumn::Age, "age"),
        (StatColumn::Gender, "gender"),
        (StatColumn::Emotion, "emotion"),
        (StatColumn::Liveness, "liveness"),
    ];

    /// The column of an API name.
    pub fn named(name: &str) -> Option<StatColumn> {
        StatColumn::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| *c)
    }

    /// True for the face estimations a handler stores beside the event (NULL where none was made).
    pub fn is_estimation(self) -> bool {
        matches!(
            self,
            StatColumn::Age | StatColumn::Gender | StatColumn::Emotion | StatColumn::Liveness
        )
    }

    /// True for the columns holding ids (answered as UUID text).
    pub fn is_id(self) -> bool {
        matches!(
            self,
            StatColumn::EventId
                | StatColumn::HandlerId
                | StatColumn::StreamId
                | StatColumn::FaceId
                | StatColumn::TopSimilarObjectId
        )
    }
}

/// What is computed on a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregator {
    /// Number of events where the column is set.
    Count,
    /// Largest value.
    Max,
    /// Smallest value.
    Min,
    /// Mean value.
    Avg,
    /// One row per distinct value.
    GroupBy,
}

/// A time bucket of the creation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBucket {
    /// Fixed-length intervals from the Unix epoch, in milliseconds.
    Interval(i64),
    /// `hourOfDay`, `dayOfWeek`, …: the UTC calendar field.
    Frequency(CalendarField),
}

/// A calendar field of the creation time, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarField {
    /// 1..12.
    MonthOfYear,
    /// 0..53 (weeks start on Monday).
    WeekOfYear,
    /// 1..366.
    DayOfYear,
    /// 1..31.
    DayOfMonth,
    /// 0..6, Sunday is 0.
    DayOfWeek,
    /// 0..23.
    HourOfDay,
    /// 0..59.
    MinuteOfHour,
}

/// One statistics request.
#[derive(Clone, Debug)]
pub struct StatsRequest {
    /// What to compute, in answer order (group-by columns included).
    pub targets: Vec<(StatColumn, Aggregator)>,
    /// An extra grouping by creation time.
    pub bucket: Option<TimeBucket>,
}

/// A value of a statistics row.
#[derive(Clone, Debug, PartialEq)]
pub enum StatValue {
    /// No value (no event, or the column unset).
    Null,
    /// An integer.
    Integer(i64),
    /// A number.
    Real(f64),
    /// Text (ids as UUID text).
    Text(String),
}

/// The answer: one row per group (one row without grouping); each row has the time bucket first (when asked
/// for), then one value per target.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsTable {
    /// The rows, ordered by the groups.
    pub rows: Vec<Vec<StatValue>>,
}
