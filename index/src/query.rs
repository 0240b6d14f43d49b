//! A search query in the forms the dot-product kernels read: the unit-length f32 values, and a 16-bit integer
//! copy for int8 storage so that the int8 kernels multiply integers only (see `Query::new` for its error).

/// One normalised query, prepared once per search.
pub(crate) struct Query {
    /// Unit-length values.
    pub values: Vec<f32>,
    /// `round(values · scale)`, for the int8 kernels, padded with a zero to an even length (the width of an int8
    /// vector in its block).
    pub quantised: Vec<i16>,
    /// `1 / scale`: turns an integer dot product with `quantised` back into an f32 one.
    pub unscale: f32,
}

impl Query {
    /// Prepares a unit-length query. The integer copy uses the largest scale for which a dot product with any
    /// int8 vector (|xᵢ| ≤ 127) of this length fits in i32, capped at the i16 range: for d ≤ 516 each component
    /// is kept to 1 part in 32 767 of the largest one, an error far below the int8 storage error.
    pub(crate) fn new(values: Vec<f32>) -> Query {
        let max = values.iter().fold(0f32, |m, x| m.max(x.abs()));
        let room = i32::MAX as f32 / (127.0 * values.len().max(1) as f32);
        let top = room.min(f32::from(i16::MAX)).floor();
        let scale = if max > 0.0 { top / max } else { 1.0 };
        let mut quantised: Vec<i16> = values.iter().map(|&x| (x * scale).round() as i16).collect();
        if quantised.len() % 2 == 1 {
            quantised.push(0);
        }
        Query {
            values,
            quantised,
            unscale: 1.0 / scale,
        }
    }
}
