//! Rewards and vouchers through the front door: a redemption spends the points and gives a
//! voucher with a code the till uses once (retries answered the same, a second use refused),
//! stock and star eligibility hold and a refused redemption changes nothing, pool codes go out
//! once each, two members racing for the last unit: one wins, expired vouchers are refused, and
//! the member redeems through their own token and sees their level's name and progress; birthday
//! points come once a year on the day in the workspace's time zone. Runs on SQLite and on
//! PostgreSQL.

mod common;

use chrono::{Duration, Utc};
use common::TestApp;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starcrm_api::entities::voucher;

const SAVE: &str = "mutation($id: ID, $v: Int, $input: RewardInput!) {
  saveReward(id: $id, version: $v, input: $input) { id name kind pointsCost minStars stock issued left codes version active } }";
const REDEEM: &str = "mutation($c: ID!, $r: ID!, $ref: String) {
  redeemReward(customerId: $c, rewardId: $r, externalRef: $ref) {
    balance created voucher { code status rewardName points expiresAt valueMinor } } }";
const USE: &str = "mutation($code: String!, $ref: String) {
  useVoucher(code: $code, externalRef: $ref) { created voucher { code status usedAt usedRef customerId } } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
const REWARDS: &str = "{ rewards(includeInactive: true) { id name issued left } }";

struct Shop {
    app: TestApp,
    token: String,
    workspace_id: String,
}

impl Shop {
    async fn open() -> anyhow::Result<Self> {
        let app = TestApp::start().await?;
        let account = app.workspace("Reward Shop").await?;
        let token = app.token(&account).await?;
        let shop = Self { app, token, workspace_id: account.workspace_id.clone() };
        let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [],
            "capPerPurchase": null, "pendingDays": 0, "expiry": { "kind": "NEVER", "count": 0 }, "warnDays": 30 });
        shop.gql(
            "mutation($rule: EarnRuleInput!) { saveLoyaltyRule(rule: $rule, version: 0) { version } }",
            json!({ "rule": rule }),
        )
        .await?
        .data();
        Ok(shop)
    }

    async fn gql(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<starcrm_e2e::graphql::GraphqlResponse> {
        self.app.as_token(&self.token).execute(query, variables).await
    }

    /// A member with `yuan` points (one per yuan spent).
    async fn member(&self, phone: &str, yuan: i64) -> anyhow::Result<String> {
        let bought = self
            .gql(
                PUSH,
                json!({ "input": { "customer": { "phone": phone, "name": "会员" }, "channel": "STORE",
                    "amountMinor": yuan * 100, "occurredAt": Utc::now() - Duration::minutes(1) } }),
            )
            .await?;
        Ok(bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned())
    }

    async fn reward(&self, input: Value) -> anyhow::Result<Value> {
        let saved = self.gql(SAVE, json!({ "input": input })).await?;
        Ok(saved.data()["saveReward"].clone())
    }

    async fn balance(&self, customer: &str) -> anyhow::Result<i64> {
        let read = self
            .gql("query($id: ID!) { customer(id: $id) { points { balance } } }", json!({ "id": customer }))
            .await?;
        Ok(read.data()["customer"]["points"]["balance"].as_i64().unwrap_or(i64::MIN))
    }

    async fn points_of(&self, customer: &str) -> anyhow::Result<Value> {
        let read = self
            .gql(
                "query($id: ID!) { customer(id: $id) { points { balance history { kind points } lots { source } } } }",
                json!({ "id": customer }),
            )
            .await?;
        Ok(read.data()["customer"]["points"].clone())
    }

    async fn issued(&self, reward: &Value) -> anyhow::Result<Value> {
        let all = self.gql(REWARDS, json!({})).await?;
        let all = all.data()["rewards"].as_array().cloned().unwrap_or_default();
        Ok(all.into_iter().find(|r| r["id"] == reward["id"]).unwrap_or(Value::Null))
    }
}

