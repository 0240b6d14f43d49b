//! The documented routes, for `GET /6/docs/spec` (OpenAPI 3) and `GET /6/docs`. The end-to-end tests call every
//! route listed here and fail if one is not served, so the document cannot list what the server does not answer.

use serde_json::{Map, Value, json};

/// (method, path, summary) of every served route.
pub const ROUTES: &[(&str, &str, &str)] = &[
    (
        "get",
        "/6/version",
        "Versions of the service, the descriptor and the backend",
    ),
    ("get", "/6/healthcheck", "Store and networks answer"),
    ("get", "/metrics", "Prometheus metrics"),
    ("get", "/6/docs/spec", "This OpenAPI document"),
    ("get", "/6/docs", "Route list for people"),
    ("post", "/6/accounts", "Create an account"),
    ("get", "/6/account", "The caller's account"),
    ("patch", "/6/account", "Change the caller's account"),
    (
        "get",
        "/6/accounts",
        "Accounts (an admin sees all, others themselves), with total_count",
    ),
    (
        "get",
        "/6/accounts/{account_id}",
        "An account with its list, face and attribute counts",
    ),
    (
        "patch",
        "/6/accounts/{account_id}",
        "Change an account (admin)",
    ),
    (
        "delete",
        "/6/accounts/{account_id}",
        "Delete an account and everything it owns (admin)",
    ),
    ("post", "/6/tokens", "Create a token (returns a signed JWT)"),
    ("get", "/6/tokens", "The caller's tokens"),
    ("get", "/6/tokens/{token_id}", "A token"),
    (
        "put",
        "/6/tokens/{token_id}",
        "Replace a token (returns a new signed JWT)",
    ),
    ("delete", "/6/tokens/{token_id}", "Revoke a token"),
    ("post", "/6/lists", "Create a list"),
    ("get", "/6/lists", "Lists, paged"),
    ("get", "/6/lists/count", "Number of lists"),
    ("get", "/6/lists/{list_id}", "A list"),
    ("patch", "/6/lists/{list_id}", "Change a list's user data"),
    (
        "delete",
        "/6/lists/{list_id}",
        "Delete a list (its faces stay)",
    ),
    (
        "patch",
        "/6/lists/{list_id}/faces",
        "Attach or detach faces",
    ),
    (
        "post",
        "/6/faces",
        "Create a face, optionally from a temporary attribute and into lists",
    ),
    ("get", "/6/faces", "Faces, filtered and paged"),
    ("delete", "/6/faces", "Delete several faces"),
    (
        "get",
        "/6/faces/count",
        "Number of faces matching the filters",
    ),
    ("get", "/6/faces/{face_id}", "A face"),
    ("patch", "/6/faces/{face_id}", "Change a face's fields"),
    ("delete", "/6/faces/{face_id}", "Delete a face"),
    (
        "get",
        "/6/faces/attributes/count",
        "Number of faces with attributes",
    ),
    ("get", "/6/faces/{face_id}/attributes", "A face's attribute"),
    (
        "put",
        "/6/faces/{face_id}/attributes",
        "Replace a face's attribute from a temporary attribute",
    ),
    (
        "delete",
        "/6/faces/{face_id}/attributes",
        "Remove a face's attribute (the face is no longer matched)",
    ),
    (
        "get",
        "/6/faces/{face_id}/attributes/samples",
        "Samples of a face's attribute",
    ),
    (
        "post",
        "/6/detector",
        "Detect faces in images, estimate their attributes and store a sample per face",
    ),
    (
        "post",
        "/6/sdk",
        "Detect faces, warp, extract and estimate attributes; nothing is stored",
    ),
    (
        "post",
        "/6/liveness",
        "One-shot liveness of the face in each image, and their mean with aggregate=1",
    ),
    (
        "post",
        "/6/samples/faces",
        "Store a ready 250x250 face sample",
    ),
    ("get", "/6/samples/faces/{sample_id}", "A sample (PNG)"),
    (
        "head",
        "/6/samples/faces/{sample_id}",
        "Whether a sample exists",
    ),
    ("delete", "/6/samples/faces/{sample_id}", "Delete a sample"),
    (
        "post",
        "/6/images",
        "Store an image (ttl in days, X-Luna-Meta-* metadata)",
    ),
    ("get", "/6/images/{image_id}", "An image as stored"),
    ("head", "/6/images/{image_id}", "Whether an image exists"),
    ("delete", "/6/images/{image_id}", "Delete an image"),
    (
        "post",
        "/6/objects",
        "Store bytes with their Content-Type (ttl in days)",
    ),
    ("get", "/6/objects/{object_id}", "An object as stored"),
    ("head", "/6/objects/{object_id}", "Whether an object exists"),
    ("delete", "/6/objects/{object_id}", "Delete an object"),
    (
        "post",
        "/6/attributes",
        "Temporary attributes from external descriptors",
    ),
    (
        "post",
        "/6/extractor",
        "Descriptors of samples, as temporary attributes",
    ),
    (
        "get",
        "/6/attributes/{attribute_id}",
        "A temporary attribute",
    ),
    (
        "head",
        "/6/attributes/{attribute_id}",
        "Whether a temporary attribute exists",
    ),
    (
        "delete",
        "/6/attributes/{attribute_id}",
        "Delete a temporary attribute",
    ),
    (
        "post",
        "/6/matcher/faces",
        "Match references against candidate faces",
    ),
    (
        "post",
        "/6/matcher/raw",
        "Similarity of every reference descriptor to every candidate descriptor",
    ),
    ("post", "/6/verifiers", "Create a verifier"),
    ("get", "/6/verifiers", "The caller's verifiers"),
    ("get", "/6/verifiers/count", "Number of verifiers"),
    ("get", "/6/verifiers/{verifier_id}", "A verifier"),
    (
        "head",
        "/6/verifiers/{verifier_id}",
        "Whether a verifier exists",
    ),
    ("delete", "/6/verifiers/{verifier_id}", "Delete a verifier"),
    (
        "post",
        "/6/verifiers/{verifier_id}/verifications",
        "Verify references against the verifier's threshold",
    ),
    (
        "post",
        "/6/verifiers/{verifier_id}/raw",
        "Verify descriptors against descriptors with the verifier's threshold",
    ),
    ("post", "/6/handlers", "Create a static or dynamic handler"),
    ("get", "/6/handlers", "The caller's handlers (a bare array)"),
    ("get", "/6/handlers/count", "Number of handlers"),
    (
        "post",
        "/6/handlers/validator",
        "Check handler policies without saving them",
    ),
    ("get", "/6/handlers/{handler_id}", "A handler"),
    (
        "head",
        "/6/handlers/{handler_id}",
        "Whether a handler exists",
    ),
    ("put", "/6/handlers/{handler_id}", "Replace a handler"),
    ("delete", "/6/handlers/{handler_id}", "Delete a handler"),
    (
        "post",
        "/6/handlers/{handler_id}/events",
        "Run the handler on images: detect, extract, match, tag, store events",
    ),
    (
        "post",
        "/6/events",
        "Save events without a handler (a batch, all or none)",
    ),
    ("get", "/6/events", "Events, filtered and paged"),
    (
        "post",
        "/6/events/stats",
        "Counts, extremes and means over events, grouped by columns or time",
    ),
    (
        "get",
        "/6/ws",
        "Live feed of new events (WebSocket), with filters",
    ),
    ("get", "/6/events/{event_id}", "An event"),
    ("head", "/6/events/{event_id}", "Whether an event exists"),
    ("delete", "/6/events/{event_id}", "Delete an event"),
];

/// The OpenAPI 3 document of `ROUTES`.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in ROUTES {
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}))
            .collect();
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = json!({
            "summary": summary,
            "parameters": parameters,
            "responses": {"default": {"description": "JSON, or the error envelope {error_code, desc, detail}"}},
        });
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Argus — LUNA PLATFORM 5 API v6", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {
            "BasicAuth": {"type": "http", "scheme": "basic"},
            "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "LunaAccountIdAuth": {"type": "apiKey", "in": "header", "name": "Luna-Account-Id"}}},
        "paths": paths,
    })
}

/// A plain HTML page listing the routes.
pub fn page() -> String {
    let rows: String = ROUTES
        .iter()
        .map(|(m, p, s)| {
            format!(
                "<tr><td>{}</td><td><code>{p}</code></td><td>{s}</td></tr>",
                m.to_uppercase()
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Argus API</title></head><body>\
         <h1>Argus — LUNA PLATFORM 5 API v6</h1><p>OpenAPI: <a href=\"/6/docs/spec\">/6/docs/spec</a></p>\
         <table>{rows}</table></body></html>"
    )
}
