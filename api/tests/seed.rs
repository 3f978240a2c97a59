//! The seed generator: realistic, deterministic for a seed, and consistent with what the API
//! computes (aggregates equal a recount from the rows). Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use starcrm_api::customers::aggregates;
use starcrm_api::entities::customer;
use starcrm_api::seed::generator::{Plan, generate};

async fn seeded(app: &TestApp, name: &str, seed: u64) -> anyhow::Result<(uuid::Uuid, Vec<customer::Model>)> {
    let account = app.workspace(name).await?;
    let workspace = account.workspace_id.parse()?;
    let plan = Plan { customers: 300, transactions: 3_000, seed, now: "2026-11-23T00:00:00Z".parse()? };
    let mut reports = 0;
    let report = generate(&app.state.db, workspace, plan, |_| reports += 1)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(report.customers, 300);
    assert!(reports >= 1, "progress is reported");
    let rows = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace))
        .order_by_asc(customer::Column::Number)
        .all(&app.state.db)
        .await?;
    Ok((workspace, rows))
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people_and_histories() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (_, first) = seeded(&app, "Seed one", 7).await?;
    let (_, again) = seeded(&app, "Seed two", 7).await?;
    let (_, other) = seeded(&app, "Seed three", 8).await?;
    let summary = |rows: &[customer::Model]| -> Vec<(String, i64, i32, String)> {
        rows.iter()
            .map(|c| (c.name.clone(), c.total_spend_minor, c.order_count, c.lifecycle_stage.clone()))
            .collect()
    };
    assert_eq!(summary(&first), summary(&again));
    assert_ne!(summary(&first), summary(&other));
    assert!(first.iter().zip(&again).all(|(a, b)| a.id != b.id), "reruns never collide on ids");
    Ok(())
}

#[tokio::test]
async fn seeded_data_is_realistic_and_its_aggregates_match_the_rows() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let (workspace, rows) = seeded(&app, "Realistic", 2026).await?;
    for c in &rows {
        let basis = aggregates::Basis {
            currency: "CNY",
            window_start: chrono::Utc::now() - chrono::Duration::days(365),
            complaints_tracked: None,
        };
        let recount =
            aggregates::compute(&app.state.db, c.id, &basis).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        assert_eq!(
            (recount.total_spend_minor, recount.order_count, recount.category_count),
            (c.total_spend_minor, c.order_count, c.category_count),
            "{}",
            c.name
        );
        assert_eq!(
            (recount.first_purchase_at, recount.last_purchase_at),
            (c.first_purchase_at, c.last_purchase_at)
        );
    }
    let orders: i64 = rows.iter().map(|c| i64::from(c.order_count)).sum();
    assert!((2_400..=3_300).contains(&orders), "about the asked number of purchases: {orders}");
    let chinese = rows.iter().filter(|c| !c.name.is_ascii()).count();
    assert!((220..=290).contains(&chinese), "mostly Chinese names: {chinese}/300");
    let never = rows.iter().filter(|c| c.order_count == 0).count();
    let once = rows.iter().filter(|c| c.order_count == 1).count();
    let max = rows.iter().map(|c| c.order_count).max().unwrap_or(0);
    assert!(never > 20 && once > 40 && max > 40, "a long tail: {never} never, {once} once, max {max}");
    let mut spends: Vec<i64> = rows.iter().map(|c| c.total_spend_minor).collect();
    spends.sort_unstable_by(|a, b| b.cmp(a));
    let top_tenth: i64 = spends[..30].iter().sum();
    let all: i64 = spends.iter().sum();
    assert!(top_tenth * 100 / all.max(1) >= 35, "the top 10 % bring a large share of spend");

    // The API reads the seeded workspace like any other.
    let owner = app
        .token(&common::Account {
            id: String::new(),
            email: owner_email(&app, workspace).await?,
            password: common::PASSWORD.to_owned(),
            workspace_id: workspace.to_string(),
        })
        .await?;
    let page = app
        .as_token(&owner)
        .execute(
            "{ customers(first: 3, orderBy: { field: TOTAL_SPEND }) { totalCount edges { node { code totalSpend { amountMinor } phones { value } identities { channel } } } } }",
            json!({}),
        )
        .await?;
    let data = page.data();
    assert_eq!(data["customers"]["totalCount"], 300);
    assert_eq!(data["customers"]["edges"][0]["node"]["totalSpend"]["amountMinor"], spends[0]);
    Ok(())
}

async fn owner_email(app: &TestApp, workspace: uuid::Uuid) -> anyhow::Result<String> {
    use starcrm_api::entities::user;
    let owner =
        user::Entity::find().filter(user::Column::WorkspaceId.eq(workspace)).one(&app.state.db).await?;
    Ok(owner.map(|u| u.email).unwrap_or_default())
}
