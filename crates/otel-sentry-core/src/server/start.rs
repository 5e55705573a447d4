//! The start of a server request: its trace headers read and, when the caller is trusted,
//! continued; the server span started; the request hub bound, its events stamped with the
//! span's ids and the request's data.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::{Context, StringValue};

use crate::grpc::grpc_request;
use crate::http::header_copy::HeaderCopy;
use crate::http::http_method::RecordedMethod;
use crate::http::interned_names::RouteNames;
use crate::http::request_headers::KnownHeaders;
use crate::http::request_view::RequestView;
use crate::http::server_address::{default_port, parse_authority};
use crate::metrics::server_duration::ServerTimer;
use crate::names::{GRPC_SERVER_OP, RPC_OTHER_METHOD, SERVER_OP};
use crate::propagation::incoming_trace::IncomingTrace;
use crate::sentry::binding::{RequestData, RequestStamp};
use crate::server::config::CorrelationConfig;
use crate::server::grpc_server_span;
use crate::server::request::ServerRequest;
use crate::server::request_scope::RequestScope;
use crate::server::request_state::RequestState;
use crate::server::sentry_hub::request_hub;
use crate::server::sentry_transaction;
use crate::server::server_span::{self, StartAttributes};

impl ServerRequest {
    /// Starts a request under `config`: extracts its trace context (unless the caller is
    /// not trusted), starts the server span and binds a Sentry hub to it.
    pub fn start(config: &Arc<CorrelationConfig>, request: &RequestView<'_>) -> ServerRequest {
        // A Sentry layer outside this one started a transaction: its trace is continued
        // when the request continued none, and its hub is the request hub's parent.
        let outer = sentry_transaction::outer(config);
        let parent_hub = match &outer {
            Some(outer) => Arc::clone(&outer.hub),
            None => config.parent_hub(),
        };
        let client = parent_hub.client();
        // Sentry's request data copies the headers only when there is a client to send it.
        let mut known = KnownHeaders::collect(request.headers, client.is_some());
        let incoming = IncomingTrace::from_source(&known);
        let origin = config.trusted_proxies.origin(request.peer, request.headers);
        let trusted = config.inbound_trust.trusts(origin.client);
        let method = config.known_methods.classify(request.method);
        // A gRPC call is named by its method, not by a route; its route is kept in case
        // the answer is not gRPC after all (see `respond_head`).
        let grpc = request
            .grpc
            .then(|| grpc_request::rpc_of(request.method, request.headers, request.path))
            .flatten();
        let (mut route, name) = match request.route {
            Some(template) => {
                let (route, name) = RouteNames::global().get(method.span_name_prefix(), template);
                (Some(route), name)
            }
            None => (None, server_span::routeless_span_name(&method)),
        };
        // A static route's path is its template: the interned string serves as both.
        let path = match &route {
            Some(template) if template.as_str() == request.path => template.clone(),
            _ => StringValue::from(Arc::<str>::from(request.path)),
        };
        let http_route = if grpc.is_some() { route.take() } else { None };
        let scheme = match origin.scheme.or(request.scheme) {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => "https",
            _ => "http",
        };
        let server = origin
            .host
            .or(request.authority)
            .or(known.host)
            .and_then(parse_authority)
            .map(|(host, port)| {
                (
                    config.host_names.get(host),
                    port.or_else(|| default_port(scheme)),
                )
            });
        let query = request
            .query
            .filter(|query| !query.is_empty())
            .map(|query| {
                StringValue::from(Arc::<str>::from(
                    config.sensitive_query_params.redact(query),
                ))
            });
        let user_agent = known.user_agent.map(|agent| config.user_agents.get(agent));

        // An untrusted caller's context is only linked to: a new trace starts, without its
        // baggage (see `inbound_trust`).
        let (continued, link) = if trusted {
            (incoming.attach_to(&Context::new()), None)
        } else {
            (
                Context::new(),
                incoming.parent.map(|parent| parent.span_context),
            )
        };
        let continued = match &outer {
            Some(outer) => outer.parent(
                continued,
                link.as_ref().map(|untrusted| untrusted.trace_id()),
            ),
            None => continued,
        };
        let parent_span_id = Some(continued.span().span_context())
            .filter(|parent| parent.is_valid())
            .map(|parent| parent.span_id());
        let attributes = StartAttributes {
            name,
            method: &method,
            route: route.as_ref(),
            scheme,
            path: &path,
            query: query.as_ref(),
            server: server.as_ref().map(|(host, port)| (host, *port)),
            client: origin
                .client
                .map(|client| config.client_addresses.address(client)),
            user_agent: user_agent.as_ref(),
            version: request.version,
            link,
        };
        let rpc = grpc
            .as_ref()
            .map(|rpc| grpc_server_span::call_name(rpc.as_ref(), &path));
        let with_span = match &grpc {
            Some(grpc) => grpc_server_span::start(config, &continued, grpc.as_ref(), attributes),
            None => server_span::start(config, &continued, attributes),
        };
        let timer = ServerTimer::start(
            &config.metrics,
            method.attribute(),
            scheme,
            request.version.protocol_version(),
            route.clone(),
            known.content_length,
            grpc.as_ref().map(|rpc| match rpc {
                Some(rpc) => rpc.full.clone(),
                None => StringValue::from(RPC_OTHER_METHOD),
            }),
        );

        let stamp = client.as_ref().map(|client| {
            stamp(
                config,
                &with_span,
                SentryRequest {
                    headers: known.copy.take(),
                    parent_span_id,
                    // Sentry's transaction: the route, or a gRPC call's method.
                    route: route.as_ref().or(rpc.as_ref()),
                    method: &method,
                    scheme,
                    server: server.as_ref(),
                    path: &path,
                    query,
                    client: origin.client,
                    grpc: grpc.is_some(),
                    send_default_pii: client.options().send_default_pii,
                },
            )
        });
        // Downstream calls record their reports there, the request hub finds its stamp.
        let cx = with_span.with_value(RequestState {
            stamp,
            timer: Mutex::new(timer),
            ..RequestState::default()
        });
        // Without a client nothing would be sent: no hub of the request's own.
        let hub = client
            .as_ref()
            .map(|_| request_hub(&parent_hub, cx.clone()));
        ServerRequest {
            scope: RequestScope {
                config: Arc::clone(config),
                cx,
                hub,
            },
            method,
            route,
            path,
            rpc,
            http_route,
            trusted,
            inner_transactions: client.as_deref().is_some_and(sentry_transaction::traces),
            reported: false,
        }
    }
}

