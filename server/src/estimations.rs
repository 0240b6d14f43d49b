//! Event filters on estimations this build never makes, as the API names them: refused everywhere (a filter on a
//! value never stored could only ever match nothing). The age, gender, emotion and liveness filters are not here:
//! handlers store those values, and `GET /6/events`, the live feed and event match candidates evaluate them.

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
