//! The index's integration tests: property tests against an fp64 brute-force reference, filters, deletes, bulk load,
//! concurrency, bad input, and the GPU backend against the same reference.

mod bad_input_tests;
mod bulk_load_tests;
mod combine_tests;
mod concurrency_tests;
mod gpu_tests;
mod property_tests;
mod reference;
