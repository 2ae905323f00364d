//! The load driver: HTTP/1.1 over keep-alive connections on loopback, every
//! answer recorded (when it was sent, how long it took, its status).
//!
//! Two shapes of load: closed (a fixed number of users, each sending its
//! next request when the last one was answered; this finds the throughput)
//! and open (requests sent on a schedule whatever the answers, the way a
//! crowd arrives; latency counts from the scheduled moment, so a slow
//! server cannot hide its queue by slowing the sender down).

use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// One request to send.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub token: Option<Arc<str>>,
    pub body: Option<(Bytes, &'static str)>,
    /// Which kind of request it is, for the report (an index into the
    /// scenario's names).
    pub kind: u8,
    /// Anything the scenario wants to find in the sample again (who sent it).
    pub tag: u32,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req {
            method: Method::GET,
            path: path.into(),
            token: None,
            body: None,
            kind: 0,
            tag: 0,
        }
    }
    pub fn post(path: impl Into<String>) -> Req {
        Req {
            method: Method::POST,
            ..Req::get(path)
        }
    }
    pub fn token(mut self, token: &Arc<str>) -> Req {
        self.token = Some(token.clone());
        self
    }
    pub fn form(mut self, body: String) -> Req {
        self.body = Some((Bytes::from(body), "application/x-www-form-urlencoded"));
        self
    }
    pub fn body(mut self, bytes: Bytes, content_type: &'static str) -> Req {
        self.body = Some((bytes, content_type));
        self
    }
    pub fn kind(mut self, kind: u8) -> Req {
        self.kind = kind;
        self
    }
    pub fn tag(mut self, tag: u32) -> Req {
        self.tag = tag;
        self
    }
}

/// What came back. `status` 0 means no answer (connection refused, reset
/// or timed out).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    pub retry_after: bool,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One recorded answer.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Milliseconds from the start of the run to when it was (due to be) sent.
    pub at_ms: u32,
    pub latency_us: u32,
    pub status: u16,
    pub kind: u8,
    pub tag: u32,
    pub retry_after: bool,
}

/// A client for one base URL, from one source address.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: Arc<str>,
}

/// Longest a request may take before it counts as unanswered.
const TIMEOUT: Duration = Duration::from_secs(30);

impl Http {
    /// The base URL requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn new(base: &str, source: Option<IpAddr>) -> Http {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_local_address(source);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(4096)
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Http {
            client,
            base: base.trim_end_matches('/').into(),
        }
    }

    /// Sends `req` again while it is refused with Retry-After (for ten
    /// seconds at most): for the checks around a scenario, not its load.
    pub async fn send_until_admitted(&self, req: &Req) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer = self.send(req).await;
            if !(answer.status == 503 || answer.status == 429)
                || !answer.retry_after
                || Instant::now() >= deadline
            {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn send(&self, req: &Req) -> Answer {
        let mut builder = Request::builder()
            .method(req.method.clone())
            .uri(format!("{}{}", self.base, req.path));
        if let Some(token) = &req.token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match &req.body {
            Some((bytes, content_type)) => {
                builder = builder.header(CONTENT_TYPE, *content_type);
                Full::new(bytes.clone())
            }
            None => Full::new(Bytes::new()),
        };
        let Ok(request) = builder.body(body) else {
            return Answer::none();
        };
        let call = async {
            let response = self.client.request(request).await.ok()?;
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key(RETRY_AFTER);
            let body = response.into_body().collect().await.ok()?.to_bytes();
            Some(Answer {
                status,
                body,
                retry_after,
            })
        };
        match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Some(answer)) => answer,
            _ => Answer::none(),
        }
    }
}

impl Answer {
    fn none() -> Answer {
        Answer {
            status: 0,
            body: Bytes::new(),
            retry_after: false,
        }
    }
}

/// The answers of a run and the length of its measured window.
#[derive(Debug, Default)]
pub struct Run {
    pub samples: Vec<Sample>,
    pub seconds: f64,
}

/// A user's handle during a closed-loop run: sends and records, and says
/// when the run is over.
#[derive(Clone)]
pub struct Session {
    pub http: Http,
    start: Instant,
    warm_until: Instant,
    end: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
}

impl Session {
    pub fn over(&self) -> bool {
        Instant::now() >= self.end
    }

    /// Sends and records (outside the warm-up).
    pub async fn send(&self, req: Req) -> Answer {
        let sent = Instant::now();
        let answer = self.http.send(&req).await;
        if sent >= self.warm_until && sent < self.end {
            record(
                &self.samples,
                self.start,
                sent,
                (req.kind, req.tag),
                &answer,
            );
        }
        answer
    }

    /// Records a step made of several requests, timed from `sent`.
    pub fn note(&self, kind: u8, sent: Instant, status: u16) {
        if sent >= self.warm_until && sent < self.end {
            let answer = Answer {
                status,
                ..Answer::none()
            };
            record(&self.samples, self.start, sent, (kind, 0), &answer);
        }
    }
}

fn record(
    samples: &Mutex<Vec<Sample>>,
    start: Instant,
    sent: Instant,
    (kind, tag): (u8, u32),
    a: &Answer,
) {
    let sample = Sample {
        at_ms: sent.saturating_duration_since(start).as_millis() as u32,
        latency_us: sent.elapsed().as_micros().min(u32::MAX as u128) as u32,
        status: a.status,
        kind,
        tag,
        retry_after: a.retry_after,
    };
    if let Ok(mut samples) = samples.lock() {
        samples.push(sample);
    }
}

/// Closed loop: `users` users each run `step` again and again until the
/// time is up; answers in the first `warmup` are not recorded.
pub async fn closed<F, Fut>(
    http: &Http,
    users: usize,
    warmup: Duration,
    duration: Duration,
    step: F,
) -> Run
where
    F: Fn(usize, u64, Session) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let session = Session {
        http: http.clone(),
        start,
        warm_until: start + warmup,
        end: start + warmup + duration,
        samples: Arc::new(Mutex::new(Vec::new())),
    };
    let mut tasks = Vec::new();
    for user in 0..users {
        let session = session.clone();
        let step = step.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !session.over() {
                step(user, i, session.clone()).await;
                i += 1;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let samples = std::mem::take(&mut *session.samples.lock().unwrap_or_else(|e| e.into_inner()));
    Run {
        samples,
        seconds: duration.as_secs_f64(),
    }
}

/// Open loop: requests are sent at `rate(t)` per second (t in seconds from
/// the start) for `duration`, each from the next of `clients` in turn.
pub async fn open<R, M>(clients: &[Http], duration: Duration, rate: R, make: M) -> Run
where
    R: Fn(f64) -> f64,
    M: Fn(u64) -> Req,
{
    let start = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let mut t = 0.0f64;
    let mut i = 0u64;
    while t < duration.as_secs_f64() {
        let due = start + Duration::from_secs_f64(t);
        tokio::time::sleep_until(due.into()).await;
        let req = make(i);
        let http = clients[i as usize % clients.len()].clone();
        let samples = samples.clone();
        tasks.push(tokio::spawn(async move {
            let answer = http.send(&req).await;
            record(&samples, start, due, (req.kind, req.tag), &answer);
        }));
        i += 1;
        t += 1.0 / rate(t).max(0.1);
    }
    for task in tasks {
        let _ = task.await;
    }
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    Run {
        samples,
        seconds: duration.as_secs_f64(),
    }
}
