//! The sub-commands of `starcrm`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use starcrm_shared::rating::Trigger;

use crate::auth::{RequestMeta, password};
use crate::config::{Bench, Cli, Command, Settings};
use crate::error::AppError;
use crate::workspaces::service::NewWorkspace;
use crate::{backup, bench, db, graphql, seed, server, workspaces};

/// Runs the command the user asked for.
///
/// # Errors
/// Whatever stopped the command; `main` prints it as one line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::run(&cli.settings).await?,
        Command::Migrate => migrate(&cli.settings).await?,
        Command::CreateWorkspace { name, owner_email, owner_name, owner_password, timezone, currency } => {
            let generated = owner_password.is_none();
            let owner_password = match owner_password {
                Some(password) => password,
                None => password::generate_temporary().map_err(user_error)?,
            };
            let new = NewWorkspace {
                name,
                timezone: Some(timezone),
                currency: Some(currency),
                owner_email,
                owner_name,
                owner_password: owner_password.clone(),
            };
            create_workspace(&cli.settings, new, generated.then_some(owner_password)).await?;
        }
        Command::Seed { customers, transactions, workspace, seed, service_desk } => {
            let plan = DemoPlan { customers, transactions, random_seed: seed, service_desk };
            seed_demo(&cli.settings, plan, workspace.as_deref()).await?;
        }
        Command::Rerate { workspace, batch_size } => {
            rerate(&cli.settings, workspace.as_deref(), batch_size).await?;
        }
        Command::Reindex { workspace } => reindex(&cli.settings, workspace.as_deref()).await?,
        Command::Backup { out } => backup::backup(&cli.settings, &out).await?,
        Command::Restore { file } => backup::restore(&cli.settings, &file).await?,
        Command::Bench { bench: Bench::Rerate { workspace, requests, only } } => {
            bench::rerate(&cli.settings, workspace, requests, only).await?;
        }
        Command::Bench { bench: Bench::Ingest { requests, concurrency } } => {
            bench::ingest(&cli.settings, bench::ListOptions { workspace: None, requests, concurrency })
                .await?;
        }
        Command::Bench { bench: Bench::Points { requests, concurrency, lots } } => {
            let options = bench::ListOptions { workspace: None, requests, concurrency };
            Box::pin(bench::points(&cli.settings, options, lots)).await?;
        }
        Command::Bench { bench: Bench::Import { rows, kind } } => {
            let kind = starcrm_shared::imports::ImportKind::parse(&kind)
                .filter(|k| *k != starcrm_shared::imports::ImportKind::Interactions)
                .ok_or_else(|| anyhow::anyhow!("--kind is customers or transactions"))?;
            Box::pin(bench::import(&cli.settings, rows, kind)).await?;
        }
        Command::Bench { bench: Bench::Tickets { tickets, requests } } => {
            bench::tickets(&cli.settings, tickets, requests).await?;
        }
        Command::Bench { bench: Bench::Insight { customers, purchases, runs, workspace } } => {
            let size = bench::InsightSize::of(workspace, customers, purchases);
            Box::pin(bench::insight(&cli.settings, size, runs)).await?;
        }
        Command::Bench { bench: Bench::Segments { customers, runs, changes } } => {
            Box::pin(bench::segments(&cli.settings, customers, runs, changes)).await?;
        }
        Command::Bench { bench: Bench::Surveys { responses, runs } } => {
            bench::surveys(&cli.settings, responses, runs).await?;
        }
        Command::Bench { bench: Bench::Search { workspace, requests, concurrency } } => {
            bench::search(&cli.settings, bench::ListOptions { workspace, requests, concurrency }).await?;
        }
        Command::Bench { bench: Bench::List { workspace, requests, concurrency } } => {
            bench::list(&cli.settings, bench::ListOptions { workspace, requests, concurrency }).await?;
        }
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

/// Turns a service error into a message for the command line (its code is of no use there).
#[allow(clippy::needless_pass_by_value)] // used as `.map_err(user_error)`
fn user_error(err: AppError) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

async fn create_workspace(
    settings: &Settings,
    new: NewWorkspace,
    generated_password: Option<String>,
) -> anyhow::Result<()> {
    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let (workspace, owner) =
        workspaces::service::create(&conn, &RequestMeta::default(), new).await.map_err(user_error)?;
    println!("created workspace {} ({})", workspace.name, workspace.id);
    match generated_password {
        Some(password) => println!("sign in as {} with the password {password} and change it", owner.email),
        None => println!("sign in as {} with the password you gave", owner.email),
    }
    Ok(())
}

/// Customers the demo workspace gets when it is first created.
const DEMO_CUSTOMERS: u64 = 300;

