//! The dashboards (issue 22, `analytics`) against brute-force references computed here from the
//! rows in the database: the star distribution month by month and the migration matrix from a
//! star history planted over the last year and a half, revenue, orders, NPS, CSAT and churn by
//! star level, cohort retention and demand by category from an imported order file over two and
//! a half years, the lifecycle funnel; a deleted customer counted nowhere; refused arguments
//! naming the field. Runs on SQLite and on PostgreSQL.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "simulated days, counts and money, far inside every type"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use common::TestApp;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use starcrm_api::entities::{customer, star_history, transaction, transaction_item};
use starcrm_shared::insight::analytics::{self as an, month_index, month_label};
use uuid::Uuid;

const CATEGORIES: [&str; 3] = ["茶叶", "茶具", "点心"];

/// A reproducible generator (`SplitMix64`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Shop {
    app: TestApp,
    token: String,
    workspace_id: Uuid,
    tz: chrono_tz::Tz,
}

impl Shop {
    async fn run(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<starcrm_e2e::graphql::GraphqlResponse> {
        self.app.as_token(&self.token).execute(query, variables).await
    }

    fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.tz).date_naive()
    }

    /// The instant `day` starts in the workspace's zone.
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.tz
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn month_of(&self, at: DateTime<Utc>) -> i64 {
        let local = at.with_timezone(&self.tz);
        month_index(local.year(), local.month())
    }

    fn first_day(month: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(month.div_euclid(12) as i32, month.rem_euclid(12) as u32 + 1, 1)
            .unwrap_or_default()
    }
}

async fn open() -> anyhow::Result<Shop> {
    let app = TestApp::start().await?;
    let account = app.workspace("Dashboard shop").await?;
    let token = app.token(&account).await?;
    let viewer = app.as_token(&token).execute("{ viewer { workspace { id timezone } } }", json!({})).await?;
    let workspace_id = viewer.data()["viewer"]["workspace"]["id"].as_str().unwrap_or_default().parse()?;
    let tz = viewer.data()["viewer"]["workspace"]["timezone"].as_str().unwrap_or("UTC").parse()?;
    Ok(Shop { app, token, workspace_id, tz })
}

/// 30 customers buying over the last 30 months, one to three lines from three categories.
async fn import_orders(shop: &Shop) -> anyhow::Result<()> {
    let mut rng = Rng(22);
    let today = shop.today();
    let mut csv =
        String::from("\u{feff}订单号,下单时间,会员卡号,姓名,商品编码,商品名称,商品类别,数量,单价\n");
    let mut order = 0;
    for n in 0..30_u64 {
        let first = 1 + rng.below(900);
        for _ in 0..=rng.below(8) {
            let day = today - Duration::days(1 + rng.below(first) as i64);
            order += 1;
            for line in 0..=rng.below(3) {
                let c = CATEGORIES[rng.below(3) as usize];
                let price = 10 + rng.below(90);
                let qty = 1 + rng.below(3);
                let _ = writeln!(
                    csv,
                    "O{order},{day} 1{line}:00,M{n},客户{n},SKU-{c}-{line},{c}{line},{c},{qty},{price}.00"
                );
            }
        }
    }
    shop.app.import_purchases(&shop.token, &csv).await
}

/// Plants up to four past star changes per customer over the last 500 days (before the rows the
/// engine wrote today).
async fn plant_history(shop: &Shop, customers: &[customer::Model]) -> anyhow::Result<()> {
    let mut rng = Rng(7);
    for c in customers {
        let mut at = Utc::now() - Duration::days(500);
        let mut before = None;
        for _ in 0..rng.below(5) {
            at += Duration::minutes(1 + rng.below(120 * 24 * 60) as i64);
            let after = Some(1 + rng.below(5) as i16);
            star_history::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(shop.workspace_id),
                customer_id: Set(c.id),
                stars_before: Set(before),
                stars_after: Set(after),
                score: Set(None),
                breakdown: Set(None),
                policy_version: Set(None),
                trigger: Set("schedule".to_owned()),
                actor_id: Set(None),
                actor_name: Set(None),
                job_id: Set(None),
                reason: Set(None),
                created_at: Set(at),
            }
            .insert(&shop.app.state.db)
            .await?;
            before = after;
        }
    }
    Ok(())
}

