//! Every ignored header leaves a `tracing` debug event naming the reason.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone listens, and a
//! test on another thread hitting the same call sites first would race with this one.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PARENT_ID, TRACE_ID, traceparent};

/// A `tracing` writer that keeps what is logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn ignored_headers_leave_a_debug_event_naming_the_reason() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        common::extract(&[
            ("traceparent", &format!("ff-{TRACE_ID}-{PARENT_ID}-01")),
            ("baggage", "bad key=1,x,y,z,w=%zz"),
        ]);
        common::extract(&[
            ("traceparent", &traceparent("01")),
            ("tracestate", "foo=1,foo=2"),
        ]);
    });
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("traceparent version ff is forbidden"),
        "{logged}"
    );
    assert!(
        logged.contains("baggage member key is not an HTTP token"),
        "{logged}"
    );
    assert!(
        logged.contains("tracestate list member repeats an earlier key: dropped, the first kept"),
        "{logged}"
    );
}
