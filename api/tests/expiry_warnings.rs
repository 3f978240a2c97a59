//! Members told before their points expire: the hourly pass warns each member once per expiry
//! date (`warnDays` ahead; a `pointsExpiring` event on the change feed either way), and, when the
//! business wrote a message, queues it in the outbox, which sends it over a real SMTP server
//! (aiosmtpd) with the customer's consent and address checked at send time and quiet hours
//! respected. The passes are driven by hand. Runs on SQLite and on PostgreSQL.

mod common;

use chrono::{Duration, Timelike, Utc};
use common::python::SmtpServer;
use common::{Options, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use starcrm_api::entities::event;

const SETTINGS: &str =
    "mutation($input: MessagingSettingsInput!) { saveMessagingSettings(input: $input) { linkBase } }";
const SAVE_RULE: &str = "mutation($rule: EarnRuleInput!, $version: Int!) {
  saveLoyaltyRule(rule: $rule, version: $version) { version rule { warnDays warning { channel subject body } } } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
const WARNINGS: &str = "query($id: ID!) { customer(id: $id) { points { expiringSoon
  warnings { expiresOn points warnedAt channel status skipReason sentAt } } } }";

/// 1 point per yuan, spendable at once, expiring 30 days after it was earned, warned 7 days
/// ahead, with `warning` as the message.
fn rule(warning: &Value) -> Value {
    json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "capPerPurchase": null,
        "pendingDays": 0, "expiry": { "kind": "AFTER_DAYS", "count": 30 }, "warnDays": 7, "warning": warning.clone() })
}

fn email_warning() -> Value {
    json!({ "channel": "EMAIL", "subject": "您的积分即将到期",
        "body": "{name}您好：您有 {points} 积分将于 {date} 后过期（当前共 {balance} 积分）。" })
}

/// The messaging settings with `smtp` and quiet hours `quiet` (minutes after midnight in
/// Shanghai), or none.
fn settings(smtp_port: u16, quiet: Option<(u32, u32)>) -> Value {
    json!({ "smtp": { "host": "127.0.0.1", "port": smtp_port, "tls": "NONE", "from": "星辰茶庄 <service@starcrm.test>" },
        "contactBudget": { "timezone": "Asia/Shanghai", "surveys": { "max": 1, "days": 30 }, "messages": { "max": 4, "days": 30 },
            "quietHours": quiet.map(|(from, to)| json!({ "from": from, "to": to })), "byStars": [] } })
}

struct Shop {
    app: TestApp,
    token: String,
}

impl Shop {
    async fn open(name: &str) -> anyhow::Result<Self> {
        let app = TestApp::start_with(Options::default()).await?;
        let account = app.workspace(name).await?;
        let token = app.token(&account).await?;
        Ok(Self { app, token })
    }

    async fn run(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<starcrm_e2e::graphql::GraphqlResponse> {
        self.app.as_token(&self.token).execute(query, variables).await
    }

    /// A member with `email` (consenting to email or not) who bought `amount_minor` `days_ago`.
    async fn member(
        &self,
        name: &str,
        email: &str,
        consent: bool,
        amount_minor: i64,
        days_ago: i64,
    ) -> anyhow::Result<String> {
        let created = self
            .run(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": { "name": name, "emails": [{ "value": email }],
                    "consents": [{ "channel": "EMAIL", "granted": consent }] } }),
            )
            .await?;
        let id = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
        let at = Utc::now() - Duration::days(days_ago);
        self.run(
            PUSH,
            json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": amount_minor, "occurredAt": at } }),
        )
        .await?
        .data();
        Ok(id)
    }

    async fn warnings(&self, id: &str) -> anyhow::Result<Value> {
        Ok(self.run(WARNINGS, json!({ "id": id })).await?.data()["customer"]["points"].clone())
    }

    async fn warn(&self) -> anyhow::Result<u64> {
        Ok(starcrm_api::loyalty::warnings::pass(&self.app.state.db, Utc::now()).await?)
    }

    async fn send(&self) -> anyhow::Result<usize> {
        Ok(starcrm_api::messaging::outbox::send_due(
            &self.app.state.db,
            self.app.state.webhooks.sender(),
            Utc::now(),
        )
        .await?)
    }

    async fn events(&self) -> anyhow::Result<u64> {
        Ok(event::Entity::find()
            .filter(event::Column::Kind.eq("pointsExpiring"))
            .count(&self.app.state.db)
            .await?)
    }
}

