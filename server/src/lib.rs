//! The LUNA PLATFORM 5 v6 HTTP API over engine, index and store, and the commands of the `argus` binary.
//! The server knows no SQL and no pixels: images go to the engine as bytes, records go through the `Store` trait.

pub mod auth;
pub mod basic_cache;
pub mod bootstrap;
pub mod callbacks;
pub mod engine_commands;
pub mod error;
pub mod estimations;
pub mod image_input;
pub mod jwt;
pub mod live;
pub mod metrics;
pub mod request;
pub mod routes;
pub mod serve;
pub mod settings;
pub mod state;
