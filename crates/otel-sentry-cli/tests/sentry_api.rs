//! The `otel-sentry` binary against Sentry's web API. No real Sentry can run here, so an
//! axum server on 127.0.0.1 stands in for it, answering in the shapes Sentry documents:
//! the organisation's event-id resolver, its events table with `Link`-header cursor
//! pagination over several pages, `401` for a wrong token, and one `429` with
//! `Retry-After` before the first page. Bad input gets one line on stderr and exit 1 or 2.

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

const TOKEN: &str = "sntrys_good";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const OTHER_TRACE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const GATEWAY: &str = "11111111111111111111111111111111";
const ORDERS: &str = "22222222222222222222222222222222";
const PAYMENTS: &str = "33333333333333333333333333333333";
/// A Python service's event: only `contexts.trace` names the trace (no `otel.trace_id`).
const PYTHON: &str = "44444444444444444444444444444444";
const LONE: &str = "55555555555555555555555555555555";
const OTHER_A: &str = "66666666666666666666666666666666";
const OTHER_B: &str = "77777777777777777777777777777777";

#[derive(Default)]
struct Seen {
    table_requests: AtomicUsize,
    rate_limited: AtomicUsize,
}

/// One row of the events table, as Sentry's `organizations/{org}/events/` returns it.
fn row(id: &str, trace: &str, tagged: bool, span: &str, parent: Option<&str>, at: &str) -> Value {
    json!({
        "id": id,
        "project.name": "shop",
        "timestamp": at,
        "title": format!("Failure {}", &id[..4]),
        "issue.id": 42,
        "trace": trace,
        "trace.span": span,
        "trace.parent_span": parent,
        "tags[otel.trace_id]": if tagged { Value::from(trace) } else { Value::Null },
        "tags[cascade.root_event_id]": Value::Null,
    })
}

/// The stored error events: a three-service cascade plus a Python service in `TRACE`, a
/// pair in `OTHER_TRACE`, and one event alone in its trace.
fn rows() -> Vec<(Value, &'static str)> {
    vec![
        // Reported in the order the hops failed: payments first.
        (
            row(
                PAYMENTS,
                TRACE,
                true,
                "3333333333333333",
                Some("2222222222222222"),
                "2026-12-01T07:00:00.100Z",
            ),
            "payments",
        ),
        (
            row(
                ORDERS,
                TRACE,
                true,
                "2222222222222222",
                Some("1111111111111111"),
                "2026-12-01T07:00:00.200Z",
            ),
            "orders",
        ),
        (
            row(
                GATEWAY,
                TRACE,
                true,
                "1111111111111111",
                None,
                "2026-12-01T07:00:00.300Z",
            ),
            "gateway",
        ),
        (
            row(
                PYTHON,
                TRACE,
                false,
                "4444444444444444",
                Some("1111111111111111"),
                "2026-12-01T07:00:00.250Z",
            ),
            "python",
        ),
        (
            row(
                OTHER_A,
                OTHER_TRACE,
                true,
                "6666666666666666",
                None,
                "2026-12-01T06:00:00.000Z",
            ),
            "a",
        ),
        (
            row(
                OTHER_B,
                OTHER_TRACE,
                true,
                "7777777777777777",
                None,
                "2026-12-01T06:00:01.000Z",
            ),
            "b",
        ),
        (
            row(
                LONE,
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                true,
                "5555555555555555",
                None,
                "2026-12-01T05:00:00.000Z",
            ),
            "lone",
        ),
    ]
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
}

async fn event_id(
    State(_seen): State<Arc<Seen>>,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "Invalid token"})),
        )
            .into_response();
    }
    if org != "acme" || id != GATEWAY {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"detail": "Event not found"})),
        )
            .into_response();
    }
    Json(json!({
        "organizationSlug": "acme",
        "projectSlug": "shop",
        "groupId": "42",
        "eventId": GATEWAY,
        "event": {
            "id": GATEWAY,
            "eventID": GATEWAY,
            "dateCreated": "2026-12-01T07:00:00.300Z",
            "title": "DownstreamFailed: orders failed",
            "tags": [
                {"key": "otel.trace_id", "value": TRACE},
                {"key": "server_name", "value": "gateway"}
            ],
            "contexts": {"trace": {"trace_id": TRACE, "span_id": "1111111111111111"}}
        }
    }))
    .into_response()
}