fn cash(name: &str, cost: i64, stock: Option<i64>) -> Value {
    json!({ "name": name, "kind": "CASH", "pointsCost": cost, "minStars": 1, "stock": stock,
        "valueMinor": 1000, "codes": "GENERATED", "validDays": 30, "active": true })
}

#[tokio::test]
async fn a_reward_is_redeemed_for_a_voucher_the_till_uses_once() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let member = shop.member("13700000001", 1200).await?;
    let reward = shop.reward(cash("满100减10", 500, Some(2))).await?;
    assert_eq!(reward["left"], 2);

    let redeemed = shop.gql(REDEEM, json!({ "c": member, "r": reward["id"], "ref": "APP-ORDER-1" })).await?;
    let out = redeemed.data()["redeemReward"].clone();
    assert_eq!((out["balance"].as_i64(), out["created"].as_bool()), (Some(700), Some(true)));
    let code = out["voucher"]["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code.len(), 12, "ABCD-EFGH-JK: {code}");
    assert_eq!(out["voucher"]["status"], "ISSUED");
    assert_eq!(out["voucher"]["rewardName"], "满100减10");
    assert_eq!(out["voucher"]["valueMinor"], 1000);
    let valid = common::time_of(&out["voucher"]["expiresAt"]) - Utc::now();
    assert!(valid > Duration::days(29) && valid <= Duration::days(30), "{valid}");
    // The points history names the reward; a retry with the reference gets the same voucher and
    // spends nothing more.
    let history = shop
        .gql(
            "query($id: ID!) { customer(id: $id) { points { history { kind points reason } vouchers { code } } } }",
            json!({ "id": member }),
        )
        .await?;
    let points = history.data()["customer"]["points"].clone();
    assert_eq!(points["history"][0], json!({ "kind": "REDEEM", "points": -500, "reason": "满100减10" }));
    assert_eq!(points["vouchers"][0]["code"], code.as_str());
    let again = shop.gql(REDEEM, json!({ "c": member, "r": reward["id"], "ref": "APP-ORDER-1" })).await?;
    assert_eq!(again.data()["redeemReward"]["created"], false);
    assert_eq!(again.data()["redeemReward"]["voucher"]["code"], code.as_str());
    assert_eq!(shop.balance(&member).await?, 700);
    assert_eq!(shop.issued(&reward).await?["issued"], 1);

    // The till types it in small letters without dashes: found, used once.
    let typed = code.replace('-', "").to_lowercase();
    let used = shop.gql(USE, json!({ "code": typed, "ref": "POS-88" })).await?;
    let used = used.data()["useVoucher"].clone();
    assert_eq!((used["created"].as_bool(), used["voucher"]["status"].as_str()), (Some(true), Some("USED")));
    assert_eq!(used["voucher"]["usedRef"], "POS-88");
    assert_eq!(used["voucher"]["customerId"], member.as_str());
    let retry = shop.gql(USE, json!({ "code": code, "ref": "POS-88" })).await?;
    assert_eq!(retry.data()["useVoucher"]["created"], false);
    for reference in [json!("POS-89"), Value::Null] {
        let twice = shop.gql(USE, json!({ "code": code, "ref": reference })).await?;
        assert_eq!(twice.error_code(), Some("CONFLICT"), "{}", twice.body);
        assert_eq!(twice.error_extension("field"), "code");
    }
    let checked =
        shop.gql("query($c: String!) { voucher(code: $c) { status usedRef } }", json!({ "c": code })).await?;
    assert_eq!(checked.data()["voucher"], json!({ "status": "USED", "usedRef": "POS-88" }));
    let unknown = shop.gql(USE, json!({ "code": "ZZZZ-ZZZZ-ZZ" })).await?;
    assert_eq!(unknown.error_code(), Some("NOT_FOUND"), "{}", unknown.body);

    // The audit log has the use.
    let audit = shop.gql("{ auditLog(first: 5) { nodes { action } } }", json!({})).await?;
    assert!(audit.body.to_string().contains("voucher.used"), "{}", audit.body);
    Ok(())
}

