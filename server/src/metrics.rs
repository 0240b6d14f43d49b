//! Prometheus metrics at `GET /metrics`: requests and their latency per route, the index size, where the
//! engine and the matcher run (`argus_backend_info{component, backend} 1`), and the live feed's subscribers,
//! sent and dropped messages, and how many 1:N searches the matcher merged into how many scans (their ratio is
//! the mean batch size), handler callbacks sent, failed and dropped, and how many JPEGs the GPU decoder handed
//! back to the CPU, and the device memory of the engine's GPU memory pool where it has one.
//! Routes are labelled by method and path with ids replaced by `{id}`, so the label set stays small.

use crate::callbacks::CallbackCounters;
use argus_engine::DeviceMemory;
use argus_index::CombinerStats;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::sync::atomic::Ordering;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    index_size: IntGauge,
    backends: IntGaugeVec,
    live: [IntCounter; 2],
    live_subscribers: IntGauge,
    matcher: [IntCounter; 2],
    callbacks: CallbackCounters,
    jpeg_fallbacks: IntCounter,
    device_memory: IntGaugeVec,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("argus_requests_total", "HTTP requests by route and status"),
            &["route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("argus_request_seconds", "HTTP request latency by route").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["route"],
        )?;
        let index_size =
            IntGauge::new("argus_index_faces", "Face descriptors in the matcher index")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        let backends = IntGaugeVec::new(
            Opts::new(
                "argus_backend_info",
                "Where each component runs (1 for the active backend)",
            ),
            &["component", "backend"],
        )?;
        registry.register(Box::new(index_size.clone()))?;
        registry.register(Box::new(backends.clone()))?;
        let live = [
            IntCounter::new(
                "argus_ws_sent_total",
                "Live-feed messages queued for a subscriber",
            )?,
            IntCounter::new(
                "argus_ws_dropped_total",
                "Live-feed messages dropped because the subscriber's queue was full",
            )?,
        ];
        let live_subscribers = IntGauge::new("argus_ws_subscribers", "Live-feed subscribers")?;
        for counter in &live {
            registry.register(Box::new(counter.clone()))?;
        }
        registry.register(Box::new(live_subscribers.clone()))?;
        let matcher = [
            IntCounter::new(
                "argus_matcher_scans_total",
                "Batched index scans run for 1:N searches",
            )?,
            IntCounter::new(
                "argus_matcher_searches_total",
                "1:N searches answered by batched scans",
            )?,
        ];
        for counter in &matcher {
            registry.register(Box::new(counter.clone()))?;
        }
        let callbacks = CallbackCounters {
            sent: IntCounter::new(
                "argus_callbacks_sent_total",
                "Handler callbacks the endpoint accepted (2xx)",
            )?,
            failed: IntCounter::new(
                "argus_callbacks_failed_total",
                "Handler callbacks that failed (no connection, timeout, or another status than 2xx)",
            )?,
            dropped: IntCounter::new(
                "argus_callbacks_dropped_total",
                "Handler callbacks dropped because the delivery queue was full",
            )?,
        };
        for counter in [&callbacks.sent, &callbacks.failed, &callbacks.dropped] {
            registry.register(Box::new(counter.clone()))?;
        }
        let jpeg_fallbacks = IntCounter::new(
            "argus_jpeg_gpu_fallbacks_total",
            "JPEGs the GPU decoder failed on and the CPU decoded instead",
        )?;
        registry.register(Box::new(jpeg_fallbacks.clone()))?;
        let device_memory = IntGaugeVec::new(
            Opts::new(
                "argus_device_memory_bytes",
                "Device memory of the engine's GPU memory pool (Burn backends): in use, and reserved from the device",
            ),
            &["state"],
        )?;
        registry.register(Box::new(device_memory.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            index_size,
            backends,
            live,
            live_subscribers,
            matcher,
            callbacks,
            jpeg_fallbacks,
            device_memory,
        })
    }

    /// The counters the callback sender updates.
    pub fn callback_counters(&self) -> CallbackCounters {
        self.callbacks.clone()
    }

    /// The counters the live feed updates.
    pub fn live_counters(&self) -> crate::live::LiveCounters {
        crate::live::LiveCounters {
            sent: self.live[0].clone(),
            dropped: self.live[1].clone(),
            subscribers: self.live_subscribers.clone(),
        }
    }

    /// Records that `component` ("engine", "matcher") runs on `backend`.
    pub fn set_backend(&self, component: &str, backend: &str) {
        self.backends
            .with_label_values(&[component, backend])
            .set(1);
    }

    /// Counts one request.
    pub fn observe(&self, method: &str, path: &str, status: u16, seconds: f64) {
        let route = route_label(method, path);
        self.requests
            .with_label_values(&[route.as_str(), &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route.as_str()])
            .observe(seconds);
    }

    /// The text exposition, with the index size, the search combiner's counters, the JPEG decoder's fallbacks and
    /// the device memory read now.
    pub fn render(
        &self,
        index_faces: usize,
        combined: &CombinerStats,
        jpeg_fallbacks: u64,
        device_memory: Option<DeviceMemory>,
    ) -> Vec<u8> {
        self.index_size.set(index_faces as i64);
        if let Some(memory) = device_memory {
            for (state, bytes) in [("in_use", memory.in_use), ("reserved", memory.reserved)] {
                let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
                self.device_memory.with_label_values(&[state]).set(bytes);
            }
        }
        let now = [
            combined.scans.load(Ordering::Relaxed),
            combined.searches.load(Ordering::Relaxed),
        ];
        let counters = self.matcher.iter().chain([&self.jpeg_fallbacks]);
        for (counter, total) in counters.zip(now.into_iter().chain([jpeg_fallbacks])) {
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let mut out = Vec::new();
        // Encoding gathered families into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        out
    }
}

fn route_label(method: &str, path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .map(|s| {
            if uuid::Uuid::parse_str(s).is_ok() {
                "{id}"
            } else {
                s
            }
        })
        .collect();
    format!("{method} {}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_folded_out_of_route_labels() {
        assert_eq!(
            route_label("GET", "/6/faces/6a5c2191-3ee9-4d11-8b6c-b2bd9ac7e1bd"),
            "GET /6/faces/{id}"
        );
    }

    #[test]
    fn requests_show_up_in_the_exposition() {
        let m = Metrics::new().unwrap();
        m.observe("GET", "/6/version", 200, 0.002);
        m.set_backend("matcher", "cpu");
        let combined = CombinerStats::default();
        combined.scans.store(3, Ordering::Relaxed);
        combined.searches.store(10, Ordering::Relaxed);
        let memory = DeviceMemory {
            in_use: 1024,
            reserved: 4096,
        };
        let text = String::from_utf8(m.render(42, &combined, 2, Some(memory))).unwrap();
        assert!(text.contains(r#"argus_requests_total{route="GET /6/version",status="200"} 1"#));
        assert!(text.contains("argus_index_faces 42"));
        assert!(text.contains("argus_matcher_scans_total 3"));
        assert!(text.contains("argus_matcher_searches_total 10"));
        assert!(text.contains("argus_jpeg_gpu_fallbacks_total 2"));
        assert!(text.contains(r#"argus_backend_info{backend="cpu",component="matcher"} 1"#));
        assert!(text.contains(r#"argus_device_memory_bytes{state="in_use"} 1024"#));
        assert!(text.contains(r#"argus_device_memory_bytes{state="reserved"} 4096"#));
    }
}