/// What `starcrm seed` was asked for.
struct DemoPlan {
    customers: Option<u64>,
    transactions: Option<u64>,
    random_seed: u64,
    service_desk: bool,
}

async fn seed_demo(settings: &Settings, plan: DemoPlan, workspace: Option<&str>) -> anyhow::Result<()> {
    let DemoPlan { customers, transactions, random_seed, service_desk } = plan;
    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let created = seed::demo(&conn).await.map_err(user_error)?;
    if workspace.is_none() {
        println!(
            "{} demo workspace {}: sign in as {} / {}",
            if created { "created the" } else { "the" },
            seed::DEMO_WORKSPACE,
            seed::demo_email("owner"),
            seed::DEMO_PASSWORD
        );
        println!(
            "other roles, same password: admin, manager, agent, marketer, analyst @{}",
            seed::DEMO_DOMAIN
        );
    }
    let customers = customers.or((created && workspace.is_none()).then_some(DEMO_CUSTOMERS));
    let Some(customers) = customers else { return Ok(()) };
    let target = seed::find_workspace(&conn, workspace).await.map_err(user_error)?;
    let plan = seed::generator::Plan {
        customers,
        transactions: transactions.unwrap_or(customers.saturating_mul(10)),
        seed: random_seed,
        now: chrono::Utc::now(),
    };
    println!(
        "generating {} customers and about {} purchases into {} (seed {})",
        plan.customers, plan.transactions, target.name, plan.seed
    );
    let mut last_print = std::time::Instant::now();
    let report = seed::generator::generate(&conn, target.id, plan, |r| {
        if last_print.elapsed().as_secs() >= 5 {
            last_print = std::time::Instant::now();
            println!(
                "  {} customers, {} transactions, {:.0} rows/s",
                r.customers,
                r.transactions,
                r.rows_per_second()
            );
        }
    })
    .await
    .map_err(user_error)?;
    println!(
        "wrote {} customers, {} transactions ({} items), {} interactions, {} other rows in {:.1} s: {:.0} rows/s",
        report.customers,
        report.transactions,
        report.items,
        report.interactions,
        report.other_rows,
        report.seconds,
        report.rows_per_second()
    );
    let full_demo = service_desk && created && workspace.is_none();
    if full_demo {
        // Before the first rating, so that the customers' satisfaction counts in their stars.
        let answers = seed::surveys::demo(&conn, target.id, random_seed, chrono::Utc::now())
            .await
            .map_err(user_error)?;
        println!("recorded {answers} demo survey answers (two surveys, paused until messaging is set up)");
    }
    if created && workspace.is_none() && customers <= REPLAY_UP_TO {
        // A demo's star history: the scheduled re-rating at each past month end, as things
        // stood then, so that its dashboards have a year to show.
        replay_month_ends(&conn, target.id).await?;
    }
    // The demo customers' first stars: their history says so, not "manual run".
    rerate_workspace(&conn, target.id, &target.name, 2_000, Trigger::Initial).await?;
    if full_demo {
        // With stars in place, so that the tickets get the priorities and targets they call for.
        let tickets = seed::service_desk::demo(&conn, target.id).await.map_err(user_error)?;
        println!("opened {tickets} demo tickets (team 客服一组, standard root causes)");
        // With stars in place, so that purchases earn at their level's multiplier.
        let (lots, redemptions) = seed::loyalty::demo(&conn, target.id, random_seed, chrono::Utc::now())
            .await
            .map_err(user_error)?;
        println!("earned points for {lots} demo purchases, {redemptions} redemptions (points rule on)");
    }
    Ok(())
}

async fn rerate(settings: &Settings, workspace: Option<&str>, batch_size: usize) -> anyhow::Result<()> {
    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let target = seed::find_workspace(&conn, workspace).await.map_err(user_error)?;
    rerate_workspace(&conn, target.id, &target.name, batch_size, Trigger::Manual).await
}

/// Demos up to this many customers get their past month ends replayed.
const REPLAY_UP_TO: u64 = 20_000;
/// Month ends a demo's star history goes back.
const REPLAY_MONTHS: i64 = 11;

