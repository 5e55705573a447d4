//! What the relay tests share: the relay process, sentry clients, events, raw HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use otel_sentry_reqwest::SentryHttpTransport;
use otel_sentry_test_support::RunningReceiver;
use sentry::protocol::{Context, Event, Exception, TraceContext};
use serde_json::Value;

pub const TRACE: &str = "771a43a4192642f0b136d5159a501700";

/// A relay process on 127.0.0.1, stopped by pid when dropped.
pub struct RelayProcess {
    pub child: Child,
    pub base: String,
}

impl RelayProcess {
    pub fn start(upstream: &RunningReceiver, extra: &[&str]) -> RelayProcess {
        let upstream = upstream
            .dsn()
            .replace("public@", "")
            .trim_end_matches("/1")
            .to_owned();
        let mut child = Command::new(env!("CARGO_BIN_EXE_otel-sentry-relay"))
            .args(["--listen", "127.0.0.1:0", "--upstream", &upstream])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the relay starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().rsplit(' ').next().unwrap().to_owned();
        RelayProcess {
            child,
            base: format!("http://{address}"),
        }
    }

    pub fn dsn(&self) -> String {
        self.base.replace("http://", "http://public@") + "/1"
    }

    pub fn stats(&self) -> Value {
        reqwest::blocking_get_json(&format!("{}/stats", self.base))
    }

    /// SIGTERM, then waits for the exit (bounded).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the relay did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny blocking client on a current-thread runtime, so tests stay synchronous.
pub mod reqwest {
    pub use ::reqwest::*;

    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    pub fn blocking_get_json(url: &str) -> serde_json::Value {
        runtime().block_on(async {
            Client::new()
                .get(url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }

    /// POSTs `body` with `headers`; returns the status and body text.
    pub fn post(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, String) {
        runtime().block_on(async {
            let mut request = Client::new().post(url).body(body);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        })
    }
}

pub fn client(dsn: &str) -> sentry::Client {
    let mut options = sentry::ClientOptions::new();
    options.dsn = dsn.parse().ok();
    options.transport = Some(Arc::new(SentryHttpTransport::new()));
    sentry::Client::from(options)
}

/// An error event of `service` in span `span` (child of `parent`) of trace [`TRACE`].
pub fn error_event(service: &str, span: &str, parent: Option<&str>) -> Event<'static> {
    let mut event = Event {
        server_name: Some(service.to_owned().into()),
        exception: vec![Exception {
            ty: format!("{service}Error"),
            value: Some(format!("{service} failed")),
            ..Default::default()
        }]
        .into(),
        ..Default::default()
    };
    event.contexts.insert(
        "trace".to_owned(),
        Context::Trace(Box::new(TraceContext {
            trace_id: TRACE.parse().unwrap(),
            span_id: span.parse().unwrap(),
            parent_span_id: parent.map(|parent| parent.parse().unwrap()),
            ..Default::default()
        })),
    );
    event
}

pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn tag<'a>(event: &'a Value, key: &str) -> Option<&'a str> {
    event["tags"][key].as_str()
}
