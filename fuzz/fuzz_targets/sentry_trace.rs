//! `sentry-trace` and the whole incoming context: any bytes never panic. The input is
//! header lines `name: value`; what `sentry-trace` parses round-trips, and the extracted
//! context holds only a valid remote parent and bounded baggage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opentelemetry::propagation::Extractor;
use otel_sentry_core::{IncomingTrace, SentryTrace};

struct Lines<'a>(Vec<(&'a str, &'a str)>);

impl Extractor for Lines<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(n, _)| *n).collect()
    }
    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(parsed) = SentryTrace::parse(&text) {
        assert_eq!(SentryTrace::parse(&parsed.to_string()), Ok(parsed));
    }
    let lines = Lines(
        text.split('\n')
            .filter_map(|line| line.split_once(':'))
            .collect(),
    );
    let incoming = IncomingTrace::extract(&lines);
    if let Some(parent) = &incoming.parent {
        assert!(parent.span_context.is_valid() && parent.span_context.is_remote());
    }
    assert!(incoming.baggage.len() <= 64);
    assert!(incoming.sampling_context.is_none() || incoming.parent.is_some());
});
