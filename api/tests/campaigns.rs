//! Campaigns (issue 21): a star-targeted email campaign prepared and sent over a real SMTP server
//! (aiosmtpd) with consent, address and the contact budget respected and each exclusion counted
//! by reason; the holdout drawn reproducibly and sent nothing; the unsubscribe link honoured at
//! once; attribution windows and the lift by star level against the shared arithmetic; a points
//! offer credited once; approval of large launches, cancelling mid-send, refused input. The
//! background passes are driven by hand. Runs on SQLite and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use common::python::SmtpServer;
use common::{Account, TestApp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starcrm_api::entities::{campaign_recipient, customer};
use starcrm_api::marketing::sending;
use starcrm_shared::campaigns::{self as rules, Arm};

const SETTINGS: &str =
    "mutation($input: MessagingSettingsInput!) { saveMessagingSettings(input: $input) { linkBase } }";
const CREATE: &str =
    "mutation($input: CampaignInput!) { createCampaign(input: $input) { id version status } }";
const LAUNCH: &str =
    "mutation($id: ID!, $v: Int!) { launchCampaign(id: $id, version: $v) { id version status } }";
const CAMPAIGN: &str = "query($id: ID!) { campaign(id: $id) { id version status audience heldOut excluded queued
  report { audience excluded { noConsent noAddress messageBudget } heldOut queued sent delivered failed
    skipped { noConsent noAddress messageBudget } cancelled unsubscribed couponsRedeemed converted holdoutConverted
    revenue { amountMinor } holdoutRevenue { amountMinor } incrementalRevenue { amountMinor } cost { amountMinor } roi
    lift { recipientsRate holdoutRate lift low high pValue significant }
    byStars { stars recipients recipientsConverted holdout holdoutConverted revenue { amountMinor } lift { lift pValue significant } } } } }";
const RECIPIENTS: &str =
    "query($id: ID!, $s: RecipientStatus) { campaignRecipients(id: $id, status: $s, first: 500) {
  customerId customerName stars status exclusion couponCode sentAt windowEndsAt } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
const REDEEM: &str = "mutation($c: String!, $r: String!) { redeemCampaignCoupon(code: $c, reference: $r) { customerId created } }";
const POINTS: &str = "query($id: ID!) { customer(id: $id) { points { balance } } }";
const APPROVE: &str =
    "mutation($id: ID!, $v: Int!) { approveCampaign(id: $id, version: $v) { status version } }";
const CANCEL: &str = "mutation($id: ID!, $v: Int!) { cancelCampaign(id: $id, version: $v) { status } }";
const AUDIENCE: &str = "query($input: CampaignInput!) { campaignAudience(input: $input) {
  customers byStars excluded { noConsent noAddress messageBudget } holdout toSend needsApproval estimatedCost { amountMinor } } }";

const AUDIENCE_POOL: &str = "query($input: CampaignInput!) { campaignAudience(input: $input) {
  toSend holdout excluded { noConsent noAddress messageBudget noCoupon } } }";

/// SMTP on `port`, links at crm.example.com, `messages` unasked contacts a month, no quiet hours.
fn settings(port: u16, messages: u32) -> Value {
    json!({ "linkBase": "https://crm.example.com",
        "smtp": { "host": "127.0.0.1", "port": port, "tls": "NONE", "from": "星辰茶庄 <service@starcrm.test>" },
        "contactBudget": { "timezone": "Asia/Shanghai", "surveys": { "max": 1, "days": 30 },
            "messages": { "max": messages, "days": 30 }, "quietHours": null, "byStars": [] } })
}

/// An email campaign to `stars` with a coupon, `holdout` percent held out.
fn email_campaign(name: &str, stars: &[i32], holdout: i32) -> Value {
    json!({ "name": name, "channel": "EMAIL", "stars": stars, "holdoutPercent": holdout,
        "offer": "COUPON", "couponPrefix": "TEA", "offerText": "¥20 off", "costPerMessageMinor": 5, "fixedCostMinor": 1000,
        "content": [
            { "language": "zh-CN", "subject": "{name}，{stars}会员专享", "body": "{name}您好：您的权益：{benefits}。优惠码 {coupon}" },
            { "language": "en", "subject": "{name}, for {stars} members", "body": "Hello {name}: {benefits}. Code {coupon}" }
        ] })
}

struct Shop {
    app: TestApp,
    account: Account,
    token: String,
}

impl Shop {
    async fn open(name: &str) -> anyhow::Result<Self> {
        let app = TestApp::start().await?;
        let account = app.workspace(name).await?;
        let token = app.token(&account).await?;
        Ok(Self { app, account, token })
    }

