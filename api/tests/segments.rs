//! Segments and RFM (issue 21): segment membership against a brute-force reference on generated
//! customers, RFM quintiles against the shared reference, customers entering and leaving a
//! segment as change-feed events with their reasons (a purchase, a star change, a deletion, the
//! calendar), "why is this customer in this segment", and refused input. The membership worker's
//! rounds are driven by hand. Runs on SQLite and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use common::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use starcrm_api::entities::{customer_rfm, event};
use starcrm_api::marketing::membership;
use starcrm_shared::marketing::{self, RfmGroup};

const CREATE: &str =
    "mutation($input: SegmentInput!) { createSegment(input: $input) { id version memberCount conditions } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
const MEMBERS: &str =
    "query($f: CustomerFilter) { customers(first: 100, filter: $f) { totalCount nodes { id } } }";

/// A small reproducible generator (an LCG), so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: i64) -> i64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        i64::try_from(self.0 >> 33).unwrap_or(0) % below
    }
}

/// What the test made of one customer.
#[derive(Clone, Debug, Default)]
struct Made {
    stars: Option<i64>,
    tags: BTreeSet<String>,
    /// (days ago, amount in fen) per purchase.
    purchases: Vec<(i64, i64)>,
}

impl Made {
    fn spend(&self) -> i64 {
        self.purchases.iter().map(|p| p.1).sum()
    }

    fn orders(&self) -> i64 {
        i64::try_from(self.purchases.len()).unwrap_or(i64::MAX)
    }

    /// Days since the last purchase.
    fn last(&self) -> Option<i64> {
        self.purchases.iter().map(|p| p.0).min()
    }
}

/// Who a segment should hold, worked out from what the test made.
type Rule = fn(&Made) -> bool;

struct Shop {
    app: TestApp,
    token: String,
    /// "Now" for purchase dates, so that purchases the same number of days ago are at the same
    /// instant (ties, for RFM recency).
    t0: chrono::DateTime<Utc>,
}

impl Shop {
    async fn open(name: &str) -> anyhow::Result<Self> {
        let app = TestApp::start().await?;
        let account = app.workspace(name).await?;
        let token = app.token(&account).await?;
        Ok(Self { app, token, t0: Utc::now() })
    }

