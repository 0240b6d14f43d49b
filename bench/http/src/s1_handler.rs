//! Benchmark S1(a) through a handler: event ingest with descriptor extraction. Starts `argus serve` on a fresh
//! data directory, detects the one face of PHOTO (`POST /6/detector`) and takes its warp (`GET
//! /6/samples/faces/{id}`), creates a handler that extracts a descriptor and stores an event per face (no sample,
//! no source image), then runs C client threads for T seconds, each sending `POST /6/handlers/{id}/events?image_type=1`
//! with B copies of the warp (JSON, base64) over keep-alive connections. Every answer is checked (201 and B
//! events). Prints a markdown row; the events are durable when acknowledged, as in `s1-events`.
//!
//! Usage: s1-handler ARGUS_BIN PHOTO CONCURRENCY SECONDS WARPS

use anyhow::{Context, bail};
use argus_bench_http::{BenchServer, run_clients};
use base64::Engine as _;
use serde_json::{Value, json};
use std::io::Read;

/// The warp of the one face of `photo`, as the server made it.
fn warp_of(agent: &ureq::Agent, base: &str, auth: &str, photo: &[u8]) -> anyhow::Result<Vec<u8>> {
    let detected: Value = serde_json::from_reader(
        agent
            .post(&format!("{base}/6/detector"))
            .set("Authorization", auth)
            .set("Content-Type", "image/jpeg")
            .send_bytes(photo)
            .context("POST /6/detector")?
            .into_reader(),
    )?;
    let sample = detected["images"][0]["detections"]["samples"][0]["face"]["sample_id"]
        .as_str()
        .with_context(|| format!("no face found: {detected}"))?;
    let mut warp = Vec::new();
    agent
        .get(&format!("{base}/6/samples/faces/{sample}"))
        .set("Authorization", auth)
        .call()
        .context("GET /6/samples/faces")?
        .into_reader()
        .read_to_end(&mut warp)?;
    Ok(warp)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        bail!("usage: s1-handler ARGUS_BIN PHOTO CONCURRENCY SECONDS WARPS");
    }
    let photo = std::fs::read(&args[2]).with_context(|| args[2].clone())?;
    let (concurrency, seconds, warps): (usize, u64, usize) =
        (args[3].parse()?, args[4].parse()?, args[5].parse()?);
    let server = BenchServer::start(&args[1])?;
    let (base, auth) = (&server.base, &server.auth);
    let agent = ureq::agent();
    let warp = warp_of(&agent, base, auth, &photo)?;
    let policies = json!({"policies": {
        "extract_policy": {"extract_face_descriptor": 1},
        "storage_policy": {"face_sample_policy": {"store_sample": 0},
                           "image_origin_policy": {"store_image": 0}}}});
    let handler: Value = serde_json::from_reader(
        agent
            .post(&format!("{base}/6/handlers"))
            .set("Authorization", auth)
            .set("Content-Type", "application/json")
            .send_string(&policies.to_string())
            .context("POST /6/handlers")?
            .into_reader(),
    )?;
    let handler = handler["handler_id"].as_str().context("handler_id")?;
    let image = base64::engine::general_purpose::STANDARD.encode(&warp);
    let body = json!({"images": vec![json!({"image": image}); warps]}).to_string();

    let (latencies, elapsed) = run_clients(concurrency, seconds, |agent, _, _| {
        let response = agent
            .post(&format!("{base}/6/handlers/{handler}/events?image_type=1"))
            .set("Authorization", auth)
            .set("Content-Type", "application/json")
            .send_string(&body)
            .context("POST /6/handlers/{id}/events")?;
        if response.status() != 201 {
            bail!("the handler answered {}", response.status());
        }
        let answer: Value = serde_json::from_reader(response.into_reader())?;
        let events = answer["events"].as_array().map_or(0, Vec::len);
        if events != warps {
            bail!("{events} events for {warps} warps: {answer}");
        }
        Ok(())
    })?;
    drop(server);
    let requests = latencies.count();
    println!(
        "| warps/request | concurrency | seconds | requests | events | events/s | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {warps} | {concurrency} | {elapsed:.1} | {requests} | {} | {:.0} | {:.2} | {:.2} |",
        requests * warps,
        (requests * warps) as f64 / elapsed,
        latencies.ms(0.50),
        latencies.ms(0.99)
    );
    Ok(())
}
