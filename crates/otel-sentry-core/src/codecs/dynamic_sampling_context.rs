//! Sentry's dynamic sampling context: the `sentry-` entries of `baggage`.
//!
//! The Sentry SDK that starts a trace writes `sentry-trace_id`, `sentry-public_key`,
//! `sentry-sample_rate`, `sentry-sampled`, `sentry-release`, … into `baggage`; every service
//! downstream passes them on unchanged ("frozen"), so Sentry samples the whole trace alike.
//! Here they are split off from the rest of the baggage on receipt and written back, ahead
//! of the other entries, when sending.

use opentelemetry::trace::TraceId;

use crate::codecs::baggage::{BaggageMember, MAX_BYTES};
use crate::codecs::header_lines::list_members;
use crate::codecs::hex;
use crate::names::SENTRY_BAGGAGE_PREFIX;

/// The most `sentry-` entries read; Sentry SDKs write about ten.
const MAX_ENTRIES: usize = 32;

/// Sentry's dynamic sampling context: ordered `(name, value)` pairs, values decoded.
///
/// Names are given without the `sentry-` prefix (`trace_id`, `public_key`, …).
///
/// Unknown names are kept and passed on, so a newer SDK's entries survive this service.
///
/// ```
/// use opentelemetry::trace::TraceId;
/// use otel_sentry_core::DynamicSamplingContext;
///
/// let dsc = DynamicSamplingContext::new()
///     .with_trace_id(TraceId::from(0x771a43a4192642f0b136d5159a501700))
///     .with_public_key("49d0f7386ad645858ae85020e393bef3")
///     .with_sampled(true)
///     .with_transaction("GET /users/{id}");
/// assert_eq!(dsc.get("transaction"), Some("GET /users/{id}"));
/// assert_eq!(dsc.sampled(), Some(true));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DynamicSamplingContext {
    /// `(baggage key, value)`: keys keep their `sentry-` prefix so sending borrows them.
    entries: Vec<(String, String)>,
}

impl DynamicSamplingContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the `sentry-` members of the lines of a `baggage` header; `None` when there are
    /// none.
    ///
    /// They are read apart from the other members and within limits of their own (32
    /// entries, 8192 bytes), so a long third-party baggage cannot cut Sentry's context
    /// short. Invalid members are dropped, the first of repeated names wins, and entries are
    /// ordered by name, so the header sent on is the same on every run.
    ///
    /// ```
    /// use otel_sentry_core::DynamicSamplingContext;
    ///
    /// let dsc = DynamicSamplingContext::parse_lines(&["userId=alice,sentry-environment=prod,sentry-sampled=true"]).unwrap();
    /// assert_eq!(dsc.get("environment"), Some("prod"));
    /// assert_eq!(dsc.sampled(), Some(true));
    /// ```
    pub fn parse_lines(lines: &[&str]) -> Option<Self> {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut bytes = 0;
        for member in list_members(lines).filter(|member| member.starts_with(SENTRY_BAGGAGE_PREFIX))
        {
            bytes += member.len() + 1;
            if entries.len() == MAX_ENTRIES || bytes > MAX_BYTES {
                tracing::debug!(target: "otel_sentry::baggage", "sentry- baggage entries beyond the limits dropped");
                break;
            }
            let Ok(parsed) = BaggageMember::parse(member) else {
                tracing::debug!(target: "otel_sentry::baggage", "invalid sentry- baggage entry dropped");
                continue;
            };
            if entries.iter().any(|(key, _)| key == parsed.key) {
                continue;
            }
            entries.push((parsed.key.to_owned(), parsed.value().into_owned()));
        }
        if entries.is_empty() {
            return None;
        }
        entries.sort_unstable();
        Some(DynamicSamplingContext { entries })
    }

    /// The value of entry `name` (without the `sentry-` prefix).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(key, _)| name_of(key) == name)
            .map(|(_, value)| value.as_str())
    }

    /// Sets entry `name` (without the `sentry-` prefix), replacing an earlier value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self
            .entries
            .iter_mut()
            .find(|(key, _)| name_of(key) == name)
        {
            Some(entry) => entry.1 = value,
            None => self
                .entries
                .push((format!("{SENTRY_BAGGAGE_PREFIX}{name}"), value)),
        }
    }

    /// Sets entry `name`, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order, names without the prefix.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(key, value)| (name_of(key), value.as_str()))
    }

    /// `sentry-trace_id`, when it is 32 lowercase hex digits and not all zeros.
    pub fn trace_id(&self) -> Option<TraceId> {
        let value = self.get("trace_id")?;
        (value.len() == 32)
            .then(|| hex::decode_u128(value.as_bytes()))
            .flatten()
            .filter(|id| *id != 0)
            .map(TraceId::from)
    }

    /// `sentry-sampled`, when it is `true` or `false`.
    pub fn sampled(&self) -> Option<bool> {
        match self.get("sampled")? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// `sentry-sample_rate`, when it is a number in `[0, 1]`.
    pub fn sample_rate(&self) -> Option<f64> {
        self.get("sample_rate")?
            .parse()
            .ok()
            .filter(|rate| (0.0..=1.0).contains(rate))
    }

    /// `sentry-sample_rand`, when it is a number in `[0, 1)`.
    pub fn sample_rand(&self) -> Option<f64> {
        self.get("sample_rand")?
            .parse()
            .ok()
            .filter(|rand| (0.0..1.0).contains(rand))
    }

    /// Sets `sentry-trace_id`.
    pub fn with_trace_id(self, trace_id: TraceId) -> Self {
        self.with("trace_id", trace_id.to_string())
    }

    /// Sets `sentry-public_key`, the public key of the DSN of the SDK that started the trace.
    pub fn with_public_key(self, public_key: impl Into<String>) -> Self {
        self.with("public_key", public_key)
    }

    /// Sets `sentry-sample_rate`; a rate outside `[0, 1]` (or NaN) is not written.
    pub fn with_sample_rate(self, sample_rate: f64) -> Self {
        if (0.0..=1.0).contains(&sample_rate) {
            self.with("sample_rate", sample_rate.to_string())
        } else {
            self
        }
    }

    /// Sets `sentry-sample_rand`; a value outside `[0, 1)` (or NaN) is not written.
    pub fn with_sample_rand(self, sample_rand: f64) -> Self {
        if (0.0..1.0).contains(&sample_rand) {
            self.with("sample_rand", sample_rand.to_string())
        } else {
            self
        }
    }

    /// Sets `sentry-sampled`.
    pub fn with_sampled(self, sampled: bool) -> Self {
        self.with("sampled", if sampled { "true" } else { "false" })
    }

    /// Sets `sentry-release`.
    pub fn with_release(self, release: impl Into<String>) -> Self {
        self.with("release", release)
    }

    /// Sets `sentry-environment`.
    pub fn with_environment(self, environment: impl Into<String>) -> Self {
        self.with("environment", environment)
    }

    /// Sets `sentry-transaction`.
    pub fn with_transaction(self, transaction: impl Into<String>) -> Self {
        self.with("transaction", transaction)
    }

    /// Sets `sentry-org_id`.
    pub fn with_org_id(self, org_id: impl Into<String>) -> Self {
        self.with("org_id", org_id)
    }

    /// The entries as `baggage` keys (`sentry-` + name) and values, for
    /// [`baggage::header_value`](crate::codecs::baggage::header_value).
    pub fn baggage_entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }
}

