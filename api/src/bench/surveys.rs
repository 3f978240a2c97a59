//! `starcrm bench surveys`: survey results at volume. Seeds a workspace of its own with customers
//! and `--responses N` NPS answers spread over the last two years (one in ten with a comment,
//! Chinese or English, from a small phrase bank), then times, as the median of `--runs` runs:
//!
//! - the scores by star level and by month (the service's whole path: grouped counts in SQL,
//!   arithmetic and margins in Rust) against the bare aggregate SQL (one `GROUP BY score` over
//!   the same period): the ratio says what grouping and the arithmetic cost;
//! - the term analysis over the period's newest 100 000 comments (read, segmented, scored)
//!   against the bare read of the same comments.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use starcrm_shared::customer::Channel;
use starcrm_shared::surveys::{ResponseSource, SurveyKind};
use uuid::Uuid;

use super::{ms, scratch_workspace};
use crate::auth::Scope;
use crate::config::Settings;
use crate::entities::{customer, survey_response};
use crate::seed::generator::{self, Plan, Rng};
use crate::state::AppState;
use crate::surveys::scores::{self, Dimension};
use crate::surveys::terms;

/// Rows per insert statement, and statements per transaction, while seeding.
const CHUNK: usize = 1_000;
const CHUNKS_PER_TXN: usize = 20;

const UNHAPPY: &[&str] = &[
    "快递太慢了，等了一个星期",
    "包装破了，衣服也脏了",
    "客服一直不回复",
    "The delivery was late again",
    "Refund took weeks and nobody answered",
    "尺码不对，退货很麻烦",
];
const HAPPY: &[&str] = &[
    "店员很热情，服务周到",
    "Friendly staff and a great fitting room",
    "质量很好，会再来买",
    "Fast delivery and lovely packaging",
    "会员活动很划算",
    "店员耐心，推荐很专业",
];