#[tokio::test]
async fn stock_stars_and_points_are_checked_and_a_refused_redemption_changes_nothing() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let member = shop.member("13700000002", 600).await?;
    let gold = shop
        .reward(json!({ "name": "金卡礼盒", "kind": "GIFT", "pointsCost": 100, "minStars": 5,
        "codes": "GENERATED", "active": true }))
        .await?;
    let dear = shop.reward(cash("大额券", 5_000, None)).await?;
    let one = shop.reward(cash("限量券", 200, Some(1))).await?;
    let off = shop
        .reward(json!({ "name": "已下架", "kind": "DISCOUNT", "percentOff": 10, "pointsCost": 10,
        "minStars": 1, "codes": "GENERATED", "active": false }))
        .await?;

    let cases = [
        (&gold, "rewardId", "needs 5 stars"),
        (&dear, "points", "only 600 points can be spent now"),
        (&off, "rewardId", "is not offered now"),
    ];
    for (reward, field, message) in cases {
        let refused = shop.gql(REDEEM, json!({ "c": member, "r": reward["id"] })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
        assert!(refused.error_message().contains(message), "{}", refused.body);
        // Nothing moved: the stock bump of a refused redemption is rolled back with it.
        assert_eq!(shop.issued(reward).await?["issued"], 0, "{}", reward["name"]);
    }
    assert_eq!(shop.balance(&member).await?, 600);
    shop.gql(REDEEM, json!({ "c": member, "r": one["id"] })).await?.data();
    let gone = shop.gql(REDEEM, json!({ "c": member, "r": one["id"] })).await?;
    assert_eq!(gone.error_extension("field"), "rewardId", "{}", gone.body);
    assert!(gone.error_message().contains("out of stock"), "{}", gone.body);
    assert_eq!(shop.balance(&member).await?, 400);
    assert_eq!(shop.issued(&one).await?["left"], 0);

    // Bad catalogue input names the field and saves nothing; a stale version is a conflict.
    for (input, field) in [
        (
            json!({ "name": "", "kind": "GIFT", "pointsCost": 1, "minStars": 1, "codes": "GENERATED", "active": true }),
            "name",
        ),
        (
            json!({ "name": "x", "kind": "CASH", "pointsCost": 1, "minStars": 1, "codes": "GENERATED", "active": true }),
            "valueMinor",
        ),
        (
            json!({ "name": "x", "kind": "GIFT", "pointsCost": 0, "minStars": 1, "codes": "GENERATED", "active": true }),
            "pointsCost",
        ),
        (
            json!({ "name": "x", "kind": "GIFT", "pointsCost": 1, "minStars": 6, "codes": "GENERATED", "active": true }),
            "minStars",
        ),
    ] {
        let refused = shop.gql(SAVE, json!({ "input": input })).await?;
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
    }
    let edited =
        shop.gql(SAVE, json!({ "id": one["id"], "v": 1, "input": cash("限量券", 200, Some(5)) })).await?;
    assert_eq!(edited.data()["saveReward"]["left"], 4);
    let stale =
        shop.gql(SAVE, json!({ "id": one["id"], "v": 1, "input": cash("限量券", 200, Some(9)) })).await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    let all = shop.gql(REWARDS, json!({})).await?;
    assert_eq!(all.data()["rewards"].as_array().map(Vec::len), Some(4));
    Ok(())
}

