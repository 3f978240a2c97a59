//! Logging: `tracing` to stdout, as text for people or JSON for log collectors. Errors that stop
//! the program go to stderr as one line (see `main.rs`).

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber.
///
/// # Errors
/// The log filter does not parse.
pub fn init(settings: &Settings) -> anyhow::Result<()> {
    // SQL statements are logged at debug level (see db.rs), so `info` stays quiet and `debug`
    // shows them.
    let filter = EnvFilter::builder()
        .parse(&settings.log)
        .with_context(|| format!("invalid log filter {:?} (STARCRM_LOG)", settings.log))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
        }
    };
    result.map_err(|err| anyhow::anyhow!("cannot install the logger: {err}"))
}