/// What the request hub's stamp is made of.
struct SentryRequest<'a> {
    /// The copy of the request headers, made while they were read.
    headers: Option<HeaderCopy>,
    parent_span_id: Option<SpanId>,
    route: Option<&'a StringValue>,
    method: &'a RecordedMethod,
    scheme: &'static str,
    server: Option<&'a (StringValue, Option<u16>)>,
    path: &'a StringValue,
    query: Option<StringValue>,
    client: Option<IpAddr>,
    grpc: bool,
    send_default_pii: bool,
}

/// What the request hub stamps on events: the ids of the span `cx` holds and the
/// request's data.
fn stamp(config: &CorrelationConfig, cx: &Context, parts: SentryRequest<'_>) -> RequestStamp {
    let span = cx.span();
    let ids = span.span_context();
    RequestStamp {
        trace_id: ids.trace_id(),
        span_id: ids.span_id(),
        parent_span_id: parts.parent_span_id,
        op: if parts.grpc {
            GRPC_SERVER_OP
        } else {
            SERVER_OP
        },
        route: parts.route.cloned().map(OnceLock::from).unwrap_or_default(),
        request: RequestData {
            method: parts.method.clone(),
            scheme: parts.scheme,
            authority: parts.server.map(|(host, _)| host.clone()),
            port: parts
                .server
                .and_then(|(_, port)| *port)
                .filter(|port| Some(*port) != default_port(parts.scheme)),
            path: parts.path.clone(),
            query: parts.query,
            headers: parts.headers.map(HeaderCopy::finish).unwrap_or_default(),
            client: parts.client,
            send_default_pii: parts.send_default_pii,
        },
        fingerprint_by_trace: config.fingerprint_by_trace,
        captured: Default::default(),
    }
}