#[tokio::test]
async fn members_are_warned_once_per_expiry_date_by_email_with_consent_and_the_feed_hears_of_it()
-> anyhow::Result<()> {
    let shop = Shop::open("星辰茶庄").await?;
    let smtp = SmtpServer::start().await?;
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, None) })).await?.data();
    // A message the business cannot have meant is refused, naming the field.
    for (bad, field) in [
        (json!({ "channel": "EMAIL", "subject": " ", "body": "{points} 积分即将过期" }), "warning.subject"),
        (json!({ "channel": "SMS", "subject": "", "body": "{points} 积分于 {soon} 过期" }), "warning.body"),
    ] {
        let refused = shop.run(SAVE_RULE, json!({ "rule": rule(&bad), "version": 0 })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.body);
        assert_eq!(refused.error_extension("field"), field);
    }
    let saved = shop.run(SAVE_RULE, json!({ "rule": rule(&email_warning()), "version": 0 })).await?;
    assert_eq!(saved.data()["saveLoyaltyRule"]["rule"]["warning"]["channel"], "EMAIL");

    // 100 points earned 25 days ago expire in 5 days: inside the 7 warning days.
    let li = shop.member("李娜", "li.na@example.com", true, 10_000, 25).await?;
    let wang = shop.member("王强", "wang.qiang@example.com", false, 5_000, 25).await?;
    // Earned 10 days ago: 20 days left, not yet.
    let later = shop.member("赵敏", "zhao.min@example.com", true, 8_000, 10).await?;

    assert_eq!(shop.warn().await?, 2);
    assert_eq!(shop.warn().await?, 0, "once per member and expiry date");
    assert_eq!(shop.events().await?, 2, "the feed hears of both, consent or not");
    assert_eq!(shop.send().await?, 2);
    assert_eq!(shop.send().await?, 0, "each message goes out once");

    let mails = smtp.received().await?;
    assert_eq!(mails.len(), 1, "only the member who agreed to email: {mails:?}");
    assert_eq!(mails[0]["subject"], "您的积分即将到期");
    assert_eq!(mails[0]["to"], "李娜 <li.na@example.com>");
    let text = mails[0]["plain"].as_str().unwrap_or_default().trim_end().to_owned();
    let p = shop.warnings(&li).await?;
    let day = p["warnings"][0]["expiresOn"].as_str().unwrap_or_default().to_owned();
    assert_eq!(text, format!("李娜您好：您有 100 积分将于 {day} 后过期（当前共 100 积分）。"));
    let expected_day =
        (Utc::now() + Duration::days(5)).with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    assert!(
        day == expected_day.to_string()
            || day == expected_day.pred_opt().map(|d| d.to_string()).unwrap_or_default(),
        "the last day in the workspace's calendar: {day}"
    );
    assert_eq!(p["expiringSoon"], 100);
    let w = &p["warnings"][0];
    assert_eq!(
        (w["points"].clone(), w["channel"].clone(), w["status"].clone()),
        (json!(100), json!("EMAIL"), json!("SENT")),
        "{p}"
    );
    assert!(w["sentAt"].is_string());
    let skipped = shop.warnings(&wang).await?;
    assert_eq!(skipped["warnings"][0]["status"], "SKIPPED", "{skipped}");
    assert_eq!(skipped["warnings"][0]["skipReason"], "NO_CONSENT");
    assert_eq!(shop.warnings(&later).await?["warnings"], json!([]));

    // Without a message, members are still warned on the feed, and staff see it was event only.
    let version = saved.data()["saveLoyaltyRule"]["version"].clone();
    shop.run(SAVE_RULE, json!({ "rule": rule(&Value::Null), "version": version })).await?.data();
    let quiet = shop.member("陈静", "chen.jing@example.com", true, 3_000, 26).await?;
    assert_eq!(shop.warn().await?, 1);
    assert_eq!(shop.send().await?, 0, "nothing queued");
    let event_only = shop.warnings(&quiet).await?;
    assert_eq!(event_only["warnings"][0]["channel"], Value::Null, "{event_only}");
    assert_eq!(event_only["warnings"][0]["points"], 30);
    assert_eq!(shop.events().await?, 3);
    Ok(())
}

#[tokio::test]
async fn a_warning_waits_out_the_quiet_hours() -> anyhow::Result<()> {
    let shop = Shop::open("Quiet shop").await?;
    let smtp = SmtpServer::start().await?;
    // Quiet from a minute ago for two hours, Shanghai time.
    let local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let minute = local.hour() * 60 + local.minute();
    let quiet = ((minute + 1439) % 1440, (minute + 120) % 1440);
    shop.run(SETTINGS, json!({ "input": settings(smtp.port, Some(quiet)) })).await?.data();
    shop.run(SAVE_RULE, json!({ "rule": rule(&email_warning()), "version": 0 })).await?.data();
    let id = shop.member("李娜", "li.na@example.com", true, 10_000, 25).await?;
    assert_eq!(shop.warn().await?, 1);
    assert_eq!(shop.send().await?, 1);
    assert!(smtp.received().await?.is_empty(), "nothing during quiet hours");
    let w = shop.warnings(&id).await?;
    assert_eq!(w["warnings"][0]["status"], "QUEUED", "{w}");
    assert_eq!(shop.send().await?, 0, "it waits for the end of the quiet hours");
    Ok(())
}