    async fn run(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<starcrm_e2e::graphql::GraphqlResponse> {
        self.app.as_token(&self.token).execute(query, variables).await
    }

    async fn buy(&self, id: &str, amount_minor: i64, days_ago: i64) -> anyhow::Result<()> {
        let at = self.t0 - Duration::days(days_ago);
        self.run(
            PUSH,
            json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": amount_minor, "occurredAt": at } }),
        )
        .await?
        .data();
        Ok(())
    }

    async fn segment(&self, name: &str, filter: Value) -> anyhow::Result<Value> {
        let made = self.run(CREATE, json!({ "input": { "name": name, "filter": filter } })).await?;
        Ok(made.data()["createSegment"].clone())
    }

    async fn members(&self, segment: &Value) -> anyhow::Result<BTreeSet<String>> {
        let listed = self.run(MEMBERS, json!({ "f": { "segmentIds": [segment["id"]] } })).await?;
        Ok(listed.data()["customers"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// One round of the membership worker.
    async fn round(&self) -> anyhow::Result<membership::Moves> {
        Ok(membership::run_once(&self.app.state.db, Utc::now()).await?)
    }

    /// The segment events recorded, oldest first: (kind, customer, payload).
    async fn segment_events(&self) -> anyhow::Result<Vec<(String, String, Value)>> {
        let rows = event::Entity::find()
            .filter(event::Column::Kind.is_in(["segmentEntered", "segmentLeft"]))
            .order_by_asc(event::Column::Position)
            .all(&self.app.state.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|e| {
                let payload: Value = serde_json::from_str(&e.payload).unwrap_or_default();
                (e.kind, e.subject_id.map(|s| s.to_string()).unwrap_or_default(), payload)
            })
            .collect())
    }
}

/// 40 customers with random stars (set by hand), tags and up to three purchases; purchase ages never
/// fall on the 30- and 60-day edges the filters use.
async fn generate(shop: &Shop) -> anyhow::Result<BTreeMap<String, Made>> {
    let mut rng = Lcg(21);
    let mut made = BTreeMap::new();
    for i in 0..40 {
        let tags: BTreeSet<String> =
            ["VIP", "茶友", "团购"].iter().filter(|_| rng.next(3) == 0).map(|t| (*t).to_owned()).collect();
        let created = shop
            .run(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": { "name": format!("客户{i}"), "tags": tags } }),
            )
            .await?;
        let id = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
        let mut m = Made { tags, ..Made::default() };
        for _ in 0..rng.next(4) {
            let days = 3 + 7 * rng.next(28);
            let amount = 1_000 + 500 * rng.next(400);
            shop.buy(&id, amount, days).await?;
            m.purchases.push((days, amount));
        }
        // Set by hand (buyers would otherwise be rated by the default policy).
        let stars = 1 + rng.next(5);
        shop.app.override_stars(&shop.token, &id, i32::try_from(stars)?).await?;
        m.stars = Some(stars);
        made.insert(id, m);
    }
    Ok(made)
}

#[tokio::test]
async fn segment_members_match_a_brute_force_reference() -> anyhow::Result<()> {
    let shop = Shop::open("Segment shop").await?;
    let made = generate(&shop).await?;
    let cases: Vec<(&str, Value, Rule)> = vec![
        (
            "4-5 stars, not bought in 60 days",
            json!({ "stars": { "min": 4 }, "daysSinceLastPurchase": { "min": 60 } }),
            |m| m.stars.is_some_and(|s| s >= 4) && m.last().is_some_and(|d| d >= 60),
        ),
        (
            "VIP spending 1000 yuan or more",
            json!({ "totalSpend": { "min": 100_000 }, "tagsAny": ["VIP"] }),
            |m| m.spend() >= 100_000 && m.tags.contains("VIP"),
        ),
        (
            "low stars or frequent",
            json!({ "or": [{ "stars": { "max": 2 } }, { "orderCount": { "min": 3 } }] }),
            |m| m.stars.is_some_and(|s| s <= 2) || m.orders() >= 3,
        ),
        (
            "buyers not in group buying",
            json!({ "not": { "tagsAny": ["团购"] }, "orderCount": { "min": 1 } }),
            |m| !m.tags.contains("团购") && m.orders() >= 1,
        ),
        ("bought within 30 days", json!({ "daysSinceLastPurchase": { "max": 30 } }), |m| {
            m.last().is_some_and(|d| d < 30)
        }),
        ("VIP tea friends", json!({ "tagsAll": ["VIP", "茶友"] }), |m| {
            m.tags.contains("VIP") && m.tags.contains("茶友")
        }),
    ];
    for (name, filter, rule) in cases {
        let expected: BTreeSet<String> =
            made.iter().filter(|(_, m)| rule(m)).map(|(id, _)| id.clone()).collect();
        let preview = shop
            .run(
                "query($f: CustomerFilter!) { segmentPreview(filter: $f) { customers byStars } }",
                json!({ "f": filter }),
            )
            .await?;
        assert_eq!(preview.data()["segmentPreview"]["customers"], expected.len(), "{name}: live count");
        let by_stars: u64 = preview.data()["segmentPreview"]["byStars"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .sum();
        assert_eq!(by_stars, expected.len() as u64, "{name}: the levels add up");
        let segment = shop.segment(name, filter).await?;
        assert_eq!(segment["memberCount"], expected.len(), "{name}: {segment}");
        assert_eq!(shop.members(&segment).await?, expected, "{name}: members");
    }
    assert!(shop.segment_events().await?.is_empty(), "a new segment's first fill records no events");
    Ok(())
}

#[tokio::test]
async fn rfm_scores_are_the_shared_quintiles_keep_up_and_segment_by_group() -> anyhow::Result<()> {
    let shop = Shop::open("RFM shop").await?;
    let made = generate(&shop).await?;
    // RFM: each buyer's scores are the quintiles of the shared reference, and the group its cell.
    let grid = shop.run("mutation { recomputeRfm { customers cells { recency frequencyMonetary group customers } groups { group customers } } }", json!({})).await?;
    let buyers: Vec<(&String, &Made)> = made.iter().filter(|(_, m)| m.orders() > 0).collect();
    assert_eq!(grid.data()["recomputeRfm"]["customers"], buyers.len());
    // Recency: a later purchase is a higher value (fewer days ago).
    let r = marketing::scores(&buyers.iter().map(|(_, m)| -m.last().unwrap_or(0)).collect::<Vec<_>>());
    let f = marketing::scores(&buyers.iter().map(|(_, m)| m.orders()).collect::<Vec<_>>());
    let m = marketing::scores(&buyers.iter().map(|(_, m)| m.spend()).collect::<Vec<_>>());
    let stored: BTreeMap<String, customer_rfm::Model> = customer_rfm::Entity::find()
        .all(&shop.app.state.db)
        .await?
        .into_iter()
        .map(|row| (row.customer_id.to_string(), row))
        .collect();
    assert_eq!(stored.len(), buyers.len(), "only buyers are scored");
    let mut per_group: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, (id, _)) in buyers.iter().enumerate() {
        let row = &stored[*id];
        assert_eq!(
            (row.recency, row.frequency, row.monetary),
            (i16::from(r[i]), i16::from(f[i]), i16::from(m[i])),
            "{id}"
        );
        let group = marketing::group(r[i], f[i], m[i]);
        assert_eq!(row.rfm_group, group.as_str(), "{id}");
        *per_group.entry(group.as_str()).or_default() += 1;
    }
    for g in grid.data()["recomputeRfm"]["groups"].as_array().into_iter().flatten() {
        let name = RfmGroup::ALL
            .iter()
            .find(|x| serde_json::to_value(x).ok().as_ref() == Some(&g["group"]))
            .map_or("", |x| x.as_str());
        assert_eq!(g["customers"].as_u64(), Some(per_group.get(name).copied().unwrap_or(0)), "{g}");
    }
    let cells = grid.data()["recomputeRfm"]["cells"].as_array().map_or(0, Vec::len);
    assert_eq!(cells, 25);
    // Scoring again keeps up: a deleted buyer loses their scores, the others keep theirs.
    let gone = buyers[0].0.clone();
    shop.run("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": gone })).await?.data();
    let again = shop.run("mutation { recomputeRfm { customers } }", json!({})).await?;
    assert_eq!(again.data()["recomputeRfm"]["customers"], buyers.len() - 1);
    let left: Vec<String> = customer_rfm::Entity::find()
        .all(&shop.app.state.db)
        .await?
        .into_iter()
        .map(|row| row.customer_id.to_string())
        .collect();
    assert!(!left.contains(&gone) && left.len() == buyers.len() - 1, "{left:?}");
    shop.run("mutation($id: ID!) { restoreCustomer(id: $id) { id } }", json!({ "id": gone })).await?.data();
    shop.run("mutation { recomputeRfm { customers } }", json!({})).await?.data();

    // A segment of RFM groups holds exactly the buyers in them.
    let champions: BTreeSet<String> = buyers
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            matches!(marketing::group(r[*i], f[*i], m[*i]), RfmGroup::Champions | RfmGroup::Loyal)
        })
        .map(|(_, (id, _))| (*id).clone())
        .collect();
    let best = shop.segment("Champions and loyal", json!({ "rfmGroups": ["CHAMPIONS", "LOYAL"] })).await?;
    assert_eq!(shop.members(&best).await?, champions);
    Ok(())
}