/// `starcrm bench surveys`.
///
/// # Errors
/// The database failing.
pub async fn surveys(settings: &Settings, count: usize, runs: usize) -> anyhow::Result<()> {
    let state = AppState::init(settings).await?;
    let db = state.db.clone();
    let workspace = scratch_workspace(&state, &format!("bench surveys {}", Uuid::now_v7().simple())).await?;
    println!("bench surveys: {count} answers ({:?}), median of {runs} runs", state.info.database);
    let started = Instant::now();
    let now = Utc::now();
    let customers = (count / 10).clamp(1_000, 100_000);
    let plan = Plan { customers: customers as u64, transactions: 0, seed: 19, now };
    generator::generate(&db, workspace.id, plan, |_| {}).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::WorkspaceId.eq(workspace.id))
        .into_tuple()
        .all(&db)
        .await?;
    let comments = seed(&db, workspace.id, &ids, count, now).await?;
    crate::db::refresh_statistics(&db, &["survey_responses", "customers"]).await?;
    println!(
        "  seeded {} customers and {count} answers ({comments} with a comment) in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    let scope = Scope::system(workspace.id);
    let period = (now - chrono::Duration::days(730), now + chrono::Duration::seconds(1));
    let bare = median(runs, || bare_scores(&db, workspace.id, period)).await?;
    for (by, name) in [(Dimension::StarLevel, "by star level"), (Dimension::Month, "by month")] {
        let ours = median(runs, || async {
            scores::scores(&db, &scope, SurveyKind::Nps, period, Some(by))
                .await
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
        .await?;
        report(&format!("NPS {name}"), ours, "bare GROUP BY score", bare);
    }
    let read = median(runs, || bare_comments(&db, workspace.id, period)).await?;
    let analysed = median(runs, || async {
        terms::distinguishing(&db, &scope, SurveyKind::Nps, period, 20)
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?;
    let n = comments.min(usize::try_from(terms::MAX_COMMENTS).unwrap_or(usize::MAX));
    report(&format!("terms over {n} comments"), analysed, "bare read of the comments", read);
    Ok(())
}

pub(super) fn report(what: &str, ours: Duration, baseline: &str, bare: Duration) {
    let ratio = ours.as_secs_f64() / bare.as_secs_f64().max(1e-9);
    println!("  {what}: {:.1} ms vs {baseline} {:.1} ms: {ratio:.2}x", ms(ours), ms(bare));
}

/// The median wall time of `runs` calls (after one warm-up call).
pub(super) async fn median<F, Fut>(runs: usize, call: F) -> anyhow::Result<Duration>
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    call().await?;
    let mut times = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// The least SQL that scores the period: answers counted by score.
async fn bare_scores(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<()> {
    use survey_response::Column as C;
    let rows: Vec<(i16, i64)> = survey_response::Entity::find()
        .select_only()
        .column(C::Score)
        .column_as(C::Id.count(), "n")
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(C::Kind.eq(SurveyKind::Nps.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to))
        .group_by(C::Score)
        .into_tuple()
        .all(db)
        .await?;
    anyhow::ensure!(!rows.is_empty(), "no answers counted");
    Ok(())
}

/// The comments the term analysis reads, read and dropped.
async fn bare_comments(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<()> {
    use survey_response::Column as C;
    let rows: Vec<(i16, String)> = survey_response::Entity::find()
        .select_only()
        .columns([C::Score, C::Comment])
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(C::Kind.eq(SurveyKind::Nps.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to))
        .filter(C::Comment.is_not_null())
        .order_by_desc(C::AnsweredAt)
        .limit(terms::MAX_COMMENTS)
        .into_tuple()
        .all(db)
        .await?;
    anyhow::ensure!(!rows.is_empty(), "no comments read");
    Ok(())
}

/// Seeds `count` NPS answers over the two years before `now`; returns how many have a comment.
async fn seed(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    customers: &[Uuid],
    count: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut rng = Rng::new(1919);
    let channels = [Channel::Web, Channel::App, Channel::Store, Channel::Wechat, Channel::Phone];
    let stores = ["Jing'an", "Xuhui", "Pudong", "Chaoyang", "Tianhe"];
    let mut comments = 0;
    let mut rows = Vec::with_capacity(CHUNK);
    let mut txn = crate::db::begin_write(db).await?;
    let mut chunks = 0;
    for i in 0..count {
        // Scores lean happy, as real ones do: a third promoters, a fifth detractors.
        let roll = rng.below(100);
        let score: i16 = match roll {
            0..=19 => i16::try_from(rng.below(7)).unwrap_or(0),
            20..=59 => 7 + i16::try_from(rng.below(2)).unwrap_or(0),
            _ => 9 + i16::try_from(rng.below(2)).unwrap_or(0),
        };
        let comment = (rng.below(10) == 0).then(|| {
            comments += 1;
            let bank = if score <= 6 { UNHAPPY } else { HAPPY };
            bank[usize::try_from(rng.below(bank.len() as u64)).unwrap_or(0)].to_owned()
        });
        let at = now - chrono::Duration::minutes(i64::try_from(rng.below(730 * 24 * 60)).unwrap_or(0));
        let customer_id = customers[usize::try_from(rng.below(customers.len() as u64)).unwrap_or(0)];
        rows.push(survey_response::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            customer_id: Set(customer_id),
            kind: Set(SurveyKind::Nps.as_str().to_owned()),
            score: Set(score),
            comment: Set(comment),
            language: Set(None),
            channel: Set(Some(channels[i % channels.len()].as_str().to_owned())),
            store: Set(Some(stores[usize::try_from(rng.below(5)).unwrap_or(0)].to_owned())),
            agent_id: Set(None),
            ticket_id: Set(None),
            transaction_id: Set(None),
            source: Set(ResponseSource::Integration.as_str().to_owned()),
            external_ref: Set(None),
            loop_ticket_id: Set(None),
            recorded_by: Set(None),
            answered_at: Set(at),
            created_at: Set(at),
        });
        if rows.len() == CHUNK || i + 1 == count {
            survey_response::Entity::insert_many(std::mem::take(&mut rows))
                .exec_without_returning(&*txn)
                .await?;
            chunks += 1;
            if chunks % CHUNKS_PER_TXN == 0 {
                txn.commit().await?;
                txn = crate::db::begin_write(db).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(comments)
}
