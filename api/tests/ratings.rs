//! The star engine end to end over GraphQL (and its job runner through the library): real-time
//! rating in the answer of a purchase or refund, downgrade protection, policy versions,
//! whole-workspace runs (also killed and resumed), manual overrides with expiry, explanations,
//! simulation, tier benefits, permissions and workspace isolation. Runs on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use starcrm_api::auth::Scope;
use starcrm_api::entities::{customer, event, star_history};
use starcrm_api::ratings::{jobs, overrides, policy, welcome};
use uuid::Uuid;

const PUSH: &str = "mutation($input: RecordTransactionInput!) {
  recordTransaction(input: $input) { customerId transaction { id } customer { stars starScore computedStars starsAtRisk { stars on } } }
}";
const REFUND: &str = "mutation($input: RecordRefundInput!) {
  recordRefund(input: $input) { customer { stars starScore computedStars starsAtRisk { stars on } } }
}";
const RATING: &str = "query($id: ID!, $lang: Language) {
  customer(id: $id) { stars starScore computedStars starPolicyVersion starsAtRisk { stars on }
    starOverride { stars reason until } starWelcome { stars until }
    starExplanation(language: $lang) { score scoreStars computedStars nextStars toNext { criterion more } nextPurchaseMinor lines
      breakdown { criterion raw counted normalised weight points } }
    starHistory { starsBefore starsAfter trigger reason actorName policyVersion }
    benefits { kind value text } }
}";
const SAVE_DRAFT: &str =
    "mutation($p: PolicyInput!) { saveRatingPolicyDraft(policy: $p) { version status } }";
const ACTIVATE: &str = "mutation($v: Int!) { activateRatingPolicy(version: $v) { policy { version status } job { id status } } }";
const JOB: &str = "query($id: ID!) { ratingJob(id: $id) { status total processed changed trigger error } }";
const SAVE_TIERS: &str = "mutation($t: [TierInput!]!) { saveRatingTiers(tiers: $t) { stars } }";
const CREATE_CUSTOMER: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id stars } }";
const INTERACT: &str =
    "mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { customerId } }";
const OVERRIDE: &str = "mutation($input: OverrideStarsInput!) { overrideCustomerStars(input: $input) { stars computedStars starOverride { stars reason until } } }";

/// A policy on spend alone: 100 points at 100.00 (10,000 minor units), so spend maps straight
/// to the score; thresholds 20/40/60/80.
fn spend_policy(grace_days: u32, one_step_down: bool) -> Value {
    json!({
        "windowDays": 365,
        "rules": [{ "criterion": "MONETARY", "weight": 100, "normalisation": { "kind": "LINEAR", "cap": 10000.0, "steps": [] } }],
        "thresholds": { "two": 20.0, "three": 40.0, "four": 60.0, "five": 80.0 },
        "graceDays": grace_days,
        "oneStepDown": one_step_down,
        "schedule": { "cadence": "MANUAL", "day": 1 }
    })
}

struct Shop {
    app: TestApp,
    token: String,
    workspace_id: Uuid,
}

async fn shop() -> anyhow::Result<Shop> {
    let app = TestApp::start().await?;
    let account = app.workspace("Star shop").await?;
    let token = app.token(&account).await?;
    let workspace_id = account.workspace_id.parse()?;
    Ok(Shop { app, token, workspace_id })
}

impl Shop {
    async fn run(&self, query: &str, vars: Value) -> anyhow::Result<Value> {
        Ok(self.app.as_token(&self.token).execute(query, vars).await?.data().clone())
    }

    /// Activates `policy` and waits for the re-rating it starts.
    async fn activate(&self, policy: Value) -> anyhow::Result<Value> {
        let draft = self.run(SAVE_DRAFT, json!({ "p": policy })).await?;
        let version = draft["saveRatingPolicyDraft"]["version"].clone();
        let activated = self.run(ACTIVATE, json!({ "v": version })).await?;
        let job_id = activated["activateRatingPolicy"]["job"]["id"].clone();
        self.wait(&job_id).await
    }

