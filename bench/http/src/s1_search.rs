//! Benchmark S1(b): filtered event search over HTTP. Starts `argus serve` on a fresh data directory, saves N
//! events through `POST /6/events` (batches of 1,000; create times spread over the last 30 days, one of 20 tags,
//! a camera id in `meta`), then runs C client threads for T seconds, each sending `GET /6/events` with a
//! one-day time range, a tag and a `meta.camera__eq:integer` filter (page size 100). Every answer is checked
//! (200, and every returned event passes the filters). Prints a markdown row.
//!
//! Usage: s1-search ARGUS_BIN N CONCURRENCY SECONDS

use anyhow::{Context, bail};
use argus_bench_http::{BenchServer, run_clients};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DAY_MS: i64 = 86_400_000;
const BATCH: usize = 1000;
const TAGS: usize = 20;
const CAMERAS: usize = 100;

fn rfc3339(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: s1-search ARGUS_BIN N CONCURRENCY SECONDS");
    }
    let (n, concurrency, seconds): (usize, usize, u64) =
        (args[2].parse()?, args[3].parse()?, args[4].parse()?);
    let server = BenchServer::start(&args[1])?;
    let (base, auth) = (&server.base, &server.auth);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let start = now - 30 * DAY_MS;

    let loading = Instant::now();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    for first in (0..n).step_by(BATCH) {
        let events: Vec<Value> = (first..(first + BATCH).min(n))
            .map(|i| {
                let t = start + (i as i64 * 30 * DAY_MS) / n as i64;
                json!({"create_time": rfc3339(t), "tags": [format!("tag{}", i % TAGS)],
                       "source": format!("cam{}", i % CAMERAS), "meta": {"camera": i % CAMERAS}})
            })
            .collect();
        let response = agent
            .post(&format!("{base}/6/events"))
            .set("Authorization", auth)
            .set("Content-Type", "application/json")
            .send_string(&json!({ "events": events }).to_string())
            .context("POST /6/events")?;
        if response.status() != 201 {
            bail!("POST /6/events answered {}", response.status());
        }
    }
    let load_secs = loading.elapsed().as_secs_f64();

    let found = AtomicUsize::new(0);
    let (latencies, elapsed) = run_clients(concurrency, seconds, |agent, client, round| {
        let round = client + round * concurrency;
        let day = (round % 30) as i64;
        let (tag, camera) = (round % TAGS, (round * 7) % CAMERAS);
        let url = format!(
            "{base}/6/events?create_time__gte={}&create_time__lt={}&tags=tag{tag}&meta.camera__eq:integer={camera}&page_size=100",
            rfc3339(start + day * DAY_MS),
            rfc3339(start + (day + 1) * DAY_MS)
        );
        let response = agent
            .get(&url)
            .set("Authorization", auth)
            .call()
            .context("GET /6/events")?;
        let body: Value = serde_json::from_reader(response.into_reader())?;
        let events = body["events"].as_array().context("events")?;
        for e in events {
            let tagged = e["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&json!(format!("tag{tag}"))));
            if !tagged || e["meta"]["camera"] != json!(camera) {
                bail!("an event that fails the filters came back: {e}");
            }
        }
        found.fetch_add(events.len(), Ordering::Relaxed);
        Ok(())
    })?;
    drop(server);
    let found = found.into_inner();
    println!(
        "| events stored | load events/s | concurrency | seconds | searches | events found | searches/s | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.0} | {concurrency} | {seconds} | {} | {found} | {:.1} | {:.2} | {:.2} |",
        n as f64 / load_secs,
        latencies.count(),
        latencies.count() as f64 / elapsed,
        latencies.ms(0.50),
        latencies.ms(0.99)
    );
    Ok(())
}
