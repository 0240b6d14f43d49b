//! System benchmarks, side by side with their anchors.