    async fn wait(&self, job_id: &Value) -> anyhow::Result<Value> {
        for _ in 0..200 {
            let job = self.run(JOB, json!({ "id": job_id })).await?["ratingJob"].clone();
            if job["status"] != "QUEUED" && job["status"] != "RUNNING" {
                return Ok(job);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("job {job_id} did not finish")
    }

    async fn buy(&self, phone: &str, amount_minor: i64, external_ref: &str) -> anyhow::Result<Value> {
        Ok(self
            .run(
                PUSH,
                json!({ "input": { "customer": { "phone": phone, "name": format!("Buyer {phone}") }, "channel": "WEB",
                    "amountMinor": amount_minor, "externalRef": external_ref } }),
            )
            .await?["recordTransaction"]
            .clone())
    }

    async fn rating(&self, id: &Value) -> anyhow::Result<Value> {
        Ok(self.run(RATING, json!({ "id": id, "lang": "EN" })).await?["customer"].clone())
    }
}

#[tokio::test]
async fn a_purchase_rates_the_customer_in_its_own_answer_and_a_refund_falls_under_the_grace_period()
-> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(30, true)).await?;
    let first = shop.buy("13800000001", 9_000, "o-1").await?;
    assert_eq!(first["customer"]["stars"], 5, "{first}");
    assert_eq!(first["customer"]["starScore"], 90.0);
    let id = first["customerId"].clone();

    // A refund of 6,000 leaves a score of 30 (2 stars): the grace period keeps 5 for 30 days,
    // and the customer is flagged at risk of dropping one star then.
    let refunded = shop
        .run(REFUND, json!({ "input": { "originalExternalRef": "o-1", "amountMinor": 6_000 } }))
        .await?["recordRefund"]["customer"]
        .clone();
    assert_eq!(refunded["stars"], 5, "{refunded}");
    assert_eq!(refunded["starScore"], 30.0);
    // Days count in the workspace's calendar (Asia/Shanghai by default).
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let in_30_days = (today + chrono::Duration::days(30)).to_string();
    assert_eq!(refunded["starsAtRisk"], json!({ "stars": 4, "on": in_30_days }));

    let seen = shop.rating(&id).await?;
    let history = seen["starHistory"].as_array().cloned().unwrap_or_default();
    assert_eq!(history.len(), 1, "only the first rating changed the stars: {history:?}");
    assert_eq!(history[0]["trigger"], "TRANSACTION");
    assert_eq!(
        (history[0]["starsBefore"].clone(), history[0]["starsAfter"].clone()),
        (Value::Null, json!(5))
    );
    let lines: Vec<String> = serde_json::from_value(seen["starExplanation"]["lines"].clone())?;
    assert!(lines[0].starts_with("Score 30.0 of 100"), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("keeps 5 stars") && l.contains(&in_30_days)), "{lines:?}");

    // Buying again lifts the score back: the flag goes.
    let back = shop.buy("13800000001", 6_000, "o-2").await?;
    assert_eq!(back["customer"]["starsAtRisk"], Value::Null, "{back}");
    assert_eq!(back["customer"]["stars"], 5);

    // The explanation says what reaching the next level takes.
    let low = shop.buy("13800000002", 3_000, "o-3").await?;
    let explained = shop.rating(&low["customerId"]).await?["starExplanation"].clone();
    assert_eq!(explained["scoreStars"], 2);
    assert_eq!(explained["nextStars"], 3);
    assert_eq!(explained["toNext"], json!([{ "criterion": "MONETARY", "more": 1000 }]));
    let last = explained["lines"].as_array().and_then(|l| l.last()).cloned().unwrap_or_default();
    assert_eq!(explained["nextPurchaseMinor"], 1000, "spend is all this policy weighs");
    assert_eq!(
        last,
        "A purchase of ¥10.00 or more today would earn 3 stars: it adds to spend and orders and makes the last purchase today."
    );
    // And it does.
    let bought = shop.buy("13800000002", 1_000, "o-4").await?;
    assert_eq!(bought["customer"]["stars"], 3, "{bought}");
    Ok(())
}

#[tokio::test]
async fn without_grace_stars_fall_one_step_per_evaluation() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, true)).await?;
    let id = shop.buy("13800000003", 9_000, "p-1").await?["customerId"].clone();
    let refunded = shop.run(REFUND, json!({ "input": { "originalExternalRef": "p-1" } })).await?;
    assert_eq!(refunded["recordRefund"]["customer"]["stars"], 4, "one star down at a time: {refunded}");
    assert_eq!(refunded["recordRefund"]["customer"]["starScore"], 0.0);
    // The next evaluation (a whole-workspace run) takes the next step.
    let job = shop.run("mutation { recalculateStars { id } }", json!({})).await?;
    let done = shop.wait(&job["recalculateStars"]["id"]).await?;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(shop.rating(&id).await?["stars"], 3);
    Ok(())
}