/// The events table: `query` picks rows, `cursor` the page (two rows a page), and the very
/// first request is turned away with `429` and `Retry-After: 1`.
async fn events(
    State(seen): State<Arc<Seen>>,
    Path(org): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if org != "acme" {
        return StatusCode::NOT_FOUND.into_response();
    }
    if seen.table_requests.fetch_add(1, Ordering::SeqCst) == 0 {
        seen.rate_limited.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response();
    }
    let params: HashMap<String, String> = params.into_iter().collect();
    let query = params.get("query").cloned().unwrap_or_default();
    let matching: Vec<Value> = rows()
        .into_iter()
        .map(|(row, _)| row)
        .filter(|row| {
            if let Some(trace) = query.strip_prefix("otel.trace_id:") {
                row["tags[otel.trace_id]"] == trace
            } else if let Some(trace) = query.strip_prefix("trace:") {
                row["trace"] == trace
            } else {
                query == "event.type:error"
            }
        })
        .collect();
    let offset: usize = params
        .get("cursor")
        .and_then(|cursor| cursor.split(':').nth(1))
        .and_then(|offset| offset.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = matching.iter().skip(offset).take(2).cloned().collect();
    let more = offset + 2 < matching.len();
    let base = format!(
        "http://{}/api/0/organizations/acme/events/?query={}",
        headers[header::HOST].to_str().unwrap_or_default(),
        query.replace(':', "%3A")
    );
    let link = format!(
        "<{base}&cursor=0:{prev}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{prev}:1\", <{base}&cursor=0:{next}:0>; rel=\"next\"; results=\"{more}\"; cursor=\"0:{next}:0\"",
        offset > 0,
        prev = offset.saturating_sub(2),
        next = offset + 2,
    );
    (
        [(header::LINK, link)],
        Json(json!({"data": page, "meta": {}})),
    )
        .into_response()
}

/// Serves the stand-in on 127.0.0.1 in a thread of its own; returns its URL.
fn serve() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let state = Arc::clone(&seen);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            sender
                .send(listener.local_addr().expect("an address"))
                .expect("send");
            let app = Router::new()
                .route("/api/0/organizations/{org}/eventids/{id}/", get(event_id))
                .route("/api/0/organizations/{org}/events/", get(events))
                .with_state(state);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let addr = receiver.recv().expect("the server's address");
    (format!("http://{addr}"), seen)
}

fn cli(url: &str, token: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otel-sentry"))
        .args([
            "--url",
            url,
            "--auth-token",
            token,
            "--org",
            "acme",
            "--backend",
            "sentry",
        ])
        .args(args)
        .env_remove("SENTRY_PROJECT")
        .env_remove("OTEL_SENTRY_TRACE_URL")
        .output()
        .expect("the binary runs")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

#[test]
fn lookup_trace_and_duplicates_through_sentrys_api() {
    let (url, seen) = serve();

    let lookup = json_of(&cli(
        &url,
        TOKEN,
        &[
            "lookup",
            "11111111-1111-1111-1111-111111111111",
            "--json",
            "--trace-url",
            "jaeger",
        ],
    ));
    assert_eq!(lookup["event_id"], GATEWAY);
    assert_eq!(lookup["trace_id"], TRACE);
    assert_eq!(lookup["span_id"], "1111111111111111");
    assert_eq!(lookup["project"], "shop");
    assert_eq!(lookup["issue"], "42");
    assert_eq!(lookup["service"], "gateway");
    assert_eq!(
        lookup["trace_url"],
        format!("http://localhost:16686/trace/{TRACE}")
    );
    assert_eq!(
        lookup["event_url"],
        format!("{url}/organizations/acme/issues/42/events/{GATEWAY}/")
    );
    let related: Vec<&str> = lookup["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        related,
        [PAYMENTS, ORDERS, PYTHON],
        "earliest first, the Python event found by its trace context"
    );
    assert_eq!(
        seen.rate_limited.load(Ordering::SeqCst),
        1,
        "a 429 was answered, then waited out"
    );

    let trace = json_of(&cli(&url, TOKEN, &["trace", TRACE, "--json"]));
    assert_eq!(trace["trace_id"], TRACE);
    let ids: Vec<&str> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    assert_eq!(ids, [PAYMENTS, ORDERS, PYTHON, GATEWAY]);
    assert_eq!(
        trace["root_cause"], PAYMENTS,
        "the deepest in the call chain"
    );
    assert!(
        trace["root_cause_reason"]
            .as_str()
            .unwrap()
            .contains("deepest")
    );

    let text = cli(&url, TOKEN, &["trace", TRACE]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("● {PAYMENTS}")) && text.contains("root cause"),
        "{text}"
    );

    let duplicates = json_of(&cli(
        &url,
        TOKEN,
        &["duplicates", "--since", "7d", "--json"],
    ));
    assert_eq!(duplicates["events"], 7);
    assert_eq!(duplicates["traces"], 3);
    assert_eq!(duplicates["events_sharing_a_trace"], 6);
    let groups = duplicates["duplicate_groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["trace_id"], TRACE);
    assert_eq!(groups[0]["root_cause"], PAYMENTS);
    assert_eq!(groups[0]["event_ids"].as_array().unwrap().len(), 4);
    assert_eq!(groups[1]["root_cause"], OTHER_A, "strangers: the earliest");
    // 7 alerts become 3: one per trace.
    assert_eq!(duplicates["reduction_percent"], 57.1);
    let text = cli(&url, TOKEN, &["duplicates", "--since", "7d"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("7 alerts → 3 (57.1% fewer)"), "{text}");
}

#[test]
fn bad_input_is_one_line_and_an_exit_status() {
    let (url, _) = serve();
    let one_line = |output: &Output, code: i32, says: &str| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    one_line(
        &cli(&url, TOKEN, &["lookup", "99999999999999999999999999999999"]),
        1,
        "not found",
    );
    one_line(
        &cli(&url, TOKEN, &["lookup", "not-an-id"]),
        2,
        "not an event id",
    );
    one_line(&cli(&url, TOKEN, &["trace", "1234"]), 2, "not a trace id");
    one_line(&cli(&url, "wrong", &["lookup", GATEWAY]), 1, "unauthorised");
    one_line(
        &cli("http://127.0.0.1:9", TOKEN, &["lookup", GATEWAY]),
        1,
        "unreachable: http://127.0.0.1:9/",
    );
    one_line(
        &cli(&url, TOKEN, &["trace", "cccccccccccccccccccccccccccccccc"]),
        1,
        "not found",
    );
    let usage = cli(&url, TOKEN, &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
}
