//! The request headers as the lifecycle reads them: in one pass, for the headers it needs.
//!
//! The trace headers, `Host`, `User-Agent` and `Content-Length` are picked out while walking the header
//! lines once, instead of one hashed lookup each, and the copy Sentry's request data is
//! made from is written on the way (see [`header_copy`](crate::http::header_copy)).

use opentelemetry::propagation::Extractor;

use crate::codecs::header_lines::{HeaderSource, INLINE_LINES, Lines, get_all};
use crate::http::header_copy::HeaderCopy;
use crate::names::{BAGGAGE_HEADER, SENTRY_TRACE_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER};

/// The request headers, read by the codecs (every line) and copied for Sentry's request
/// data.
pub trait RequestHeaders: Extractor {
    /// Calls `visit` with each header line in order: the name in lowercase and the value
    /// as received (it may not be UTF-8).
    fn visit_lines<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8]));
}

/// What a line that is not UTF-8 reads as: no codec accepts it, so a garbled line still
/// counts (a second `traceparent` line invalidates the first).
const UNREADABLE: &str = "\u{fffd}";

/// The headers the lifecycle needs, picked out in one pass.
pub(crate) struct KnownHeaders<'a> {
    headers: &'a dyn RequestHeaders,
    traceparent: Picked<'a>,
    tracestate: Picked<'a>,
    baggage: Picked<'a>,
    sentry_trace: Picked<'a>,
    pub(crate) host: Option<&'a str>,
    pub(crate) user_agent: Option<&'a str>,
    /// The first `Content-Length` line, for the request body size metric.
    pub(crate) content_length: Option<&'a str>,
    /// The copy of the lines Sentry's request data is made from, when asked for.
    pub(crate) copy: Option<HeaderCopy>,
}

/// The first lines of one header; `overflowed` when there were more than fit.
#[derive(Default)]
struct Picked<'a> {
    lines: [&'a str; INLINE_LINES],
    len: usize,
    overflowed: bool,
}

impl<'a> Picked<'a> {
    fn push(&mut self, line: &'a str) {
        match self.lines.get_mut(self.len) {
            Some(slot) => {
                *slot = line;
                self.len += 1;
            }
            None => self.overflowed = true,
        }
    }
}

impl<'a> KnownHeaders<'a> {
    /// Picks out the headers in one pass over `headers`, copying them for Sentry's
    /// request data on the way when `copy`.
    pub(crate) fn collect(headers: &'a dyn RequestHeaders, copy: bool) -> Self {
        let mut known = KnownHeaders {
            headers,
            traceparent: Picked::default(),
            tracestate: Picked::default(),
            baggage: Picked::default(),
            sentry_trace: Picked::default(),
            host: None,
            user_agent: None,
            content_length: None,
            copy: copy.then(HeaderCopy::new),
        };
        headers.visit_lines(&mut |name, value| {
            // Each name compared once: the trace headers are picked and never copied, the
            // others copied, and three of them read.
            let picked = match name {
                TRACEPARENT_HEADER => &mut known.traceparent,
                TRACESTATE_HEADER => &mut known.tracestate,
                BAGGAGE_HEADER => &mut known.baggage,
                SENTRY_TRACE_HEADER => &mut known.sentry_trace,
                _ => {
                    if let Some(copy) = &mut known.copy {
                        copy.push_other(name, value);
                    }
                    match name {
                        "host" => known.host.get_or_insert(text(value)),
                        "user-agent" => known.user_agent.get_or_insert(text(value)),
                        "content-length" => known.content_length.get_or_insert(text(value)),
                        _ => return,
                    };
                    return;
                }
            };
            picked.push(text(value));
        });
        known
    }
}

fn text(value: &[u8]) -> &str {
    std::str::from_utf8(value).unwrap_or(UNREADABLE)
}

impl HeaderSource for KnownHeaders<'_> {
    fn lines(&self, name: &str) -> Lines<'_> {
        let picked = match name {
            TRACEPARENT_HEADER => &self.traceparent,
            TRACESTATE_HEADER => &self.tracestate,
            BAGGAGE_HEADER => &self.baggage,
            SENTRY_TRACE_HEADER => &self.sentry_trace,
            _ => return Lines::Many(get_all(self.headers, name)),
        };
        if picked.overflowed {
            // Many lines of one header: rare, and read in full through the extractor.
            return Lines::Many(get_all(self.headers, name));
        }
        Lines::Few {
            lines: picked.lines,
            len: picked.len,
        }
    }
}