#[tokio::test]
async fn policies_are_versioned_with_one_active_and_activation_rerates_everyone() -> anyhow::Result<()> {
    let shop = shop().await?;
    let versions =
        "{ ratingPolicies { version status policy { windowDays graceDays rules { criterion weight } } } }";
    let start = shop.run(versions, json!({})).await?;
    assert_eq!(start["ratingPolicies"].as_array().map(Vec::len), Some(1), "{start}");
    assert_eq!(start["ratingPolicies"][0]["status"], "ACTIVE");
    assert_eq!(
        start["ratingPolicies"][0]["policy"]["rules"][0],
        json!({ "criterion": "MONETARY", "weight": 30 })
    );

    let ids: Vec<Value> = {
        let mut ids = Vec::new();
        for (i, amount) in [1_000, 5_000, 9_000].into_iter().enumerate() {
            ids.push(
                shop.buy(&format!("1390000000{i}"), amount, &format!("v-{i}")).await?["customerId"].clone(),
            );
        }
        ids
    };

    // A bad draft names the field and saves nothing.
    let mut bad = spend_policy(0, false);
    bad["rules"][0]["weight"] = json!(90);
    let refused = shop.app.as_token(&shop.token).execute(SAVE_DRAFT, json!({ "p": bad })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(refused.error_extension("field"), "policy.rules");
    assert_eq!(shop.run(versions, json!({})).await?["ratingPolicies"].as_array().map(Vec::len), Some(1));

    let draft = shop.run(SAVE_DRAFT, json!({ "p": spend_policy(7, false) })).await?;
    assert_eq!(draft["saveRatingPolicyDraft"], json!({ "version": 2, "status": "DRAFT" }));
    let again = shop.run(SAVE_DRAFT, json!({ "p": spend_policy(0, false) })).await?;
    assert_eq!(again["saveRatingPolicyDraft"]["version"], 2, "a second save edits the same draft");
    let stale = shop.app.as_token(&shop.token).execute(ACTIVATE, json!({ "v": 3 })).await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"));

    let activated = shop.run(ACTIVATE, json!({ "v": 2 })).await?;
    let done = shop.wait(&activated["activateRatingPolicy"]["job"]["id"]).await?;
    assert_eq!(
        (done["status"].clone(), done["trigger"].clone()),
        (json!("SUCCEEDED"), json!("POLICY_CHANGE"))
    );
    assert_eq!(done["total"], 3);
    let listed = shop.run(versions, json!({})).await?;
    let statuses: Vec<(i64, String)> = listed["ratingPolicies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["version"].as_i64().unwrap_or(0), p["status"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(statuses, [(2, "ACTIVE".to_owned()), (1, "ARCHIVED".to_owned())]);

    for (id, stars) in ids.iter().zip([1, 3, 5]) {
        let rated = shop.rating(id).await?;
        assert_eq!(rated["stars"], stars, "{rated}");
        assert_eq!(rated["starPolicyVersion"], 2);
    }
    let second = shop.rating(&ids[2]).await?["starHistory"].clone();
    assert_eq!(second[0]["trigger"], "POLICY_CHANGE", "{second}");
    assert_eq!(second[0]["policyVersion"], 2);
    Ok(())
}

async fn count_history(shop: &Shop, job: Option<Uuid>) -> anyhow::Result<u64> {
    let mut q = star_history::Entity::find().filter(star_history::Column::WorkspaceId.eq(shop.workspace_id));
    if let Some(job) = job {
        q = q.filter(star_history::Column::JobId.eq(job));
    }
    Ok(q.count(&shop.app.state.db).await?)
}

#[tokio::test]
async fn a_run_killed_midway_resumes_after_its_cursor_without_doubling_history() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, false)).await?;
    for i in 0..23 {
        shop.buy(&format!("137{i:08}"), 1_000 + i * 350, &format!("k-{i}")).await?;
    }
    // A stricter policy through the library (the mutation would start the run at once).
    let db = &shop.app.state.db;
    let system = Scope::system(shop.workspace_id);
    let mut strict = spend_policy(0, false);
    strict["rules"][0]["normalisation"]["cap"] = json!(20000.0);
    shop.run(SAVE_DRAFT, json!({ "p": strict })).await?;
    let (_, job) = policy::activate(db, &system, 3).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let stars_now = || async {
        let all = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(shop.workspace_id))
            .all(db)
            .await?;
        anyhow::Ok(all.into_iter().map(|c| (c.id, c.stars)).collect::<std::collections::HashMap<_, _>>())
    };
    let before = stars_now().await?;

    let opts = jobs::RunOptions { batch_size: 5, stop_after_batches: Some(2), now: None, as_of: false };
    let end = jobs::run(db, job.id, "runner-a", &opts).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(end, jobs::RunEnd::Stopped);
    let half = jobs::find(db, &system, job.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!((half.status.as_str(), half.processed, half.total), ("running", 10, 23));
    let written_before = count_history(&shop, Some(job.id)).await?;
    assert!(written_before > 0);

    // Another replica skips it while the lease lives...
    let busy = jobs::run(db, job.id, "runner-b", &jobs::RunOptions::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(busy, jobs::RunEnd::Busy);
    // ...and takes over once it lapsed (the first runner died), going on after the cursor.
    let later = jobs::RunOptions {
        batch_size: 5,
        stop_after_batches: None,
        now: Some(Utc::now() + chrono::Duration::minutes(2)),
        as_of: false,
    };
    let end = jobs::run(db, job.id, "runner-b", &later).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(end, jobs::RunEnd::Finished);
    let done = jobs::find(db, &system, job.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!((done.status.as_str(), done.processed, done.attempts), ("succeeded", 23, 2));
    let rows = count_history(&shop, Some(job.id)).await?;
    let after = stars_now().await?;
    let moved = before.iter().filter(|(id, stars)| after.get(*id) != Some(*stars)).count() as u64;
    assert!(moved > 10, "the stricter policy moved most customers ({moved})");
    assert_eq!(rows, moved, "one history row per customer whose stars changed");
    assert!(u64::try_from(done.changed)? >= moved, "scores changed for at least as many");
    let distinct: std::collections::HashSet<Uuid> = star_history::Entity::find()
        .filter(star_history::Column::JobId.eq(job.id))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.customer_id)
        .collect();
    assert_eq!(distinct.len() as u64, rows, "no customer twice");
    let events = event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(shop.workspace_id))
        .filter(event::Column::Kind.eq("starsChanged"))
        .count(db)
        .await?;
    assert_eq!(events, count_history(&shop, None).await?, "a starsChanged event per history row");

    // Running it again changes nothing and writes nothing.
    let rerun = shop.run("mutation { recalculateStars { id } }", json!({})).await?;
    let again = shop.wait(&rerun["recalculateStars"]["id"]).await?;
    assert_eq!((again["changed"].clone(), again["processed"].clone()), (json!(0), json!(23)), "{again}");
    Ok(())
}

