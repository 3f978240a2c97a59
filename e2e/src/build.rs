//! Builds what the end-to-end tests run, when it is missing or older than its sources: the
//! `starcrm` binary (cargo) and the SPA (`scripts/build-web`). Test processes run in parallel, so
//! a file lock makes one of them build while the others wait.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, bail};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The cargo profile directory the running test binary was built into (`target/debug`),
/// found from the test executable's own path so it honours `CARGO_TARGET_DIR`.
fn profile_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the test executable")?;
    // target/<profile>/deps/<test-binary>
    exe.parent().and_then(Path::parent).map(Path::to_path_buf).context("unexpected test executable location")
}

/// Where screenshots go: `target/e2e-screenshots/` under the repository root.
pub fn screenshot_dir() -> PathBuf {
    root().join("target").join("e2e-screenshots")
}

/// The `starcrm` binary, rebuilt first if any of its sources is newer.
pub fn starcrm_binary() -> anyhow::Result<PathBuf> {
    let profile_dir = profile_dir()?;
    let binary = profile_dir.join("starcrm");
    let root = root();
    // What the binary is built from; not api/tests, which cargo compiles without relinking it.
    let mut sources = vec![root.join("Cargo.lock"), root.join("Cargo.toml")];
    for crate_dir in ["api", "shared", "migrations"] {
        sources.push(root.join(crate_dir).join("src"));
        sources.push(root.join(crate_dir).join("Cargo.toml"));
    }
    with_build_lock(&profile_dir, || {
        if is_fresh(&binary, &sources)? {
            return Ok(());
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command.current_dir(&root).args(["build", "--package", "starcrm-api", "--bin", "starcrm"]);
        let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
        if profile != "debug" {
            command.args(["--profile", profile]);
        }
        run(&mut command, "cargo build of the starcrm binary")
    })?;
    Ok(binary)
}

/// The built SPA (`dist/`), rebuilt first if any of its sources is newer.
pub fn web_dist() -> anyhow::Result<PathBuf> {
    let root = root();
    let dist = root.join("dist");
    let sources = [
        root.join("web"),
        root.join("shared").join("src"),
        root.join("Trunk.toml"),
        root.join("Cargo.lock"),
        root.join("Cargo.toml"),
    ];
    with_build_lock(&profile_dir()?, || {
        if is_fresh(&dist.join("index.html"), &sources)? {
            return Ok(());
        }
        run(Command::new(root.join("scripts/build-web")).current_dir(&root), "scripts/build-web")
    })?;
    Ok(dist)
}

fn with_build_lock(dir: &Path, build: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let lock = File::create(dir.join(".starcrm-e2e-build.lock")).context("cannot create the build lock")?;
    lock.lock().context("cannot take the build lock")?;
    let result = build();
    lock.unlock().context("cannot release the build lock")?;
    result
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    eprintln!("e2e: running {what}");
    let status = command.status().with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Whether `output` exists and is newer than every file under `sources`.
fn is_fresh(output: &Path, sources: &[PathBuf]) -> anyhow::Result<bool> {
    let Ok(built) = std::fs::metadata(output).and_then(|m| m.modified()) else {
        return Ok(false);
    };
    let mut newest = SystemTime::UNIX_EPOCH;
    for source in sources {
        newest = newest.max(newest_mtime(source)?);
    }
    Ok(newest <= built)
}

fn newest_mtime(path: &Path) -> anyhow::Result<SystemTime> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_dir() {
        return Ok(meta.modified()?);
    }
    let mut newest = meta.modified()?;
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if matches!(entry.file_name().to_str(), Some("target" | "dist" | "node_modules")) {
            continue;
        }
        newest = newest.max(newest_mtime(&entry.path())?);
    }
    Ok(newest)
}
