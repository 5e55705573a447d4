//! Sentry's web API (sentry.io or self-hosted): an event by id through the organisation's
//! event-id resolver, and events by trace or period through the organisation's events
//! table (`query=otel.trace_id:…`), page by page along the `Link` header's cursors.

use std::collections::HashSet;
use std::time::Duration;

use otel_sentry_core::names::{CASCADE_ROOT_TAG, TRACE_ID_TAG};
use serde_json::Value;
use url::Url;

use super::Backend;
use crate::cli::Connection;
use crate::error::CliError;
use crate::event::{EventRecord, normalise_id, timestamp};
use crate::http::Http;

/// The columns asked of the events table.
const FIELDS: [&str; 10] = [
    "id",
    "project.name",
    "timestamp",
    "title",
    "issue.id",
    "trace",
    "trace.span",
    "trace.parent_span",
    "tags[otel.trace_id]",
    "tags[cascade.root_event_id]",
];

/// How far back a trace's events are looked for: Sentry's longest default retention.
const TRACE_PERIOD: &str = "90d";

/// A Sentry organisation's API.
pub(crate) struct Sentry {
    http: Http,
    url: String,
    org: String,
    project: Option<String>,
}

impl Sentry {
    pub(crate) fn new(http: Http, connection: &Connection) -> Result<Self, CliError> {
        let org = connection.org.clone().ok_or_else(|| {
            CliError::Usage("Sentry needs the organisation: set SENTRY_ORG or pass --org".into())
        })?;
        Ok(Sentry {
            http,
            url: connection.url.clone(),
            org,
            project: connection.project.clone(),
        })
    }

    fn event_url(&self, issue: &str, event_id: &str) -> String {
        format!(
            "{}/organizations/{}/issues/{issue}/events/{event_id}/",
            self.url, self.org
        )
    }

    /// Every row of the events table matching `query` within `period`.
    fn table(&self, query: &str, period: &str) -> Result<Vec<EventRecord>, CliError> {
        let query = match &self.project {
            Some(project) => format!("project:{project} {query}"),
            None => query.to_owned(),
        };
        let mut url = Url::parse(&format!(
            "{}/api/0/organizations/{}/events/",
            self.url, self.org
        ))
        .map_err(|error| CliError::Usage(format!("--url {}: {error}", self.url)))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("dataset", "errors");
            for field in FIELDS {
                pairs.append_pair("field", field);
            }
            pairs
                .append_pair("query", &query)
                .append_pair("statsPeriod", period)
                .append_pair("sort", "timestamp")
                .append_pair("per_page", "100");
        }
        let mut events = Vec::new();
        let mut next = Some(url.to_string());
        while let Some(page_url) = next.take() {
            let answer = self.http.get(&page_url)?;
            if !answer.status.is_success() {
                return Err(CliError::NotFound(format!(
                    "organisation {} ({page_url})",
                    self.org
                )));
            }
            let rows = answer.body.get("data").and_then(Value::as_array);
            for row in rows.into_iter().flatten() {
                if let Some(event) = self.record_of_row(row) {
                    events.push(event);
                }
            }
            next = answer.next_link();
        }
        Ok(events)
    }

    fn record_of_row(&self, row: &Value) -> Option<EventRecord> {
        let text = |key: &str| {
            row.get(key).and_then(|value| match value {
                Value::String(text) if !text.is_empty() => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            })
        };
        let event_id = normalise_id(&text("id")?)?;
        let issue = text("issue.id");
        Some(EventRecord {
            trace_id: text(&format!("tags[{TRACE_ID_TAG}]")).or_else(|| text("trace")),
            span_id: text("trace.span"),
            parent_span_id: text("trace.parent_span"),
            project: text("project.name").or_else(|| text("project")),
            timestamp: row.get("timestamp").and_then(timestamp),
            title: text("title"),
            cascade_root: text(&format!("tags[{CASCADE_ROOT_TAG}]"))
                .and_then(|id| normalise_id(&id)),
            event_url: issue
                .as_deref()
                .map(|issue| self.event_url(issue, &event_id)),
            issue,
            event_id,
            ..EventRecord::default()
        })
    }
}

impl Backend for Sentry {
    fn event(&self, event_id: &str) -> Result<EventRecord, CliError> {
        let url = format!(
            "{}/api/0/organizations/{}/eventids/{event_id}/",
            self.url, self.org
        );
        let answer = self.http.get(&url)?;
        if !answer.status.is_success() {
            return Err(CliError::NotFound(format!("event {event_id} ({url})")));
        }
        let body = &answer.body;
        let mut event = body
            .get("event")
            .and_then(EventRecord::from_payload)
            .ok_or_else(|| CliError::Backend {
                url: url.clone(),
                reason: "the answer holds no event".to_owned(),
            })?;
        let field = |key: &str| {
            body.get(key).and_then(|value| match value {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            })
        };
        event.project = field("projectSlug");
        event.issue = field("groupId");
        event.event_url = event
            .issue
            .as_deref()
            .map(|issue| self.event_url(issue, event_id));
        Ok(event)
    }

    fn trace_events(&self, trace_id: &str) -> Result<Vec<EventRecord>, CliError> {
        // Our tag, and the trace context of SDKs that do not write it.
        let mut events = self.table(&format!("{TRACE_ID_TAG}:{trace_id}"), TRACE_PERIOD)?;
        let mut seen: HashSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
        for event in self.table(&format!("trace:{trace_id}"), TRACE_PERIOD)? {
            if seen.insert(event.event_id.clone()) {
                events.push(event);
            }
        }
        Ok(events)
    }

    fn error_events(&self, since: Duration) -> Result<Vec<EventRecord>, CliError> {
        // Sentry's periods count whole minutes at the finest.
        let minutes = since.as_secs().div_ceil(60).max(1);
        self.table("event.type:error", &format!("{minutes}m"))
    }
}