#[tokio::test]
async fn an_override_holds_until_it_ends_then_the_computed_stars_return() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, false)).await?;
    let id = shop.buy("13600000001", 2_500, "m-1").await?["customerId"].clone();
    assert_eq!(shop.rating(&id).await?["stars"], 2);

    for (input, field) in [
        (json!({ "stars": 6, "reason": "VIP" }), "stars"),
        (json!({ "stars": 5, "reason": "  " }), "reason"),
        (json!({ "stars": 5, "reason": "VIP", "until": "2020-01-01T00:00:00Z" }), "until"),
    ] {
        let mut input = input;
        input["customerId"] = id.clone();
        let refused = shop.app.as_token(&shop.token).execute(OVERRIDE, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{input}");
        assert_eq!(refused.error_extension("field"), field);
    }
    assert_eq!(shop.rating(&id).await?["stars"], 2, "refused overrides change nothing");

    let until = (Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let set = shop
        .run(
            OVERRIDE,
            json!({ "input": { "customerId": id, "stars": 5, "reason": "Key account", "until": until } }),
        )
        .await?;
    assert_eq!(set["overrideCustomerStars"]["stars"], 5, "{set}");
    assert_eq!(set["overrideCustomerStars"]["computedStars"], 2);

    // The engine keeps scoring underneath but leaves the stars alone.
    let bought = shop.buy("13600000001", 2_000, "m-2").await?;
    assert_eq!(bought["customer"]["stars"], 5, "{bought}");
    assert_eq!(bought["customer"]["computedStars"], 3);
    let seen = shop.rating(&id).await?;
    assert_eq!(seen["starOverride"]["reason"], "Key account");
    let lines = seen["starExplanation"]["lines"].to_string();
    assert!(lines.contains("Set by hand to 5 stars until"), "{lines}");

    // A week later the override has run out: the computed stars apply again.
    let ended = overrides::expire(&shop.app.state.db, Utc::now() + chrono::Duration::days(8))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(ended, 1);
    let after = shop.rating(&id).await?;
    assert_eq!((after["stars"].clone(), after["starOverride"].clone()), (json!(3), Value::Null), "{after}");
    let triggers: Vec<&str> =
        after["starHistory"].as_array().into_iter().flatten().filter_map(|h| h["trigger"].as_str()).collect();
    assert_eq!(triggers, ["OVERRIDE_ENDED", "OVERRIDE", "TRANSACTION"]);
    assert_eq!(after["starHistory"][1]["reason"], "Key account");

    // Lifted by hand before its end: back at once, and audited.
    shop.run(OVERRIDE, json!({ "input": { "customerId": id, "stars": 1, "reason": "Fraud check" } })).await?;
    let lifted = shop
        .run(
            "mutation($id: ID!) { liftStarOverride(customerId: $id) { stars starOverride { stars } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(lifted["liftStarOverride"], json!({ "stars": 3, "starOverride": null }));
    let audit = shop
        .run("{ auditLog(first: 20, filter: { action: \"customer.\" }) { nodes { action } } }", json!({}))
        .await?;
    let actions = audit.to_string();
    for action in
        ["customer.stars_overridden", "customer.stars_override_ended", "customer.stars_override_lifted"]
    {
        assert!(actions.contains(action), "{action} in {actions}");
    }
    Ok(())
}

#[tokio::test]
async fn a_simulation_reports_the_draft_over_everyone_and_writes_nothing() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, false)).await?;
    for (i, amount) in [500, 2_500, 4_500, 6_500, 8_500, 9_900].into_iter().enumerate() {
        shop.buy(&format!("1350000000{i}"), amount, &format!("s-{i}")).await?;
    }
    let before_history = count_history(&shop, None).await?;
    let mut stricter = spend_policy(0, false);
    stricter["rules"][0]["normalisation"]["cap"] = json!(20000.0);
    let sim = shop
        .run(
            "query($p: PolicyInput!) { simulateRatingPolicy(policy: $p) { customers before after matrix averageScore samples { from to code name } } }",
            json!({ "p": stricter }),
        )
        .await?["simulateRatingPolicy"]
        .clone();
    assert_eq!(sim["customers"], 6);
    assert_eq!(sim["before"], json!([0, 1, 1, 1, 1, 2]), "{sim}");
    // Halved scores: 2.5, 12.5, 22.5, 32.5, 42.5, 49.5.
    assert_eq!(sim["after"], json!([0, 2, 2, 2, 0, 0]), "{sim}");
    assert_eq!(sim["matrix"][5][3], 2);
    assert_eq!(sim["matrix"][3][2], 1);
    assert_eq!(sim["samples"].as_array().map(Vec::len), Some(6));
    assert_eq!(count_history(&shop, None).await?, before_history, "nothing written");
    let dist = shop.run("{ starDistribution }", json!({})).await?;
    assert_eq!(dist["starDistribution"], json!([0, 1, 1, 1, 1, 2]), "stars untouched");

    let mut bad = stricter.clone();
    bad["thresholds"]["four"] = json!(10.0);
    let refused = shop
        .app
        .as_token(&shop.token)
        .execute(
            "query($p: PolicyInput!) { simulateRatingPolicy(policy: $p) { customers } }",
            json!({ "p": bad }),
        )
        .await?;
    assert_eq!(refused.error_extension("field"), "policy.thresholds");
    Ok(())
}

