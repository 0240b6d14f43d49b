//! End-to-end tests: a real argus process driven over HTTP.
