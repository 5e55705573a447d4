//! Request bodies as SDKs compress them: sentry-python sends `br` when the `brotli`
//! package is installed and gzip otherwise, others `deflate`; the Rust SDK sends them
//! plain. Decoded with a cap, so a small bomb cannot fill memory.

use std::io::Read;

/// Why a body could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// An encoding this relay does not know (415).
    Unsupported(String),
    /// The bytes are not what the encoding says (400).
    Corrupt(String),
    /// Over the cap once decoded (413).
    TooLarge(usize),
}

/// `body` decoded per its `Content-Encoding` (`None`, `identity`, `gzip`, `x-gzip`,
/// `deflate`, `br`), at most `limit` bytes.
pub fn decode(encoding: Option<&str>, body: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let encoding = encoding.map(|value| value.trim().to_ascii_lowercase());
    let decoded = match encoding.as_deref() {
        None | Some("") | Some("identity") => {
            if body.len() > limit {
                return Err(DecodeError::TooLarge(limit));
            }
            return Ok(body.to_vec());
        }
        Some("gzip") | Some("x-gzip") => {
            read_capped(flate2::read::MultiGzDecoder::new(body), limit)
        }
        // `deflate` is zlib by the HTTP specification; some clients send raw deflate.
        Some("deflate") => {
            read_capped(flate2::read::ZlibDecoder::new(body), limit).or_else(|error| match error {
                DecodeError::Corrupt(_) => {
                    read_capped(flate2::read::DeflateDecoder::new(body), limit)
                }
                other => Err(other),
            })
        }
        Some("br") => read_capped(brotli::Decompressor::new(body, 4096), limit),
        Some(other) => return Err(DecodeError::Unsupported(other.to_owned())),
    }?;
    Ok(decoded)
}

fn read_capped(reader: impl Read, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut decoded = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut decoded)
        .map_err(|error| DecodeError::Corrupt(error.to_string()))?;
    if decoded.len() > limit {
        return Err(DecodeError::TooLarge(limit));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn gzip_deflate_br_and_plain_decode_within_the_cap() {
        let text = b"{}\n{\"type\":\"session\"}\n{}\n".repeat(10);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(&text).unwrap();
        let gzip = gzip.finish().unwrap();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(&text).unwrap();
        let zlib = zlib.finish().unwrap();
        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 5, 22)
            .write_all(&text)
            .unwrap();
        assert_eq!(decode(Some("gzip"), &gzip, 1000).unwrap(), text);
        assert_eq!(decode(Some("deflate"), &zlib, 1000).unwrap(), text);
        assert_eq!(decode(Some("br"), &br, 1000).unwrap(), text);
        assert_eq!(decode(None, &text, 1000).unwrap(), text);
        assert_eq!(
            decode(Some("gzip"), &gzip, 10),
            Err(DecodeError::TooLarge(10))
        );
        assert!(matches!(
            decode(Some("gzip"), b"nope", 10),
            Err(DecodeError::Corrupt(_))
        ));
        assert!(matches!(
            decode(Some("zstd"), b"", 10),
            Err(DecodeError::Unsupported(_))
        ));
    }
}
