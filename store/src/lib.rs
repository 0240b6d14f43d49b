//! Durable records for accounts, tokens, faces, lists, attributes, samples and images. Knows no pixels and no HTTP.
