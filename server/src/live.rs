//! The live event feed (`GET /6/ws`, catalogue §2.16): each WebSocket subscriber has its own filters and a
//! bounded queue of `QUEUE` messages. Publishing never waits: a message for a subscriber whose queue is full is
//! dropped for that subscriber alone and counted (`argus_ws_dropped_total`), so a slow client cannot slow
//! ingestion; a closed subscriber is forgotten at the next publish. The estimations handlers store are filtered
//! as `GET /6/events` does (`age__gte`, `age__lt`, and code lists with `null` for `gender`, `emotions`,
//! `liveness`); filters on estimations this build does not make (masks, ethnicity, body attributes, …) and the geo
//! filter answer 501 at the handshake, unknown ones 400.

use crate::error::{ApiError, ApiResult};
use crate::estimations::ESTIMATION_FILTERS;
use crate::request::Request;
use argus_store::Event;
use futures_util::{SinkExt, StreamExt};
use prometheus::{IntCounter, IntGauge};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;
use uuid::Uuid;
use warp::ws::{Message, WebSocket};

/// Messages queued per subscriber before new ones are dropped for it.
pub const QUEUE: usize = 256;

/// The filters of the handshake this build evaluates.
const KNOWN_FILTERS: [&str; 18] = [
    "sources",
    "stream_ids",
    "handler_ids",
    "matching_candidates_labels",
    "object_similarity__gte",
    "object_similarity__lt",
    "tags",
    "user_data",
    "cities",
    "areas",
    "districts",
    "streets",
    "house_numbers",
    "age__gte",
    "age__lt",
    "gender",
    "emotions",
    "liveness",
];

/// What a subscriber wants to see.
#[derive(Debug, Default)]
pub struct LiveFilter {
    account: Uuid,
    sources: Option<Vec<String>>,
    stream_ids: Option<Vec<Uuid>>,
    handler_ids: Option<Vec<Uuid>>,
    labels: Option<Vec<String>>,
    similarity_gte: Option<f64>,
    similarity_lt: Option<f64>,
    tags: Option<Vec<String>>,
    user_data: Option<String>,
    cities: Option<Vec<String>>,
    areas: Option<Vec<String>>,
    districts: Option<Vec<String>>,
    streets: Option<Vec<String>>,
    house_numbers: Option<Vec<String>>,
    age_gte: Option<f64>,
    age_lt: Option<f64>,
    genders: Option<Vec<Option<u8>>>,
    emotions: Option<Vec<Option<u8>>>,
    liveness: Option<Vec<Option<u8>>>,
}

fn texts(query: &HashMap<String, String>, name: &str) -> Option<Vec<String>> {
    query
        .get(name)
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
}

fn ids(query: &HashMap<String, String>, name: &str) -> ApiResult<Option<Vec<Uuid>>> {
    texts(query, name)
        .map(|all| {
            all.iter()
                .map(|s| {
                    Uuid::parse_str(s)
                        .map_err(|_| ApiError::bad_query(format!("{name}: {s:?} is not a UUID")))
                })
                .collect()
        })
        .transpose()
}

fn number(query: &HashMap<String, String>, name: &str) -> ApiResult<Option<f64>> {
    query
        .get(name)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| (0.0..=1.0).contains(s))
                .ok_or_else(|| ApiError::bad_query(format!("{name}={v:?}: a number in 0..1")))
        })
        .transpose()
}

fn age(query: &HashMap<String, String>, name: &str) -> ApiResult<Option<f64>> {
    query
        .get(name)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|a| a.is_finite())
                .ok_or_else(|| ApiError::bad_query(format!("{name}={v:?}: a number of years")))
        })
        .transpose()
}

/// A comma list of event codes in `min..=max`, `null` meaning "not estimated".
fn codes(
    query: &HashMap<String, String>,
    name: &str,
    min: u8,
    max: u8,
) -> ApiResult<Option<Vec<Option<u8>>>> {
    texts(query, name)
        .map(|all| {
            all.iter()
                .map(|s| match s.as_str() {
                    "null" => Ok(None),
                    s => s
                        .parse::<u8>()
                        .ok()
                        .filter(|c| (min..=max).contains(c))
                        .map(Some)
                        .ok_or_else(|| {
                            ApiError::bad_query(format!(
                                "{name}: {s:?} is not null or {min}..{max}"
                            ))
                        }),
                })
                .collect()
        })
        .transpose()
}

/// Some(list) holds when the value is one of the list (None holds always).
fn one_of<T: PartialEq>(wanted: &Option<Vec<T>>, value: Option<&T>) -> bool {
    wanted
        .as_ref()
        .is_none_or(|w| value.is_some_and(|v| w.contains(v)))
}

impl LiveFilter {
    /// The filters of a handshake's query, for the caller's account.
    pub fn from_query(account: Uuid, query: &HashMap<String, String>) -> ApiResult<LiveFilter> {
        for name in query.keys() {
            if ESTIMATION_FILTERS.contains(&name.as_str()) || name == "geo_position" {
                return Err(ApiError::unsupported(format!(
                    "the live-feed filter {name} (not evaluated by this build)"
                )));
            }
            if !KNOWN_FILTERS.contains(&name.as_str()) {
                return Err(ApiError::bad_query(format!(
                    "{name} is not a live-feed filter; they are {KNOWN_FILTERS:?}"
                )));
            }
        }
        Ok(LiveFilter {
            account,
            sources: texts(query, "sources"),
            stream_ids: ids(query, "stream_ids")?,
            handler_ids: ids(query, "handler_ids")?,
            labels: texts(query, "matching_candidates_labels"),
            similarity_gte: number(query, "object_similarity__gte")?,
            similarity_lt: number(query, "object_similarity__lt")?,
            tags: texts(query, "tags"),
            user_data: query.get("user_data").cloned(),
            cities: texts(query, "cities"),
            areas: texts(query, "areas"),
            districts: texts(query, "districts"),
            streets: texts(query, "streets"),
            house_numbers: texts(query, "house_numbers"),
            age_gte: age(query, "age__gte")?,
            age_lt: age(query, "age__lt")?,
            genders: codes(query, "gender", 0, 1)?,
            emotions: codes(query, "emotions", 1, 7)?,
            liveness: codes(query, "liveness", 0, 2)?,
        })
    }