#[tokio::test]
async fn tier_benefits_are_configurable_and_a_level_includes_the_ones_below() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, false)).await?;
    let id = shop.buy("13400000001", 9_500, "t-1").await?["customerId"].clone();
    let kinds = |v: &Value| -> Vec<String> {
        v["benefits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["kind"].as_str().map(str::to_owned))
            .collect()
    };
    let standard = shop.rating(&id).await?;
    assert_eq!(
        kinds(&standard),
        [
            "DISCOUNT",
            "POINTS_MULTIPLIER",
            "DEDICATED_OWNER",
            "FREE_SHIPPING",
            "PRIORITY_SERVICE",
            "BIRTHDAY_GIFT"
        ]
    );
    let tiers =
        shop.run("{ ratingTiers { stars includesLower benefits { kind value text } } }", json!({})).await?;
    let mut tiers = tiers["ratingTiers"].clone();
    tiers[4]["includesLower"] = json!(false);
    tiers[4]["benefits"] = json!([{ "kind": "CUSTOM", "value": null, "text": "Airport lounge" }]);
    let mut bad = tiers.clone();
    bad[3]["benefits"][0]["value"] = json!(150.0);
    let refused = shop.app.as_token(&shop.token).execute(SAVE_TIERS, json!({ "t": bad })).await?;
    assert_eq!(refused.error_extension("field"), "tiers[3].benefits[0].value");
    shop.run(SAVE_TIERS, json!({ "t": tiers })).await?;
    let custom = shop.rating(&id).await?;
    assert_eq!(custom["benefits"], json!([{ "kind": "CUSTOM", "value": null, "text": "Airport lounge" }]));
    Ok(())
}

