//! `sentry.event_url`: a link from a span to its Sentry event.
//!
//! The DSN names neither the organisation nor the UI host, so the link is configured:
//!
//! - sentry.io: `EventLink::sentry("https://sentry.io", "acme")` →
//!   `https://sentry.io/organizations/acme/issues/?query={event_id}` (sentry.io redirects
//!   to the organisation's own domain, `https://acme.sentry.io`);
//! - self-hosted Sentry: `EventLink::sentry("https://sentry.example.com", "acme")`;
//! - anything else (Bugsink, a proxy): `EventLink::template("https://…/{event_id}")`.
//!
//! Without a configured link, the variables sentry-cli users already set name it:
//! `SENTRY_ORG` (the organisation slug; no link without it) and `SENTRY_URL` (the UI,
//! default `https://sentry.io/`), read once when the configuration is made
//! ([`EventLink::from_env`]). A configured link wins.
//!
//! Searching an issue list for an event id opens that event.

use std::fmt;
use std::sync::Arc;

use sentry_core::types::Uuid;

use crate::codecs::hex;

const PLACEHOLDER: &str = "{event_id}";

/// sentry-cli's default for `SENTRY_URL`.
const DEFAULT_SENTRY_URL: &str = "https://sentry.io/";

/// How to build the URL of a Sentry event from its id.
#[derive(Clone, PartialEq, Eq)]
pub struct EventLink(Arc<str>);

/// A link template without `{event_id}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an event link template needs the placeholder {{event_id}}")]
pub struct MissingPlaceholder;

impl EventLink {
    /// Links into a Sentry UI (sentry.io or self-hosted) at `ui_base_url` for organisation
    /// `org_slug`.
    ///
    /// ```
    /// use otel_sentry_core::EventLink;
    ///
    /// let link = EventLink::sentry("https://sentry.io/", "acme");
    /// let id = "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e".parse().unwrap();
    /// assert_eq!(link.url(id), "https://sentry.io/organizations/acme/issues/?query=0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e");
    /// ```
    pub fn sentry(ui_base_url: &str, org_slug: &str) -> Self {
        let base = ui_base_url.trim_end_matches('/');
        EventLink(format!("{base}/organizations/{org_slug}/issues/?query={PLACEHOLDER}").into())
    }

    /// The link sentry-cli's variables name: [`sentry`](Self::sentry) with `SENTRY_URL`
    /// (default `https://sentry.io/`) and `SENTRY_ORG`; `None` when `SENTRY_ORG` is unset
    /// or empty.
    pub fn from_env() -> Option<Self> {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read by `var`.
    fn from_variables(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let org = var("SENTRY_ORG").filter(|org| !org.trim().is_empty())?;
        let url = var("SENTRY_URL").filter(|url| !url.trim().is_empty());
        Some(Self::sentry(
            url.as_deref().unwrap_or(DEFAULT_SENTRY_URL).trim(),
            org.trim(),
        ))
    }

    /// Links built from `template`, in which `{event_id}` stands for the event id (32
    /// lowercase hex digits).
    pub fn template(template: impl Into<String>) -> Result<Self, MissingPlaceholder> {
        let template = template.into();
        if template.contains(PLACEHOLDER) {
            Ok(EventLink(template.into()))
        } else {
            Err(MissingPlaceholder)
        }
    }

    /// The URL of event `event_id`.
    pub fn url(&self, event_id: Uuid) -> String {
        self.0.replace(PLACEHOLDER, &hex::event_id(event_id))
    }
}

impl fmt::Debug for EventLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EventLink").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentry_cli_variables_name_the_link() {
        let id: Uuid = "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e".parse().unwrap();
        let vars = |org: Option<&'static str>, url: Option<&'static str>| {
            move |name: &str| match name {
                "SENTRY_ORG" => org.map(str::to_owned),
                "SENTRY_URL" => url.map(str::to_owned),
                _ => None,
            }
        };
        assert_eq!(
            EventLink::from_variables(vars(None, Some("https://s.example"))),
            None
        );
        assert_eq!(EventLink::from_variables(vars(Some(" "), None)), None);
        assert_eq!(
            EventLink::from_variables(vars(Some("acme"), None)).map(|link| link.url(id)),
            Some("https://sentry.io/organizations/acme/issues/?query=0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e".to_owned())
        );
        assert_eq!(
            EventLink::from_variables(vars(Some("acme"), Some("https://sentry.example.com/")))
                .map(|link| link.url(id)),
            Some("https://sentry.example.com/organizations/acme/issues/?query=0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e".to_owned())
        );
    }

    #[test]
    fn a_template_must_name_the_event() {
        assert_eq!(
            EventLink::template("https://bugsink.local/events/"),
            Err(MissingPlaceholder)
        );
        let link = EventLink::template("https://bugsink.local/events/{event_id}/").unwrap();
        assert_eq!(
            link.url(Uuid::nil()),
            "https://bugsink.local/events/00000000000000000000000000000000/"
        );
    }
}
