//! `Correlation` on a real actix-web `HttpServer` on 127.0.0.1, driven by a real reqwest
//! client: spans from the in-memory exporter, events from Sentry's test transport. The
//! adapter conformance suite (`otel_sentry_test_support::conformance`) runs first; the
//! tests below it are actix-web's own.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, HttpResponse, web};
use bytes::Bytes;
use opentelemetry::trace::Status;
use otel_sentry_actix::{Correlation, ErrorResponse, RequestTrace};
use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::conformance::ServeApp;
use otel_sentry_test_support::{
    CardDeclined, PaymentFailed, Served, Telemetry, attribute, event_attribute, sentry_options,
    string,
};
use sentry_core::ClientOptions;
use sentry_core::{Hub, SentryFutureExt};

async fn pay() -> Result<&'static str, ErrorResponse> {
    Err(PaymentFailed::card_declined(51).into())
}

async fn panics() -> &'static str {
    if true {
        panic!("handler exploded");
    }
    "unreachable"
}

async fn capture(trace: RequestTrace) -> String {
    // Captured on a later poll: the request's hub must be bound again.
    actix_web::rt::task::yield_now().await;
    sentry_core::capture_message("inside the handler", sentry_core::Level::Info);
    trace.trace_id.to_string()
}

async fn spawn() -> &'static str {
    actix_web::rt::spawn(
        async {
            sentry_core::capture_message("from a spawned task", sentry_core::Level::Info);
        }
        .bind_hub(Hub::current()),
    )
    .await
    .unwrap();
    "spawned"
}

async fn stream() -> HttpResponse {
    let chunks = futures_util::stream::unfold(0, |step| async move {
        match step {
            0 => Some((Ok::<_, Infallible>(Bytes::from_static(b"first ")), 1)),
            1 => {
                actix_web::rt::time::sleep(Duration::from_millis(150)).await;
                Some((Ok(Bytes::from_static(b"last")), 2))
            }
            _ => None,
        }
    });
    HttpResponse::Ok().streaming(chunks)
}

async fn stream_error() -> HttpResponse {
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from_static(b"partial")),
        Err(std::io::Error::other("disk gone")),
    ]);
    HttpResponse::Ok().streaming(chunks)
}

async fn endless() -> HttpResponse {
    let chunks = futures_util::stream::unfold(0u32, |step| async move {
        (step < 500).then_some(())?;
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        Some((
            Ok::<_, Infallible>(Bytes::from(vec![b'x'; 16 * 1024])),
            step + 1,
        ))
    });
    HttpResponse::Ok().streaming(chunks)
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/users/{id}", web::get().to(|| async { "ok" }))
        .route(
            "/numbers/{n}",
            web::get().to(|n: web::Path<u32>| async move { n.to_string() }),
        )
        .route(
            "/fail",
            web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
        )
        .route(
            "/db",
            web::get().to(|| async {
                Err::<&str, _>(actix_web::error::ErrorInternalServerError("database gone"))
            }),
        )
        .route("/pay", web::get().to(pay))
        .route(
            "/invalid",
            web::get().to(|| async {
                Err::<&str, _>(ErrorResponse::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    CardDeclined { code: 14 },
                ))
            }),
        )
        .route(
            "/missing",
            web::get().to(|| async { HttpResponse::NotFound().finish() }),
        )
        .route("/panic", web::get().to(panics))
        .route("/capture/{n}", web::get().to(capture))
        .route("/spawn", web::get().to(spawn))
        .route(
            "/trace",
            web::get().to(|trace: RequestTrace| async move { trace.traceparent() }),
        )
        .route(
            "/brief",
            web::get().to(|| async {
                // Long enough for the server to read the client's FIN before answering.
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                "brief"
            }),
        )
        .route("/stream", web::get().to(stream))
        .route("/stream-error", web::get().to(stream_error))
        .route("/endless", web::get().to(endless))
        // Two resources for one path: a guard lets the first answer only `x-kind: special`.
        .service(
            web::resource("/items/{id}")
                .guard(actix_web::guard::Header("x-kind", "special"))
                .to(|| async { "special" }),
        )
        .route("/items/{name}", web::get().to(|| async { "plain" }));
}

