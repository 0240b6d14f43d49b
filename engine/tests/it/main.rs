//! The engine's integration tests, one binary: real models, real photos.

mod attributes_tests;
mod backend_tests;
mod bad_input_tests;
mod burn_tests;
mod common;
mod detect_tests;
mod extract_tests;
mod jpeg_tests;
mod quality_tests;
mod vulkan;
