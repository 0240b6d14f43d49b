//! Event filters on estimations, as the API names them: those on values this build never estimates (refused
//! everywhere: a filter on a value never stored could only ever match nothing), and those on the age, gender,
//! emotion and liveness that handlers store with an event (evaluated by `GET /6/events` and the live feed; event
//! match candidates refuse them).

/// Event filters on the estimations a handler stores with an event.
pub const STORED_ESTIMATION_FILTERS: &[&str] =
    &["age__lt", "age__gte", "gender", "emotions", "liveness"];

/// Event filters of the catalogue that need estimations this build does not make or store.
pub const ESTIMATION_FILTERS: &[&str] = &[
    "masks",
    "ethnic_groups",
    "deepfake",
    "apparent_gender",
    "apparent_age__gte",
    "apparent_age__lt",
    "headwear_states",
    "headwear_apparent_colors",
    "sleeve_lengths",
    "upper_clothing_colors",
    "lower_garment_colors",
    "lower_garment_types",
    "shoes_apparent_colors",
    "backpack_states",
];
