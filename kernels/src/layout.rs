//! The device layout of a stored database: rows in groups of [`ROW_GROUP`], interleaved by
//! vector. A scan thread scores one row, and the 32 threads of a warp score the 32 rows of one
//! group, so when each thread loads vector `j` of its row the warp reads one contiguous run of
//! `32 x vector` bytes (a coalesced load) instead of 32 runs one row apart.
//!
//! Element `e` of row `r`, with rows loaded as vectors of `width` lanes (`d / width` vectors a
//! row), lives at `((r / 32 * (d / width) + e / width) * 32 + r % 32) * width + e % width`.
//! The layout depends on the vector width, so the host packs with the width the scan will use
//! ([`crate::topk::vector_width`]). Buffers hold a whole number of groups (padding rows unused).

/// Rows per interleaved group: one warp's worth.
pub const ROW_GROUP: usize = 32;

/// Where element `element` of row `row` lives in the interleaved layout of `dim`-value rows.
pub fn interleaved_index(row: usize, element: usize, dim: usize, width: usize) -> usize {
    let vectors_per_row = dim / width;
    let vector = element / width;
    ((row / ROW_GROUP * vectors_per_row + vector) * ROW_GROUP + row % ROW_GROUP) * width
        + element % width
}

/// Elements an interleaved buffer of `rows` rows of `dim` values holds (whole groups).
pub fn interleaved_len(rows: usize, dim: usize) -> usize {
    rows.div_ceil(ROW_GROUP) * ROW_GROUP * dim
}

/// Writes `values` (one row of `dim = values.len()` values) as row `row` of `buffer`.
pub fn write_row<T: Copy>(buffer: &mut [T], row: usize, values: &[T], width: usize) {
    let dim = values.len();
    for (vector, lanes) in values.chunks_exact(width).enumerate() {
        let at = interleaved_index(row, vector * width, dim, width);
        buffer[at..at + width].copy_from_slice(lanes);
    }
}

/// Row `row` of `buffer`, back in plain order.
pub fn read_row<T: Copy>(buffer: &[T], row: usize, dim: usize, width: usize) -> Vec<T> {
    let mut values = Vec::with_capacity(dim);
    for vector in 0..dim / width {
        let at = interleaved_index(row, vector * width, dim, width);
        values.extend_from_slice(&buffer[at..at + width]);
    }
    values
}

/// Row-major `[rows, dim]` values in the interleaved layout (padding rows hold `T::default()`).
pub fn interleave<T: Copy + Default>(values: &[T], dim: usize, width: usize) -> Vec<T> {
    let rows = values.len() / dim;
    let mut buffer = vec![T::default(); interleaved_len(rows, dim)];
    for (row, stored) in values.chunks_exact(dim).enumerate() {
        write_row(&mut buffer, row, stored, width);
    }
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_has_its_own_place_and_reads_back() {
        let (rows, dim, width) = (70, 12, 4);
        let values: Vec<u32> = (0..(rows * dim) as u32).collect();
        let buffer = interleave(&values, dim, width);
        assert_eq!(buffer.len(), 96 * dim);
        let mut places: Vec<usize> = (0..rows)
            .flat_map(|row| (0..dim).map(move |e| interleaved_index(row, e, dim, width)))
            .collect();
        places.sort_unstable();
        places.dedup();
        assert_eq!(places.len(), rows * dim, "two elements share a place");
        for row in 0..rows {
            assert_eq!(
                read_row(&buffer, row, dim, width),
                values[row * dim..(row + 1) * dim]
            );
        }
    }

    #[test]
    fn a_warp_reads_one_contiguous_run_per_vector() {
        let (dim, width) = (16, 8);
        for vector in 0..dim / width {
            let starts: Vec<usize> = (32..64)
                .map(|row| interleaved_index(row, vector * width, dim, width))
                .collect();
            assert!(starts.windows(2).all(|pair| pair[1] == pair[0] + width));
        }
    }
}