/// Each live customer's stars at `at` from the history rows (0: not rated then); `None` when
/// the customer had no row yet.
fn stars_at(history: &BTreeMap<Uuid, Vec<star_history::Model>>, at: DateTime<Utc>) -> BTreeMap<Uuid, i64> {
    history
        .iter()
        .filter_map(|(id, rows)| {
            rows.iter().rev().find(|r| r.created_at <= at).map(|r| (*id, r.stars_after.map_or(0, i64::from)))
        })
        .collect()
}

#[tokio::test]
async fn dashboards_match_brute_force_references_on_the_rows_they_sum() -> anyhow::Result<()> {
    let shop = open().await?;
    import_orders(&shop).await?;
    let db = &shop.app.state.db;
    let everyone =
        customer::Entity::find().filter(customer::Column::WorkspaceId.eq(shop.workspace_id)).all(db).await?;
    plant_history(&shop, &everyone).await?;
    // A deleted customer is counted nowhere.
    let gone = everyone.iter().find(|c| c.name == "客户3").map(|c| c.id.to_string()).unwrap_or_default();
    shop.run("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": gone })).await?.data();
    let survey =
        "mutation($i: RecordSurveyResponseInput!) { recordSurveyResponse(input: $i) { response { id } } }";
    for (n, kind, score) in [(0, "NPS", 10), (1, "NPS", 3), (2, "NPS", 9), (0, "CSAT", 5), (4, "CSAT", 2)] {
        let id = everyone.iter().find(|c| c.name == format!("客户{n}")).map(|c| c.id.to_string());
        let input = json!({ "customer": { "id": id }, "kind": kind, "score": score });
        shop.run(survey, json!({ "i": input })).await?.data();
    }

    let today = shop.today();
    let (from, to) = (today - Duration::days(300), today - Duration::days(30));
    let query = "query($from: NaiveDate, $to: NaiveDate) { analytics { currency
        starTrend(months: 18) { month counts }
        starMigration(from: $from, to: $to) { from to matrix movedUp movedDown stayed newlyRated }
        byStarLevel(days: 365) { stars customers buyers orders revenueMinor npsAnswers nps csatAnswers csat boughtEver churned }
        cohorts(months: 24) { month customers retained rates }
        lifecycleFunnel { stage customers }
        demand(months: 24) { months forecastMonths byCategory { key sales method forecast heldOut { error naiveError } } byStars { key sales } } } }";
    let got = shop.run(query, json!({ "from": from, "to": to })).await?;
    let a = got.data()["analytics"].clone();

    let live: Vec<customer::Model> = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(shop.workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    assert_eq!(live.len(), everyone.len() - 1);
    check_history(&shop, &a, &live, (from, to)).await?;
    check_levels(&shop, &a, &live).await?;
    check_purchases(&shop, &a, &live).await?;
    let mut stages: BTreeMap<String, i64> = BTreeMap::new();
    for c in &live {
        *stages.entry(c.lifecycle_stage.to_uppercase()).or_default() += 1;
    }
    for row in a["lifecycleFunnel"].as_array().into_iter().flatten() {
        let stage = row["stage"].as_str().unwrap_or_default();
        assert_eq!(row["customers"], stages.get(stage).copied().unwrap_or(0), "{stage}");
    }
    Ok(())
}

