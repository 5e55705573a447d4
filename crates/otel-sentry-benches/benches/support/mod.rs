//! What the benchmarks share: the counting allocator, and the telemetry backends the
//! server benchmarks measure against. Each benchmark uses part of it.
#![allow(dead_code)]

pub mod actix_stacks;
pub mod alloc_counter;
pub mod axum_stacks;
pub mod backends;
pub mod floor;
pub mod parallel;
pub mod passthrough;
pub mod profiled;