#[tokio::test]
async fn every_mutation_checks_permissions_and_the_workspace() -> anyhow::Result<()> {
    let shop = shop().await?;
    let id = shop.buy("13300000001", 5_000, "x-1").await?["customerId"].clone();
    let analyst = shop.app.add_user(&shop.token, "ANALYST").await?;
    let analyst = shop.app.token(&analyst).await?;
    let agent = shop.app.add_user(&shop.token, "AGENT").await?;
    let agent = shop.app.token(&agent).await?;
    let override_input = json!({ "input": { "customerId": id, "stars": 5, "reason": "VIP" } });
    let standard = shop.run("{ standardRatingPolicy { windowDays rules { criterion weight normalisation { kind cap steps { threshold value } } } thresholds { two three four five } graceDays oneStepDown schedule { cadence day } } }", json!({})).await?["standardRatingPolicy"].clone();
    let attempts: Vec<(&str, Value)> = vec![
        (SAVE_DRAFT, json!({ "p": standard })),
        (ACTIVATE, json!({ "v": 2 })),
        ("mutation { discardRatingPolicyDraft }", json!({})),
        ("mutation { recalculateStars { id } }", json!({})),
        (
            "query($p: PolicyInput!) { simulateRatingPolicy(policy: $p) { customers } }",
            json!({ "p": standard }),
        ),
        (SAVE_TIERS, json!({ "t": [] })),
        (OVERRIDE, override_input.clone()),
        ("mutation($id: ID!) { liftStarOverride(customerId: $id) { stars } }", json!({ "id": id })),
    ];
    for (query, vars) in &attempts {
        let answer = shop.app.as_token(&analyst).execute(query, vars.clone()).await?;
        assert_eq!(answer.error_code(), Some("FORBIDDEN"), "analyst: {query}");
    }
    // An agent reads ratings but may not set stars by hand.
    let read = shop.app.as_token(&agent).execute(RATING, json!({ "id": id, "lang": "ZH_CN" })).await?;
    assert!(
        read.data()["customer"]["starExplanation"]["lines"][0].as_str().unwrap_or("").starts_with("评分")
    );
    let denied = shop.app.as_token(&agent).execute(OVERRIDE, override_input.clone()).await?;
    assert_eq!(denied.error_code(), Some("FORBIDDEN"));

    // Another workspace cannot see or touch this one's customers or jobs.
    let other = shop.app.workspace("Other shop").await?;
    let other = shop.app.token(&other).await?;
    let foreign = shop.app.as_token(&other).execute(OVERRIDE, override_input).await?;
    assert_eq!(foreign.error_code(), Some("NOT_FOUND"));
    let job = shop.run("mutation { recalculateStars { id } }", json!({})).await?;
    let job_id = job["recalculateStars"]["id"].clone();
    shop.wait(&job_id).await?;
    let peek = shop.app.as_token(&other).execute(JOB, json!({ "id": job_id })).await?;
    assert_eq!(peek.data()["ratingJob"], Value::Null);
    let theirs = shop.app.as_token(&other).execute("{ starDistribution }", json!({})).await?;
    assert_eq!(theirs.data()["starDistribution"], json!([0, 0, 0, 0, 0, 0]));
    assert_eq!(shop.rating(&id).await?["starOverride"], Value::Null, "nothing was overridden");
    Ok(())
}