/// The conformance suite's app on actix-web.
struct Actix;

impl ServeApp for Actix {
    async fn serve(&self, sentry: Option<ClientOptions>, config: CorrelationConfig) -> Served {
        common::serve_config(routes, sentry, config).await
    }

    async fn serve_answering_half_closed(&self) -> Served {
        harness().await
    }
}

otel_sentry_test_support::conformance_suite!(
    #[actix_web::test]
    Actix
);

async fn harness() -> Served {
    common::serve(routes, Some(sentry_options()), |correlation| correlation).await
}

#[actix_web::test]
async fn an_actix_error_is_reported_as_the_exception_not_a_bare_status() {
    let harness = harness().await;
    assert_eq!(harness.get("/db").await.status(), 500);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].exception.values[0].value.as_deref(),
        Some("database gone")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("database gone")
    );
}

/// An outer `BoxBody` (`map_into_boxed_body`) or `Compress` takes a body held whole in
/// memory as bytes, without polling it: that is its end.
#[actix_web::test]
async fn body_taken_whole_ends_the_span() {
    let telemetry = Telemetry::new(None);
    let exporter = &telemetry.exporter;
    let app = init_service(
        App::new()
            .wrap(Correlation::new().tracer(telemetry.tracer()))
            .configure(routes),
    )
    .await;
    let response = call_service(&app, TestRequest::get().uri("/users/7").to_request()).await;
    assert!(
        exporter.get_finished_spans().unwrap().is_empty(),
        "the body is still to come"
    );
    let Ok(bytes) = response.into_body().try_into_bytes() else {
        panic!("a body held whole is taken whole");
    };
    assert_eq!(bytes, "ok");
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "GET /users/{id}");
    assert_eq!(spans[0].status, Status::Unset);
}

#[actix_web::test]
async fn an_extractor_error_is_a_client_error() {
    let harness = harness().await;
    assert_eq!(
        harness.get("/numbers/not-a-number").await.status(),
        404,
        "an extractor error"
    );
    let span = harness.server_span().await;
    assert_eq!(span.status, Status::Unset, "{}", span.name);
    assert!(span.events.is_empty());
    assert!(harness.events().is_empty());
}

fn posted_panic(config: &mut web::ServiceConfig) {
    config.route("/panic", web::post().to(panics));
}

#[actix_web::test]
async fn a_request_claiming_grpc_is_read_as_http_on_actix() {
    // actix-web does not hand trailers to middleware: its requests are never read as gRPC
    // calls, whatever content type the caller sends. A panic is answered 500, as any other.
    let harness = common::serve(posted_panic, Some(sentry_options()), |correlation| {
        correlation
    })
    .await;
    let response = harness
        .client
        .post(harness.url("/panic"))
        .header("content-type", "application/grpc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.headers().get("grpc-status").is_none());
    let span = harness.server_span().await;
    assert_eq!(span.name, "POST /panic");
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(500.into())
    );
    assert_eq!(attribute(&span, "rpc.system.name"), None);
    assert_eq!(harness.events().len(), 1);
}

#[actix_web::test]
async fn the_resource_a_guard_chose_names_the_request_not_the_first_match_by_path() {
    // Both resources match `/items/7`; the router runs the guards, so without the header
    // the second one answers. The span is named from the routed request, with one
    // `http.route`, not by matching the path against the resource map.
    let harness = harness().await;
    assert_eq!(harness.get("/items/7").await.text().await.unwrap(), "plain");
    let special = harness.get_with("/items/7", &[("x-kind", "special")]).await;
    assert_eq!(special.text().await.unwrap(), "special");
    let mut named: Vec<_> = harness
        .spans(2)
        .await
        .iter()
        .map(|span| {
            let routes: Vec<_> = span
                .attributes
                .iter()
                .filter(|attribute| attribute.key.as_str() == "http.route")
                .map(|attribute| Some(attribute.value.clone()))
                .collect();
            (span.name.to_string(), routes)
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        named,
        [
            ("GET /items/{id}".to_owned(), vec![string("/items/{id}")]),
            (
                "GET /items/{name}".to_owned(),
                vec![string("/items/{name}")]
            ),
        ]
    );
}
