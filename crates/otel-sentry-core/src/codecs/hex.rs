//! Lowercase hexadecimal, as every id in `traceparent` and `sentry-trace` is written.
//!
//! Hand-written rather than `u128::from_str_radix`: that accepts uppercase digits and a
//! leading `+`, both of which the W3C grammar (`HEXDIGLC`) forbids.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex digit values, `INVALID` for every other byte (uppercase included): one
/// load per digit on the request path.
const INVALID: u8 = 0xff;
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut digit = 0;
    while digit < 16 {
        table[DIGITS[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// Decodes exactly `bytes.len()` lowercase hex digits (at most 16) into an integer.
#[inline]
pub(crate) fn decode_u64(bytes: &[u8]) -> Option<u64> {
    debug_assert!(bytes.len() <= 16);
    let mut value = 0u64;
    let mut invalid = 0u8;
    for &byte in bytes {
        let digit = VALUES[usize::from(byte)];
        // Checked once at the end: no branch per digit.
        invalid |= digit & 0xf0;
        value = (value << 4) | u64::from(digit & 0x0f);
    }
    (invalid == 0).then_some(value)
}

/// Decodes exactly `bytes.len()` lowercase hex digits (at most 32) into an integer.
#[inline]
pub(crate) fn decode_u128(bytes: &[u8]) -> Option<u128> {
    debug_assert!(bytes.len() <= 32);
    let split = bytes.len().saturating_sub(16);
    let high = decode_u64(&bytes[..split])?;
    let low = decode_u64(&bytes[split..])?;
    Some((u128::from(high) << 64) | u128::from(low))
}

/// Decodes two lowercase hex digits into a byte.
#[inline]
pub(crate) fn decode_u8(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [_, _] => decode_u64(bytes).map(|value| value as u8),
        _ => None,
    }
}

/// The two digits of every byte: one load per byte rather than a shift and a load per
/// digit.
const PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0xf]];
        byte += 1;
    }
    table
};

/// Writes `value` as `out.len()` (at most 32) lowercase hex digits, most significant
/// first.
#[inline]
pub(crate) fn encode(value: u128, out: &mut [u8]) {
    debug_assert!(out.len() <= 32);
    // All 32 digits, two per byte with constant bounds, then the low ones copied out.
    let mut digits = [0u8; 32];
    for (pair, &byte) in digits.chunks_exact_mut(2).zip(value.to_be_bytes().iter()) {
        pair.copy_from_slice(&PAIRS[usize::from(byte)]);
    }
    let width = out.len().min(32);
    out[..width].copy_from_slice(&digits[32 - width..]);
}

/// The low `digits` (at most 32) hex digits of `value` as a string, in one exact
/// allocation and without the formatting machinery: ids are written on every failure.
pub(crate) fn string(value: u128, digits: usize) -> String {
    // Written on the stack and copied into an exact allocation: a zeroed one (`vec![0; n]`)
    // costs the allocator more than the copy.
    let mut text = [0u8; 32];
    let text = &mut text[..digits.min(32)];
    encode(value, text);
    // Hex digits are ASCII: the check cannot fail.
    std::str::from_utf8(text)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// A trace id as `traceparent` and Sentry write it.
pub(crate) fn trace_id(id: opentelemetry::trace::TraceId) -> String {
    string(u128::from_be_bytes(id.to_bytes()), 32)
}

/// A span id as `traceparent` and Sentry write it.
pub(crate) fn span_id(id: opentelemetry::trace::SpanId) -> String {
    string(u64::from_be_bytes(id.to_bytes()).into(), 16)
}

/// A Sentry event id as Sentry writes it: 32 digits, no hyphens.
pub(crate) fn event_id(id: sentry_core::types::Uuid) -> String {
    string(id.as_u128(), 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_as_their_display() {
        use opentelemetry::trace::{SpanId, TraceId};
        for value in [0, 1, 0x4bf92f3577b34da6a3ce929d0e0e4736, u128::MAX] {
            let trace = TraceId::from_bytes(value.to_be_bytes());
            assert_eq!(trace_id(trace), trace.to_string());
            let span = SpanId::from_bytes((value as u64).to_be_bytes());
            assert_eq!(span_id(span), span.to_string());
            let event = sentry_core::types::Uuid::from_u128(value);
            assert_eq!(event_id(event), event.simple().to_string());
        }
        assert_eq!(string(0xab, 4).capacity(), 4);
    }

    #[test]
    fn decodes_lowercase_only() {
        assert_eq!(decode_u8(b"ff"), Some(0xff));
        assert_eq!(decode_u8(b"FF"), None);
        assert_eq!(decode_u8(b"+f"), None);
        assert_eq!(decode_u64(b"00f067aa0ba902b7"), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(decode_u64(b"00f067aa0ba902bG"), None);
        assert_eq!(decode_u64(b"00f067aa0ba902bF"), None);
        assert_eq!(
            decode_u128(b"4bf92f3577b34da6a3ce929d0e0e4736"),
            Some(0x4bf92f3577b34da6a3ce929d0e0e4736)
        );
        assert_eq!(decode_u128(b"ab"), Some(0xab));
        assert_eq!(decode_u128(b"4bf92f3577b34da6a3ce929d0e0e473G"), None);
        assert_eq!(decode_u128(b"Gbf92f3577b34da6a3ce929d0e0e4736"), None);
    }

    #[test]
    fn every_byte_outside_lowercase_hex_is_refused() {
        for byte in 0..=255u8 {
            let expected = match byte {
                b'0'..=b'9' => Some(u64::from(byte - b'0')),
                b'a'..=b'f' => Some(u64::from(byte - b'a' + 10)),
                _ => None,
            };
            assert_eq!(decode_u64(&[byte]), expected, "{byte:#x}");
        }
    }

    #[test]
    fn encode_pads_to_width() {
        let mut out = [0u8; 4];
        encode(0xab, &mut out);
        assert_eq!(&out, b"00ab");
    }

    #[test]
    fn encode_writes_every_width_as_formatting_does() {
        for value in [0, 0xa, 0x4bf92f3577b34da6a3ce929d0e0e4736, u128::MAX] {
            for width in 0..=32 {
                let mut out = vec![0u8; width];
                encode(value, &mut out);
                let formatted = format!("{value:032x}");
                assert_eq!(
                    std::str::from_utf8(&out).unwrap(),
                    &formatted[32 - width..],
                    "{value:x} in {width} digits"
                );
            }
        }
    }
}