#[tokio::test]
async fn customers_entering_and_leaving_are_events_with_their_reasons() -> anyhow::Result<()> {
    let shop = Shop::open("Moving shop").await?;
    let wang = shop.app.customer(&shop.token, "王芳").await?;
    shop.buy(&wang, 50_000, 10).await?;
    shop.app.override_stars(&shop.token, &wang, 4).await?;
    let segment = shop
        .segment("Big 4-5 stars", json!({ "stars": { "min": 4 }, "totalSpend": { "min": 100_000 } }))
        .await?;
    assert_eq!(segment["memberCount"], 0);
    assert_eq!(segment["conditions"], json!(["stars", "totalSpend"]));
    let id = segment["id"].as_str().unwrap_or_default().to_owned();

    // A purchase brings her in: the spend condition is named, with the purchase as trigger.
    shop.buy(&wang, 60_000, 1).await?;
    assert_eq!(shop.round().await?, membership::Moves { entered: 1, left: 0 });
    let events = shop.segment_events().await?;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "segmentEntered");
    assert_eq!(events[0].1, wang);
    assert_eq!(events[0].2["segmentId"], id);
    assert_eq!(events[0].2["conditions"], json!(["totalSpend"]));
    assert_eq!(events[0].2["trigger"], "transactionRecorded");
    assert_eq!(shop.round().await?, membership::Moves::default(), "applied once");

    // Why she is in, on her page.
    let why = "query($c: ID!) { customerMarketing(customerId: $c) { segments { member memberSince missing conditions { condition holds } } } }";
    let standing = shop.run(why, json!({ "c": wang })).await?;
    let s = &standing.data()["customerMarketing"]["segments"][0];
    assert_eq!(s["member"], true, "{s}");
    assert_eq!(
        s["conditions"],
        json!([{ "condition": "stars", "holds": true }, { "condition": "totalSpend", "holds": true }])
    );

    // Stars lowered by hand: she leaves, and the reason is the stars condition alone.
    shop.app.override_stars(&shop.token, &wang, 2).await?;
    assert_eq!(shop.round().await?, membership::Moves { entered: 0, left: 1 });
    let events = shop.segment_events().await?;
    assert_eq!(events[1].0, "segmentLeft");
    assert_eq!(events[1].2["conditions"], json!(["stars"]));
    assert_eq!(events[1].2["trigger"], "starsChanged");
    let standing = shop.run(why, json!({ "c": wang })).await?;
    let s = &standing.data()["customerMarketing"]["segments"][0];
    assert_eq!((s["member"].clone(), s["missing"].clone()), (json!(false), json!(1)), "{s}");

    // Back in, then deleted: she leaves as gone.
    shop.app.override_stars(&shop.token, &wang, 5).await?;
    shop.round().await?;
    shop.run("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": wang })).await?.data();
    assert_eq!(shop.round().await?, membership::Moves { entered: 0, left: 1 });
    let events = shop.segment_events().await?;
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[3].0, "segmentLeft");
    assert_eq!(events[3].2["gone"], true);
    let count = shop.run("query($id: ID!) { segment(id: $id) { memberCount } }", json!({ "id": id })).await?;
    assert_eq!(count.data()["segment"]["memberCount"], 0);

    // The calendar: a customer who bought 58 days ago enters "not bought in 60 days" when the
    // scheduled refresh runs three days later, naming the days condition.
    let li = shop.app.customer(&shop.token, "李娜").await?;
    shop.buy(&li, 20_000, 58).await?;
    let lapsing = shop
        .segment("Lapsing", json!({ "daysSinceLastPurchase": { "min": 60 }, "orderCount": { "min": 1 } }))
        .await?;
    assert_eq!(lapsing["memberCount"], 0);
    shop.round().await?;
    let lapsing_id: uuid::Uuid = lapsing["id"].as_str().unwrap_or_default().parse()?;
    let later = Utc::now() + Duration::days(3);
    let moved = membership::refresh(&shop.app.state.db, lapsing_id, "schedule", later).await?;
    assert_eq!(moved, membership::Moves { entered: 1, left: 0 });
    let events = shop.segment_events().await?;
    let last = events.last().cloned().unwrap_or_default();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("segmentEntered", li.as_str()));
    assert_eq!(last.2["conditions"], json!(["daysSinceLastPurchase"]));
    assert_eq!(last.2["trigger"], "schedule");
    // Buying again takes her out at once, naming the days condition.
    shop.buy(&li, 5_000, 0).await?;
    assert_eq!(shop.round().await?, membership::Moves { entered: 0, left: 1 });
    let last = shop.segment_events().await?.pop().unwrap_or_default();
    assert_eq!(last.2["conditions"], json!(["daysSinceLastPurchase"]), "{last:?}");
    Ok(())
}

