//! End-to-end tests: each starts the real `argus serve` on a free port with a fresh data directory and talks to
//! it over TCP. The binary is `$ARGUS_BIN`, else `target/debug/argus` (build it first: `make test` does).

mod account_tests;
mod auth_tests;
mod backend_tests;
mod bad_input_tests;
mod callback_tests;
mod detection_tests;
mod durability_tests;
mod estimation_tests;
mod event_matching_tests;
mod events_tests;
mod face_attribute_tests;
mod faces_tests;
mod flow_tests;
mod gpu_matcher_tests;
mod handler_tests;
mod image_store_tests;
mod index_storage_tests;
mod list_tests;
mod live_tests;
mod precision_tests;
mod server;
mod token_tests;
mod verifier_tests;
