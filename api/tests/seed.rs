//! The seed generator: realistic, deterministic for a seed, and consistent with what the API
//! computes (aggregates equal a recount from the rows). Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
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
            surveys_answered: None,
            now: chrono::Utc::now(),
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

/// An access token of the demo account of `role`.
async fn demo_token(
    app: &TestApp,
    workspace: &starcrm_api::entities::workspace::Model,
    role: &str,
) -> anyhow::Result<String> {
    let account = common::Account {
        id: String::new(),
        email: starcrm_api::seed::demo_email(role),
        password: starcrm_api::seed::DEMO_PASSWORD.to_owned(),
        workspace_id: workspace.id.to_string(),
    };
    app.token(&account).await
}

/// A server with the demo workspace (its accounts) filled by the generator with `plan`.
async fn demo_with(plan: Plan) -> anyhow::Result<(TestApp, starcrm_api::entities::workspace::Model)> {
    let app = TestApp::start().await?;
    let db = &app.state.db;
    assert!(starcrm_api::seed::demo(db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let workspace =
        starcrm_api::seed::find_workspace(db, None).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    generate(db, workspace.id, plan, |_| {}).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((app, workspace))
}

/// `starcrm seed --service-desk` (what `scripts/run` does): the demo's agent finds work at every
/// stage, complaints solved with causes of the standard taxonomy feed the analysis, and the
/// demo's team deals the new tickets out.
#[tokio::test]
async fn the_demo_service_desk_has_work_at_every_stage() -> anyhow::Result<()> {
    use starcrm_api::seed;
    let (app, workspace) =
        demo_with(Plan { customers: 60, transactions: 600, seed: 2026, now: chrono::Utc::now() }).await?;
    let db = &app.state.db;
    let opened = seed::service_desk::demo(db, workspace.id).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert_eq!(opened, 14);

    let agent = common::Account {
        id: String::new(),
        email: seed::demo_email("agent"),
        password: seed::DEMO_PASSWORD.to_owned(),
        workspace_id: workspace.id.to_string(),
    };
    let token = app.token(&agent).await?;
    let desk = app
        .as_token(&token)
        .execute(
            "query($from: DateTime!, $to: DateTime!) {
               ticketCounts { open mine myTeam unassigned }
               all: tickets(view: ALL, first: 50) { edges { node { status kind rootCause { name } messages { kind } } } }
               ticketCategories { name parentId }
               teams { name members { userId } }
               complaintAnalysis(from: $from, to: $to, by: ROOT_CAUSE) { key label count } }",
            json!({
                "from": (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339(),
                "to": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339(),
            }),
        )
        .await?;
    let data = desk.data();
    // Three new, two answered, one waiting on the customer; eight solved.
    assert_eq!(data["ticketCounts"]["open"], 6, "{}", desk.body);
    // Round robin dealt the six open ones evenly between the team's agent and manager.
    assert_eq!(data["ticketCounts"]["unassigned"], 0, "{}", desk.body);
    assert_eq!(data["ticketCounts"]["mine"], 3, "{}", desk.body);
    let manager = common::Account { email: seed::demo_email("manager"), ..agent.clone() };
    let manager = app.token(&manager).await?;
    let theirs = app.as_token(&manager).execute("{ ticketCounts { mine myTeam } }", json!({})).await?;
    assert_eq!(theirs.data()["ticketCounts"], json!({ "mine": 3, "myTeam": 6 }), "{}", theirs.body);
    let tickets: Vec<Value> =
        data["all"]["edges"].as_array().into_iter().flatten().map(|e| e["node"].clone()).collect();
    let with = |status: &str| tickets.iter().filter(|t| t["status"] == status).count();
    assert_eq!((with("NEW"), with("OPEN"), with("PENDING"), with("SOLVED")), (3, 2, 1, 8), "{}", desk.body);
    for t in tickets.iter().filter(|t| t["kind"] == "COMPLAINT" && t["status"] == "SOLVED") {
        assert!(t["rootCause"]["name"].is_string(), "a solved complaint has its cause: {t}");
    }
    assert!(tickets.iter().any(|t| t["messages"].to_string().contains("INBOUND")), "customers wrote back");
    assert_eq!(data["ticketCategories"].as_array().map(Vec::len), Some(21), "the standard taxonomy");
    assert_eq!(data["teams"][0]["name"], "客服一组");
    assert_eq!(data["teams"][0]["members"].as_array().map(Vec::len), Some(2));
    // Subcauses count for their cause; the two complaints still open have none yet.
    let pareto: std::collections::BTreeMap<String, u64> = data["complaintAnalysis"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| (r["label"].as_str().unwrap_or("?").to_owned(), r["count"].as_u64().unwrap_or(0)))
        .collect();
    let expected = [("", 2), ("产品", 1), ("服务", 1), ("物流配送", 2), ("账单与支付", 2)];
    assert_eq!(pareto, expected.map(|(l, n)| (l.to_owned(), n)).into_iter().collect(), "{}", desk.body);
    Ok(())
}

/// `starcrm seed --service-desk` also gives the demo a year of feedback: the Feedback page has
/// scores by star level and terms to show, better scores from those who buy more, and the two
/// demo surveys wait, paused, for the business to set up how messages go out.
#[tokio::test]
async fn the_demo_has_a_year_of_feedback_and_two_paused_surveys() -> anyhow::Result<()> {
    use starcrm_api::seed;
    let (app, workspace) =
        demo_with(Plan { customers: 200, transactions: 2_000, seed: 2026, now: chrono::Utc::now() }).await?;
    let db = &app.state.db;
    let answers = seed::surveys::demo(db, workspace.id, 2026, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!((100..=250).contains(&answers), "about one and a half answers per customer asked: {answers}");

    let token = demo_token(&app, &workspace, "analyst").await?;
    let seen = app
        .as_token(&token)
        .execute(
            "{ nps: surveyScores(kind: NPS) { overall { n value } }
               csat: surveyScores(kind: CSAT) { overall { n } }
               terms: surveyTerms(kind: NPS) { comments unhappy { term } happy { term } }
               surveyDefinitions { name trigger active periodDays starLevels } }",
            json!({}),
        )
        .await?;
    let data = seen.data();
    let (nps, csat) = (&data["nps"]["overall"]["n"], &data["csat"]["overall"]["n"]);
    assert_eq!(nps.as_u64().unwrap_or(0) + csat.as_u64().unwrap_or(0), answers as u64, "{}", seen.body);
    assert!(data["terms"]["comments"].as_u64().unwrap_or(0) > 50, "{}", seen.body);
    assert!(!data["terms"]["unhappy"].as_array().is_none_or(Vec::is_empty), "{}", seen.body);
    assert_eq!(
        data["surveyDefinitions"],
        json!([
            { "name": "会员关系 NPS", "trigger": "PERIODIC", "active": false, "periodDays": 90, "starLevels": [4, 5] },
            { "name": "服务满意度", "trigger": "TICKET_SOLVED", "active": false, "periodDays": null, "starLevels": [] },
        ]),
        "{}",
        seen.body
    );
    Ok(())
}

/// The demo's points: a rule on, every purchase earned, refunds taken back, some redemptions,
/// earlier years' points expired; the ledger adds up and the Points page has a liability to show.
#[tokio::test]
async fn the_demo_has_a_points_ledger_that_adds_up() -> anyhow::Result<()> {
    use sea_orm::EntityTrait;
    use starcrm_api::seed;
    let (app, workspace) =
        demo_with(Plan { customers: 100, transactions: 1_000, seed: 7, now: chrono::Utc::now() }).await?;
    let db = &app.state.db;
    let (lots, redemptions) = seed::loyalty::demo(db, workspace.id, 7, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    assert!(lots > 500, "most purchases earn: {lots}");
    assert!(redemptions > 5, "{redemptions}");
    let token = demo_token(&app, &workspace, "analyst").await?;
    let seen = app
        .as_token(&token)
        .execute(
            "{ loyaltyRule { version rule { active } } pointsLiability { outstanding breakageRate months { points } } }",
            json!({}),
        )
        .await?;
    let data = seen.data();
    assert_eq!(data["loyaltyRule"], json!({ "version": 1, "rule": { "active": true } }));
    let outstanding = data["pointsLiability"]["outstanding"].as_i64().unwrap_or(0);
    assert!(outstanding > 1_000, "{}", seen.body);
    assert!(
        data["pointsLiability"]["breakageRate"].as_f64().is_some(),
        "earlier years expired: {}",
        seen.body
    );
    // Held in the accounts = what the lots hold.
    let lots_held: i64 =
        starcrm_api::entities::point_lot::Entity::find().all(db).await?.iter().map(|l| l.remaining).sum();
    let accounts: i64 = starcrm_api::entities::point_account::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|a| a.held - a.debt)
        .sum();
    let owed: i64 =
        starcrm_api::entities::point_account::Entity::find().all(db).await?.iter().map(|a| a.debt).sum();
    assert_eq!(accounts + owed, lots_held);
    // The catalogue, the levels' names and vouchers bought with the points, some used.
    let seen = app
        .as_token(&token)
        .execute("{ rewards { name issued left } ratingTiers { stars name } }", json!({}))
        .await?;
    let data = seen.data();
    let rewards = data["rewards"].as_array().cloned().unwrap_or_default();
    assert_eq!(rewards.len(), 5, "{}", seen.body);
    let issued: i64 = rewards.iter().map(|r| r["issued"].as_i64().unwrap_or(0)).sum();
    assert_eq!(usize::try_from(issued)?, redemptions, "{}", seen.body);
    assert_eq!(data["ratingTiers"][4], json!({ "stars": 5, "name": "钻石会员" }));
    let vouchers = starcrm_api::entities::voucher::Entity::find().all(db).await?;
    assert!(vouchers.iter().any(|v| v.status == "used") && vouchers.iter().any(|v| v.status == "issued"));
    // Exactly the members whose spendable points run out within the 30 warning days were warned
    // (how many depends on the date the test runs: year-end expiry).
    let now = chrono::Utc::now();
    let soon: std::collections::BTreeSet<uuid::Uuid> = starcrm_api::entities::point_lot::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|l| l.remaining > 0 && l.available_at <= now)
        .filter(|l| l.expires_at.is_some_and(|e| e > now && e <= now + chrono::Duration::days(30)))
        .map(|l| l.customer_id)
        .collect();
    let warned: std::collections::BTreeSet<uuid::Uuid> = starcrm_api::entities::point_warning::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|w| w.customer_id)
        .collect();
    assert_eq!(warned, soon);
    // New customers are welcomed with 3 stars for 30 days (新客户注册送星级).
    let policies = app
        .as_token(&token)
        .execute("{ ratingPolicies { status policy { welcome { stars days } } } }", json!({}))
        .await?;
    assert_eq!(policies.data()["ratingPolicies"][0]["policy"]["welcome"], json!({ "stars": 3, "days": 30 }));
    Ok(())
}
