//! The SDK-facing endpoints: `POST /api/<project_id>/envelope/` and `/store/`, both auth
//! forms, compressed bodies, answered at once; `GET /healthz` and `GET /stats`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};

use crate::config::limits;
use crate::decompress::{DecodeError, decode};
use crate::envelope::Envelope;
use crate::held_event::{Endpoint, HeldEvent, Outgoing, Target, trace_id_of};
use crate::relay::Relay;
use crate::stats::bump;

/// The relay's routes.
pub fn router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/api/{project_id}/envelope/", post(envelope))
        .route("/api/{project_id}/envelope", post(envelope))
        .route("/api/{project_id}/store/", post(store))
        .route("/api/{project_id}/store", post(store))
        .route("/healthz", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .fallback(|| async {
            refused(
                StatusCode::NOT_FOUND,
                "no such endpoint: the relay serves /api/<project_id>/envelope/ and /store/",
            )
        })
        .layer(DefaultBodyLimit::max(limits::MAX_BODY_BYTES))
        .with_state(relay)
}

async fn stats(State(relay): State<Arc<Relay>>) -> Response {
    axum::Json(relay.stats_json()).into_response()
}

/// A 4xx with a reason, as Sentry's `{"detail": …}`.
fn refused(status: StatusCode, reason: impl Into<String>) -> Response {
    (
        status,
        axum::Json(serde_json::json!({"detail": reason.into()})),
    )
        .into_response()
}

/// The parts every request shares, or why it is refused.
fn target(
    relay: &Relay,
    project_id: String,
    endpoint: Endpoint,
    headers: &HeaderMap,
    query: Option<String>,
) -> Result<Target, Box<Response>> {
    if project_id.is_empty() || !project_id.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Box::new(refused(
            StatusCode::BAD_REQUEST,
            "the project id in the path must be a number",
        )));
    }
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let auth_header = text(header::HeaderName::from_static("x-sentry-auth"));
    let key_in_query = query
        .as_deref()
        .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("sentry_key=")));
    let key_in_header = auth_header
        .as_deref()
        .is_some_and(|auth| auth.contains("sentry_key="));
    if !key_in_header && !key_in_query {
        return Err(Box::new(refused(
            StatusCode::UNAUTHORIZED,
            "missing authorization: an X-Sentry-Auth header or a sentry_key query parameter",
        )));
    }
    let _ = relay;
    Ok(Target {
        project_id,
        endpoint,
        auth_header,
        query,
        user_agent: text(header::USER_AGENT),
    })
}

fn decoded(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, Box<Response>> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok());
    decode(encoding, body, limits::MAX_DECODED_BYTES).map_err(|error| {
        Box::new(match error {
            DecodeError::Unsupported(encoding) => refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "unsupported content encoding {encoding:?}: send gzip, deflate, br or none"
                ),
            ),
            DecodeError::Corrupt(why) => refused(
                StatusCode::BAD_REQUEST,
                format!("the body does not decode: {why}"),
            ),
            DecodeError::TooLarge(limit) => refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the decoded body is over {limit} bytes"),
            ),
        })
    })
}

fn throttled() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            ("retry-after", "10"),
            ("x-sentry-rate-limits", "10::organization:relay_queue_full"),
        ],
        axum::Json(serde_json::json!({"detail": "the relay's queue to upstream is full"})),
    )
        .into_response()
}

/// After an answer is decided: the events it accepted are held, a refusal is counted
/// (a throttle is counted apart).
async fn settle(relay: &Relay, answer: Response, to_hold: Vec<HeldEvent>) -> Response {
    for event in to_hold {
        relay.hold(event).await;
    }
    if answer.status().is_client_error() && answer.status() != StatusCode::TOO_MANY_REQUESTS {
        bump(&relay.stats.rejected);
    }
    answer
}

async fn envelope(
    State(relay): State<Arc<Relay>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut to_hold = Vec::new();
    let answer = accept_envelope(&relay, project_id, query, &headers, &body, &mut to_hold);
    settle(&relay, answer, to_hold).await
}