    async fn run(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<starcrm_e2e::graphql::GraphqlResponse> {
        self.app.as_token(&self.token).execute(query, variables).await
    }

    /// A customer with `stars` (set by hand), an email unless `email` is false, consenting to
    /// email or not.
    async fn customer(&self, name: &str, stars: i32, email: bool, consent: bool) -> anyhow::Result<String> {
        let emails = if email {
            json!([{ "value": format!("{}@example.com", name.to_lowercase()) }])
        } else {
            json!([])
        };
        let created = self
            .run(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": { "name": name, "emails": emails, "consents": [{ "channel": "EMAIL", "granted": consent }] } }),
            )
            .await?;
        let id = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
        self.app.override_stars(&self.token, &id, stars).await?;
        Ok(id)
    }

    async fn buy(&self, id: &str, amount_minor: i64, at: chrono::DateTime<Utc>) -> anyhow::Result<()> {
        self.run(
            PUSH,
            json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": amount_minor, "occurredAt": at } }),
        )
        .await?
        .data();
        Ok(())
    }

    /// Creates and launches a campaign; its id.
    async fn launch(&self, input: Value) -> anyhow::Result<String> {
        let made = self.run(CREATE, json!({ "input": input })).await?;
        let c = made.data()["createCampaign"].clone();
        let launched = self.run(LAUNCH, json!({ "id": c["id"], "v": c["version"] })).await?;
        assert_eq!(launched.data()["launchCampaign"]["status"], "SCHEDULED", "{}", launched.body);
        Ok(c["id"].as_str().unwrap_or_default().to_owned())
    }

    /// The campaign pass (prepare, sync), the outbox, the campaign pass again.
    async fn pass(&self) -> anyhow::Result<usize> {
        let db = &self.app.state.db;
        sending::run(db, Utc::now()).await?;
        let sent = starcrm_api::messaging::outbox::send_due(db, self.app.state.webhooks.sender(), Utc::now())
            .await?;
        sending::run(db, Utc::now()).await?;
        Ok(sent)
    }

    /// Moves a prepared campaign ten days back: delivered 10 days ago, its 5-day window ended 5
    /// days ago, `redeemer`'s coupon redeemed 6 days ago.
    async fn ten_days_on(&self, id: &str, redeemer: &str, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
        campaign_recipient::Entity::update_many()
            .col_expr(campaign_recipient::Column::SendAt, Expr::value(now - Duration::days(10)))
            .col_expr(campaign_recipient::Column::WindowEndsAt, Expr::value(now - Duration::days(5)))
            .filter(campaign_recipient::Column::CampaignId.eq(uuid(id)))
            .exec(&self.app.state.db)
            .await?;
        campaign_recipient::Entity::update_many()
            .col_expr(campaign_recipient::Column::SentAt, Expr::value(now - Duration::days(10)))
            .filter(campaign_recipient::Column::CampaignId.eq(uuid(id)))
            .filter(campaign_recipient::Column::Status.eq("sent"))
            .exec(&self.app.state.db)
            .await?;
        campaign_recipient::Entity::update_many()
            .col_expr(campaign_recipient::Column::RedeemedAt, Expr::value(now - Duration::days(6)))
            .filter(campaign_recipient::Column::CampaignId.eq(uuid(id)))
            .filter(campaign_recipient::Column::CustomerId.eq(uuid(redeemer)))
            .exec(&self.app.state.db)
            .await?;
        Ok(())
    }

    async fn campaign(&self, id: &str) -> anyhow::Result<Value> {
        Ok(self.run(CAMPAIGN, json!({ "id": id })).await?.data()["campaign"].clone())
    }

    async fn recipients(&self, id: &str, status: Option<&str>) -> anyhow::Result<Vec<Value>> {
        let listed = self.run(RECIPIENTS, json!({ "id": id, "s": status })).await?;
        Ok(listed.data()["campaignRecipients"].as_array().cloned().unwrap_or_default())
    }
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter().filter_map(|r| r["customerId"].as_str().map(str::to_owned)).collect()
}

fn uuid(id: &str) -> uuid::Uuid {
    id.parse().unwrap_or_default()
}

#[tokio::test]
async fn a_campaign_reaches_consenting_customers_within_budget_and_holds_out_a_reproducible_share()
-> anyhow::Result<()> {
    let shop = Shop::open("星辰茶庄").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 1) })).await?.data();
    // 40 customers: even ones 5 stars, odd ones 4; every fifth without consent; every seventh
    // without an email.
    let mut people = Vec::new();
    for i in 0..40 {
        let stars = if i % 2 == 0 { 5 } else { 4 };
        let id = shop.customer(&format!("Cust{i:02}"), stars, i % 7 != 0, i % 5 != 0).await?;
        people.push((i, stars, id));
    }
    let no_consent = |i: i32| i % 5 == 0;
    let no_email = |i: i32| i % 7 == 0 && !no_consent(i);

    // The audience before launch, with the exclusions by reason.
    let preview = shop.run(AUDIENCE, json!({ "input": email_campaign("preview", &[5], 0) })).await?;
    let p = &preview.data()["campaignAudience"];
    let fives: Vec<i32> = (0..40).filter(|i| i % 2 == 0).collect();
    let excl = |f: &dyn Fn(i32) -> bool, of: &[i32]| of.iter().filter(|i| f(**i)).count();
    assert_eq!(p["customers"], 20, "{p}");
    assert_eq!(p["byStars"], json!([0, 0, 0, 0, 0, 20]));
    assert_eq!(p["excluded"]["noConsent"], excl(&no_consent, &fives));
    assert_eq!(p["excluded"]["noAddress"], excl(&no_email, &fives));
    let reachable_fives = 20 - excl(&no_consent, &fives) - excl(&no_email, &fives);
    assert_eq!(p["toSend"], reachable_fives);
    assert_eq!(p["needsApproval"], false);
    assert_eq!(p["estimatedCost"]["amountMinor"], 1000 + 5 * reachable_fives);

    // Campaign A to the 5-star customers, nobody held out.
    let a = shop.launch(email_campaign("5★ early access", &[5], 0)).await?;
    let sent = shop.pass().await?;
    assert_eq!(sent, reachable_fives);
    let ca = shop.campaign(&a).await?;
    assert_eq!(ca["status"], "SENT", "{ca}");
    assert_eq!((ca["audience"].clone(), ca["queued"].clone()), (json!(20), json!(reachable_fives)));
    let mails = smtp.received().await?;
    assert_eq!(mails.len(), reachable_fives);
    let coupons: BTreeMap<String, String> = shop
        .recipients(&a, Some("SENT"))
        .await?
        .iter()
        .map(|r| {
            (
                r["customerName"].as_str().unwrap_or_default().to_owned(),
                r["couponCode"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    check_mails(&mails, &coupons);
    assert_eq!(coupons.values().collect::<BTreeSet<_>>().len(), coupons.len(), "one code per recipient");

    // Campaign B to 4 and 5 stars with a 10% holdout: the 5-star customers sent A have had
    // their one message this month.
    let b = shop.launch(email_campaign("4-5★ spring", &[4, 5], 10)).await?;
    shop.pass().await?;
    let held = ids(&shop.recipients(&b, Some("HOLDOUT")).await?);
    let budget = ids(&shop.recipients(&b, Some("EXCLUDED")).await?);
    let sent_b = ids(&shop.recipients(&b, Some("SENT")).await?);
    let mut expected_held = BTreeSet::new();
    let mut expected_sent = BTreeSet::new();
    for (i, stars, id) in &people {
        let reachable = !no_consent(*i) && !no_email(*i);
        if !reachable || *stars == 5 {
            assert!(budget.contains(id), "{i} excluded");
            continue;
        }
        if rules::in_holdout(*uuid(&b).as_bytes(), *uuid(id).as_bytes(), 10) {
            expected_held.insert(id.clone());
        } else {
            expected_sent.insert(id.clone());
        }
    }
    assert_eq!(held, expected_held, "the holdout is the campaign's hash of each customer");
    assert_eq!(sent_b, expected_sent);
    let report = shop.campaign(&b).await?["report"].clone();
    assert_eq!(report["excluded"]["messageBudget"], reachable_fives, "{report}");
    assert_eq!(report["heldOut"], expected_held.len());
    assert_eq!(report["delivered"], expected_sent.len());
    // The holdout received nothing.
    let all_mail = smtp.received().await?;
    assert_eq!(all_mail.len(), reachable_fives + expected_sent.len());
    let names: BTreeMap<String, String> =
        people.iter().map(|(i, _, id)| (id.clone(), format!("Cust{i:02}"))).collect();
    for id in &held {
        let name = &names[id];
        assert!(
            !all_mail.iter().any(|m| m["to"].as_str().is_some_and(|t| t.starts_with(&format!("{name} ")))),
            "{name} was held out"
        );
    }
    // The preview draws the same holdout as the preparation did (it hashes the same ids).
    let again = starcrm_api::marketing::audience::plan(
        &shop.app.state.db,
        &starcrm_api::marketing::campaigns::find(&shop.app.state.db, &system(&shop), uuid(&b)).await?,
        &starcrm_api::messaging::settings::load(&shop.app.state.db, uuid(&shop.account.workspace_id))
            .await?
            .budget,
        Utc::now(),
    )
    .await?;
    assert_eq!(again.holdout, u64::try_from(held.len())?, "reproducible");
    Ok(())
}

/// Each mail: the subject and body filled in for its recipient (the 5-star benefits in words,
/// their own coupon code), the unsubscribe link added.
fn check_mails(mails: &[Value], coupons: &BTreeMap<String, String>) {
    for mail in mails {
        let to = mail["to"].as_str().unwrap_or_default();
        let name = to.split(' ').next().unwrap_or_default();
        let plain = mail["plain"].as_str().unwrap_or_default();
        assert_eq!(mail["subject"], format!("{name}，★★★★★会员专享"));
        assert!(plain.starts_with(&format!("{name}您好：您的权益：")), "{plain}");
        assert!(plain.contains("专属顾问"), "the 5-star benefits in words: {plain}");
        let code = &coupons[name];
        assert!(code.starts_with("TEA-") && plain.contains(code.as_str()), "{code} in {plain}");
        assert!(plain.contains("退订: https://crm.example.com/u/"), "the unsubscribe link is added: {plain}");
    }
}

/// The report's rows by star level against the arms the test made: (recipients, holdout,
/// recipients' revenue) per level.
fn check_by_stars(report: &Value, arms: &BTreeMap<i32, (Arm, Arm, i64)>) -> anyhow::Result<()> {
    let by_stars = report["byStars"].as_array().cloned().unwrap_or_default();
    assert_eq!(by_stars.len(), arms.len());
    for row in by_stars {
        let stars = i32::try_from(row["stars"].as_i64().unwrap_or_default())?;
        let (r, h, rev) = arms[&stars];
        assert_eq!(
            (row["recipients"].clone(), row["recipientsConverted"].clone()),
            (json!(r.size), json!(r.converted))
        );
        assert_eq!(
            (row["holdout"].clone(), row["holdoutConverted"].clone()),
            (json!(h.size), json!(h.converted))
        );
        assert_eq!(row["revenue"]["amountMinor"], rev);
        let want = rules::lift(r, h).map(|l| l.lift);
        let got = row["lift"]["lift"].as_f64();
        assert!(got.zip(want).is_some_and(|(g, w)| (g - w).abs() < 1e-12) || got == want, "{row}");
    }
    Ok(())
}

fn system(shop: &Shop) -> starcrm_api::auth::Scope {
    starcrm_api::auth::Scope::system(uuid(&shop.account.workspace_id))
}

#[tokio::test]
async fn the_unsubscribe_link_is_honoured_at_once() -> anyhow::Result<()> {
    let shop = Shop::open("Unsubscribe shop").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 10) })).await?.data();
    let li = shop.customer("LiNa", 5, true, true).await?;
    let wang = shop.customer("WangQiang", 5, true, true).await?;
    shop.launch(email_campaign("first", &[5], 0)).await?;
    assert_eq!(shop.pass().await?, 2);
    // A second campaign prepared (queued, not yet sent) before Li Na unsubscribes.
    let second = shop.launch(email_campaign("second", &[5], 0)).await?;
    sending::run(&shop.app.state.db, Utc::now()).await?;
    assert_eq!(shop.recipients(&second, Some("QUEUED")).await?.len(), 2);

    let mails = smtp.received().await?;
    let mail = mails
        .iter()
        .find(|m| m["to"].as_str().is_some_and(|t| t.starts_with("LiNa ")))
        .cloned()
        .unwrap_or_default();
    let plain = mail["plain"].as_str().unwrap_or_default();
    let token = plain
        .split("/u/")
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(token.len() > 20, "{plain}");
    // The customer's page: no sign-in; a guessed token is not found; staff are refused.
    let public = shop.app.graphql();
    let link = public
        .execute(
            "query($t: String!) { unsubscribeLink(token: $t) { business channel unsubscribed } }",
            json!({ "t": token }),
        )
        .await?;
    assert_eq!(
        link.data()["unsubscribeLink"],
        json!({ "business": "Unsubscribe shop", "channel": "EMAIL", "unsubscribed": false })
    );
    let guessed = public
        .execute(
            "mutation($t: String!) { unsubscribe(token: $t) { unsubscribed } }",
            json!({ "t": "x".repeat(43) }),
        )
        .await?;
    assert_eq!(guessed.error_code(), Some("NOT_FOUND"), "{}", guessed.body);
    let staff = shop
        .run("mutation($t: String!) { unsubscribe(token: $t) { unsubscribed } }", json!({ "t": token }))
        .await?;
    assert_eq!(staff.error_code(), Some("FORBIDDEN"), "{}", staff.body);
    for _ in 0..2 {
        let done = public
            .execute(
                "mutation($t: String!) { unsubscribe(token: $t) { unsubscribed } }",
                json!({ "t": token }),
            )
            .await?;
        assert_eq!(done.data()["unsubscribe"]["unsubscribed"], true, "and a second use changes nothing");
    }
    let consent = shop
        .run(
            "query($id: ID!) { customer(id: $id) { consents { channel granted source } } }",
            json!({ "id": li }),
        )
        .await?;
    assert_eq!(
        consent.data()["customer"]["consents"],
        json!([{ "channel": "EMAIL", "granted": false, "source": "unsubscribe link" }])
    );

    // The queued message of the second campaign is skipped when its turn comes; Wang's goes.
    assert_eq!(shop.pass().await?, 2);
    assert_eq!(smtp.received().await?.len(), 3, "nothing more reached Li Na");
    let skipped = shop.recipients(&second, Some("SKIPPED")).await?;
    assert_eq!(ids(&skipped), BTreeSet::from([li.clone()]));
    assert_eq!(skipped[0]["exclusion"], "NO_CONSENT");
    let report = shop.campaign(&second).await?["report"].clone();
    assert_eq!(
        (report["skipped"]["noConsent"].clone(), report["delivered"].clone()),
        (json!(1), json!(1)),
        "{report}"
    );
    // A new campaign leaves her out from the start.
    let preview = shop.run(AUDIENCE, json!({ "input": email_campaign("third", &[5], 0) })).await?;
    assert_eq!(preview.data()["campaignAudience"]["excluded"]["noConsent"], 1);
    assert_eq!(ids(&shop.recipients(&second, Some("SENT")).await?), BTreeSet::from([wang]));
    Ok(())
}

