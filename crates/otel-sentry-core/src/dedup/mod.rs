//! One failure, one alert: the in-band cascade policy between services
//! ([`cascade_policy`], fed by a downstream's [`downstream_report`]) and the windowed
//! deduplication transport in one process ([`window`]), and what it shares with the relay:
//! the [`root_cause`] choice and the [`suppressed_summary`].

pub mod cascade_policy;
pub mod downstream_report;
pub mod root_cause;
pub mod suppressed_summary;
pub mod window;
