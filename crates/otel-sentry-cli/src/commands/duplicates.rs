//! `otel-sentry duplicates [--since DURATION]`: the period's error events grouped by trace
//! id; each group of two or more with its root cause; how many alerts deduplication would
//! have saved.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::{json_text, sort_by_time};
use crate::backend::Backend;
use crate::error::CliError;
use crate::event::EventRecord;
use crate::root_cause;

pub(crate) fn run(backend: &dyn Backend, since: Duration, json: bool) -> Result<String, CliError> {
    let period = humantime::format_duration(since).to_string();
    let events = backend.error_events(since)?;
    if events.is_empty() {
        return Err(CliError::NotFound(format!(
            "no error event in the last {period}"
        )));
    }
    let total = events.len();
    let mut by_trace: BTreeMap<String, Vec<EventRecord>> = BTreeMap::new();
    let mut traceless = 0;
    for event in events {
        match event.trace_id.clone() {
            Some(trace_id) => by_trace.entry(trace_id).or_default().push(event),
            None => traceless += 1,
        }
    }
    let mut groups = Vec::new();
    for (trace_id, mut events) in by_trace.iter().map(|(id, e)| (id.clone(), e.clone())) {
        if events.len() < 2 {
            continue;
        }
        sort_by_time(&mut events);
        let Some((root, reason)) = root_cause::pick(&events) else {
            continue;
        };
        groups.push((trace_id, events, root, reason));
    }
    // Largest groups first: where deduplication saves most.
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let sharing: usize = groups.iter().map(|(_, events, _, _)| events.len()).sum();
    // With deduplication, one alert per trace, and one per event without a trace.
    let alerts_after = by_trace.len() + traceless;
    let reduction = (total - alerts_after) as f64 * 100.0 / total as f64;
    let reduction = (reduction * 10.0).round() / 10.0;
    if json {
        let list: Vec<Value> = groups
            .iter()
            .map(|(trace_id, events, root, reason)| {
                json!({
                    "trace_id": trace_id,
                    "event_ids": events.iter().map(|e| &e.event_id).collect::<Vec<_>>(),
                    "root_cause": events[*root].event_id,
                    "root_cause_reason": reason,
                })
            })
            .collect();
        return Ok(json_text(&json!({
            "since": period,
            "events": total,
            "traces": by_trace.len(),
            "events_without_trace": traceless,
            "events_sharing_a_trace": sharing,
            "duplicate_groups": list,
            "reduction_percent": reduction,
        })));
    }
    let mut out = Vec::new();
    for (trace_id, events, root, reason) in &groups {
        out.push(format!("trace {trace_id}: {} events", events.len()));
        for (index, event) in events.iter().enumerate() {
            let mark = if index == *root { "●" } else { " " };
            out.push(format!("  {mark} {}", super::line(event)));
        }
        out.push(format!(
            "    ◀ root cause {}: {reason}",
            events[*root].event_id
        ));
    }
    if groups.is_empty() {
        out.push("no trace holds more than one error event".to_owned());
    }
    out.push(String::new());
    out.push(format!(
        "last {period}: {total} error events in {} traces ({traceless} without a trace); {sharing} events share a trace with another",
        by_trace.len()
    ));
    out.push(format!(
        "deduplication by trace: {total} alerts → {alerts_after} ({reduction}% fewer)"
    ));
    Ok(out.join("\n"))
}
