//! The store's conformance tests, written against the `Store` trait (so another backend can run them), and a
//! crash test of the SQLite backend.

mod account_tests;
mod conformance_tests;
mod crash_tests;
mod event_tests;
mod face_query_tests;
mod handler_tests;
mod object_tests;
mod support;
