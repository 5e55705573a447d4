//! The three services, each on a 127.0.0.1 port: gateway (axum + `CorrelationLayer`) →
//! orders (actix-web + `Correlation`) → payments (axum + `CorrelationLayer`), calling each
//! other through reqwest with `CorrelationMiddleware`.
//!
//! Payments declines the card of order 1003; orders panics on order 1004 (a bug); every
//! other checkout is paid. Failed responses name their Sentry event (`x-sentry-event-id`,
//! on by default between trusted services), so the callers' own failures are cascades
//! and send nothing.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use otel_sentry::actix::Correlation;
use otel_sentry::reqwest::CorrelationMiddleware;
use otel_sentry::tower::CorrelationLayer;
use otel_sentry::tower::axum::ErrorResponse;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

use crate::telemetry::Service;

pub const DECLINED_ORDER: u32 = 1003;
pub const PANICKING_ORDER: u32 = 1004;

/// The acquirer's answer, the source of [`PaymentDeclined`].
#[derive(Debug)]
pub struct CardDeclined {
    code: u16,
}

impl fmt::Display for CardDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "card declined by the issuer (code {}: insufficient funds)",
            self.code
        )
    }
}

impl std::error::Error for CardDeclined {}

/// The root cause of the failing checkout.
#[derive(Debug)]
pub struct PaymentDeclined {
    order: u32,
    source: CardDeclined,
}

impl fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "payment for order {} declined", self.order)
    }
}

impl std::error::Error for PaymentDeclined {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A service's failure because the service it called failed.
#[derive(Debug)]
pub struct DownstreamFailed {
    service: &'static str,
    status: Option<u16>,
}

impl fmt::Display for DownstreamFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} answered {status}", self.service),
            None => write!(f, "{} did not answer", self.service),
        }
    }
}

impl std::error::Error for DownstreamFailed {}

/// A reqwest client that starts client spans with `service`'s tracer.
fn client(service: &Service) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(service.tracer()))
        .build()
}

/// `GET url`; a failure of the callee is the caller's `DownstreamFailed`.
async fn call(
    client: &ClientWithMiddleware,
    callee: &'static str,
    url: &str,
) -> Result<(), DownstreamFailed> {
    match client.get(url).send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(DownstreamFailed {
            service: callee,
            status: Some(response.status().as_u16()),
        }),
        Err(_) => Err(DownstreamFailed {
            service: callee,
            status: None,
        }),
    }
}

fn layer(service: &Service) -> CorrelationLayer {
    CorrelationLayer::new()
        .tracer(service.tracer())
        .sentry_hub(service.hub.clone())
        .response_traceparent(true)
}

/// Binds 127.0.0.1:`port` (0: any free port).
pub fn bind(service: &str, port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|error| format!("cannot bind {service} to 127.0.0.1:{port}: {error}"))
}

fn address(listener: &TcpListener) -> Result<SocketAddr, String> {
    listener
        .local_addr()
        .map_err(|error| format!("no local address: {error}"))
}

/// Serves `router` on `listener` in a task of the current runtime.
fn serve_axum(name: &str, listener: TcpListener, router: Router) -> Result<SocketAddr, String> {
    let addr = address(&listener)?;
    listener
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpListener::from_std(listener))
        .map(|listener| {
            let name = name.to_owned();
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, router).await {
                    eprintln!("{name} stopped: {error}");
                }
            });
            addr
        })
        .map_err(|error| format!("cannot start {name}: {error}"))
}

pub fn start_payments(service: &Service, listener: TcpListener) -> Result<SocketAddr, String> {
    async fn charge(Path(order): Path<u32>) -> Result<&'static str, ErrorResponse> {
        if order == DECLINED_ORDER {
            return Err(PaymentDeclined {
                order,
                source: CardDeclined { code: 51 },
            }
            .into());
        }
        Ok("approved")
    }
    let router = Router::new()
        .route("/charge/{order}", get(charge))
        .layer(layer(service));
    serve_axum("payments", listener, router)
}

pub fn start_orders(
    service: &Service,
    listener: TcpListener,
    payments: SocketAddr,
) -> Result<SocketAddr, String> {
    struct Payments {
        client: ClientWithMiddleware,
        base: String,
    }
    async fn pay(
        order: actix_web::web::Path<u32>,
        payments: actix_web::web::Data<Payments>,
    ) -> Result<&'static str, otel_sentry::actix::ErrorResponse> {
        let order = order.into_inner();
        if order == PANICKING_ORDER {
            panic!("stock of SKU-42 went negative while reserving order {order}");
        }
        let url = format!("{}/charge/{order}", payments.base);
        call(&payments.client, "payments", &url).await?;
        Ok("paid")
    }
    let addr = address(&listener)?;
    let payments = actix_web::web::Data::new(Payments {
        client: client(service),
        base: format!("http://{payments}"),
    });
    let correlation = Correlation::new()
        .tracer(service.tracer())
        .sentry_hub(service.hub.clone());
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(payments.clone())
            .wrap(correlation.clone())
            .route("/orders/{id}/pay", actix_web::web::get().to(pay))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(|error| format!("cannot start orders: {error}"))?
    .run();
    actix_web::rt::spawn(server);
    Ok(addr)
}

pub fn start_gateway(
    service: &Service,
    listener: TcpListener,
    orders: SocketAddr,
) -> Result<SocketAddr, String> {
    struct Orders {
        client: ClientWithMiddleware,
        base: String,
    }
    async fn checkout(
        Path(order): Path<u32>,
        State(orders): State<Arc<Orders>>,
    ) -> Result<String, ErrorResponse> {
        let url = format!("{}/orders/{order}/pay", orders.base);
        call(&orders.client, "orders", &url).await?;
        Ok(format!("order {order} paid\n"))
    }
    let orders = Arc::new(Orders {
        client: client(service),
        base: format!("http://{orders}"),
    });
    let router = Router::new()
        .route("/checkout/{order}", get(checkout))
        .with_state(orders)
        .layer(layer(service));
    serve_axum("gateway", listener, router)
}