/// Rates the workspace as things stood at the end of each of the last [`REPLAY_MONTHS`] months,
/// oldest first, each run a scheduled re-rating dated then (`RunOptions::as_of`).
async fn replay_month_ends(
    conn: &sea_orm::DatabaseConnection,
    workspace_id: uuid::Uuid,
) -> anyhow::Result<()> {
    use chrono::{Datelike, TimeZone};

    use crate::ratings::{jobs, scheduler};
    let started = std::time::Instant::now();
    let ctx = crate::ratings::engine::Context::load(conn, workspace_id).await.map_err(user_error)?;
    let today = chrono::Utc::now().with_timezone(&ctx.tz).date_naive();
    let this_month = today.year() * 12 + i32::try_from(today.month0()).unwrap_or(0);
    let mut changed = 0;
    for back in (0..REPLAY_MONTHS).rev() {
        // The last second of the month `back + 1` months ago: just before the next one starts.
        let next = this_month - i32::try_from(back).unwrap_or(0);
        let first =
            chrono::NaiveDate::from_ymd_opt(next.div_euclid(12), next.rem_euclid(12).unsigned_abs() + 1, 1)
                .unwrap_or(today);
        let Some(start) = ctx.tz.from_local_datetime(&first.and_time(chrono::NaiveTime::MIN)).earliest()
        else {
            continue;
        };
        let at = start.with_timezone(&chrono::Utc) - chrono::Duration::seconds(1);
        let txn = db::begin_write(conn).await?;
        let job = jobs::enqueue(&txn, &crate::auth::Scope::system(workspace_id), Trigger::Schedule)
            .await
            .map_err(user_error)?;
        txn.commit().await?;
        let opts = jobs::RunOptions { now: Some(at), as_of: true, ..jobs::RunOptions::default() };
        jobs::run(conn, job.id, &scheduler::worker_name(), &opts).await.map_err(user_error)?;
        let done =
            jobs::find(conn, &crate::auth::Scope::system(workspace_id), job.id).await.map_err(user_error)?;
        changed += done.changed;
    }
    println!(
        "replayed the last {REPLAY_MONTHS} month ends' scheduled ratings ({changed} ratings changed) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs the workspace's re-rating job (the open one, or a new one for `trigger`) to the end,
/// printing its progress.
async fn rerate_workspace(
    conn: &sea_orm::DatabaseConnection,
    workspace_id: uuid::Uuid,
    name: &str,
    batch_size: usize,
    trigger: Trigger,
) -> anyhow::Result<()> {
    use crate::ratings::{jobs, scheduler};
    let started = std::time::Instant::now();
    let txn = db::begin_write(conn).await?;
    let job =
        jobs::enqueue(&txn, &crate::auth::Scope::system(workspace_id), trigger).await.map_err(user_error)?;
    txn.commit().await?;
    println!("rating the customers of {name} (job {})", job.id);
    let opts = jobs::RunOptions { batch_size, ..jobs::RunOptions::default() };
    let end = jobs::run(conn, job.id, &scheduler::worker_name(), &opts).await.map_err(user_error)?;
    if end == jobs::RunEnd::Busy {
        anyhow::bail!(
            "another server is running this workspace's re-rating (job {}); it will finish it",
            job.id
        );
    }
    let done =
        jobs::find(conn, &crate::auth::Scope::system(workspace_id), job.id).await.map_err(user_error)?;
    println!(
        "rated {} customers, {} changed, in {:.1} s",
        done.processed,
        done.changed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `starcrm reindex`: rebuilds here when this process can open the index; hands the rebuild to
/// the running server when that server holds the embedded index.
/// `starcrm reindex` (also the last step of a restore).
///
/// # Errors
/// The database or the index failing.
pub async fn reindex(settings: &Settings, workspace: Option<&str>) -> anyhow::Result<()> {
    use sea_orm::EntityTrait;

    use crate::search::{self, SearchError, outbox, sync::Search};

    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let targets = match workspace {
        Some(name) => vec![seed::find_workspace(&conn, Some(name)).await.map_err(user_error)?],
        None => crate::entities::workspace::Entity::find().all(&conn).await?,
    };
    match search::open(settings).await {
        Ok(index) => {
            let search = Search::new(index);
            for ws in &targets {
                let started = std::time::Instant::now();
                let n = search.rebuild(&conn, ws.id).await.map_err(user_error)?;
                let seconds = started.elapsed().as_secs_f64();
                #[allow(clippy::cast_precision_loss, reason = "a rate")]
                let rate = n as f64 / seconds.max(1e-9);
                println!(
                    "indexed {n} customers of {} into the {} index in {seconds:.1} s ({rate:.0} docs/s)",
                    ws.name,
                    search.index.kind()
                );
            }
        }
        Err(err)
            if err
                .downcast_ref::<SearchError>()
                .is_some_and(|e| matches!(e, SearchError::Unavailable(_))) =>
        {
            for ws in &targets {
                outbox::request_rebuild(&conn, ws.id).await.map_err(user_error)?;
                println!("the running server holds the search index: it will rebuild {} now", ws.name);
            }
        }
        Err(err) => return Err(err),
    }
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