#[tokio::test]
async fn pool_codes_go_out_once_each_and_the_pool_is_the_stock() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let member = shop.member("13700000003", 1000).await?;
    let pool = shop
        .reward(
            json!({ "name": "天猫券", "kind": "COUPON", "pointsCost": 100, "minStars": 1, "valueMinor": 2000,
            "codes": "POOL", "active": true }),
        )
        .await?;
    assert_eq!(pool["left"], 0);
    let empty = shop.gql(REDEEM, json!({ "c": member, "r": pool["id"] })).await?;
    assert!(empty.error_message().contains("out of stock"), "{}", empty.body);
    let add = "mutation($r: ID!, $codes: [String!]!) { addRewardCodes(rewardId: $r, codes: $codes) { added skipped reward { left } } }";
    let added =
        shop.gql(add, json!({ "r": pool["id"], "codes": ["TM-2027-A", "TM-2027-B", " TM-2027-A "] })).await?;
    assert_eq!(added.data()["addRewardCodes"], json!({ "added": 2, "skipped": 1, "reward": { "left": 2 } }));
    let again = shop.gql(add, json!({ "r": pool["id"], "codes": ["TM-2027-B"] })).await?;
    assert_eq!(again.data()["addRewardCodes"]["added"], 0);
    let generated = shop.reward(cash("现金券", 10, None)).await?;
    let no_pool = shop.gql(add, json!({ "r": generated["id"], "codes": ["X"] })).await?;
    assert_eq!(no_pool.error_extension("field"), "rewardId", "{}", no_pool.body);

    let mut codes = Vec::new();
    for _ in 0..2 {
        let got = shop.gql(REDEEM, json!({ "c": member, "r": pool["id"] })).await?;
        codes.push(got.data()["redeemReward"]["voucher"]["code"].as_str().unwrap_or_default().to_owned());
    }
    codes.sort();
    assert_eq!(codes, ["TM-2027-A", "TM-2027-B"]);
    let out = shop.gql(REDEEM, json!({ "c": member, "r": pool["id"] })).await?;
    assert!(out.error_message().contains("out of stock"), "{}", out.body);
    assert_eq!(shop.balance(&member).await?, 800);
    Ok(())
}

