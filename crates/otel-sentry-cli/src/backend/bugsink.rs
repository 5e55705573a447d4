//! Bugsink's canonical API (`/api/canonical/0/`): projects, their issues, each issue's
//! events, each event's payload under `data`; pages linked by `next` in the body. It has no
//! lookup by Sentry event id and no tag search, so the commands scan (a progress bar on a
//! terminal shows how far).

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::Backend;
use crate::cli::Connection;
use crate::error::CliError;
use crate::event::{EventRecord, normalise_id, timestamp};
use crate::http::Http;
use crate::progress;

/// The canonical API's root under `url`.
pub(crate) fn api_root(url: &str) -> String {
    format!("{url}/api/canonical/0/")
}

/// A Bugsink installation.
pub(crate) struct Bugsink {
    http: Http,
    url: String,
    project: Option<String>,
}

/// An event as the issue's event list shows it.
struct Listed {
    project: String,
    issue: String,
    /// Bugsink's own id, for the detail.
    id: String,
    /// The Sentry event id, 32 hex digits.
    event_id: Option<String>,
    timestamp: Option<SystemTime>,
}

impl Bugsink {
    pub(crate) fn new(http: Http, connection: &Connection) -> Self {
        Bugsink {
            http,
            url: connection.url.clone(),
            project: connection.project.clone(),
        }
    }

    /// Every item of a paged list.
    fn all(&self, url: String) -> Result<Vec<Value>, CliError> {
        let mut items = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let answer = self.http.get(&url)?;
            if !answer.status.is_success() {
                return Err(CliError::NotFound(url));
            }
            if let Some(results) = answer.body.get("results").and_then(Value::as_array) {
                items.extend(results.iter().cloned());
            }
            next = answer
                .body
                .get("next")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        Ok(items)
    }

    fn projects(&self) -> Result<Vec<String>, CliError> {
        if let Some(project) = &self.project {
            return Ok(vec![project.clone()]);
        }
        let projects = self.all(format!("{}projects/", api_root(&self.url)))?;
        Ok(projects
            .iter()
            .filter_map(|project| id(project.get("id")))
            .collect())
    }

    /// Every event the lists show, newest issues first as Bugsink orders them; stops early
    /// when `stop` says so.
    fn scan(
        &self,
        mut visit: impl FnMut(Listed) -> Result<bool, CliError>,
    ) -> Result<(), CliError> {
        let bar = progress::scanning("events");
        let root = api_root(&self.url);
        for project in self.projects()? {
            for issue in self.all(format!("{root}issues/?project={project}"))? {
                let Some(issue_id) = id(issue.get("id")) else {
                    continue;
                };
                for event in self.all(format!("{root}events/?issue={issue_id}"))? {
                    let Some(event_uuid) = id(event.get("id")) else {
                        continue;
                    };
                    bar.inc(1);
                    let listed = Listed {
                        project: project.clone(),
                        issue: issue_id.clone(),
                        id: event_uuid,
                        event_id: event
                            .get("event_id")
                            .and_then(Value::as_str)
                            .and_then(normalise_id),
                        timestamp: event.get("timestamp").and_then(timestamp),
                    };
                    if !visit(listed)? {
                        bar.finish_and_clear();
                        return Ok(());
                    }
                }
            }
        }
        bar.finish_and_clear();
        Ok(())
    }

    /// The payload of a listed event, with its project, issue and link.
    fn detail(&self, listed: &Listed) -> Result<Option<EventRecord>, CliError> {
        let url = format!("{}events/{}/", api_root(&self.url), listed.id);
        let answer = self.http.get(&url)?;
        if !answer.status.is_success() {
            return Ok(None);
        }
        let Some(mut event) = answer.body.get("data").and_then(EventRecord::from_payload) else {
            return Ok(None);
        };
        event.project = Some(listed.project.clone());
        event.issue = Some(listed.issue.clone());
        event.event_url = Some(format!(
            "{}/issues/issue/{}/event/{}/",
            self.url, listed.issue, listed.id
        ));
        Ok(Some(event))
    }

    /// Every event's payload for which `keep` holds, skipping listed events before `since`.
    fn events(
        &self,
        since: Option<SystemTime>,
        keep: impl Fn(&EventRecord) -> bool,
    ) -> Result<Vec<EventRecord>, CliError> {
        let mut events = Vec::new();
        self.scan(|listed| {
            let too_old =
                matches!((since, listed.timestamp), (Some(since), Some(at)) if at < since);
            if !too_old
                && let Some(event) = self.detail(&listed)?
                && since.is_none_or(|since| event.timestamp.is_none_or(|at| at >= since))
                && keep(&event)
            {
                events.push(event);
            }
            Ok(true)
        })?;
        Ok(events)
    }
}

impl Backend for Bugsink {
    fn event(&self, event_id: &str) -> Result<EventRecord, CliError> {
        let mut found = None;
        self.scan(|listed| {
            if listed.event_id.as_deref() == Some(event_id) {
                found = self.detail(&listed)?;
                return Ok(false);
            }
            Ok(true)
        })?;
        found.ok_or_else(|| CliError::NotFound(format!("event {event_id} in {}", self.url)))
    }

    fn trace_events(&self, trace_id: &str) -> Result<Vec<EventRecord>, CliError> {
        self.events(None, |event| event.trace_id.as_deref() == Some(trace_id))
    }

    fn error_events(&self, since: Duration) -> Result<Vec<EventRecord>, CliError> {
        let since = SystemTime::now().checked_sub(since);
        self.events(since, |event| {
            matches!(event.level.as_deref(), None | Some("error" | "fatal"))
        })
    }
}

/// An id that may be a string or a number.
fn id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
