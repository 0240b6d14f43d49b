//! The LUNA PLATFORM 5 v6 HTTP API over engine, index and store.