#[tokio::test]
async fn bad_segments_are_refused_naming_the_field_and_edits_follow_versions() -> anyhow::Result<()> {
    let shop = Shop::open("Strict shop").await?;
    let refused = |name: &'static str, filter: Value| {
        let shop = &shop;
        async move { shop.run(CREATE, json!({ "input": { "name": name, "filter": filter } })).await }
    };
    let cases = [
        (refused("", json!({ "stars": { "min": 4 } })).await?, "name"),
        (refused("No conditions", json!({})).await?, "filter"),
        (
            refused("Nested", json!({ "segmentIds": ["0190b7a4-0000-7000-8000-000000000000"] })).await?,
            "filter.segmentIds",
        ),
        (
            refused("Unknown field", json!({ "customFields": [{ "key": "nope", "isSet": true }] })).await?,
            "filter.customFields[0].key",
        ),
        (
            refused("Far back", json!({ "daysSinceLastPurchase": { "min": 99_999 } })).await?,
            "filter.daysSinceLastPurchase",
        ),
        (refused("Bad stars", json!({ "stars": { "min": 99_999 } })).await?, "filter.stars"),
    ];
    for (response, field) in cases {
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{}", response.body);
        assert_eq!(response.error_extension("field"), field, "{}", response.body);
    }
    let list = shop.run("{ segments { id } }", json!({})).await?;
    assert_eq!(list.data()["segments"], json!([]), "nothing saved");

    let first = shop.segment("Five stars", json!({ "stars": { "min": 5 } })).await?;
    let twin = shop
        .run(CREATE, json!({ "input": { "name": "Five stars", "filter": { "stars": { "min": 5 } } } }))
        .await?;
    assert_eq!(twin.error_extension("field"), "name", "{}", twin.body);
    let update = "mutation($id: ID!, $v: Int!, $input: SegmentInput!) { updateSegment(id: $id, version: $v, input: $input) { version name filter } }";
    let input = json!({ "name": "Four and five", "filter": { "stars": { "min": 4 } } });
    let saved = shop.run(update, json!({ "id": first["id"], "v": 1, "input": input })).await?;
    assert_eq!(saved.data()["updateSegment"]["version"], 2);
    assert_eq!(saved.data()["updateSegment"]["filter"]["stars"]["min"], 4);
    let stale = shop.run(update, json!({ "id": first["id"], "v": 1, "input": input })).await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    let deleted =
        shop.run("mutation($id: ID!) { deleteSegment(id: $id) }", json!({ "id": first["id"] })).await?;
    assert_eq!(deleted.data()["deleteSegment"], true);
    let gone = shop.run("query($id: ID!) { segment(id: $id) { id } }", json!({ "id": first["id"] })).await?;
    assert_eq!(gone.error_code(), Some("NOT_FOUND"));
    Ok(())
}

