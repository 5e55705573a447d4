//! otel-sentry-relay: a relay between every SDK and Sentry (or a Sentry-compatible server)
//! that holds error events per trace for a window and forwards the root cause, tagged
//! `cascading_errors_suppressed` = N, whatever language sent them.
//!
//! | module | behaviour |
//! | --- | --- |
//! | [`config`] | flags and environment variables, Sentry's size limits |
//! | [`ingest`] | the endpoints: auth, decoding, splitting what passes from what is held |
//! | [`decompress`] | gzip, deflate, br bodies |
//! | [`envelope`] | the envelope format, split by hand to forward unknown items byte for byte |
//! | [`held_event`] | an event held, where it goes upstream |
//! | [`window`] | the in-process hold per trace, bounded |
//! | [`decision`] | the root cause (the core's choice), its tag and summary |
//! | [`upstream`] | the bounded retry queue upstream |
//! | [`relay`] | the state and its lifecycle |
//! | [`server`] | serving and shutdown |
//! | [`shared_state`] | the replicas' state in Redis: per-trace keys, the lease, the sweep |
//! | [`stats`] | the counters of `GET /stats` |
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;
pub mod decision;
pub mod decompress;
pub mod envelope;
pub mod held_event;
pub mod ingest;
pub mod relay;
pub mod server;
pub mod shared_state;
pub mod stats;
pub mod upstream;
pub mod window;
