//! The link to a trace in the user's trace viewer: a template with `{trace_id}`, or a
//! preset.
//!
//! | preset | default base | link |
//! | --- | --- | --- |
//! | `jaeger` | `http://localhost:16686` | `{base}/trace/{trace_id}` |
//! | `tempo` | `http://localhost:3000` (Grafana) | Grafana Explore with the trace id as a TraceQL query on the default data source |
//! | `phoenix` | `http://localhost:6006` | `{base}/redirects/traces/{trace_id}` (Phoenix resolves the project) |

use crate::error::CliError;

const PLACEHOLDER: &str = "{trace_id}";

/// How to build a trace's link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TraceUrl(String);

impl TraceUrl {
    /// A template containing `{trace_id}`, or `jaeger`, `tempo`, `phoenix`, each optionally
    /// `=BASE_URL`.
    pub(crate) fn parse(spec: &str) -> Result<Self, CliError> {
        let (name, base) = match spec.split_once('=') {
            Some((name, base)) => (name, Some(base.trim_end_matches('/'))),
            None => (spec, None),
        };
        let template = match name {
            "jaeger" => format!(
                "{}/trace/{PLACEHOLDER}",
                base.unwrap_or("http://localhost:16686")
            ),
            "tempo" => format!(
                "{}/explore?left=%7B%22queries%22%3A%5B%7B%22queryType%22%3A%22traceql%22%2C%22query%22%3A%22{PLACEHOLDER}%22%7D%5D%7D",
                base.unwrap_or("http://localhost:3000")
            ),
            "phoenix" => format!(
                "{}/redirects/traces/{PLACEHOLDER}",
                base.unwrap_or("http://localhost:6006")
            ),
            _ if spec.contains(PLACEHOLDER) => spec.to_owned(),
            _ => {
                return Err(CliError::Usage(format!(
                    "--trace-url {spec:?}: a template needs {{trace_id}}, or name a preset: jaeger, tempo, phoenix"
                )));
            }
        };
        Ok(TraceUrl(template))
    }

    pub(crate) fn url(&self, trace_id: &str) -> String {
        self.0.replace(PLACEHOLDER, trace_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_templates() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            TraceUrl::parse("jaeger").unwrap().url(id),
            format!("http://localhost:16686/trace/{id}")
        );
        assert_eq!(
            TraceUrl::parse("phoenix=http://127.0.0.1:6006/")
                .unwrap()
                .url(id),
            format!("http://127.0.0.1:6006/redirects/traces/{id}")
        );
        assert!(TraceUrl::parse("tempo").unwrap().url(id).contains(id));
        assert_eq!(
            TraceUrl::parse("https://traces.example/t/{trace_id}")
                .unwrap()
                .url(id),
            format!("https://traces.example/t/{id}")
        );
        assert!(TraceUrl::parse("https://traces.example/").is_err());
    }
}
