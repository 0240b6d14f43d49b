//! `argus serve`: binds the address, turns every HTTP request into a `Request` for the route table (run on the
//! blocking pool, so engine and store calls never stall the I/O threads), and answers in the API's formats.
//! Owns: the warp glue, the body-size limit, `Luna-Request-Id`, access logs, SIGTERM draining.

use crate::error::ApiError;
use crate::request::{Reply, Request};
use crate::routes;
use crate::settings::{ServeArgs, Settings};
use crate::state::AppState;
use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Reply as _};

/// How many bytes past the body limit are read and dropped before a 413 is answered.
const DRAIN_LIMIT: u64 = 64 << 20;

/// Runs the server until SIGTERM or Ctrl-C; in-flight requests finish first.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let settings = Settings::resolve(args)?;
    tracing::info!(settings = %serde_json::to_string(&settings)?, "argus serve starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(settings))
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let addr = settings.addr;
    let limit = settings.max_body_bytes;
    let state = tokio::task::spawn_blocking(move || AppState::open(settings)).await??;
    let root_login = std::env::var("ARGUS_ROOT_LOGIN").ok();
    if let (Some(login), Ok(password)) = (root_login, std::env::var("ARGUS_ROOT_PASSWORD")) {
        crate::bootstrap::root_account(&state, &login, &password)?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    let live = live_route(state.clone());
    let api = warp::method()
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(
            move |method, path: warp::path::FullPath, query, headers, body| {
                handle(
                    state.clone(),
                    limit,
                    method,
                    path.as_str().to_string(),
                    query,
                    headers,
                    body,
                )
            },
        );
    let api = live.or(api);
    println!("argus listening on http://{bound}");
    tracing::info!(%bound, "listening");
    warp::serve(api)
        .incoming(listener)
        .graceful(shutdown())
        .run()
        .await;
    tracing::info!("drained, exiting");
    Ok(())
}

/// `GET /6/ws`: the WebSocket handshake of the live feed, checked (account, filters) on the blocking pool.
fn live_route(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("6" / "ws")
        .and(warp::ws())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .then(move |ws: warp::ws::Ws, query: String, headers: HeaderMap| {
            let state = state.clone();
            async move {
                let req = Request {
                    method: Method::GET,
                    path: "/6/ws".into(),
                    query: parse_query(&query),
                    headers,
                    body: Bytes::new(),
                };
                let shared = state.clone();
                let checked =
                    tokio::task::spawn_blocking(move || crate::live::filter_of(&shared, &req))
                        .await
                        .unwrap_or_else(|panic| {
                            Err(ApiError::internal(format!("handshake failed: {panic}")))
                        });
                match checked {
                    Ok(filter) => {
                        let queue = state.live.subscribe(filter);
                        ws.on_upgrade(move |socket| crate::live::pump(socket, queue))
                            .into_response()
                    }
                    Err(e) => body_response(e.status, &e.body(), false),
                }
            }
        })
}

async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(%e, "cannot listen for SIGTERM");
            return std::future::pending().await;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down: draining in-flight requests");
}

async fn read_body<S, B>(mut stream: S, limit: u64) -> Result<Bytes, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let mut body = BytesMut::new();
    let mut discarded: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|e| ApiError::bad_input(format!("reading the body: {e}")))?;
        if discarded > 0 || (body.len() + chunk.remaining()) as u64 > limit {
            // Read on (up to a bound) so that the client finishes sending and reads the 413.
            discarded += chunk.remaining() as u64;
            chunk.advance(chunk.remaining());
            if discarded > DRAIN_LIMIT {
                break;
            }
            continue;
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            body.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    if discarded > 0 {
        return Err(ApiError::too_large(limit));
    }
    Ok(body.freeze())
}

fn parse_query(raw: &str) -> HashMap<String, String> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle<S, B>(
    state: Arc<AppState>,
    limit: u64,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: S,
) -> Response
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin + Send,
    B: Buf,
{
    let started = Instant::now();
    let request_id = headers
        .get("luna-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "{},{}",
                crate::request::now_ms() / 1000,
                uuid::Uuid::new_v4()
            )
        });
    let is_head = method == Method::HEAD;
    let msgpack = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/msgpack"));
    let mut headers = headers;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("luna-request-id", v);
    }
    let reply = match read_body(body, limit).await {
        Err(e) => Err(e),
        Ok(body) => {
            let req = Request {
                method: method.clone(),
                path: path.clone(),
                query: parse_query(&query),
                headers,
                body,
            };
            let shared = state.clone();
            tokio::task::spawn_blocking(move || routes::route(&shared, &req))
                .await
                .unwrap_or_else(|panic| Err(ApiError::internal(format!("handler failed: {panic}"))))
        }
    };
    let mut response = match reply {
        Ok(reply) => render(reply, msgpack),
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(request_id, %method, path, code = e.code, detail = e.detail, "request failed");
            }
            body_response(e.status, &e.body(), msgpack)
        }
    };
    if is_head {
        *response.body_mut() = Default::default();
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("luna-request-id", v);
    }
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .observe(method.as_str(), &path, response.status().as_u16(), seconds);
    tracing::info!(request_id, %method, path, status = response.status().as_u16(), ms = seconds * 1e3, "request");
    response
}

fn body_response(status: StatusCode, value: &serde_json::Value, msgpack: bool) -> Response {
    // Packed only when the client asked for msgpack; JSON otherwise, and should packing fail.
    let packed = if msgpack {
        rmp_serde::to_vec_named(value).ok()
    } else {
        None
    };
    let (bytes, content_type) = match packed {
        Some(packed) => (packed, "application/msgpack"),
        None => (value.to_string().into_bytes(), "application/json"),
    };
    let mut r = Response::new(bytes.into());
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    r
}

fn render(reply: Reply, msgpack: bool) -> Response {
    match reply {
        Reply::Json(status, value) => body_response(status, &value, msgpack),
        Reply::Bytes(status, content_type, bytes) => {
            let mut r = Response::new(bytes.into());
            *r.status_mut() = status;
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static(content_type));
            r
        }
        Reply::Stored {
            content_type,
            headers,
            bytes,
        } => {
            let mut r = Response::new(bytes.into());
            let fallback = HeaderValue::from_static("application/octet-stream");
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_str(&content_type).unwrap_or(fallback),
            );
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) = (
                    warp::http::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    r.headers_mut().insert(name, value);
                }
            }
            r
        }
        Reply::Empty(status) => {
            let mut r = Response::new(Default::default());
            *r.status_mut() = status;
            r
        }
    }
}
