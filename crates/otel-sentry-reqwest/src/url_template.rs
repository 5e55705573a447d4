//! [`UrlTemplate`]: the template of a request's URL, for the client span's name.

use std::borrow::Cow;

/// The template of a request's URL path (`/users/{id}`): the client span is then named
/// `{METHOD} {template}` and records `url.template`. Without it the span is named
/// `{METHOD}`, since a raw path would give every user id a span name of its own.
///
/// ```no_run
/// use otel_sentry_reqwest::{CorrelationMiddleware, UrlTemplate};
///
/// # async fn call() -> reqwest_middleware::Result<()> {
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(CorrelationMiddleware::new())
///     .build();
/// client
///     .get("http://orders.internal/orders/42")
///     .with_extension(UrlTemplate::new("/orders/{id}"))
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlTemplate(Cow<'static, str>);

impl UrlTemplate {
    /// The template `template`.
    pub fn new(template: impl Into<Cow<'static, str>>) -> Self {
        UrlTemplate(template.into())
    }

    /// The template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