#[tokio::test]
async fn two_members_racing_for_the_last_unit_one_wins() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let a = shop.member("13700000004", 500).await?;
    let b = shop.member("13700000005", 500).await?;
    let final_unit = shop.reward(cash("最后一张", 300, Some(1))).await?;
    let (ra, rb) = tokio::join!(
        shop.gql(REDEEM, json!({ "c": a, "r": final_unit["id"] })),
        shop.gql(REDEEM, json!({ "c": b, "r": final_unit["id"] })),
    );
    let (ra, rb) = (ra?, rb?);
    let won = [&ra, &rb].iter().filter(|r| r.error_code().is_none()).count();
    assert_eq!(won, 1, "{} / {}", ra.body, rb.body);
    let lost = if ra.error_code().is_some() { &ra } else { &rb };
    assert!(lost.error_message().contains("out of stock"), "{}", lost.body);
    assert_eq!(shop.issued(&final_unit).await?["issued"], 1);
    assert_eq!(
        shop.balance(&a).await? + shop.balance(&b).await?,
        700,
        "one paid, the other kept their points"
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_voucher_is_refused_at_the_till() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let member = shop.member("13700000006", 500).await?;
    let reward = shop.reward(cash("周末券", 100, None)).await?;
    let got = shop.gql(REDEEM, json!({ "c": member, "r": reward["id"] })).await?;
    let code = got.data()["redeemReward"]["voucher"]["code"].as_str().unwrap_or_default().to_owned();
    voucher::Entity::update_many()
        .col_expr(voucher::Column::ExpiresAt, Expr::value(Utc::now() - Duration::hours(1)))
        .filter(voucher::Column::Code.eq(code.as_str()))
        .exec(&shop.app.state.db)
        .await?;
    let refused = shop.gql(USE, json!({ "code": code, "ref": "POS-1" })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(refused.error_message().contains("expired on"), "{}", refused.body);
    let checked =
        shop.gql("query($c: String!) { voucher(code: $c) { status } }", json!({ "c": code })).await?;
    assert_eq!(checked.data()["voucher"]["status"], "EXPIRED");
    Ok(())
}

#[tokio::test]
async fn a_member_sees_what_they_can_redeem_and_redeems_it_themselves() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let member = shop.member("13700000007", 300).await?;
    shop.reward(cash("小券", 200, None)).await?;
    shop.reward(cash("大券", 1000, None)).await?;
    shop.reward(
        json!({ "name": "五星礼", "kind": "GIFT", "pointsCost": 50, "minStars": 5, "codes": "GENERATED",
        "active": true }),
    )
    .await?;
    // The levels carry the workspace's names, shown with the stars to staff and to the member.
    let names = ["普通", "银卡", "金卡", "铂金", "钻石"];
    let tiers: Vec<Value> = (1..=5)
        .map(|stars| json!({ "stars": stars, "name": format!(" {} ", names[stars - 1]), "includesLower": true, "benefits": [] }))
        .collect();
    let save_tiers = "mutation($t: [TierInput!]!) { saveRatingTiers(tiers: $t) { stars name } }";
    let saved = shop.gql(save_tiers, json!({ "t": tiers })).await?;
    assert_eq!(saved.data()["saveRatingTiers"][4]["name"], "钻石", "trimmed");
    let mut long = tiers.clone();
    long[2]["name"] = json!("金".repeat(21));
    let refused = shop.gql(save_tiers, json!({ "t": long })).await?;
    assert_eq!(refused.error_extension("field"), "tiers[2].name", "{}", refused.body);
    let staff =
        shop.gql("query($id: ID!) { customer(id: $id) { stars tierName } }", json!({ "id": member })).await?;
    let stars = staff.data()["customer"]["stars"].as_u64().unwrap_or(0);
    let level_index = usize::try_from(stars.max(1))? - 1;
    assert_eq!(staff.data()["customer"]["tierName"], names[level_index], "{}", staff.body);

    let issue = "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }";
    let token = shop.gql(issue, json!({ "c": member })).await?;
    let token = token.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let me = shop.app.as_token(&token);
    let standing =
        me.execute("{ me { stars { stars tierName score levelScore nextScore } } }", json!({})).await?;
    let standing = standing.data()["me"]["stars"].clone();
    assert_eq!(standing["tierName"], names[level_index], "{standing}");
    let (score, level) =
        (standing["score"].as_f64().unwrap_or(-1.0), standing["levelScore"].as_f64().unwrap_or(-1.0));
    assert!(level <= score, "{standing}");
    if let Some(next) = standing["nextScore"].as_f64() {
        assert!(score < next, "{standing}");
    }
    let seen = me.execute("{ me { rewards { id name pointsCost redeemable } } }", json!({})).await?;
    let rewards = seen.data()["me"]["rewards"].as_array().cloned().unwrap_or_default();
    let said: Vec<(&str, &str)> = rewards
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or(""), r["redeemable"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(said, [("五星礼", "NEEDS_STARS"), ("小券", "YES"), ("大券", "NEEDS_POINTS")]);
    let small = rewards[1]["id"].clone();
    let mine = "mutation($r: ID!, $ref: String) { redeemMyReward(rewardId: $r, externalRef: $ref) {
        balance created voucher { code status rewardName } } }";
    let done = me.execute(mine, json!({ "r": small, "ref": "app-1" })).await?;
    let done = done.data()["redeemMyReward"].clone();
    assert_eq!((done["balance"].as_i64(), done["voucher"]["status"].as_str()), (Some(100), Some("ISSUED")));
    let retry = me.execute(mine, json!({ "r": small, "ref": "app-1" })).await?;
    assert_eq!(retry.data()["redeemMyReward"]["created"], false);
    let poor = me.execute(mine, json!({ "r": small })).await?;
    assert_eq!(poor.error_extension("field"), "points", "{}", poor.body);
    let vouchers =
        me.execute("{ me { vouchers { code status rewardName } points { balance } } }", json!({})).await?;
    assert_eq!(vouchers.data()["me"]["vouchers"].as_array().map(Vec::len), Some(1));
    assert_eq!(vouchers.data()["me"]["vouchers"][0]["code"], done["voucher"]["code"]);
    assert_eq!(vouchers.data()["me"]["points"]["balance"], 100);
    Ok(())
}

