//! The store's conformance tests, written against the `Store` trait (so another backend can run them), and a
//! crash test of the SQLite backend.

mod conformance_tests;
mod crash_tests;
