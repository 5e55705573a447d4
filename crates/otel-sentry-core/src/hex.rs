//! Lowercase hexadecimal, as every id in `traceparent` and `sentry-trace` is written.
//!
//! Hand-written rather than `u128::from_str_radix`: that accepts uppercase digits and a
//! leading `+`, both of which the W3C grammar (`HEXDIGLC`) forbids.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The value of one lowercase hex digit, or `None` for anything else (uppercase included).
#[inline]
const fn digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

/// Decodes exactly `bytes.len()` lowercase hex digits (at most 32) into an integer.
#[inline]
pub(crate) fn decode_u128(bytes: &[u8]) -> Option<u128> {
    debug_assert!(bytes.len() <= 32);
    let mut value = 0u128;
    for &byte in bytes {
        value = (value << 4) | u128::from(digit(byte)?);
    }
    Some(value)
}

/// Decodes exactly `bytes.len()` lowercase hex digits (at most 16) into an integer.
#[inline]
pub(crate) fn decode_u64(bytes: &[u8]) -> Option<u64> {
    debug_assert!(bytes.len() <= 16);
    let mut value = 0u64;
    for &byte in bytes {
        value = (value << 4) | u64::from(digit(byte)?);
    }
    Some(value)
}

/// Decodes two lowercase hex digits into a byte.
#[inline]
pub(crate) fn decode_u8(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [high, low] => Some((digit(*high)? << 4) | digit(*low)?),
        _ => None,
    }
}

/// Writes `value` as `out.len()` lowercase hex digits, most significant first.
#[inline]
pub(crate) fn encode(value: u128, out: &mut [u8]) {
    let mut rest = value;
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(rest & 0xf) as usize];
        rest >>= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lowercase_only() {
        assert_eq!(decode_u8(b"ff"), Some(0xff));
        assert_eq!(decode_u8(b"FF"), None);
        assert_eq!(decode_u8(b"+f"), None);
        assert_eq!(decode_u64(b"00f067aa0ba902b7"), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(decode_u64(b"00f067aa0ba902bG"), None);
    }

    #[test]
    fn encode_pads_to_width() {
        let mut out = [0u8; 4];
        encode(0xab, &mut out);
        assert_eq!(&out, b"00ab");
    }
}
