//! `simulateRatingPolicy`: a draft run over the whole workspace without writing anything. It
//! reads the same set-based aggregates a real run reads, measures the population under the
//! draft's window and criteria, and scores everyone with the draft: the distribution before and
//! after, and who would move from which stars to which (with a few of them per cell).

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::rating::{self, Policy};
use uuid::Uuid;

use super::engine::{self, Context};
use super::jobs;
use crate::auth::Scope;
use crate::entities::customer;
use crate::error::AppError;

/// Customers shown per cell of the matrix.
const SAMPLES: i64 = 3;

/// The result of a simulation.
#[derive(Clone, Debug, Default)]
pub struct Simulation {
    pub customers: i64,
    /// Customers per current stars: index 0 unrated, 1-5 the stars.
    pub before: [i64; 6],
    /// Customers per stars under the draft (before downgrade protection), index 1-5.
    pub after: [i64; 6],
    /// `matrix[old][new]`: old 0 (unrated) to 5, new 1 to 5.
    pub matrix: [[i64; 6]; 6],
    /// `(old, new, id, code, name)` for a few customers per cell.
    pub samples: Vec<(usize, usize, Uuid, i64, String)>,
    pub average_score: f64,
}

/// Runs `draft` over the caller's workspace. Writes nothing. Needs `ratings:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field of a bad draft; `FORBIDDEN`.
#[allow(clippy::cast_precision_loss)]
pub async fn simulate(
    db: &DatabaseConnection,
    scope: &Scope,
    draft: &Policy,
) -> Result<Simulation, AppError> {
    scope.require(Permission::RatingsManage)?;
    draft.check().map_err(|(field, reason)| AppError::invalid(&format!("policy.{field}"), reason))?;
    let now = Utc::now();
    let mut ctx = Context::load(db, scope.workspace_id).await?;
    ctx.policy = draft.clone();
    let rows = jobs::read_rows(db, &ctx, (ctx.window_start(now), now), None, false).await?;
    let stats = jobs::population(draft, &rows);
    let today = ctx.today(now);
    let mut sim =
        Simulation { customers: i64::try_from(rows.len()).unwrap_or(i64::MAX), ..Simulation::default() };
    let mut sample_ids: Vec<(usize, usize, Uuid)> = Vec::new();
    let mut total = 0.0;
    for row in &rows {
        let input = engine::criteria_input(&row.agg, today, ctx.tz);
        let ev = rating::evaluate(&input, draft, &stats);
        total += ev.score;
        let old = row.rated.stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0);
        let new = usize::from(ev.stars);
        sim.before[old] += 1;
        sim.after[new] += 1;
        sim.matrix[old][new] += 1;
        if sim.matrix[old][new] <= SAMPLES {
            sample_ids.push((old, new, row.id));
        }
    }
    sim.average_score =
        if rows.is_empty() { 0.0 } else { (total / rows.len() as f64 * 100.0).round() / 100.0 };
    let names: Vec<(Uuid, i64, String)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::Number)
        .column(customer::Column::Name)
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(sample_ids.iter().map(|s| s.2)))
        .into_tuple()
        .all(db)
        .await?;
    sim.samples = sample_ids
        .into_iter()
        .filter_map(|(old, new, id)| {
            names.iter().find(|n| n.0 == id).map(|(_, number, name)| (old, new, id, *number, name.clone()))
        })
        .collect();
    Ok(sim)
}
