//! `baggage`: any bytes, split into header lines at `\n`, never panic; what is kept stays
//! within 64 members and 8192 bytes, and what is sent on parses back to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otel_sentry_core::baggage;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    let received = baggage::parse_lines(&lines);
    assert!(received.len() <= baggage::MAX_MEMBERS);
    let Some(sent) = baggage::header_value(
        received
            .iter()
            .map(|(k, (v, m))| (k.as_str(), v.as_str(), m.as_str())),
    ) else {
        assert!(received.is_empty());
        return;
    };
    assert!(sent.len() <= baggage::MAX_BYTES);
    let resent = baggage::parse_lines(&[&sent]);
    // Re-encoding can grow a value (U+FFFD takes nine bytes encoded), so members may be
    // left out; those sent are unchanged.
    for (key, entry) in resent.iter() {
        assert_eq!(received.get_with_metadata(key.as_str()), Some(entry));
    }
});
