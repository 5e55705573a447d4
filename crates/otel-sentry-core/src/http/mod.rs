//! What a request looks like to the core, server or client: the adapter's view of it, its
//! headers read in one pass, the method, addresses and URL as the HTTP semantic conventions
//! record them (sensitive values redacted), and the names interned across requests.

pub(crate) mod forwarded;
pub(crate) mod header_carrier;
pub(crate) mod header_copy;
pub(crate) mod header_injector;
pub(crate) mod http_method;
pub(crate) mod interned_names;
pub(crate) mod ip_text;
pub(crate) mod query_redaction;
pub(crate) mod request_headers;
pub(crate) mod request_view;
pub mod route_lookup;
pub(crate) mod server_address;
pub(crate) mod url_full;