#[tokio::test]
async fn points_satisfaction_and_last_contact_conditions_select_the_right_customers() -> anyhow::Result<()> {
    let shop = Shop::open("Activity shop").await?;
    let (wang, li, chen) = (
        shop.app.customer(&shop.token, "王芳").await?,
        shop.app.customer(&shop.token, "李娜").await?,
        shop.app.customer(&shop.token, "陈静").await?,
    );
    let count = |filter: Value| {
        let shop = &shop;
        async move {
            let counted = shop.run(MEMBERS, json!({ "f": filter })).await?;
            let mut ids: Vec<String> = counted.data()["customers"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect();
            ids.sort();
            anyhow::Ok(ids)
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // Points: 300 given to Wang by hand; nobody else has an account (a balance of 0).
    shop.run(
        "mutation($i: PointsInput!) { adjustPoints(input: $i) { balance } }",
        json!({ "i": { "customerId": wang, "points": 300, "reason": "开业礼" } }),
    )
    .await?
    .data();
    assert_eq!(count(json!({ "points": { "min": 100 } })).await?, vec![wang.clone()]);
    assert_eq!(count(json!({ "points": { "max": 0 } })).await?, sorted(vec![li.clone(), chen.clone()]));
    assert_eq!(
        count(json!({ "not": { "points": { "min": 1 } } })).await?,
        sorted(vec![li.clone(), chen.clone()])
    );

    // Satisfaction: the latest NPS answer counts. Li was a detractor and then a promoter.
    let answer = |who: &str, score: i32, days_ago: i64| {
        let at = Utc::now() - Duration::days(days_ago);
        json!({ "input": { "customer": { "id": who }, "kind": "NPS", "score": score, "answeredAt": at } })
    };
    let record = "mutation($input: RecordSurveyResponseInput!) { recordSurveyResponse(input: $input) { response { id } } }";
    shop.run(record, answer(&li, 3, 20)).await?.data();
    shop.run(record, answer(&li, 9, 2)).await?.data();
    shop.run(record, answer(&chen, 4, 5)).await?.data();
    let detractors = json!({ "satisfaction": { "kind": "NPS", "score": { "max": 6 } } });
    assert_eq!(count(detractors).await?, vec![chen.clone()]);
    assert_eq!(
        count(json!({ "satisfaction": { "kind": "NPS", "score": { "min": 9 } } })).await?,
        vec![li.clone()]
    );
    assert!(count(json!({ "satisfaction": { "kind": "CSAT", "score": { "max": 5 } } })).await?.is_empty());

    // Last contact (set in the database, as the answers above moved it): Chen 40 days ago, Li 2
    // days ago, Wang never.
    for (who, at) in [
        (&chen, Some(Utc::now() - Duration::days(40))),
        (&li, Some(Utc::now() - Duration::days(2))),
        (&wang, None),
    ] {
        starcrm_api::entities::customer::Entity::update_many()
            .col_expr(
                starcrm_api::entities::customer::Column::LastActivityAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(starcrm_api::entities::customer::Column::Id.eq(who.parse::<uuid::Uuid>()?))
            .exec(&shop.app.state.db)
            .await?;
    }
    assert_eq!(count(json!({ "daysSinceLastContact": { "min": 30 } })).await?, vec![chen.clone()]);
    assert_eq!(count(json!({ "daysSinceLastContact": { "max": 30 } })).await?, vec![li.clone()]);
    Ok(())
}
