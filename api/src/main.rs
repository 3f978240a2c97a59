//! `starcrm`: the StarCRM server and its command-line tools. See `starcrm --help`.

use std::process::ExitCode;

use clap::Parser;
use starcrm_api::config::{Cli, Command};
use starcrm_api::{cli, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut log_settings = cli.settings.clone();
    // A benchmark prints a table; a log line per request would bury it (STARCRM_LOG still wins).
    if matches!(cli.command, Some(Command::Bench { .. })) && std::env::var_os("STARCRM_LOG").is_none() {
        "warn".clone_into(&mut log_settings.log);
    }
    if let Err(err) = telemetry::init(&log_settings) {
        return fail(&err);
    }
    // Requests' futures (GraphQL resolvers over the services) are deep; unoptimised builds lay
    // them out on the worker's stack, and merging and erasing a customer outgrew 2 MiB in tests.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK)
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&anyhow::Error::new(err).context("cannot start the async runtime")),
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}

/// Stack of each runtime worker thread.
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// Reports a fatal error as exactly one line on stderr: `error: what failed: why`.
fn fail(err: &anyhow::Error) -> ExitCode {
    let message = format!("{err:#}").replace(['\n', '\r'], " ");
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
