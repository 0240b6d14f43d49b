//! Benchmark H1: starts `argus serve` (release build) on a fresh data directory, enrols N faces with random
//! descriptors into a list through the API (`POST /6/attributes` then `POST /6/faces`), then runs C client threads
//! for T seconds, each sending `POST /6/matcher/faces` (a descriptor reference near a stored face, the list as
//! candidates, limit 5) over keep-alive connections. Prints throughput, latency percentiles and the mean number of
//! searches merged into one index scan (from `/metrics`) as markdown.
//!
//! Usage: h1-matcher ARGUS_BIN N CONCURRENCY SECONDS

use anyhow::{Context, bail};
use argus_bench_http::{BenchServer, Latencies};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DIM: usize = 128;
const ENROL_THREADS: usize = 8;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn vector(&mut self) -> Vec<f32> {
        (0..DIM)
            .map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
            .collect()
    }
}

/// The engine's descriptor layout: `ARGD`, version 1, length, f32 values.
fn encode(v: &[f32]) -> String {
    let mut bytes = b"ARGD".to_vec();
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&(v.len() as u32).to_le_bytes());
    v.iter()
        .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// How many searches one index scan answered on average (`/metrics`: searches over scans).
fn searches_per_scan(agent: &ureq::Agent, base: &str) -> anyhow::Result<f64> {
    let text = agent
        .get(&format!("{base}/metrics"))
        .call()?
        .into_string()?;
    let counter = |name: &str| -> anyhow::Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .with_context(|| format!("{name} in /metrics"))
    };
    let scans = counter("argus_matcher_scans_total")?;
    Ok(counter("argus_matcher_searches_total")? / scans.max(1.0))
}

/// POSTs `body`; an error answer fails with its status and body.
fn post(agent: &ureq::Agent, url: &str, auth: &str, body: &Value) -> anyhow::Result<Value> {
    let answer = agent
        .post(url)
        .set("Authorization", auth)
        .set("Content-Type", "application/json")
        .send_string(&body.to_string());
    let text = match answer {
        Ok(response) => response.into_string()?,
        Err(ureq::Error::Status(status, response)) => {
            let text = response.into_string().unwrap_or_default();
            bail!("POST {url}: status {status}: {text}")
        }
        Err(e) => return Err(e).with_context(|| format!("POST {url}")),
    };
    Ok(serde_json::from_str(&text)?)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        bail!("usage: h1-matcher ARGUS_BIN N CONCURRENCY SECONDS");
    }
    let (n, concurrency, seconds): (usize, usize, u64) =
        (args[2].parse()?, args[3].parse()?, args[4].parse()?);
    let server = BenchServer::start(&args[1])?;
    let (base, auth) = (&server.base, &server.auth);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let list = post(&agent, &format!("{base}/6/lists"), auth, &json!({}))?["list_id"].clone();

    let started = Instant::now();
    let enrolled = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..ENROL_THREADS)
            .map(|t| {
                let (list, enrolled) = (&list, enrolled.clone());
                s.spawn(move || -> anyhow::Result<()> {
                    let agent = ureq::AgentBuilder::new().build();
                    for i in (t..n).step_by(ENROL_THREADS) {
                        let v = Rng(i as u64 + 1).vector();
                        let body =
                            json!({"face_descriptors": [{"descriptor": encode(&v), "version": 1}]});
                        let attribute = post(&agent, &format!("{base}/6/attributes"), auth, &body)?
                            ["attribute_id"]
                            .clone();
                        let face =
                            json!({"attribute": {"attribute_id": attribute}, "lists": [list]});
                        post(&agent, &format!("{base}/6/faces"), auth, &face)?;
                        enrolled.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("an enrolling thread panicked"))??;
        }
        Ok(())
    })?;
    let enrol_secs = started.elapsed().as_secs_f64();

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..concurrency)
            .map(|t| {
                let list = &list;
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
                    let mut rng = Rng(0xABCDEF + t as u64);
                    let mut own = Vec::new();
                    while Instant::now() < deadline {
                        let stored = Rng((rng.next() % n as u64) + 1).vector();
                        let noise = rng.vector();
                        let q: Vec<f32> = stored.iter().zip(noise).map(|(a, b)| a + 0.3 * b).collect();
                        let body = json!({"references": [{"type": "descriptor", "data": encode(&q)}],
                                          "candidates": [{"filters": {"origin": "faces", "list_id": list}, "limit": 5}]});
                        let t0 = Instant::now();
                        if post(&agent, &format!("{base}/6/matcher/faces"), auth, &body).is_ok() {
                            own.push(t0.elapsed());
                        }
                    }
                    own
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let merged = searches_per_scan(&agent, base)?;
    drop(server);
    let latencies = Latencies::new(latencies)?;
    println!(
        "| faces | enrol faces/s | concurrency | seconds | requests | requests/s | p50 ms | p99 ms | searches per scan |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.0} | {concurrency} | {seconds} | {} | {:.0} | {:.2} | {:.2} | {merged:.1} |",
        n as f64 / enrol_secs,
        latencies.count(),
        latencies.count() as f64 / seconds as f64,
        latencies.ms(0.50),
        latencies.ms(0.99)
    );
    Ok(())
}
