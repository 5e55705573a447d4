//! The terminal view: per request, its trace as a waterfall — each span under its parent
//! with its service, name, status code, duration and a bar on the trace's timeline; failed
//! spans with their Sentry event id, the root cause marked — then a summary line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::Value as Json;

const BAR_WIDTH: usize = 28;

/// One request the demo sent through the gateway.
pub struct Request {
    pub path: String,
    pub status: u16,
    pub trace_id: Option<TraceId>,
}

/// ANSI colours, or none.
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
    fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }
    fn status(&self, status: Option<i64>, failed: bool) -> String {
        let text = status.map_or_else(|| "-".to_owned(), |status| status.to_string());
        let text = format!("{text:>3}");
        if failed {
            self.red(&text)
        } else {
            self.green(&text)
        }
    }
}

fn attribute<'s>(span: &'s SpanData, key: &str) -> Option<&'s Value> {
    span.attributes
        .iter()
        .find(|KeyValue { key: k, .. }| k.as_str() == key)
        .map(|KeyValue { value, .. }| value)
}

fn int_attribute(span: &SpanData, key: &str) -> Option<i64> {
    match attribute(span, key)? {
        Value::I64(value) => Some(*value),
        _ => None,
    }
}

fn exception_type(span: &SpanData) -> Option<String> {
    span.events
        .iter()
        .filter(|event| event.name == "exception")
        .flat_map(|event| &event.attributes)
        .find(|attribute| attribute.key.as_str() == "exception.type")
        .map(|attribute| attribute.value.to_string())
}

/// `a::b::PaymentDeclined` → `PaymentDeclined`.
fn short_type(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

fn trace_id_of(event: &Json) -> Option<&str> {
    event["contexts"]["trace"]["trace_id"].as_str()
}

/// What the demo prints after its requests.
pub fn render(
    requests: &[Request],
    spans: &[SpanData],
    events: &[Json],
    palette: &Palette,
) -> String {
    let mut out = String::new();
    let mut by_trace: HashMap<TraceId, Vec<&SpanData>> = HashMap::new();
    for span in spans {
        by_trace
            .entry(span.span_context.trace_id())
            .or_default()
            .push(span);
    }
    for request in requests {
        let trace_spans = request
            .trace_id
            .and_then(|trace_id| by_trace.get(&trace_id).map(|spans| (trace_id, spans)));
        let Some((trace_id, trace_spans)) = trace_spans else {
            let _ = writeln!(
                out,
                "{} GET {} → {} (no trace recorded)\n",
                palette.bold("●"),
                request.path,
                request.status
            );
            continue;
        };
        let trace_hex = trace_id.to_string();
        let event_count = events
            .iter()
            .filter(|event| trace_id_of(event) == Some(trace_hex.as_str()))
            .count();
        let failed = request.status >= 500;
        let events_text = match event_count {
            0 => "no Sentry event".to_owned(),
            1 => "1 Sentry event".to_owned(),
            n => format!("{n} Sentry events"),
        };
        let _ = writeln!(
            out,
            "{} GET {} → {}   trace {}   {}",
            palette.bold("●"),
            palette.bold(&request.path),
            palette.status(Some(i64::from(request.status)), failed),
            palette.dim(&trace_hex),
            if event_count > 0 {
                palette.yellow(&events_text)
            } else {
                palette.dim(&events_text)
            }
        );
        render_trace(&mut out, trace_spans, palette);
        out.push('\n');
    }

    let traces = by_trace.len();
    let suppressed = spans
        .iter()
        .filter(|span| attribute(span, "sentry.cascade") == Some(&Value::Bool(true)))
        .count();
    let window_suppressed: u64 = events
        .iter()
        .filter_map(|event| event["extra"]["cascading_errors_suppressed"].as_u64())
        .sum();
    let _ = writeln!(
        out,
        "{} {} requests → {} traces · {} events sent to Sentry · {} cascading errors suppressed",
        palette.bold("Summary:"),
        requests.len(),
        traces,
        events.len(),
        suppressed as u64 + window_suppressed,
    );
    out
}

fn render_trace(out: &mut String, spans: &[&SpanData], palette: &Palette) {
    let start = spans.iter().map(|span| span.start_time).min();
    let end = spans.iter().map(|span| span.end_time).max();
    let (Some(start), Some(end)) = (start, end) else {
        return;
    };
    let total = end
        .duration_since(start)
        .unwrap_or_default()
        .max(Duration::from_micros(1));
    let mut children: HashMap<_, Vec<&SpanData>> = HashMap::new();
    let ids: Vec<_> = spans
        .iter()
        .map(|span| span.span_context.span_id())
        .collect();
    let mut roots = Vec::new();
    for span in spans {
        if ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(*span);
        } else {
            roots.push(*span);
        }
    }
    for siblings in children.values_mut() {
        siblings.sort_by_key(|span| span.start_time);
    }
    roots.sort_by_key(|span| span.start_time);
    let timeline = Timeline { start, total };
    for root in roots {
        render_span(out, root, 0, &children, &timeline, palette);
    }
}

struct Timeline {
    start: SystemTime,
    total: Duration,
}

impl Timeline {
    fn bar(&self, span: &SpanData) -> String {
        let scale = |at: SystemTime| {
            let offset = at.duration_since(self.start).unwrap_or_default();
            offset.as_secs_f64() / self.total.as_secs_f64() * BAR_WIDTH as f64
        };
        let from = (scale(span.start_time).floor() as usize).min(BAR_WIDTH - 1);
        let to = (scale(span.end_time).ceil() as usize).clamp(from + 1, BAR_WIDTH);
        format!(
            "{}{}{}",
            " ".repeat(from),
            "█".repeat(to - from),
            " ".repeat(BAR_WIDTH - to)
        )
    }
}

fn render_span(
    out: &mut String,
    span: &SpanData,
    depth: usize,
    children: &HashMap<opentelemetry::trace::SpanId, Vec<&SpanData>>,
    timeline: &Timeline,
    palette: &Palette,
) {
    let service = span.instrumentation_scope.name();
    let failed = matches!(span.status, Status::Error { .. });
    let name = format!(
        "{}{}{}",
        "  ".repeat(depth),
        if depth > 0 { "└ " } else { "" },
        span.name
    );
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or_default();
    let mut marker = String::new();
    if let Some(event_id) = attribute(span, "sentry.event_id") {
        let event_id = event_id.to_string();
        let short = event_id.get(..8).unwrap_or(&event_id);
        let cascade = attribute(span, "sentry.cascade") == Some(&Value::Bool(true));
        let note = if span.span_kind == SpanKind::Client {
            palette.dim(" (reported downstream)")
        } else if cascade {
            palette.dim(" (cascade, no event of its own)")
        } else {
            let cause = exception_type(span).unwrap_or_else(|| "error".to_owned());
            palette.bold(&palette.yellow(&format!(" ◀ root cause: {}", short_type(&cause))))
        };
        marker = format!(
            "  {}{note}",
            palette.red(&format!("✗ sentry event {short}"))
        );
    }
    let bar = if failed {
        palette.red(&timeline.bar(span))
    } else {
        palette.cyan(&timeline.bar(span))
    };
    let _ = writeln!(
        out,
        "  {:<9} {:<30} {} {:>8.1} ms ▕{}▏{}",
        service,
        name,
        palette.status(int_attribute(span, "http.response.status_code"), failed),
        duration.as_secs_f64() * 1000.0,
        bar,
        marker
    );
    if let Some(kids) = children.get(&span.span_context.span_id()) {
        for kid in kids {
            render_span(out, kid, depth + 1, children, timeline, palette);
        }
    }
}
