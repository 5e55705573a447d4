//! `init()` and `Init` run as a service runs them: each case is this test binary run again
//! as a child process (the `probe` test) with a controlled environment, since environment
//! variables are process-global. Spans go over real OTLP/HTTP to a receiver on 127.0.0.1
//! that decodes them with opentelemetry-proto's types; Sentry envelopes go to the same one.

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::trace::{TraceContextExt, Tracer};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use tokio::sync::oneshot;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Request {
    method: Method,
    path: String,
    headers: HashMap<String, String>,
    body: Bytes,
}

/// An HTTP server on 127.0.0.1 answering 200 to everything and keeping each request.
struct Receiver {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

async fn record(
    State(requests): State<Arc<Mutex<Vec<Request>>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let headers = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    requests.lock().expect("not poisoned").push(Request {
        method,
        path: uri.path().to_owned(),
        headers,
        body,
    });
    "{}"
}

impl Receiver {
    fn start() -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().fallback(record).with_state(requests.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound, port) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a free port");
                bound
                    .send(listener.local_addr().expect("its address"))
                    .expect("sent");
                tokio::spawn(async move { axum::serve(listener, app).await });
                let _ = stopped.await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        let address = port.recv().expect("the receiver binds");
        Self {
            base: format!("127.0.0.1:{}", address.port()),
            requests,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// The OTLP trace requests, decoded.
    fn traces(&self, path: &str) -> Vec<(Request, ExportTraceServiceRequest)> {
        self.requests()
            .into_iter()
            .filter(|request| request.path == path)
            .map(|request| {
                let decoded = ExportTraceServiceRequest::decode(request.body.clone())
                    .expect("an OTLP protobuf body");
                (request, decoded)
            })
            .collect()
    }
}

impl Receiver {
    /// The names of the metrics in the OTLP metric requests, each with its resource's
    /// `service.name`.
    fn metrics(&self) -> Vec<(String, String)> {
        self.requests()
            .into_iter()
            .filter(|request| request.path == "/v1/metrics")
            .flat_map(|request| {
                let decoded = ExportMetricsServiceRequest::decode(request.body.clone())
                    .expect("an OTLP protobuf body");
                decoded
                    .resource_metrics
                    .into_iter()
                    .flat_map(|resource_metrics| {
                        let service = resource_metrics
                            .resource
                            .as_ref()
                            .and_then(|resource| service_name(&resource.attributes))
                            .unwrap_or_default();
                        resource_metrics
                            .scope_metrics
                            .into_iter()
                            .flat_map(|scope| scope.metrics)
                            .map(move |metric| (service.clone(), metric.name))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

fn service_name(attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue]) -> Option<String> {
    attributes
        .iter()
        .find(|attribute| attribute.key == "service.name")
        .and_then(
            |attribute| match attribute.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(service) => Some(service.clone()),
                _ => None,
            },
        )
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the probe with only `env` set; the child must end within 15 s.
fn run_probe(mode: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command
        .args([
            "probe",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("INIT_PROBE", mode)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the probe starts");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if child.try_wait().expect("its status").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("its output");
            panic!(
                "the probe did not end within 15 s: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("its output");
    assert!(
        output.status.success(),
        "the probe failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The span named `name` in `requests`, with its resource's `service.name`.
fn find_span(
    requests: &[(Request, ExportTraceServiceRequest)],
    name: &str,
) -> Option<(String, String)> {
    requests.iter().find_map(|(_, decoded)| {
        decoded.resource_spans.iter().find_map(|resource_spans| {
            let service = service_name(&resource_spans.resource.as_ref()?.attributes)?;
            resource_spans
                .scope_spans
                .iter()
                .flat_map(|scope| &scope.spans)
                .find(|span| span.name == name)
                .map(|span| (service.clone(), hex(&span.trace_id)))
        })
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The child program: what a short service does with `init()`.
#[test]
#[ignore = "the child program of the other tests, run by them with a controlled environment"]
fn probe() {
    let Ok(mode) = std::env::var("INIT_PROBE") else {
        return;
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .without_time()
        .init();
    match mode.as_str() {
        "init" => {
            let telemetry = otel_sentry_init::init();
            println!("sentry_enabled={}", telemetry.sentry_enabled());
            let tracer = opentelemetry::global::tracer("probe");
            // The last span of a short program: only the guard's flush can send it
            // (the batch processor's own delay is 5 s).
            tracer.in_span("last-span", |cx| {
                println!("trace_id={}", cx.span().span_context().trace_id());
                sentry::capture_message("probe event", sentry::Level::Error);
            });
            drop(telemetry);
            println!("done");
        }
        "builder" => match otel_sentry_init::Init::new().install() {
            Ok(_telemetry) => println!("installed"),
            Err(error) => println!("error: {error}"),
        },
        "own-provider" => {
            let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
            match otel_sentry_init::Init::new()
                .tracer_provider(provider.clone())
                .spans_to_sentry(true)
                .install()
            {
                Ok(_telemetry) => println!("installed"),
                Err(error) => println!("error: {error}"),
            }
            // Own provider, nothing asked of it: installed as given, nothing exported.
            let telemetry = otel_sentry_init::Init::new()
                .tracer_provider(provider)
                .install()
                .expect("an own provider and no DSN cannot fail");
            opentelemetry::global::tracer("probe").in_span("last-span", |_| {});
            drop(telemetry);
            println!("done");
        }
        "no-otlp" => {
            let telemetry = otel_sentry_init::Init::new()
                .otlp(false)
                .install()
                .expect("valid");
            opentelemetry::global::tracer("probe").in_span("last-span", |_| {});
            drop(telemetry);
            println!("done");
        }
        "metrics" => {
            let telemetry = otel_sentry_init::init();
            println!("meter_provider={}", telemetry.meter_provider().is_some());
            // What the layers do: record on the global meter provider. The periodic
            // reader's interval is 60 s; only the guard's shutdown can export this point.
            opentelemetry::global::meter("probe")
                .f64_histogram("probe.duration")
                .build()
                .record(0.25, &[]);
            drop(telemetry);
            println!("done");
        }
        "build" => {
            // One service among several in a process: nothing is installed globally.
            let spans = opentelemetry_sdk::trace::InMemorySpanExporter::default();
            let telemetry = otel_sentry_init::Init::new()
                .service_name("orders")
                .span_processor(opentelemetry_sdk::trace::SimpleSpanProcessor::new(
                    spans.clone(),
                ))
                .build()
                .expect("valid");
            opentelemetry::global::tracer("probe").in_span("global-span", |cx| {
                println!("global_span_valid={}", cx.span().span_context().is_valid());
            });
            println!("main_hub_bound={}", sentry::Hub::main().client().is_some());
            let hub = sentry::Hub::new(Some(telemetry.sentry_client()), Default::default());
            telemetry
                .tracer_provider()
                .tracer("probe")
                .in_span("last-span", |_| {
                    hub.capture_message("built event", sentry::Level::Error);
                });
            let recorded = spans.get_finished_spans().expect("in memory");
            println!(
                "in_memory={}",
                recorded
                    .iter()
                    .map(|span| span.name.as_ref())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            drop(telemetry);
            println!("done");
        }
        other => panic!("unknown probe mode {other}"),
    }
}

#[test]
fn with_no_environment_init_works_and_exports_nothing() {
    let output = run_probe("init", &[]);
    let out = stdout(&output);
    assert!(out.contains("sentry_enabled=false"), "{out}");
    assert!(out.contains("done"), "{out}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("WARN"),
        "no warning without configuration: {stderr}"
    );
}

#[test]
fn spans_go_to_the_otlp_endpoint_with_the_service_name_and_the_last_one_is_flushed() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    let started = Instant::now();
    let output = run_probe(
        "init",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "probe-service"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=test",
            ),
        ],
    );
    // The guard's flush sent the span; the batch delay (5 s) was not waited for.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let traces = receiver.traces("/v1/traces");
    assert!(
        !traces.is_empty(),
        "no OTLP request: {:?}",
        receiver.requests()
    );
    let (request, _) = &traces[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.headers["content-type"], "application/x-protobuf");
    let (service, trace_id) = find_span(&traces, "last-span").expect("the last span arrived");
    assert_eq!(service, "probe-service");
    assert!(stdout(&output).contains(&format!("trace_id={trace_id}")));
    // An OTLP endpoint is set, and no DSN: nothing goes to Sentry's path.
    assert!(receiver.requests().iter().all(|r| r.path == "/v1/traces"));
}

#[test]
fn with_only_a_dsn_spans_go_to_sentrys_otlp_endpoint_with_the_key_header() {
    let receiver = Receiver::start();
    let dsn = format!("http://publickey@{}/42", receiver.base);
    let output = run_probe(
        "init",
        &[("SENTRY_DSN", &dsn), ("SENTRY_RELEASE", "probe@1")],
    );
    assert!(stdout(&output).contains("sentry_enabled=true"));
    let traces = receiver.traces("/api/42/integration/otlp/v1/traces");
    assert!(
        !traces.is_empty(),
        "no OTLP request: {:?}",
        receiver.requests()
    );
    assert_eq!(
        traces[0].0.headers["x-sentry-auth"],
        "sentry sentry_key=publickey"
    );
    let (_, trace_id) = find_span(&traces, "last-span").expect("the last span arrived");
    // The event went to the envelope endpoint, stamped with the span's trace and release.
    let envelopes: Vec<_> = receiver
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/42/envelope/")
        .collect();
    let body = envelopes
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .find(|body| body.contains("probe event"))
        .expect("the event arrived");
    assert!(body.contains(&trace_id), "{body}");
    assert!(body.contains("probe@1"), "{body}");
    // Each integration once: `sentry::init` applying the defaults a second time would
    // list (and run) every default integration twice.
    let event: serde_json::Value = body
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .find(|item: &serde_json::Value| {
            item.get("event_id").is_some() && item.get("sdk").is_some()
        })
        .expect("the event item");
    let integrations: Vec<&str> = event["sdk"]["integrations"]
        .as_array()
        .expect("the SDK's integrations")
        .iter()
        .filter_map(|name| name.as_str())
        .collect();
    let mut unique = integrations.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), integrations.len(), "{integrations:?}");
    for expected in ["otel-sentry-trace-context", "panic", "contexts"] {
        assert!(integrations.contains(&expected), "{integrations:?}");
    }
}

#[test]
fn init_warns_about_a_malformed_dsn_and_keeps_exporting_spans() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    let output = run_probe(
        "init",
        &[
            ("SENTRY_DSN", "not a dsn"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SENTRY_DSN is not a valid Sentry DSN"),
        "{stderr}"
    );
    assert!(stdout(&output).contains("sentry_enabled=false"));
    assert!(find_span(&receiver.traces("/v1/traces"), "last-span").is_some());
}

#[test]
fn init_warns_about_a_malformed_endpoint_and_keeps_sentry() {
    let receiver = Receiver::start();
    let dsn = format!("http://publickey@{}/42", receiver.base);
    let output = run_probe(
        "init",
        &[
            ("SENTRY_DSN", &dsn),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://bad host:4318"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid endpoint"), "{stderr}");
    assert!(stdout(&output).contains("sentry_enabled=true"));
    assert!(
        receiver
            .requests()
            .iter()
            .any(|r| r.path == "/api/42/envelope/")
    );
}

#[test]
fn the_builder_returns_clear_errors_for_a_malformed_dsn_or_endpoint() {
    let output = run_probe(
        "builder",
        &[("SENTRY_DSN", "https://no-project@example.com")],
    );
    assert!(
        stdout(&output).contains("error: SENTRY_DSN is not a valid Sentry DSN"),
        "{}",
        stdout(&output)
    );
    let output = run_probe(
        "builder",
        &[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://bad host/v1/traces",
        )],
    );
    let out = stdout(&output);
    assert!(
        out.contains(
            "error: the OTLP span exporter to OTEL_EXPORTER_OTLP_ENDPOINT could not be built"
        ),
        "{out}"
    );
    assert!(out.contains("invalid endpoint"), "{out}");
}

#[test]
fn the_sampler_comes_from_otel_traces_sampler() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    run_probe(
        "init",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_TRACES_SAMPLER", "always_off"),
        ],
    );
    assert!(find_span(&receiver.traces("/v1/traces"), "last-span").is_none());
}

#[test]
fn an_own_provider_is_installed_as_given_and_spans_to_sentry_with_it_are_refused() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    let dsn = format!("http://publickey@{}/42", receiver.base);
    let output = run_probe(
        "own-provider",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("SENTRY_DSN", &dsn),
        ],
    );
    let out = stdout(&output);
    assert!(
        out.contains("error: spans to Sentry were asked for with an own tracer provider"),
        "{out}"
    );
    assert!(out.contains("done"), "{out}");
    assert!(
        receiver
            .requests()
            .iter()
            .all(|r| !r.path.contains("traces")),
        "an own provider gets no exporter: {:?}",
        receiver.requests()
    );
}

#[test]
fn otlp_off_ignores_the_endpoint_variable() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    run_probe("no-otlp", &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    assert!(receiver.requests().is_empty(), "{:?}", receiver.requests());
}

#[test]
fn metrics_go_to_the_otlp_endpoint_when_the_environment_asks_and_the_last_point_is_flushed() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    let output = run_probe(
        "metrics",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "probe-service"),
        ],
    );
    assert!(stdout(&output).contains("meter_provider=true"));
    let metrics = receiver.metrics();
    assert!(
        metrics.contains(&("probe-service".to_owned(), "probe.duration".to_owned())),
        "{metrics:?} in {:?}",
        receiver.requests()
    );
}

#[test]
fn no_metrics_pipeline_without_the_environment_asking_or_with_none() {
    let receiver = Receiver::start();
    let dsn = format!("http://publickey@{}/42", receiver.base);
    // Only a DSN: Sentry's OTLP endpoint takes no metrics, so there is no pipeline.
    let output = run_probe("metrics", &[("SENTRY_DSN", &dsn)]);
    assert!(stdout(&output).contains("meter_provider=false"));
    let endpoint = format!("http://{}", receiver.base);
    let output = run_probe(
        "metrics",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    );
    assert!(stdout(&output).contains("meter_provider=false"));
    assert!(
        receiver.requests().iter().all(|r| r.path != "/v1/metrics"),
        "{:?}",
        receiver.requests()
    );
}

#[test]
fn build_sets_up_one_service_without_installing_anything_globally() {
    let receiver = Receiver::start();
    let endpoint = format!("http://{}", receiver.base);
    let dsn = format!("http://publickey@{}/42", receiver.base);
    let output = run_probe(
        "build",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("SENTRY_DSN", &dsn),
        ],
    );
    let out = stdout(&output);
    assert!(out.contains("global_span_valid=false"), "{out}");
    assert!(out.contains("main_hub_bound=false"), "{out}");
    // The extra processor saw the span as it ended; the exporter sent it at the drop.
    assert!(out.contains("in_memory=last-span"), "{out}");
    let (service, _) =
        find_span(&receiver.traces("/v1/traces"), "last-span").expect("the span was exported");
    assert_eq!(service, "orders");
    assert!(
        receiver
            .requests()
            .iter()
            .any(|r| r.path == "/api/42/envelope/"
                && String::from_utf8_lossy(&r.body).contains("built event")),
        "{:?}",
        receiver.requests()
    );
}
