//! The sub-commands of `starcrm`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::config::{Cli, Command, Settings};
use crate::{db, graphql, server};

/// Runs the command the user asked for.
///
/// # Errors
/// Whatever stopped the command; `main` prints it as one line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::run(&cli.settings).await?,
        Command::Migrate => migrate(&cli.settings).await?,
        Command::ExportSchema { out, check } => export_schema(&out, check)?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let (conn, _, url) = db::open(settings).await?;
    db::migrate(&conn).await?;
    println!("database {} is up to date", db::redact(&url));
    Ok(())
}

fn export_schema(out: &Path, check: bool) -> anyhow::Result<()> {
    let sdl = graphql::sdl();
    if check {
        let current =
            std::fs::read_to_string(out).with_context(|| format!("cannot read {}", out.display()))?;
        if current != sdl {
            bail!("{} is stale: run `starcrm export-schema` and commit the result", out.display());
        }
        println!("{} is up to date", out.display());
    } else {
        std::fs::write(out, &sdl).with_context(|| format!("cannot write {}", out.display()))?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
