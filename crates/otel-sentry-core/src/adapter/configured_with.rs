//! The constructors and configuration access every adapter's layer or middleware type has,
//! written once.

/// `new`, `from_config`, `config` and the private `map_config` for a type whose one field
/// is `config: Arc<$config>` and whose `Default` is the default configuration. Used by
/// [`correlation_config_methods!`](crate::correlation_config_methods) and
/// [`client_config_methods!`](crate::client_config_methods).
#[doc(hidden)]
#[macro_export]
macro_rules! configured_with {
    ($config:ty) => {
        /// With the default configuration.
        pub fn new() -> Self {
            Self::default()
        }

        /// With `config`.
        pub fn from_config(config: $config) -> Self {
            Self {
                config: ::std::sync::Arc::new(config),
            }
        }

        /// The configuration.
        pub fn config(&self) -> &$config {
            &self.config
        }

        fn map_config(self, f: impl FnOnce($config) -> $config) -> Self {
            Self::from_config(f(::std::sync::Arc::unwrap_or_clone(self.config)))
        }
    };
}