/// The entry name of a `sentry-` baggage key.
fn name_of(key: &str) -> &str {
    key.strip_prefix(SENTRY_BAGGAGE_PREFIX).unwrap_or(key)
}

/// Sentry's sampling context from a service that heads the trace for Sentry (none arrived
/// with it), borrowed from its Sentry client's options as Sentry SDKs build it:
/// `trace_id`, `public_key`, `sampled`, `release`, `environment`.
///
/// `sample_rate` is left out: OpenTelemetry's sampler decided, not Sentry's rate, and a
/// rate that did not decide would skew Sentry's extrapolation.
pub(crate) struct HeadSamplingContext<'a> {
    trace_id: [u8; 32],
    sampled: bool,
    options: &'a sentry_core::ClientOptions,
}

impl<'a> HeadSamplingContext<'a> {
    /// The context of trace `trace_id` for a client with `options`; `None` without a DSN.
    pub(crate) fn new(
        trace_id: TraceId,
        sampled: bool,
        options: &'a sentry_core::ClientOptions,
    ) -> Option<Self> {
        options.dsn.as_ref()?;
        let mut hex = [0; 32];
        hex::encode(u128::from_be_bytes(trace_id.to_bytes()), &mut hex);
        Some(HeadSamplingContext {
            trace_id: hex,
            sampled,
            options,
        })
    }

    /// The entries as `baggage` keys and values, without allocating.
    pub(crate) fn baggage_entries(&self) -> Vec<(&str, &str)> {
        let mut entries = Vec::with_capacity(5);
        // Hex digits are ASCII.
        if let Ok(trace_id) = std::str::from_utf8(&self.trace_id) {
            entries.push(("sentry-trace_id", trace_id));
        }
        if let Some(dsn) = &self.options.dsn {
            entries.push(("sentry-public_key", dsn.public_key()));
        }
        entries.push((
            "sentry-sampled",
            if self.sampled { "true" } else { "false" },
        ));
        if let Some(release) = &self.options.release {
            entries.push(("sentry-release", release));
        }
        if let Some(environment) = &self.options.environment {
            entries.push(("sentry-environment", environment));
        }
        entries
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn a_head_sends_what_sentry_sdks_send_and_no_rate() {
        let mut options = sentry_core::ClientOptions::new()
            .dsn("https://49d0f7386ad645858ae85020e393bef3@o1.ingest.sentry.io/42");
        options.release = Some("orders@1.4.0".into());
        options = options.traces_sample_rate(0.25);
        let trace_id = TraceId::from(0x771a43a4192642f0b136d5159a501700);
        let head = HeadSamplingContext::new(trace_id, true, &options).unwrap();
        assert_eq!(
            head.baggage_entries(),
            [
                ("sentry-trace_id", "771a43a4192642f0b136d5159a501700"),
                ("sentry-public_key", "49d0f7386ad645858ae85020e393bef3"),
                ("sentry-sampled", "true"),
                ("sentry-release", "orders@1.4.0"),
            ]
        );
        assert!(
            HeadSamplingContext::new(trace_id, true, &sentry_core::ClientOptions::new()).is_none()
        );
    }
}
