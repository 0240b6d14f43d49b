//! Descriptors to matches: exact in-memory 1:N search with deletes and filters.