#[tokio::test]
async fn birthday_points_come_once_on_the_day_in_the_workspace_time_zone() -> anyhow::Result<()> {
    use chrono::TimeZone;
    use sea_orm::{ActiveModelTrait, Set};
    use starcrm_api::entities::{customer, workspace};
    use starcrm_api::loyalty::birthdays;
    let shop = Shop::open().await?;
    let ws: uuid::Uuid = shop.workspace_id.parse()?;
    let db = &shop.app.state.db;
    let mut zone: workspace::ActiveModel =
        workspace::Entity::find_by_id(ws).one(db).await?.ok_or_else(|| anyhow::anyhow!("workspace"))?.into();
    zone.timezone = Set("Asia/Shanghai".to_owned());
    zone.update(db).await?;
    starcrm_api::ratings::engine::Context::forget(ws);
    let mut rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "capPerPurchase": null,
        "pendingDays": 0, "expiry": { "kind": "NEVER", "count": 0 }, "warnDays": 30, "birthdayPoints": [0, 50, 100] });
    let save =
        "mutation($rule: EarnRuleInput!, $v: Int!) { saveLoyaltyRule(rule: $rule, version: $v) { version } }";
    let refused = shop.gql(save, json!({ "rule": rule, "v": 1 })).await?;
    assert_eq!(refused.error_extension("field"), "birthdayPoints", "five levels: {}", refused.body);
    rule["birthdayPoints"] = json!([0, 50, 100, 200, 500]);
    shop.gql(save, json!({ "rule": rule, "v": 1 })).await?.data();

    let create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }";
    let mut ids = Vec::new();
    for (name, born, stars) in [
        ("三月十五", "1990-03-15", 3),
        ("三月十四", "1990-03-14", 3),
        ("闰日", "2000-02-29", 5),
        ("新填", "1990-03-15", 4),
    ] {
        let made = shop.gql(create, json!({ "i": { "name": name, "birthday": born } })).await?;
        let id = made.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
        shop.app.override_stars(&shop.token, &id, stars).await?;
        ids.push(id);
    }
    // The fourth entered their birthday two weeks before it: it waits a year.
    let mut recent: customer::ActiveModel = customer::Entity::find_by_id(ids[3].parse::<uuid::Uuid>()?)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("c"))?
        .into();
    recent.birthday_set_at =
        Set(Some(Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).single().unwrap_or_default()));
    recent.update(db).await?;

    // 16:30 UTC on 14 March is already the 15th in Shanghai: the 15th's birthday, not the 14th's.
    let at = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap_or_default();
    assert_eq!(birthdays::pass_workspace(db, ws, at(2027, 3, 14, 16, 30)).await?, 1);
    let first = shop.points_of(&ids[0]).await?;
    assert_eq!(first["balance"], 100, "3 stars: {first}");
    assert_eq!(first["history"][0], json!({ "kind": "GIFT", "points": 100 }));
    assert_eq!(first["lots"][0]["source"], "BIRTHDAY");
    assert_eq!(
        shop.points_of(&ids[1]).await?["balance"],
        0,
        "the 14th's birthday was the day before in Shanghai"
    );
    assert_eq!(shop.points_of(&ids[3]).await?["balance"], 0, "set two weeks before: next year");
    // Again the same day (another replica, a rerun): nothing more.
    assert_eq!(birthdays::pass_workspace(db, ws, at(2027, 3, 15, 3, 0)).await?, 0);
    assert_eq!(shop.points_of(&ids[0]).await?["balance"], 100);
    // 15:30 UTC on the 14th is 23:30 in Shanghai: the 14th's birthday.
    assert_eq!(birthdays::pass_workspace(db, ws, at(2027, 3, 14, 15, 30)).await?, 1);
    assert_eq!(shop.points_of(&ids[1]).await?["balance"], 100);
    // A 29 February birthday on the 28th in 2027; the next year the late entry gets its gift.
    assert_eq!(birthdays::pass_workspace(db, ws, at(2027, 2, 28, 4, 0)).await?, 1);
    assert_eq!(shop.points_of(&ids[2]).await?["balance"], 500, "5 stars");
    assert_eq!(birthdays::pass_workspace(db, ws, at(2028, 3, 15, 4, 0)).await?, 2);
    assert_eq!(shop.points_of(&ids[3]).await?["balance"], 200, "4 stars, a year later");
    assert_eq!(shop.points_of(&ids[0]).await?["balance"], 200, "and once more the next year");
    Ok(())
}