    /// True when the event is this subscriber's and passes every filter.
    pub fn accepts(&self, e: &Event) -> bool {
        let top = e.top_match.as_ref();
        let similarity = top.map(|t| t.similarity);
        let l = &e.location;
        e.account_id == self.account
            && one_of(&self.sources, e.source.as_ref())
            && one_of(&self.stream_ids, e.stream_id.as_ref())
            && one_of(&self.handler_ids, e.handler_id.as_ref())
            && self.labels.as_ref().is_none_or(|labels| {
                let text = e.match_result.as_deref().unwrap_or("[]");
                let results: Vec<serde_json::Value> =
                    serde_json::from_str(text).unwrap_or_default();
                results.iter().any(|m| {
                    m["label"]
                        .as_str()
                        .is_some_and(|l| labels.iter().any(|w| w == l))
                })
            })
            && self
                .similarity_gte
                .is_none_or(|g| similarity.is_some_and(|s| s >= g))
            && self
                .similarity_lt
                .is_none_or(|lt| similarity.is_some_and(|s| s < lt))
            && self
                .tags
                .as_ref()
                .is_none_or(|tags| tags.iter().all(|t| e.tags.contains(t)))
            && self.user_data.as_ref().is_none_or(|u| &e.user_data == u)
            && one_of(&self.cities, l.city.as_ref())
            && one_of(&self.areas, l.area.as_ref())
            && one_of(&self.districts, l.district.as_ref())
            && one_of(&self.streets, l.street.as_ref())
            && one_of(&self.house_numbers, l.house_number.as_ref())
            && self.accepts_estimations(e)
    }

    /// The conditions on the event's stored estimations; an event without an age fails an age bound.
    fn accepts_estimations(&self, e: &Event) -> bool {
        let x = &e.estimations;
        let listed = |wanted: &Option<Vec<Option<u8>>>, value: Option<u8>| {
            wanted.as_ref().is_none_or(|w| w.contains(&value))
        };
        self.age_gte.is_none_or(|g| x.age.is_some_and(|a| a >= g))
            && self.age_lt.is_none_or(|lt| x.age.is_some_and(|a| a < lt))
            && listed(&self.genders, x.gender)
            && listed(&self.emotions, x.emotion)
            && listed(&self.liveness, x.liveness)
    }
}

struct Subscriber {
    filter: LiveFilter,
    queue: mpsc::Sender<String>,
}

/// The counters the feed keeps up to date.
pub struct LiveCounters {
    /// Messages queued for a subscriber.
    pub sent: IntCounter,
    /// Messages dropped because a subscriber's queue was full.
    pub dropped: IntCounter,
    /// Subscribers now.
    pub subscribers: IntGauge,
}

/// Every subscriber of the server.
pub struct LiveFeed {
    subscribers: Mutex<Vec<Subscriber>>,
    counters: LiveCounters,
}

impl LiveFeed {
    /// A feed with no subscriber.
    pub fn new(counters: LiveCounters) -> LiveFeed {
        LiveFeed {
            subscribers: Mutex::new(Vec::new()),
            counters,
        }
    }

    /// Adds a subscriber; its messages come out of the receiver.
    pub fn subscribe(&self, filter: LiveFilter) -> mpsc::Receiver<String> {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let mut all = self
            .subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.push(Subscriber { filter, queue });
        self.counters.subscribers.set(all.len() as i64);
        receiver
    }

    /// Offers one event to every subscriber; `message` builds its text once, and only if someone wants it.
    pub fn publish(&self, event: &Event, message: impl FnOnce() -> String) {
        let mut all = self
            .subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.retain(|s| !s.queue.is_closed());
        self.counters.subscribers.set(all.len() as i64);
        let mut message = Some(message);
        let mut text = String::new();
        for s in all.iter().filter(|s| s.filter.accepts(event)) {
            if let Some(build) = message.take() {
                text = build();
            }
            match s.queue.try_send(text.clone()) {
                Ok(()) => self.counters.sent.inc(),
                Err(mpsc::error::TrySendError::Full(_)) => self.counters.dropped.inc(),
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }
}

/// The handshake's checks: the caller's account and filters.
pub fn filter_of(state: &crate::state::AppState, req: &Request) -> ApiResult<LiveFilter> {
    let account = crate::auth::account(state, req)?;
    LiveFilter::from_query(account, &req.query)
}

/// Moves queued messages to the socket until either side closes.
pub async fn pump(socket: WebSocket, mut queue: mpsc::Receiver<String>) {
    let (mut to_client, mut from_client) = socket.split();
    loop {
        tokio::select! {
            message = queue.recv() => match message {
                Some(text) => {
                    if to_client.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            incoming = from_client.next() => match incoming {
                Some(Ok(m)) if m.is_close() => break,
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
}