#[tokio::test]
async fn conversions_count_within_the_attribution_window_and_the_lift_is_measured_by_star_level()
-> anyhow::Result<()> {
    let shop = Shop::open("Attribution shop").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 10) })).await?.data();
    let mut stars_of = BTreeMap::new();
    for i in 0..30 {
        let stars = if i < 15 { 3 } else { 4 };
        stars_of.insert(shop.customer(&format!("Buyer{i:02}"), stars, true, true).await?, stars);
    }
    let id = shop.launch(email_campaign("half held out", &[3, 4], 50)).await?;
    shop.pass().await?;
    let sent = shop.recipients(&id, Some("SENT")).await?;
    let held = shop.recipients(&id, Some("HOLDOUT")).await?;
    assert_eq!(sent.len() + held.len(), 30);
    assert!(!sent.is_empty() && !held.is_empty());
    // A coupon redeemed at the till (a retry with the same receipt gets the same answer; another
    // receipt is refused).
    let redeemer = sent[2]["customerId"].as_str().unwrap_or_default().to_owned();
    let code = sent[2]["couponCode"].as_str().unwrap_or_default().to_lowercase();
    let r1 = shop.run(REDEEM, json!({ "c": code, "r": "receipt-1" })).await?;
    assert_eq!(r1.data()["redeemCampaignCoupon"], json!({ "customerId": redeemer, "created": true }));
    let r2 = shop.run(REDEEM, json!({ "c": code, "r": "receipt-1" })).await?;
    assert_eq!(r2.data()["redeemCampaignCoupon"]["created"], false);
    let r3 = shop.run(REDEEM, json!({ "c": code, "r": "receipt-2" })).await?;
    assert_eq!(r3.error_code(), Some("CONFLICT"), "{}", r3.body);

    // Ten days on: delivered 10 days ago, the 5-day window ended 5 days ago.
    let now = Utc::now();
    shop.ten_days_on(&id, &redeemer, now).await?;
    // Recipients: every third buys inside the window, the next after it ends, the next before
    // the message came (neither counts); the holdout: every other one buys inside.
    let mut arms: BTreeMap<i32, (Arm, Arm, i64)> = BTreeMap::new();
    let mut revenue = 0;
    for (j, r) in sent.iter().enumerate() {
        let cid = r["customerId"].as_str().unwrap_or_default();
        let level = arms.entry(stars_of[cid]).or_default();
        level.0.size += 1;
        let converted = match j % 3 {
            0 => {
                shop.buy(cid, 10_000, now - Duration::days(7)).await?;
                revenue += 10_000;
                level.2 += 10_000;
                true
            }
            1 => {
                shop.buy(cid, 8_000, now - Duration::days(2)).await?;
                false
            }
            _ => {
                shop.buy(cid, 6_000, now - Duration::days(12)).await?;
                cid == redeemer
            }
        };
        level.0.converted += u64::from(converted);
    }
    let mut holdout_revenue = 0;
    for (k, r) in held.iter().enumerate() {
        let cid = r["customerId"].as_str().unwrap_or_default();
        let level = arms.entry(stars_of[cid]).or_default();
        level.1.size += 1;
        if k % 2 == 0 {
            shop.buy(cid, 5_000, now - Duration::days(8)).await?;
            holdout_revenue += 5_000;
            level.1.converted += 1;
        }
    }
    let recipients = Arm {
        size: arms.values().map(|a| a.0.size).sum(),
        converted: arms.values().map(|a| a.0.converted).sum(),
    };
    let holdout = Arm {
        size: arms.values().map(|a| a.1.size).sum(),
        converted: arms.values().map(|a| a.1.converted).sum(),
    };
    let report = shop.campaign(&id).await?["report"].clone();
    assert_eq!(report["converted"], recipients.converted, "{report}");
    assert_eq!(report["holdoutConverted"], holdout.converted);
    assert_eq!(report["couponsRedeemed"], 1);
    assert_eq!(report["revenue"]["amountMinor"], revenue);
    assert_eq!(report["holdoutRevenue"]["amountMinor"], holdout_revenue);
    let cost = 1000 + 5 * i64::try_from(sent.len())?;
    assert_eq!(report["cost"]["amountMinor"], cost);
    let roi = report["roi"].as_f64().unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let expected_roi = (revenue - cost) as f64 / cost as f64;
    assert!((roi - expected_roi).abs() < 1e-9);
    let expected =
        rules::lift(recipients, holdout).ok_or_else(|| anyhow::anyhow!("both arms have people"))?;
    let l = &report["lift"];
    for (field, want) in [
        ("lift", expected.lift),
        ("low", expected.low),
        ("high", expected.high),
        ("pValue", expected.p_value),
    ] {
        assert!((l[field].as_f64().unwrap_or(f64::NAN) - want).abs() < 1e-9, "{field}: {l} vs {expected:?}");
    }
    assert_eq!(l["significant"], expected.significant);
    check_by_stars(&report, &arms)?;
    Ok(())
}

