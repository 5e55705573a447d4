use actix_web::{App, HttpServer, web};
use otel_sentry::actix::{ErrorResponse, RequestTrace};

async fn pay(trace: RequestTrace) -> Result<String, ErrorResponse> {
    let receipt = charge_card().await?; // any std::error::Error becomes a reported 500
    Ok(format!("{receipt} (trace {})", trace.trace_id))
}

async fn charge_card() -> Result<String, std::io::Error> {
    Ok("receipt 1".to_owned())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Sentry from SENTRY_DSN, spans over OTLP from OTEL_* (or to Sentry), until main ends.
    let _telemetry = otel_sentry::init();
    HttpServer::new(|| {
        App::new()
            .wrap(otel_sentry::actix::Correlation::new())
            .route("/orders/{id}/pay", web::post().to(pay))
    })
    .bind(("127.0.0.1", 3000))?
    .run()
    .await
}