#[tokio::test]
async fn a_policy_activated_while_a_run_was_stopped_gets_a_run_of_its_own() -> anyhow::Result<()> {
    let shop = shop().await?;
    shop.activate(spend_policy(0, false)).await?;
    for i in 0..12 {
        shop.buy(&format!("132{i:08}"), 1_000 + i * 700, &format!("f-{i}")).await?;
    }
    let db = &shop.app.state.db;
    let system = Scope::system(shop.workspace_id);
    let err = |e: starcrm_api::error::AppError| anyhow::anyhow!("{e}");
    let txn = starcrm_api::db::begin_write(db).await?;
    let first = jobs::enqueue(&txn, &system, starcrm_shared::rating::Trigger::Manual).await.map_err(err)?;
    txn.commit().await?;
    let one_batch = jobs::RunOptions { batch_size: 5, stop_after_batches: Some(1), now: None, as_of: false };
    assert_eq!(jobs::run(db, first.id, "runner-a", &one_batch).await.map_err(err)?, jobs::RunEnd::Stopped);

    // The runner died; meanwhile a stricter policy is activated (the open run is what it finds).
    let mut strict = spend_policy(0, false);
    strict["rules"][0]["normalisation"]["cap"] = json!(20000.0);
    shop.run(SAVE_DRAFT, json!({ "p": strict })).await?;
    let (active, open) = policy::activate(db, &system, 3).await.map_err(err)?;
    assert_eq!((active.version, open.id), (3, first.id));

    let later = jobs::RunOptions {
        batch_size: 5,
        stop_after_batches: None,
        now: Some(Utc::now() + chrono::Duration::minutes(2)),
        as_of: false,
    };
    assert_eq!(jobs::run(db, first.id, "runner-b", &later).await.map_err(err)?, jobs::RunEnd::Finished);
    let runs =
        shop.run("{ ratingJobs(limit: 5) { id status trigger total processed changed } }", json!({})).await?;
    let newest = runs["ratingJobs"][0].clone();
    assert_ne!(newest["id"], json!(first.id.to_string()), "a run of its own: {runs}");
    assert_eq!(
        (newest["status"].clone(), newest["trigger"].clone(), newest["processed"].clone()),
        (json!("SUCCEEDED"), json!("POLICY_CHANGE"), json!(12))
    );
    let follow_up: Uuid = newest["id"].as_str().unwrap_or_default().parse()?;
    let rows = star_history::Entity::find().filter(star_history::Column::JobId.eq(follow_up)).all(db).await?;
    assert!(!rows.is_empty() && rows.iter().all(|h| h.policy_version == Some(3)), "{rows:?}");
    let distinct: std::collections::HashSet<Uuid> = rows.iter().map(|h| h.customer_id).collect();
    assert_eq!(distinct.len(), rows.len(), "no customer twice");
    Ok(())
}

/// `spend_policy` with the seeds' 新客户注册送星级: new customers shown `stars` for `days`.
fn welcome_policy(stars: u32, days: u32) -> Value {
    let mut policy = spend_policy(0, false);
    policy["welcome"] = json!({ "stars": stars, "days": days });
    policy
}

