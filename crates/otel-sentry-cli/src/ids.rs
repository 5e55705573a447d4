//! Event and trace ids as the user types them.

use crate::error::CliError;

/// A Sentry event id: 32 hex digits, dashes allowed (a UUID), any case; returned as 32
/// lowercase hex digits.
pub(crate) fn event_id(text: &str) -> Result<String, CliError> {
    let id: String = text.trim().chars().filter(|c| *c != '-').collect();
    hex32(&id).ok_or_else(|| {
        CliError::Usage(format!(
            "{text:?} is not an event id (32 hex digits, with or without dashes)"
        ))
    })
}

/// A trace id: 32 hex digits, not all zero.
pub(crate) fn trace_id(text: &str) -> Result<String, CliError> {
    hex32(text.trim())
        .filter(|id| id.bytes().any(|b| b != b'0'))
        .ok_or_else(|| CliError::Usage(format!("{text:?} is not a trace id (32 hex digits)")))
}

fn hex32(text: &str) -> Option<String> {
    (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_with_or_without_dashes() {
        let plain = "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e";
        assert_eq!(event_id(plain).unwrap(), plain);
        assert_eq!(
            event_id("0D2B4C5E-7F8A-9B1C-2D3E-4F5A6B7C8D9E").unwrap(),
            plain
        );
        assert!(event_id("0d2b4c5e").is_err());
        assert!(event_id("zz2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e").is_err());
        assert!(trace_id(&"0".repeat(32)).is_err());
        assert!(trace_id(plain).is_ok());
    }
}