fn accept_envelope(
    relay: &Relay,
    project_id: String,
    query: Option<String>,
    headers: &HeaderMap,
    body: &[u8],
    to_hold: &mut Vec<HeldEvent>,
) -> Response {
    let target = match target(relay, project_id, Endpoint::Envelope, headers, query) {
        Ok(target) => target,
        Err(refusal) => return *refusal,
    };
    let body = match decoded(headers, body) {
        Ok(body) => body,
        Err(refusal) => return *refusal,
    };
    let envelope = match Envelope::parse(&body) {
        Ok(envelope) => envelope,
        Err(error) => return refused(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let mut held = Vec::new();
    let mut passed = Vec::new();
    let mut attachments = Vec::new();
    for item in envelope.items.iter() {
        match item.item_type() {
            "event" => {
                if item.payload.len() > limits::MAX_EVENT_BYTES {
                    return refused(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("an event is over {} bytes", limits::MAX_EVENT_BYTES),
                    );
                }
                let event = match serde_json::from_slice::<Value>(&item.payload) {
                    Ok(Value::Object(event)) => event,
                    _ => {
                        return refused(
                            StatusCode::BAD_REQUEST,
                            "an event item is not a JSON object",
                        );
                    }
                };
                match trace_id_of(&event) {
                    Some(trace_id) => {
                        let mut item_header = item.header.clone();
                        item_header.remove("length");
                        held.push(HeldEvent {
                            target: target.clone(),
                            envelope_header: envelope.header.clone(),
                            item_header,
                            event,
                            attachments: Vec::new(),
                            trace_id,
                            received: SystemTime::now(),
                        });
                    }
                    None => passed.push(item.clone()),
                }
            }
            "attachment" => attachments.push(item.clone()),
            _ => passed.push(item.clone()),
        }
    }
    let needed = usize::from(!passed.is_empty() || !attachments.is_empty()) + held.len();
    if !relay.upstream.has_room(needed) {
        bump(&relay.stats.throttled);
        return throttled();
    }
    bump(&relay.stats.received);
    let events = envelope
        .items
        .iter()
        .filter(|item| item.item_type() == "event")
        .count();
    relay
        .stats
        .events_received
        .fetch_add(events as u64, std::sync::atomic::Ordering::Relaxed);
    let answer_id = envelope.event_id().map(str::to_owned);
    if held.is_empty() {
        // Nothing held: the envelope goes as it came, byte for byte.
        relay.upstream.send(Outgoing { target, body });
    } else {
        // Attachments travel with their envelope's event: with one held event, with it;
        // otherwise in the envelope that passes.
        if held.len() == 1 {
            held[0].attachments = std::mem::take(&mut attachments);
        }
        passed.extend(attachments);
        if !passed.is_empty() {
            let mut header = envelope.header.clone();
            if !passed.iter().any(|item| item.item_type() == "event") {
                header.remove("event_id");
            }
            let rest = Envelope {
                header,
                items: passed,
            };
            relay.upstream.send(Outgoing {
                target: target.clone(),
                body: rest.to_bytes(),
            });
        }
        to_hold.extend(held);
    }
    axum::Json(serde_json::json!({ "id": answer_id })).into_response()
}

async fn store(
    State(relay): State<Arc<Relay>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut to_hold = Vec::new();
    let answer = accept_store(&relay, project_id, query, &headers, &body, &mut to_hold);
    settle(&relay, answer, to_hold).await
}

fn accept_store(
    relay: &Relay,
    project_id: String,
    query: Option<String>,
    headers: &HeaderMap,
    body: &[u8],
    to_hold: &mut Vec<HeldEvent>,
) -> Response {
    let target = match target(relay, project_id, Endpoint::Store, headers, query) {
        Ok(target) => target,
        Err(refusal) => return *refusal,
    };
    let body = match decoded(headers, body) {
        Ok(body) => body,
        Err(refusal) => return *refusal,
    };
    if body.len() > limits::MAX_EVENT_BYTES {
        return refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an event is over {} bytes", limits::MAX_EVENT_BYTES),
        );
    }
    let event: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(event)) => event,
        _ => {
            return refused(
                StatusCode::BAD_REQUEST,
                "the store body is not a JSON object",
            );
        }
    };
    if !relay.upstream.has_room(1) {
        bump(&relay.stats.throttled);
        return throttled();
    }
    bump(&relay.stats.received);
    bump(&relay.stats.events_received);
    let answer_id = event.get("event_id").cloned();
    // A store body is an error event unless it says it is a transaction.
    let is_error = event
        .get("type")
        .and_then(Value::as_str)
        .is_none_or(|ty| ty != "transaction");
    match trace_id_of(&event).filter(|_| is_error) {
        Some(trace_id) => to_hold.push(HeldEvent {
            target,
            envelope_header: Map::new(),
            item_header: Map::new(),
            event,
            attachments: Vec::new(),
            trace_id,
            received: SystemTime::now(),
        }),
        None => relay.upstream.send(Outgoing { target, body }),
    }
    axum::Json(serde_json::json!({ "id": answer_id })).into_response()
}