fn triggers(rating: &Value) -> Vec<String> {
    rating["starHistory"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["trigger"].as_str())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_new_customer_is_shown_the_welcome_level_for_its_days_then_the_computed_stars() -> anyhow::Result<()>
{
    let shop = shop().await?;
    // Without a welcome, a customer entered by staff waits for their first rating.
    shop.activate(spend_policy(0, false)).await?;
    let before = shop.run(CREATE_CUSTOMER, json!({ "input": { "name": "Before the welcome" } })).await?;
    assert_eq!(before["createCustomer"]["stars"], Value::Null, "{before}");

    // A welcome outside 2 to 5 stars or 1 to 366 days is refused, naming the field.
    for (bad, field) in
        [(welcome_policy(1, 30), "policy.welcome.stars"), (welcome_policy(3, 0), "policy.welcome.days")]
    {
        let refused = shop.app.as_token(&shop.token).execute(SAVE_DRAFT, json!({ "p": bad })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{bad}");
        assert_eq!(refused.error_extension("field"), field);
    }
    shop.activate(welcome_policy(3, 30)).await?;

    // Entered by staff: 3 stars at once, marked as a welcome in the explanation and the history.
    let created = shop.run(CREATE_CUSTOMER, json!({ "input": { "name": "New member" } })).await?;
    assert_eq!(created["createCustomer"]["stars"], 3, "{created}");
    let staff_id = created["createCustomer"]["id"].clone();
    let seen = shop.rating(&staff_id).await?;
    assert_eq!((seen["stars"].clone(), seen["computedStars"].clone()), (json!(3), json!(1)), "{seen}");
    assert_eq!(seen["starWelcome"]["stars"], 3);
    let lines = seen["starExplanation"]["lines"].to_string();
    assert!(lines.contains("New-customer welcome: shown as 3 stars until"), "{lines}");
    assert!(lines.contains("the score alone gives 1 star"), "{lines}");
    assert_eq!(seen["starExplanation"]["nextStars"], 4, "the next level counts from the stars shown");
    assert_eq!(triggers(&seen), ["WELCOME"]);
    let zh = shop.run(RATING, json!({ "id": staff_id, "lang": "ZH_CN" })).await?;
    assert!(zh["customer"]["starExplanation"]["lines"].to_string().contains("新客户注册送星级"), "{zh}");

    // Met by a first purchase (2 stars by the score): held at 3; a purchase earning more lifts
    // them above it (a welcome never lowers stars).
    let first = shop.buy("13600000021", 2_500, "w-1").await?;
    assert_eq!(
        (first["customer"]["stars"].clone(), first["customer"]["computedStars"].clone()),
        (json!(3), json!(2))
    );
    let buyer = first["customerId"].clone();
    let more = shop.buy("13600000021", 4_000, "w-2").await?;
    assert_eq!(more["customer"]["stars"], 4, "{more}");
    // Met by a call: welcomed and rated at once.
    let interaction = shop
        .run(
            INTERACT,
            json!({ "input": { "customer": { "phone": "13600000022", "name": "Caller" }, "kind": "CALL", "direction": "INBOUND" } }),
        )
        .await?;
    let caller = interaction["recordInteraction"]["customerId"].clone();
    assert_eq!(shop.rating(&caller).await?["stars"], 3);

    // A whole-workspace run (a new policy version) keeps the welcomes running.
    let run = shop.activate(welcome_policy(2, 10)).await?;
    assert_eq!(run["status"], "SUCCEEDED", "{run}");
    assert_eq!(shop.rating(&staff_id).await?["stars"], 3, "the welcome given at joining is kept");
    assert_eq!(shop.rating(&buyer).await?["stars"], 4);

    // Thirty days on, the welcomes end: the computed stars apply again, recorded as such.
    let later = Utc::now() + chrono::Duration::days(31);
    let ended = welcome::expire(&shop.app.state.db, later).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(ended, 3, "the staff entry, the buyer and the caller");
    let after = shop.rating(&staff_id).await?;
    assert_eq!((after["stars"].clone(), after["starWelcome"].clone()), (json!(1), Value::Null), "{after}");
    assert_eq!(triggers(&after), ["WELCOME_ENDED", "WELCOME"]);
    assert!(!after["starExplanation"]["lines"].to_string().contains("welcome"));
    let buyer_after = shop.rating(&buyer).await?;
    assert_eq!(buyer_after["stars"], 4, "stars earned above the welcome stay: {buyer_after}");
    assert_eq!(buyer_after["starWelcome"], Value::Null);
    let again = welcome::expire(&shop.app.state.db, later).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(again, 0, "an ended welcome is not read again");
    let unwelcomed = shop.rating(&before["createCustomer"]["id"]).await?;
    assert_eq!(unwelcomed["starWelcome"], Value::Null, "customers from before the rule get none");
    let audit = shop
        .run("{ auditLog(first: 50, filter: { action: \"customer.\" }) { nodes { action } } }", json!({}))
        .await?;
    let nodes = audit["auditLog"]["nodes"].as_array().cloned().unwrap_or_default();
    let ended = nodes.iter().filter(|n| n["action"] == "customer.welcome_ended").count();
    assert_eq!(ended, 3, "{audit}");
    Ok(())
}
