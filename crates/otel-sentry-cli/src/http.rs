//! Requests to the backend: a bearer token, a bounded number of requests per command,
//! `429` answered by waiting `Retry-After` (bounded too), and every failure as one line
//! naming the URL.

use std::cell::Cell;
use std::thread;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, HeaderMap, LINK, RETRY_AFTER};
use serde_json::Value;

use crate::error::CliError;

/// The longest `Retry-After` honoured; a longer one fails the command instead of hanging.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// How often one request is retried after a `429`.
const MAX_RETRIES: u32 = 3;

/// An HTTP client for one command.
pub(crate) struct Http {
    client: Client,
    token: Option<String>,
    budget: Cell<usize>,
}

/// A JSON answer and its headers.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) headers: HeaderMap,
}

impl Http {
    pub(crate) fn new(token: Option<String>, max_requests: usize) -> Result<Self, CliError> {
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("otel-sentry-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| CliError::Usage(format!("cannot build an HTTP client: {error}")))?;
        Ok(Http {
            client,
            token,
            budget: Cell::new(max_requests),
        })
    }

    /// `GET url`: the JSON answer of a 2xx; 404 as `Ok` with its status (the caller decides
    /// what is missing); 401/403 as unauthorised; anything else as a failure.
    pub(crate) fn get(&self, url: &str) -> Result<Answer, CliError> {
        let mut retries = 0;
        loop {
            let left = self.budget.get();
            if left == 0 {
                return Err(CliError::Backend {
                    url: url.to_owned(),
                    reason: "request budget spent (raise --max-requests)".to_owned(),
                });
            }
            self.budget.set(left - 1);
            let mut request = self.client.get(url);
            if let Some(token) = &self.token {
                request = request.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            let response = request.send().map_err(|error| CliError::Unreachable {
                url: url.to_owned(),
                reason: one_line(&error),
            })?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS && retries < MAX_RETRIES {
                retries += 1;
                let wait = retry_after(response.headers()).unwrap_or(Duration::from_secs(1));
                if wait > MAX_RETRY_WAIT {
                    return Err(CliError::Backend {
                        url: url.to_owned(),
                        reason: format!("rate limited for {} s", wait.as_secs()),
                    });
                }
                thread::sleep(wait);
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(CliError::Unauthorised {
                    url: url.to_owned(),
                });
            }
            let headers = response.headers().clone();
            let text = response.text().map_err(|error| CliError::Unreachable {
                url: url.to_owned(),
                reason: one_line(&error),
            })?;
            if status == StatusCode::NOT_FOUND {
                return Ok(Answer {
                    status,
                    body: Value::Null,
                    headers,
                });
            }
            if !status.is_success() {
                return Err(CliError::Backend {
                    url: url.to_owned(),
                    reason: format!("HTTP {}", status.as_u16()),
                });
            }
            let body = serde_json::from_str(&text).map_err(|_| CliError::Backend {
                url: url.to_owned(),
                reason: format!("HTTP {} with a body that is not JSON", status.as_u16()),
            })?;
            return Ok(Answer {
                status,
                body,
                headers,
            });
        }
    }
}

impl Answer {
    /// The URL of the next page, from a `Link` header (Sentry's cursor pagination): the
    /// `rel="next"` entry, unless it says `results="false"`.
    pub(crate) fn next_link(&self) -> Option<String> {
        let link = self.headers.get(LINK)?.to_str().ok()?;
        link.split(',').find_map(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let url = parts.next()?.strip_prefix('<')?.strip_suffix('>')?;
            let params: Vec<&str> = parts.collect();
            let is_next = params.iter().any(|p| p.replace(' ', "") == "rel=\"next\"");
            let has_results = !params
                .iter()
                .any(|p| p.replace(' ', "") == "results=\"false\"");
            (is_next && has_results).then(|| url.to_owned())
        })
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Why a request failed, in a few words: the innermost cause (the URL is told beside it).
fn one_line(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn answer(link: &str) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, HeaderValue::from_str(link).unwrap());
        Answer {
            status: StatusCode::OK,
            body: Value::Null,
            headers,
        }
    }

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let link = r#"<https://sentry.io/api/0/x/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/x/?&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#;
        assert_eq!(
            answer(link).next_link().as_deref(),
            Some("https://sentry.io/api/0/x/?&cursor=0:100:0")
        );
        let last = r#"<https://sentry.io/a/?cursor=0:0:1>; rel="previous"; results="true"; cursor="0:0:1", <https://sentry.io/a/?cursor=0:200:0>; rel="next"; results="false"; cursor="0:200:0""#;
        assert_eq!(answer(last).next_link(), None);
    }
}
