//! `otel-sentry lookup EVENT_ID`: the event's trace, span, project, issue, service, links,
//! and the other events of its trace.

use serde_json::{Value, json};

use super::{json_text, line, sort_by_time};
use crate::backend::Backend;
use crate::error::CliError;
use crate::trace_url::TraceUrl;

pub(crate) fn run(
    backend: &dyn Backend,
    event_id: &str,
    trace_url: Option<&TraceUrl>,
    json: bool,
) -> Result<String, CliError> {
    let event = backend.event(event_id)?;
    let mut related = match &event.trace_id {
        Some(trace_id) => backend.trace_events(trace_id)?,
        None => Vec::new(),
    };
    related.retain(|other| other.event_id != event.event_id);
    sort_by_time(&mut related);
    let link = event
        .trace_id
        .as_deref()
        .zip(trace_url)
        .map(|(trace_id, template)| template.url(trace_id));
    if json {
        let mut document = event.to_json();
        if let Value::Object(object) = &mut document {
            object.insert("trace_url".into(), json!(link));
            object.insert(
                "related".into(),
                json!(related.iter().map(|e| &e.event_id).collect::<Vec<_>>()),
            );
        }
        return Ok(json_text(&document));
    }
    let field = |value: Option<&str>| value.unwrap_or("-").to_owned();
    let mut out = vec![
        format!("event     {}", event.event_id),
        format!("trace     {}", field(event.trace_id.as_deref())),
        format!("span      {}", field(event.span_id.as_deref())),
        format!("project   {}", field(event.project.as_deref())),
        format!("issue     {}", field(event.issue.as_deref())),
        format!("service   {}", field(event.service.as_deref())),
        format!("title     {}", field(event.title.as_deref())),
        format!("event url {}", field(event.event_url.as_deref())),
        format!(
            "trace url {}",
            link.as_deref()
                .unwrap_or("- (set --trace-url or OTEL_SENTRY_TRACE_URL)")
        ),
    ];
    match related.len() {
        0 => out.push("related   no other event in this trace".to_owned()),
        n => {
            out.push(format!(
                "related   {n} other event{} in this trace:",
                if n == 1 { "" } else { "s" }
            ));
            out.extend(related.iter().map(|other| format!("  {}", line(other))));
        }
    }
    Ok(out.join("\n"))
}
