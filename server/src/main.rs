//! The `argus` binary.
fn main() {}