#[tokio::test]
async fn referrals_reward_both_once_the_first_purchase_settles_and_refuse_self_referrals()
-> anyhow::Result<()> {
    use starcrm_api::loyalty::referrals;
    let shop = Shop::open().await?;
    let ws: uuid::Uuid = shop.workspace_id.parse()?;
    let db = &shop.app.state.db;
    let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "capPerPurchase": null,
        "pendingDays": 7, "expiry": { "kind": "NEVER", "count": 0 }, "warnDays": 30,
        "referrerPoints": 300, "referredPoints": 100 });
    let save = "mutation($rule: EarnRuleInput!) { saveLoyaltyRule(rule: $rule, version: 1) { version } }";
    shop.gql(save, json!({ "rule": rule })).await?.data();
    let referrer = shop.member("13600000001", 10).await?;
    let code = shop
        .gql("query($id: ID!) { customer(id: $id) { points { referralCode } } }", json!({ "id": referrer }))
        .await?;
    let code = code.data()["customer"]["points"]["referralCode"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code.len(), 8, "{code}");
    let create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }";
    let new_customer = |phone: &'static str, email: Option<&'static str>| {
        let input = json!({ "i": { "name": "新朋友", "phones": [{ "value": phone }],
            "emails": email.map(|e| vec![json!({ "value": e })]).unwrap_or_default() } });
        let shop = &shop;
        async move {
            let made = shop.gql(create, input).await?;
            anyhow::Ok(made.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned())
        }
    };
    let record = "mutation($c: ID!, $code: String!) { recordReferral(customerId: $c, code: $code) { status referrerId } }";
    // Guards: the member's own code, a customer sharing the member's phone or email, one who
    // bought before, an unknown code; each refused, nothing recorded.
    let same_phone = new_customer("13600000001", None).await?;
    let bought = shop.member("13600000009", 5).await?;
    for (customer, used, field, says) in [
        (referrer.as_str(), code.as_str(), "code", "own code"),
        (same_phone.as_str(), code.as_str(), "code", "same phone"),
        (bought.as_str(), code.as_str(), "customerId", "bought before"),
    ] {
        let refused = shop.gql(record, json!({ "c": customer, "code": used })).await?;
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
        assert!(refused.error_message().contains(says), "{}", refused.body);
    }
    let unknown = shop.gql(record, json!({ "c": bought, "code": "ZZZZZZZZ" })).await?;
    assert_eq!(unknown.error_code(), Some("NOT_FOUND"), "{}", unknown.body);

    // A real friend: recorded (code typed in small letters), once.
    let friend = new_customer("13600000002", Some("friend@example.com")).await?;
    let done = shop.gql(record, json!({ "c": friend, "code": code.to_lowercase() })).await?;
    assert_eq!(done.data()["recordReferral"], json!({ "status": "pending", "referrerId": referrer }));
    let twice = shop.gql(record, json!({ "c": friend, "code": code })).await?;
    assert_eq!(twice.error_code(), Some("CONFLICT"), "{}", twice.body);

    // The friend's first purchase: nothing until the 7 pending days have passed, then both
    // sides, once.
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    shop.gql(
        push,
        json!({ "input": { "customer": { "id": friend }, "channel": "APP", "amountMinor": 5_000 } }),
    )
    .await?
    .data();
    assert_eq!(referrals::settle_workspace(db, ws, Utc::now()).await?, 0, "still pending");
    let later = Utc::now() + Duration::days(8);
    assert_eq!(referrals::settle_workspace(db, ws, later).await?, 1);
    assert_eq!(referrals::settle_workspace(db, ws, later).await?, 0, "once");
    let gift = |points: &Value| {
        points["history"]
            .as_array()
            .and_then(|h| h.iter().find(|o| o["kind"] == "GIFT"))
            .map(|o| o["points"].clone())
    };
    assert_eq!(gift(&shop.points_of(&referrer).await?), Some(json!(300)));
    assert_eq!(gift(&shop.points_of(&friend).await?), Some(json!(100)));
    assert_eq!(shop.points_of(&friend).await?["lots"][0]["source"], "REFERRAL");

    // A referred customer whose first purchase was refunded in full earns nobody anything.
    let other = new_customer("13600000003", None).await?;
    shop.gql(record, json!({ "c": other, "code": code })).await?.data();
    let bought = shop
        .gql(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { transaction { id } } }",
            json!({ "input": { "customer": { "id": other }, "channel": "APP", "amountMinor": 3_000 } }),
        )
        .await?;
    let purchase = bought.data()["recordTransaction"]["transaction"]["id"].clone();
    shop.gql(
        "mutation($i: RecordRefundInput!) { recordRefund(input: $i) { transaction { id } } }",
        json!({ "i": { "transactionId": purchase, "amountMinor": 3_000 } }),
    )
    .await?
    .data();
    assert_eq!(referrals::settle_workspace(db, ws, later).await?, 0);
    assert_eq!(gift(&shop.points_of(&other).await?), None);

    // The member sees their code and what their referrals did.
    let issue = "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }";
    let token = shop.gql(issue, json!({ "c": referrer })).await?;
    let token = token.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let me = shop
        .app
        .as_token(&token)
        .execute("{ me { referralCode referrals { rewarded pending } } }", json!({}))
        .await?;
    assert_eq!(
        me.data()["me"],
        json!({ "referralCode": code, "referrals": { "rewarded": 1, "pending": 1 } })
    );
    Ok(())
}

