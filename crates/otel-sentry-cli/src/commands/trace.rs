//! `otel-sentry trace TRACE_ID`: every Sentry event of the trace, earliest first, the root
//! cause marked with the reason.

use serde_json::{Value, json};

use super::{json_text, line, sort_by_time};
use crate::backend::Backend;
use crate::error::CliError;
use crate::root_cause;
use crate::trace_url::TraceUrl;

pub(crate) fn run(
    backend: &dyn Backend,
    trace_id: &str,
    trace_url: Option<&TraceUrl>,
    json: bool,
) -> Result<String, CliError> {
    let mut events = backend.trace_events(trace_id)?;
    if events.is_empty() {
        return Err(CliError::NotFound(format!(
            "no Sentry event of trace {trace_id}"
        )));
    }
    sort_by_time(&mut events);
    let (root, reason) = root_cause::pick(&events)
        .ok_or_else(|| CliError::NotFound(format!("no Sentry event of trace {trace_id}")))?;
    let link = trace_url.map(|template| template.url(trace_id));
    if json {
        let list: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let mut value = event.to_json();
                if let Value::Object(object) = &mut value {
                    object.insert("root_cause".into(), json!(index == root));
                }
                value
            })
            .collect();
        return Ok(json_text(&json!({
            "trace_id": trace_id,
            "trace_url": link,
            "events": list,
            "root_cause": events[root].event_id,
            "root_cause_reason": reason,
        })));
    }
    let mut out = vec![format!(
        "trace {trace_id}: {} Sentry event{}{}",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        link.map(|link| format!("  {link}")).unwrap_or_default()
    )];
    for (index, event) in events.iter().enumerate() {
        let mark = if index == root { "●" } else { " " };
        out.push(format!("{mark} {}", line(event)));
        if index == root {
            out.push(format!("    ◀ root cause: {reason}"));
        }
    }
    Ok(out.join("\n"))
}
