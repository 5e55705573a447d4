//! The gRPC tests' service, generated from `proto/echo.proto` by tonic-prost-build: the
//! messages and the `Echo` client and server. The tests and benchmarks implement it.
#![allow(missing_docs)]

tonic::include_proto!("otel_sentry.test");
