//! Pixels to faces to descriptors: decoding, detection, alignment, extraction, batching. No HTTP, no database.
