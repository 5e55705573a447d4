//! Bugsink read back through its REST API, and Sentry clients that send to it, for the
//! tests that scripts/bugsink-e2e.sh and scripts/relay-bugsink-e2e.sh run against a real
//! Bugsink (`BUGSINK_URL`, `BUGSINK_TOKEN`, `BUGSINK_PROJECT_ID`, `BUGSINK_DSN`).
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentry_core::{Client, ClientOptions};
use serde_json::Value;

pub struct Bugsink {
    pub api: String,
    pub token: String,
    pub project: String,
    pub dsn: String,
    pub http: reqwest::Client,
}

impl Bugsink {
    pub fn from_env() -> Option<Self> {
        let var = |name| std::env::var(name).ok();
        Some(Bugsink {
            api: format!("{}/api/canonical/0", var("BUGSINK_URL")?),
            token: var("BUGSINK_TOKEN")?,
            project: var("BUGSINK_PROJECT_ID")?,
            dsn: var("BUGSINK_DSN")?,
            http: reqwest::Client::new(),
        })
    }

    pub async fn get(&self, url: &str) -> Value {
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("bugsink answers");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        serde_json::from_str(&response.text().await.expect("a body")).expect("JSON")
    }

    /// Every item of a paged list.
    pub async fn all(&self, url: String) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next {
            let page = self.get(&url).await;
            items.extend(page["results"].as_array().cloned().unwrap_or_default());
            next = page["next"].as_str().map(str::to_owned);
        }
        items
    }

    /// The project's issues.
    pub async fn issues(&self) -> Vec<Value> {
        self.all(format!("{}/issues/?project={}", self.api, self.project))
            .await
    }

    /// The stored events of trace `trace_id` (`contexts.trace.trace_id`, whatever SDK
    /// sent them), each with its issue.
    pub async fn events_of_trace(&self, trace_id: &str) -> Vec<(Value, Value)> {
        let mut found = Vec::new();
        for issue in self.issues().await {
            let events = format!(
                "{}/events/?issue={}",
                self.api,
                issue["id"].as_str().unwrap()
            );
            for event in self.all(events).await {
                let detail = format!("{}/events/{}/", self.api, event["id"].as_str().unwrap());
                let data = self.get(&detail).await["data"].clone();
                if data["contexts"]["trace"]["trace_id"] == trace_id {
                    found.push((issue.clone(), data));
                }
            }
        }
        found
    }

    /// The events of `trace_id` once `count` are stored (digestion, and a relay's window,
    /// may lag the upload); fails after `timeout` with another count.
    pub async fn wait_for_trace(
        &self,
        trace_id: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<(Value, Value)> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.events_of_trace(trace_id).await;
            if found.len() >= count || Instant::now() > deadline {
                // A straggler would arrive within this pause.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let found = self.events_of_trace(trace_id).await;
                assert_eq!(found.len(), count, "events of trace {trace_id}: {found:#?}");
                return found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A client sending to `dsn` (Bugsink's own, or a relay's) through `transport`.
    pub fn client_for(dsn: &str, transport: Arc<dyn sentry_core::TransportFactory>) -> Arc<Client> {
        let mut options = ClientOptions::new().dsn(dsn);
        options.transport = Some(transport);
        Arc::new(Client::from(options))
    }

    pub fn client(&self, transport: Arc<dyn sentry_core::TransportFactory>) -> Arc<Client> {
        Self::client_for(&self.dsn, transport)
    }
}

/// The outermost exception's type of a stored event.
pub fn outermost_type(event: &Value) -> Option<&str> {
    event["exception"]["values"]
        .as_array()
        .and_then(|values| values.last())
        .and_then(|value| value["type"].as_str())
}

pub fn random_trace_id() -> String {
    sentry_core::types::random_uuid().simple().to_string()
}
