//! What the HTTP benchmarks share: an `argus serve` process on a fresh data directory with one Basic account,
//! client threads sending requests for a fixed time, and latency percentiles.

use anyhow::{Context, bail};
use base64::Engine as _;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, killed on drop, with the base URL and the Basic credentials of its one account.
pub struct BenchServer {
    child: Child,
    _data: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The `Authorization` header value.
    pub auth: String,
}

impl BenchServer {
    /// Starts `binary serve` on a free port and creates the account `bench@argus.dev`.
    pub fn start(binary: &str) -> anyhow::Result<BenchServer> {
        let data = tempfile::tempdir()?;
        let mut child = Command::new(binary)
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()?;
        let mut out = BufReader::new(child.stdout.take().context("stdout")?);
        let mut line = String::new();
        while !line.contains("listening on") {
            line.clear();
            if out.read_line(&mut line)? == 0 {
                bail!("argus exited before listening");
            }
        }
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .context("address")?
            .to_string();
        std::thread::spawn(move || for _ in out.lines() {});
        ureq::post(&format!("{base}/6/accounts")).send_string(
            &json!({"login": "bench@argus.dev", "password": "secret", "account_type": "user"})
                .to_string(),
        )?;
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("bench@argus.dev:secret")
        );
        Ok(BenchServer {
            child,
            _data: data,
            base,
            auth,
        })
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sorted latencies and their percentiles in milliseconds.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Sorts the measured latencies; fails when there are none.
    pub fn new(mut all: Vec<Duration>) -> anyhow::Result<Latencies> {
        if all.is_empty() {
            bail!("no request finished");
        }
        all.sort();
        Ok(Latencies(all))
    }

    /// How many requests finished.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The `p` quantile (0..1) in milliseconds.
    pub fn ms(&self, p: f64) -> f64 {
        let at = ((self.0.len() as f64 * p) as usize).min(self.0.len() - 1);
        self.0[at].as_secs_f64() * 1e3
    }
}

/// Runs `clients` threads for `seconds`, each with its own keep-alive connection calling `request(agent, client,
/// round)` in a loop, and times every call. Returns the latencies and the seconds the run took; the first failed
/// request fails the run.
pub fn run_clients(
    clients: usize,
    seconds: u64,
    request: impl Fn(&ureq::Agent, usize, usize) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<(Latencies, f64)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let request = &request;
    let results: Vec<anyhow::Result<Vec<Duration>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                s.spawn(move || -> anyhow::Result<Vec<Duration>> {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(60))
                        .build();
                    let mut own = Vec::new();
                    while Instant::now() < deadline {
                        let t0 = Instant::now();
                        request(&agent, client, own.len())?;
                        own.push(t0.elapsed());
                    }
                    Ok(own)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a client thread panicked"))?
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok((Latencies::new(all)?, elapsed))
}