async fn check_history(
    shop: &Shop,
    a: &Value,
    live: &[customer::Model],
    (from, to): (NaiveDate, NaiveDate),
) -> anyhow::Result<()> {
    let ids: BTreeSet<Uuid> = live.iter().map(|c| c.id).collect();
    let mut history: BTreeMap<Uuid, Vec<star_history::Model>> = BTreeMap::new();
    let rows = star_history::Entity::find()
        .filter(star_history::Column::WorkspaceId.eq(shop.workspace_id))
        .all(&shop.app.state.db)
        .await?;
    for row in rows.into_iter().filter(|r| ids.contains(&r.customer_id)) {
        history.entry(row.customer_id).or_default().push(row);
    }
    for rows in history.values_mut() {
        rows.sort_by_key(|r| (r.created_at, r.id));
    }
    // Every month but the current one ends at its last instant; the current one now.
    let current = shop.month_of(Utc::now());
    let trend = a["starTrend"].as_array().cloned().unwrap_or_default();
    assert_eq!(trend.len(), 18);
    let mut planted_months = 0;
    for (k, point) in trend.iter().enumerate() {
        let month = current - 17 + k as i64;
        assert_eq!(point["month"], month_label(month));
        let end = if month == current {
            Utc::now()
        } else {
            shop.start_of(Shop::first_day(month + 1)) - Duration::microseconds(1)
        };
        let mut counts = vec![0_i64; 6];
        for stars in stars_at(&history, end).values() {
            counts[*stars as usize] += 1;
        }
        if month != current {
            assert_eq!(point["counts"], json!(counts), "month {}", month_label(month));
        }
        planted_months += usize::from(counts.iter().sum::<i64>() > 0);
    }
    assert!(planted_months > 10, "the planted history spreads over the months");

    let end_of = |day: NaiveDate| shop.start_of(day + Duration::days(1)) - Duration::microseconds(1);
    let (before, after) = (stars_at(&history, end_of(from)), stars_at(&history, end_of(to)));
    let mut matrix = vec![vec![0_i64; 6]; 6];
    for (id, now) in &after {
        matrix[before.get(id).copied().unwrap_or(0) as usize][*now as usize] += 1;
    }
    let expected = an::StarMigration::of(from.to_string(), to.to_string(), matrix);
    let m = &a["starMigration"];
    assert_eq!(m["matrix"], json!(expected.matrix));
    assert_eq!(
        (m["movedUp"].clone(), m["movedDown"].clone(), m["stayed"].clone(), m["newlyRated"].clone()),
        (
            json!(expected.moved_up),
            json!(expected.moved_down),
            json!(expected.stayed),
            json!(expected.newly_rated)
        )
    );
    assert!(expected.moved_up + expected.moved_down > 0, "the planted history moves people: {expected:?}");
    Ok(())
}

async fn purchases(shop: &Shop) -> anyhow::Result<Vec<transaction::Model>> {
    Ok(transaction::Entity::find()
        .filter(transaction::Column::WorkspaceId.eq(shop.workspace_id))
        .filter(transaction::Column::Kind.eq("purchase"))
        .all(&shop.app.state.db)
        .await?)
}

async fn check_levels(shop: &Shop, a: &Value, live: &[customer::Model]) -> anyhow::Result<()> {
    let since = Utc::now() - Duration::days(365);
    let stars: BTreeMap<Uuid, usize> =
        live.iter().map(|c| (c.id, c.stars.map_or(0, |s| s as usize))).collect();
    let mut expected = vec![(0_i64, BTreeSet::new(), 0_i64, 0_i64, 0_i64, 0_i64); 6];
    for c in live {
        let l = &mut expected[stars[&c.id]];
        l.0 += 1;
        if c.order_count > 0 {
            l.4 += 1;
            l.5 += i64::from(c.lifecycle_stage == "churned");
        }
    }
    for t in purchases(shop).await?.into_iter().filter(|t| t.occurred_at >= since) {
        let Some(level) = stars.get(&t.customer_id) else { continue };
        let l = &mut expected[*level];
        l.1.insert(t.customer_id);
        l.2 += i64::from(t.status != "refunded");
        l.3 += t.amount_minor - t.refunded_minor;
    }
    let levels = a["byStarLevel"].as_array().cloned().unwrap_or_default();
    assert_eq!(levels.len(), 6);
    for (row, (customers, buyers, orders, revenue, bought, churned)) in levels.iter().zip(expected) {
        assert_eq!(
            (
                &row["customers"],
                &row["buyers"],
                &row["orders"],
                &row["revenueMinor"],
                &row["boughtEver"],
                &row["churned"]
            ),
            (
                &json!(customers),
                &json!(buyers.len()),
                &json!(orders),
                &json!(revenue),
                &json!(bought),
                &json!(churned)
            ),
            "{row}"
        );
    }
    // The five answers: NPS of customers 0, 1, 2 (10, 3, 9) and CSAT of 0 and 4 (5, 2), by
    // their stars today.
    let by_name: BTreeMap<&str, usize> = live.iter().map(|c| (c.name.as_str(), stars[&c.id])).collect();
    let mut nps = [(0_i64, 0_i64); 6];
    let mut csat = [(0_i64, 0_i64); 6];
    for (name, score) in [("客户0", 10), ("客户1", 3), ("客户2", 9)] {
        let l = by_name[name];
        nps[l].0 += 1;
        nps[l].1 += if score >= 9 {
            1
        } else if score <= 6 {
            -1
        } else {
            0
        };
    }
    for (name, score) in [("客户0", 5), ("客户4", 2)] {
        let l = by_name[name];
        csat[l].0 += 1;
        csat[l].1 += i64::from(score >= 4);
    }
    for (row, ((n, net), (m, happy))) in levels.iter().zip(nps.into_iter().zip(csat)) {
        assert_eq!(row["npsAnswers"], n, "{row}");
        assert_eq!(row["nps"].as_f64(), an::percent(net, n), "{row}");
        assert_eq!(row["csatAnswers"], m, "{row}");
        assert_eq!(row["csat"].as_f64(), an::percent(happy, m), "{row}");
    }
    Ok(())
}

