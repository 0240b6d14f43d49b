//! The LUNA PLATFORM 5 v6 HTTP API over engine, index and store, and the commands of the `argus` binary.

pub mod engine_commands;
