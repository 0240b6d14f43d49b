//! Benchmark S1(a): event ingest over HTTP. Starts `argus serve` on a fresh data directory, then runs C client
//! threads for T seconds, each sending `POST /6/events` with B events per request (source, tags, location, geo
//! position, track, meta) over keep-alive connections. Every acknowledged batch is durable (one fsync'd commit
//! per request), so the figure is durable events/s. A failed request fails the run. Prints a markdown row.
//!
//! Usage: s1-events ARGUS_BIN CONCURRENCY SECONDS BATCH

use anyhow::{Context, bail};
use argus_bench_http::{BenchServer, run_clients};
use serde_json::{Value, json};

fn batch(thread: usize, round: usize, size: usize) -> Value {
    let events: Vec<Value> = (0..size)
        .map(|i| {
            json!({"source": format!("cam{}", i % 8), "tags": ["entrance", format!("t{}", i % 4)],
                   "track_id": format!("track_{thread}_{round}"), "user_data": "bench",
                   "location": {"city": "Moscow", "street": "Arbat",
                                "geo_position": {"latitude": 55.75 + i as f64 * 1e-4, "longitude": 37.59}},
                   "meta": {"round": round, "index": i, "camera": {"fps": 25}}})
        })
        .collect();
    json!({ "events": events })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: s1-events ARGUS_BIN CONCURRENCY SECONDS BATCH");
    }
    let (concurrency, seconds, size): (usize, u64, usize) =
        (args[2].parse()?, args[3].parse()?, args[4].parse()?);
    let server = BenchServer::start(&args[1])?;
    let (base, auth) = (&server.base, &server.auth);

    let (latencies, elapsed) = run_clients(concurrency, seconds, |agent, client, round| {
        let body = batch(client, round, size).to_string();
        let response = agent
            .post(&format!("{base}/6/events"))
            .set("Authorization", auth)
            .set("Content-Type", "application/json")
            .send_string(&body)
            .context("POST /6/events")?;
        if response.status() != 201 {
            bail!("POST /6/events answered {}", response.status());
        }
        Ok(())
    })?;
    drop(server);
    let requests = latencies.count();
    println!(
        "| events/request | concurrency | seconds | requests | events | events/s | requests/s | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {size} | {concurrency} | {elapsed:.1} | {requests} | {} | {:.0} | {:.1} | {:.2} | {:.2} |",
        requests * size,
        (requests * size) as f64 / elapsed,
        requests as f64 / elapsed,
        latencies.ms(0.50),
        latencies.ms(0.99)
    );
    Ok(())
}