#[tokio::test]
async fn a_points_offer_is_credited_once_through_the_ledger() -> anyhow::Result<()> {
    let shop = Shop::open("Points shop").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 10) })).await?.data();
    let a = shop.customer("ZhaoMin", 4, true, true).await?;
    let b = shop.customer("ChenJing", 4, true, false).await?;
    let input = json!({ "name": "bonus", "channel": "EMAIL", "stars": [4], "holdoutPercent": 0, "offer": "POINTS",
        "bonusPoints": 50, "content": [{ "language": "en", "subject": "50 points for you", "body": "Hi {name}, your balance: {points}" }] });
    shop.launch(input).await?;
    shop.pass().await?;
    shop.pass().await?;
    let got = shop.run(POINTS, json!({ "id": a })).await?;
    assert_eq!(got.data()["customer"]["points"]["balance"], 50, "{}", got.body);
    let none = shop.run(POINTS, json!({ "id": b })).await?;
    assert_eq!(none.data()["customer"]["points"]["balance"], 0, "no consent, no message, no points");
    let mail = smtp.received().await?;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["plain"].as_str().unwrap_or_default().starts_with("Hi ZhaoMin, your balance: 0"));
    Ok(())
}

const SAVE_REWARD: &str = "mutation($input: RewardInput!) { saveReward(input: $input) { id } }";
const ADD_CODES: &str =
    "mutation($r: ID!, $codes: [String!]!) { addRewardCodes(rewardId: $r, codes: $codes) { added } }";