async fn check_purchases(shop: &Shop, a: &Value, live: &[customer::Model]) -> anyhow::Result<()> {
    let ids: BTreeSet<Uuid> = live.iter().map(|c| c.id).collect();
    let current = shop.month_of(Utc::now());
    let bought = purchases(shop).await?;
    // Cohorts: the months each live customer bought in (refunded purchases left out).
    let mut months: BTreeMap<Uuid, BTreeSet<i64>> = BTreeMap::new();
    for t in bought.iter().filter(|t| t.status != "refunded" && ids.contains(&t.customer_id)) {
        months.entry(t.customer_id).or_default().insert(shop.month_of(t.occurred_at));
    }
    let first = current - 23;
    let mut table: BTreeMap<i64, Vec<i64>> =
        (first..=current).map(|m| (m, vec![0; (current - m + 1) as usize])).collect();
    for set in months.values() {
        let start = *set.iter().next().unwrap_or(&0);
        if let Some(row) = table.get_mut(&start) {
            for m in set {
                row[(m - start) as usize] += 1;
            }
        }
    }
    let cohorts = a["cohorts"].as_array().cloned().unwrap_or_default();
    assert_eq!(cohorts.len(), 24);
    for (row, (month, retained)) in cohorts.iter().zip(table) {
        assert_eq!((&row["month"], &row["retained"]), (&json!(month_label(month)), &json!(retained)));
    }
    assert!(
        cohorts.iter().any(|c| c["retained"]
            .as_array()
            .is_some_and(|r| r.iter().skip(1).any(|n| n.as_i64() > Some(0))))
    );

    // Demand: item sales by category over the 24 complete months before this one.
    let items = transaction_item::Entity::find()
        .filter(transaction_item::Column::WorkspaceId.eq(shop.workspace_id))
        .all(&shop.app.state.db)
        .await?;
    let of: BTreeMap<Uuid, &transaction::Model> = bought.iter().map(|t| (t.id, t)).collect();
    let start = current - 24;
    let mut sales: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in &items {
        let Some(t) = of.get(&i.transaction_id).filter(|t| t.status != "refunded") else { continue };
        let m = shop.month_of(t.occurred_at);
        if (start..current).contains(&m) {
            sales.entry(i.category.clone().unwrap_or_default()).or_insert_with(|| vec![0; 24])
                [(m - start) as usize] += i64::from(i.quantity) * i.unit_price_minor;
        }
    }
    let demand = &a["demand"];
    assert_eq!(demand["months"][0], month_label(start));
    assert_eq!(
        demand["forecastMonths"],
        json!([month_label(current), month_label(current + 1), month_label(current + 2)])
    );
    let series = demand["byCategory"].as_array().cloned().unwrap_or_default();
    assert_eq!(series.len(), sales.len());
    for s in &series {
        let key = s["key"].as_str().unwrap_or_default();
        let expected = an::DemandSeries::of(key.to_owned(), sales[key].clone(), an::HORIZON);
        assert_eq!(s["sales"], json!(expected.sales), "{key}");
        assert_eq!(s["method"], "SEASONAL_TREND");
        let forecast: Vec<f64> =
            s["forecast"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
        // Equal but for the last digit JSON may round away.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert_eq!(forecast.len(), expected.forecast.len(), "{key}");
        assert!(
            forecast.iter().zip(&expected.forecast).all(|(a, b)| close(*a, *b)),
            "{key}: {forecast:?} vs {:?}",
            expected.forecast
        );
        let held = expected.held_out.as_ref().and_then(|h| h.error).unwrap_or(-1.0);
        assert!(close(s["heldOut"]["error"].as_f64().unwrap_or(-2.0), held), "{key}: {s}");
    }
    // Biggest first.
    let totals: Vec<i64> = series
        .iter()
        .map(|s| s["sales"].as_array().into_iter().flatten().filter_map(Value::as_i64).sum())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    Ok(())
}

#[tokio::test]
async fn dashboard_arguments_are_checked_naming_the_field() -> anyhow::Result<()> {
    let shop = open().await?;
    let today = shop.today();
    for (query, vars, field) in [
        ("{ analytics { starTrend(months: 0) { month } } }", json!({}), "months"),
        ("{ analytics { cohorts(months: 25) { month } } }", json!({}), "months"),
        ("{ analytics { byStarLevel(days: 0) { stars } } }", json!({}), "days"),
        ("{ analytics { demand(months: 3) { months } } }", json!({}), "months"),
        ("{ analytics { campaigns(first: 51) { id } } }", json!({}), "first"),
        (
            "query($f: NaiveDate, $t: NaiveDate) { analytics { starMigration(from: $f, to: $t) { stayed } } }",
            json!({ "f": today, "t": today - Duration::days(1) }),
            "from",
        ),
        (
            "query($t: NaiveDate) { analytics { starMigration(to: $t) { stayed } } }",
            json!({ "t": today + Duration::days(2) }),
            "to",
        ),
    ] {
        let refused = shop.run(query, vars).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{query}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{query}: {}", refused.body);
    }
    // An empty workspace: zeros, no errors, no forecast pretended from nothing.
    let empty = shop
        .run("{ analytics { starTrend(months: 2) { counts } demand(months: 6) { byCategory { key } byStars { key sales } } } }", json!({}))
        .await?;
    assert_eq!(
        empty.data()["analytics"]["starTrend"],
        json!([{ "counts": [0, 0, 0, 0, 0, 0] }, { "counts": [0, 0, 0, 0, 0, 0] }])
    );
    assert_eq!(empty.data()["analytics"]["demand"]["byCategory"], json!([]));
    Ok(())
}

/// A run as of a past instant (how `starcrm seed` replays a demo's month ends) rates on what
/// had happened by then and dates its history then; the migration matrix reads it.
#[tokio::test]
async fn a_run_as_of_a_past_day_rates_on_what_had_happened_and_the_matrix_reads_it() -> anyhow::Result<()> {
    use starcrm_api::ratings::jobs;
    let shop = open().await?;
    let today = shop.today();
    // 老客 spent a lot 200 days ago; 新客 first bought 10 days ago and again today.
    let mut csv = String::from("\u{feff}订单号,下单时间,会员卡号,姓名,商品名称,数量,单价\n");
    let old = today - Duration::days(200);
    let recent = today - Duration::days(10);
    let _ = writeln!(csv, "O1,{old} 10:00,M1,老客,茶叶,1,9000.00");
    let _ = writeln!(csv, "O2,{recent} 10:00,M2,新客,茶叶,1,20.00");
    shop.app.import_purchases(&shop.token, &csv).await?;
    let db = &shop.app.state.db;
    let system = starcrm_api::auth::Scope::system(shop.workspace_id);
    // Unrated, as a seed's customers are before their first run.
    customer::Entity::update_many()
        .col_expr(customer::Column::Stars, sea_orm::sea_query::Expr::value(Option::<i16>::None))
        .col_expr(customer::Column::ComputedStars, sea_orm::sea_query::Expr::value(Option::<i16>::None))
        .filter(customer::Column::WorkspaceId.eq(shop.workspace_id))
        .exec(db)
        .await?;
    let at = shop.start_of(today - Duration::days(100));
    let job = jobs::enqueue(db, &system, starcrm_shared::rating::Trigger::Schedule)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = jobs::RunOptions { now: Some(at), as_of: true, ..jobs::RunOptions::default() };
    jobs::run(db, job.id, "replay", &opts).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = star_history::Entity::find().filter(star_history::Column::JobId.eq(job.id)).all(db).await?;
    let names: BTreeMap<Uuid, String> = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(shop.workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // Only 老客 existed then, and the row is dated then.
    let rated: Vec<(&str, DateTime<Utc>)> =
        rows.iter().map(|r| (names[&r.customer_id].as_str(), r.created_at)).collect();
    assert_eq!(rated, vec![("老客", at)], "{rows:?}");
    // The matrix from the day after to today: 新客 newly rated, 老客 rated on both days.
    let m = shop
        .run(
            "query($f: NaiveDate) { analytics { starMigration(from: $f) { matrix newlyRated } } }",
            json!({ "f": today - Duration::days(99) }),
        )
        .await?;
    let m = m.data()["analytics"]["starMigration"].clone();
    assert_eq!(m["newlyRated"], 1, "{m}");
    let before_row: i64 = (1..=5)
        .map(|s| m["matrix"][s].as_array().into_iter().flatten().filter_map(Value::as_i64).sum::<i64>())
        .sum();
    assert_eq!(before_row, 1, "老客 was rated then: {m}");
    Ok(())
}