/// A "new" customer with another phone but the member's email (written in capitals) is the same
/// person: the referral is refused, naming the code.
#[tokio::test]
async fn a_customer_sharing_the_members_email_is_refused_as_a_self_referral() -> anyhow::Result<()> {
    let shop = Shop::open().await?;
    let create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }";
    let mut ids = Vec::new();
    for (phone, email) in [("13600000005", "li.na@example.com"), ("13600000006", "LI.NA@example.com")] {
        let made = shop
            .gql(create, json!({ "i": { "name": "李娜", "phones": [{ "value": phone }], "emails": [{ "value": email }] } }))
            .await?;
        ids.push(made.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned());
    }
    let code = shop
        .gql("query($id: ID!) { customer(id: $id) { points { referralCode } } }", json!({ "id": ids[0] }))
        .await?;
    let code = code.data()["customer"]["points"]["referralCode"].as_str().unwrap_or_default().to_owned();
    let record =
        "mutation($c: ID!, $code: String!) { recordReferral(customerId: $c, code: $code) { status } }";
    let refused = shop.gql(record, json!({ "c": ids[1], "code": code })).await?;
    assert_eq!(refused.error_extension("field"), "code", "{}", refused.body);
    assert!(refused.error_message().contains("same email"), "{}", refused.body);
    let counted = shop
        .gql("query($id: ID!) { customer(id: $id) { points { balance } } }", json!({ "id": ids[0] }))
        .await?;
    assert_eq!(counted.data()["customer"]["points"]["balance"], 0, "nothing recorded, nothing given");
    Ok(())
}
