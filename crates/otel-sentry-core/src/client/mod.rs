//! The client side: the options ([`config`]) and one outgoing call ([`call`]): its client
//! span, the headers it sends, and a downstream's word that it reported the failure.

pub(crate) mod call;
pub(crate) mod config;