/// The first three of `people` buy tea with a cup, the fourth a cake: the message names what to
/// offer each next.
async fn three_teas_and_a_cake(shop: &Shop, people: &[String]) -> anyhow::Result<()> {
    let item = |sku: &str, name: &str| json!({ "sku": sku, "name": name, "unitPriceMinor": 3_800 });
    for (i, id) in people.iter().take(4).enumerate() {
        let (items, amount) = if i < 3 {
            (json!([item("TEA-LJ", "西湖龙井"), item("CUP-01", "玻璃杯")]), 7_600)
        } else {
            (json!([item("SNK-01", "桂花糕")]), 3_800)
        };
        shop.run(
            PUSH,
            json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": amount, "items": items } }),
        )
        .await?
        .data();
    }
    Ok(())
}

#[tokio::test]
async fn a_coupon_pool_hands_out_the_tills_own_codes_once_each_and_excludes_past_the_last()
-> anyhow::Result<()> {
    let shop = Shop::open("Pool shop").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 10) })).await?.data();
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(shop.customer(&format!("Pool{i:02}"), 5, true, true).await?);
    }
    three_teas_and_a_cake(&shop, &people).await?;
    shop.run("mutation { recomputeInsight { status } }", json!({})).await?.data();
    let reward = |codes: &str| {
        json!({ "input": { "name": format!("门店 20 元券 {codes}"), "kind": "COUPON", "pointsCost": 100,
            "minStars": 1, "valueMinor": 2000, "codes": codes, "active": false } })
    };
    let pool = shop.run(SAVE_REWARD, reward("POOL")).await?.data()["saveReward"]["id"].clone();
    let till: Vec<String> = (1..=8).map(|i| format!("POS-{i:04}")).collect();
    let added = shop.run(ADD_CODES, json!({ "r": pool, "codes": till })).await?;
    assert_eq!(added.data()["addRewardCodes"]["added"], 8);

    // A reward that generates its codes has no pool to hand out.
    let generated = shop.run(SAVE_REWARD, reward("GENERATED")).await?.data()["saveReward"]["id"].clone();
    let mut input = email_campaign("till codes", &[5], 0);
    input["couponPrefix"] = Value::Null;
    input["content"][0]["body"] = json!("{name}您好：优惠码 {coupon}。为您推荐：{recommendation}");
    input["couponRewardId"] = generated;
    let refused = shop.run(CREATE, json!({ "input": input.clone() })).await?;
    assert_eq!(refused.error_extension("field"), "couponRewardId", "{}", refused.body);

    // The live audience counts the 4 customers past the pool's last code.
    input["couponRewardId"] = pool.clone();
    let preview = shop.run(AUDIENCE_POOL, json!({ "input": input.clone() })).await?;
    let p = &preview.data()["campaignAudience"];
    assert_eq!((p["toSend"].clone(), p["excluded"]["noCoupon"].clone()), (json!(8), json!(4)), "{p}");

    let id = shop.launch(input.clone()).await?;
    shop.pass().await?;
    let sent = shop.recipients(&id, Some("SENT")).await?;
    let codes: BTreeSet<String> =
        sent.iter().filter_map(|r| r["couponCode"].as_str().map(str::to_owned)).collect();
    assert_eq!(codes, till.iter().cloned().collect::<BTreeSet<_>>(), "each pool code went out once");
    let excluded = shop.recipients(&id, Some("EXCLUDED")).await?;
    assert_eq!(excluded.len(), 4);
    assert!(
        excluded.iter().all(|r| r["exclusion"] == "NO_COUPON" && r["couponCode"].is_null()),
        "{excluded:?}"
    );
    let mails = smtp.received().await?;
    assert_eq!(mails.len(), 8);
    let coupons: BTreeMap<String, String> = sent
        .iter()
        .map(|r| {
            (
                r["customerName"].as_str().unwrap_or_default().to_owned(),
                r["couponCode"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for mail in &mails {
        let name = mail["to"].as_str().unwrap_or_default().split(' ').next().unwrap_or_default();
        // The tea buyers have tea and cups at home: the cake, next best seller; everyone else
        // the first of the best sellers (tea and cups tie; the cup comes first by its SKU).
        let next = if ["Pool00", "Pool01", "Pool02"].contains(&name) { "桂花糕" } else { "玻璃杯" };
        let plain = mail["plain"].as_str().unwrap_or_default();
        assert!(
            plain.starts_with(&format!("{name}您好：优惠码 {}。为您推荐：{next}", coupons[name])),
            "{plain}"
        );
    }
    let c = shop
        .run(
            "query($id: ID!) { campaign(id: $id) { couponPrefix couponRewardId couponPoolFree report { excluded { noCoupon } } } }",
            json!({ "id": id }),
        )
        .await?;
    let c = &c.data()["campaign"];
    assert_eq!(
        (c["couponPrefix"].clone(), c["couponRewardId"].clone(), c["couponPoolFree"].clone()),
        (Value::Null, pool.clone(), json!(0)),
        "{c}"
    );
    assert_eq!(c["report"]["excluded"]["noCoupon"], 4);
    // The pool is the reward's stock too: nothing is left for a member to redeem.
    let rewards = shop.run("{ rewards(includeInactive: true) { id left } }", json!({})).await?;
    let left = rewards.data()["rewards"].as_array().cloned().unwrap_or_default();
    assert!(left.iter().any(|r| r["id"] == pool && r["left"] == 0), "{left:?}");
    // The till redeems its own code as the campaign's coupon.
    let (name, code) = coupons.iter().next().map(|(n, c)| (n.clone(), c.clone())).unwrap_or_default();
    let redeemed = shop.run(REDEEM, json!({ "c": code, "r": "till-1" })).await?;
    let who = redeemed.data()["redeemCampaignCoupon"]["customerId"].clone();
    assert!(
        sent.iter().any(|r| r["customerId"] == who && r["customerName"] == name.as_str()),
        "{}",
        redeemed.body
    );

    // A second campaign on the dry pool would reach nobody.
    input["name"] = json!("till codes again");
    let dry = shop.run(AUDIENCE_POOL, json!({ "input": input })).await?;
    let d = &dry.data()["campaignAudience"];
    assert_eq!((d["toSend"].clone(), d["excluded"]["noCoupon"].clone()), (json!(0), json!(12)), "{d}");
    Ok(())
}

#[tokio::test]
async fn large_launches_wait_for_approval_and_a_cancel_stops_what_is_queued() -> anyhow::Result<()> {
    let shop = Shop::open("Approval shop").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, 10) })).await?.data();
    // 1 001 customers who never gave consent (bulk, 3 stars) and 5 who can be reached.
    let ws = uuid(&shop.account.workspace_id);
    let scope = starcrm_api::auth::Scope::system(ws);
    let inputs: Vec<(uuid::Uuid, starcrm_api::customers::profile::ValidInput)> = (0..1_001)
        .map(|i| {
            let input = starcrm_api::customers::profile::ValidInput {
                name: Some(format!("Bulk{i}")),
                ..Default::default()
            };
            (uuid::Uuid::now_v7(), input)
        })
        .collect();
    let txn = starcrm_api::db::begin_write(&shop.app.state.db).await?;
    let refs: Vec<(uuid::Uuid, &starcrm_api::customers::profile::ValidInput)> =
        inputs.iter().map(|(id, v)| (*id, v)).collect();
    starcrm_api::customers::service::insert_many(&txn, &scope, &refs).await?;
    txn.commit().await?;
    customer::Entity::update_many()
        .col_expr(customer::Column::Stars, Expr::value(3_i16))
        .filter(customer::Column::WorkspaceId.eq(ws))
        .exec(&shop.app.state.db)
        .await?;
    for i in 0..5 {
        shop.customer(&format!("Reach{i}"), 3, true, true).await?;
    }
    let marketer = shop.app.add_user(&shop.token, "MARKETER").await?;
    let marketer = shop.app.token(&marketer).await?;
    let manager = shop.app.add_user(&shop.token, "MANAGER").await?;
    let manager = shop.app.token(&manager).await?;
    let as_marketer = shop.app.as_token(&marketer);
    let mut input = email_campaign("big", &[3], 0);
    input["throttlePerHour"] = json!(1);
    let audience = as_marketer.execute(AUDIENCE, json!({ "input": input })).await?;
    assert_eq!(audience.data()["campaignAudience"]["needsApproval"], true);
    assert_eq!(audience.data()["campaignAudience"]["excluded"]["noConsent"], 1_001);
    let made = as_marketer.execute(CREATE, json!({ "input": input })).await?;
    let c = made.data()["createCampaign"].clone();
    let launched = as_marketer.execute(LAUNCH, json!({ "id": c["id"], "v": c["version"] })).await?;
    let l = launched.data()["launchCampaign"].clone();
    assert_eq!(l["status"], "AWAITING_APPROVAL");
    sending::run(&shop.app.state.db, Utc::now()).await?;
    assert_eq!(
        shop.campaign(c["id"].as_str().unwrap_or_default()).await?["status"],
        "AWAITING_APPROVAL",
        "not sent unapproved"
    );
    let refused = as_marketer.execute(APPROVE, json!({ "id": c["id"], "v": l["version"] })).await?;
    assert_eq!(refused.error_extension("permission"), "campaigns:approve", "{}", refused.body);
    let approved =
        shop.app.as_token(&manager).execute(APPROVE, json!({ "id": c["id"], "v": l["version"] })).await?;
    assert_eq!(approved.data()["approveCampaign"]["status"], "SCHEDULED");

    // One message an hour: the first goes now, the cancel withdraws the other four.
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(shop.pass().await?, 1);
    let current = shop.campaign(&id).await?;
    assert_eq!((current["status"].clone(), current["excluded"].clone()), (json!("SENDING"), json!(1_001)));
    let cancelled = as_marketer.execute(CANCEL, json!({ "id": id, "v": current["version"] })).await?;
    assert_eq!(cancelled.data()["cancelCampaign"]["status"], "CANCELLED", "{}", cancelled.body);
    let later = Utc::now() + Duration::hours(6);
    let sent =
        starcrm_api::messaging::outbox::send_due(&shop.app.state.db, shop.app.state.webhooks.sender(), later)
            .await?;
    assert_eq!(sent, 0, "nothing queued is left");
    sending::run(&shop.app.state.db, later).await?;
    let report = shop.campaign(&id).await?["report"].clone();
    assert_eq!((report["delivered"].clone(), report["cancelled"].clone()), (json!(1), json!(4)), "{report}");
    assert_eq!(smtp.received().await?.len(), 1);
    // A cancelled campaign cannot be launched, edited, deleted or cancelled again.
    let version = shop.campaign(&id).await?["version"].clone();
    for (query, vars) in [
        (LAUNCH, json!({ "id": id, "v": version })),
        (CANCEL, json!({ "id": id, "v": version })),
        (
            "mutation($id: ID!, $v: Int!) { deleteCampaign(id: $id, version: $v) }",
            json!({ "id": id, "v": version }),
        ),
        (
            "mutation($id: ID!, $v: Int!, $input: CampaignInput!) { updateCampaign(id: $id, version: $v, input: $input) { id } }",
            json!({ "id": id, "v": version, "input": email_campaign("big", &[3], 0) }),
        ),
    ] {
        let refused = as_marketer.execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("CONFLICT"), "{query}: {}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn bad_campaigns_are_refused_naming_the_field_and_change_nothing() -> anyhow::Result<()> {
    let shop = Shop::open("Refusing shop").await?;
    let base = email_campaign("ok", &[5], 10);
    let with = |patch: Value| {
        let mut v = base.clone();
        if let (Some(into), Some(from)) = (v.as_object_mut(), patch.as_object()) {
            into.extend(from.clone());
        }
        v
    };
    let cases = [
        (with(json!({ "name": " " })), "name"),
        (with(json!({ "stars": [6] })), "stars"),
        (with(json!({ "stars": [] })), "stars"),
        (with(json!({ "holdoutPercent": 60 })), "holdoutPercent"),
        (with(json!({ "windowDays": 0 })), "windowDays"),
        (with(json!({ "couponPrefix": "x" })), "couponPrefix"),
        (
            with(
                json!({ "offer": "POINTS", "content": [{ "language": "en", "subject": "Hi", "body": "{points} points" }] }),
            ),
            "bonusPoints",
        ),
        (with(json!({ "offer": "NONE" })), "content[0].body"),
        (
            with(json!({ "content": [{ "language": "en", "subject": "Hi", "body": "{coupon} {link}" }] })),
            "content[0].body",
        ),
        (
            with(json!({ "content": [{ "language": "en", "subject": " ", "body": "{coupon}" }] })),
            "content[0].subject",
        ),
        (with(json!({ "content": [] })), "content"),
        (with(json!({ "nearNextStar": 5 })), "nearNextStar"),
        (with(json!({ "sendAt": Utc::now() - Duration::hours(2) })), "sendAt"),
        (with(json!({ "segmentId": uuid::Uuid::now_v7().to_string() })), "segmentId"),
        (with(json!({ "couponRewardId": uuid::Uuid::now_v7().to_string() })), "couponRewardId"),
        (
            with(json!({ "filter": { "segmentIds": [uuid::Uuid::now_v7().to_string()] } })),
            "filter.segmentIds",
        ),
    ];
    for (input, field) in cases {
        let refused = shop.run(CREATE, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{field}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
    }
    let listed = shop.run("{ campaigns { id } }", json!({})).await?;
    assert_eq!(listed.data()["campaigns"], json!([]), "nothing saved");
    // An audience of nobody cannot be launched; a duplicate name is refused.
    let made = shop.run(CREATE, json!({ "input": base })).await?;
    let c = made.data()["createCampaign"].clone();
    let empty = shop.run(LAUNCH, json!({ "id": c["id"], "v": c["version"] })).await?;
    assert_eq!(empty.error_extension("field"), "stars", "{}", empty.body);
    // With someone to reach but no public address for the unsubscribe links, it is not launched.
    shop.customer("Five", 5, true, true).await?;
    let unlinked = shop.run(LAUNCH, json!({ "id": c["id"], "v": c["version"] })).await?;
    assert_eq!(unlinked.error_code(), Some("CONFLICT"), "{}", unlinked.body);
    assert!(unlinked.body.to_string().contains("public address of links"), "{}", unlinked.body);
    let twice = shop.run(CREATE, json!({ "input": base })).await?;
    assert_eq!(twice.error_extension("field"), "name");
    // Presets make reviewable drafts, numbered when used twice a day.
    for preset in ["EARLY_ACCESS", "LIFT_TO_THREE", "WIN_BACK", "WIN_BACK"] {
        let made = shop
            .run("mutation($p: CampaignPreset!) { createCampaignFromPreset(preset: $p) { name status stars nearNextStar offer filter } }", json!({ "p": preset }))
            .await?;
        let c = &made.data()["createCampaignFromPreset"];
        assert_eq!(c["status"], "DRAFT", "{c}");
    }
    let names = shop.run("{ campaigns { name stars nearNextStar filter } }", json!({})).await?;
    let all = names.data()["campaigns"].as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 5);
    assert!(
        all.iter()
            .any(|c| c["name"].as_str().is_some_and(|n| n.starts_with("Win back") && n.ends_with("(2)"))),
        "{all:?}"
    );
    assert!(all.iter().any(|c| c["nearNextStar"] == 10 && c["stars"] == json!([2])));
    assert!(
        all.iter().any(|c| c["filter"]["daysSinceLastPurchase"]["min"] == 60 && c["stars"] == json!([4, 5]))
    );
    Ok(())
}
