//! What this build cannot estimate, as the API's event filters name it: one list for `GET /6/events` and the
//! live feed, so both refuse the same filters (a filter on a value never stored could only ever match nothing).

/// Event filters of the catalogue that need estimations this build does not make or store.
pub const ESTIMATION_FILTERS: &[&str] = &[
    "age__lt",
    "age__gte",
    "gender",
    "emotions",
    "masks",
    "ethnic_groups",
    "liveness",
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
