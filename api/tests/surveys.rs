//! Survey answers: recorded by integrations (idempotent), moving the customer's stars through the
//! satisfaction criterion in real time and on the scheduled re-rating, closing the loop on an
//! unhappy answer with one complaint ticket, following the customer through merges and erasure.
//! Runs on SQLite and on PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const RECORD: &str = "mutation($input: RecordSurveyResponseInput!) { recordSurveyResponse(input: $input) {
  created customerId customer { starScore }
  response { id kind score npsGroup unhappy comment language channel store source externalRef answeredAt
    agent { id } ticketId transactionId loopTicket { id kind subject description channel tags assignee { id } } } } }";
const RATING: &str = "query($id: ID!) { customer(id: $id) { starScore
  starExplanation { breakdown { criterion raw counted } }
  surveyResponses { id score comment } } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";

async fn shop(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Survey Shop").await?;
    app.token(&account).await
}

async fn buyer(app: &TestApp, token: &str, phone: &str) -> anyhow::Result<String> {
    let pushed = app
        .as_token(token)
        .execute(
            PUSH,
            json!({ "input": { "customer": { "phone": phone, "name": format!("Buyer {phone}") }, "channel": "STORE",
                "amountMinor": 88_000, "store": "Jing'an", "externalRef": format!("order-{phone}") } }),
        )
        .await?;
    Ok(pushed.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned())
}

async fn record(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(RECORD, json!({ "input": input })).await?.data()["recordSurveyResponse"]
        .clone())
}

async fn rating(app: &TestApp, token: &str, id: &str) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(RATING, json!({ "id": id })).await?.data()["customer"].clone())
}

fn satisfaction(rating: &Value) -> Value {
    rating["starExplanation"]["breakdown"]
        .as_array()
        .and_then(|b| b.iter().find(|c| c["criterion"] == "SATISFACTION"))
        .map(|c| json!([c["counted"], c["raw"]]))
        .unwrap_or_default()
}

#[tokio::test]
async fn an_answer_moves_the_score_in_real_time_and_the_scheduled_rerating_keeps_it() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000001").await?;
    let before = rating(&app, &token, &id).await?;
    assert_eq!(satisfaction(&before), json!([false, null]), "neutral without answers");

    let happy = record(&app, &token, json!({ "customer": { "id": id }, "kind": "NPS", "score": 10 })).await?;
    assert_eq!(happy["created"], true);
    assert_eq!(happy["response"]["npsGroup"], "PROMOTER");
    assert_eq!(happy["response"]["unhappy"], false);
    assert!(happy["response"]["loopTicket"].is_null(), "a promoter opens no ticket");
    let after_happy = rating(&app, &token, &id).await?;
    assert_eq!(satisfaction(&after_happy), json!([true, 1.0]), "raw satisfaction is 0 to 1");
    let score = |r: &Value| r["starScore"].as_f64().unwrap_or(f64::NAN);
    assert!(score(&after_happy) > score(&before), "{before} -> {after_happy}");
    // The payload carries the customer as rated with the answer.
    assert_eq!(happy["customer"]["starScore"], after_happy["starScore"]);

    // A detractor today weighs about as much as the promoter of a moment ago: the two average.
    record(&app, &token, json!({ "customer": { "id": id }, "kind": "NPS", "score": 0 })).await?;
    let mixed = rating(&app, &token, &id).await?;
    let raw = mixed["starExplanation"]["breakdown"]
        .as_array()
        .and_then(|b| b.iter().find(|c| c["criterion"] == "SATISFACTION"))
        .and_then(|c| c["raw"].as_f64())
        .unwrap_or_default();
    assert!((raw - 0.5).abs() < 0.001, "{raw}");
    assert!(score(&mixed) < score(&after_happy));
    assert_eq!(mixed["surveyResponses"].as_array().map(Vec::len), Some(2));

    // The scheduled path reads the same answers: re-rating everyone changes nobody's score.
    let job = app.as_token(&token).execute("mutation { recalculateStars { id } }", json!({})).await?;
    let job_id = job.data()["recalculateStars"]["id"].clone();
    let mut status = Value::Null;
    for _ in 0..200 {
        status = app
            .as_token(&token)
            .execute("query($id: ID!) { ratingJob(id: $id) { status } }", json!({ "id": job_id }))
            .await?
            .data()["ratingJob"]["status"]
            .clone();
        if status == "SUCCEEDED" {
            break;
        }
        assert!(status == "QUEUED" || status == "RUNNING", "{status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "SUCCEEDED", "the re-rating must have run for the comparison to mean anything");
    let rerated = rating(&app, &token, &id).await?;
    assert_eq!(satisfaction(&rerated), satisfaction(&mixed));
    assert!((score(&rerated) - score(&mixed)).abs() < 1e-6, "{mixed} -> {rerated}");
    Ok(())
}

/// Until a workspace has answers nobody's are read; its first answer counts at once, and so does
/// every purchase after it (the cached rating context that knew of no answers is forgotten).
#[tokio::test]
async fn the_workspace_first_answer_counts_and_so_does_the_next_purchase() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000031").await?;
    assert_eq!(satisfaction(&rating(&app, &token, &id).await?)[0], false, "neutral without answers");
    record(&app, &token, json!({ "customer": { "id": id }, "kind": "NPS", "score": 10 })).await?;
    assert_eq!(satisfaction(&rating(&app, &token, &id).await?)[0], true, "the answer counts");
    let again = json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": 1_000,
        "externalRef": "order-after-the-answer" } });
    app.as_token(&token).execute(PUSH, again).await?.data();
    assert_eq!(satisfaction(&rating(&app, &token, &id).await?)[0], true, "the next purchase read it too");
    Ok(())
}

#[tokio::test]
async fn a_retried_push_returns_the_first_answer_and_counts_once() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000002").await?;
    let input = json!({ "customer": { "phone": "13800000002" }, "kind": "CSAT", "score": 4,
        "comment": "Quick and friendly", "language": "en", "externalRef": "pos-survey-1" });
    let first = record(&app, &token, input.clone()).await?;
    let mut retry = input_fields(&input);
    retry.insert("score".into(), json!(1));
    let again = record(&app, &token, Value::Object(retry)).await?;
    assert_eq!(first["created"], true);
    assert_eq!(again["created"], false);
    assert_eq!(again["response"]["id"], first["response"]["id"]);
    assert_eq!(again["response"]["score"], 4, "the first result, not the retry's contents");
    assert!(again["response"]["loopTicket"].is_null());
    assert_eq!(first["response"]["source"], "INTEGRATION");
    assert_eq!(first["response"]["externalRef"], "pos-survey-1");
    let seen = rating(&app, &token, &id).await?;
    assert_eq!(
        seen["surveyResponses"],
        json!([{ "id": first["response"]["id"], "score": 4, "comment": "Quick and friendly" }])
    );
    Ok(())
}

/// `input` as an object of its fields, to spread into another (`json!` has no spread: this
/// merges by hand).
fn input_fields(input: &Value) -> serde_json::Map<String, Value> {
    input.as_object().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_unhappy_answer_opens_one_complaint_ticket_with_the_comment() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000003").await?;
    let unhappy = record(
        &app,
        &token,
        json!({ "customer": { "id": id }, "kind": "CSAT", "score": 2, "comment": "快递太慢了，客服也不回复",
            "channel": "APP", "language": "zh-CN" }),
    )
    .await?;
    let ticket = &unhappy["response"]["loopTicket"];
    assert_eq!(ticket["kind"], "COMPLAINT", "{unhappy}");
    assert_eq!(ticket["subject"], "CSAT 2/5: 快递太慢了，客服也不回复");
    assert_eq!(ticket["description"], "快递太慢了，客服也不回复");
    assert_eq!(ticket["channel"], "APP");
    assert_eq!(ticket["tags"], json!(["survey"]));
    assert_eq!(unhappy["response"]["unhappy"], true);

    // The retry sweep finds nothing left to do: the loop is closed once.
    let closed = starcrm_api::surveys::responses::close_open_loops(
        &app.state.db,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await?;
    assert_eq!(closed, 0);
    let complaints = app
        .as_token(&token)
        .execute(
            "query($c: ID) { tickets(view: ALL, customerId: $c) { totalCount edges { node { kind } } } }",
            json!({ "c": id }),
        )
        .await?;
    assert_eq!(complaints.data()["tickets"]["totalCount"], 1, "{}", complaints.body);

    // A detractor without a comment: a complaint all the same (someone calls them back).
    let silent = record(&app, &token, json!({ "customer": { "id": id }, "kind": "NPS", "score": 6 })).await?;
    assert_eq!(silent["response"]["loopTicket"]["subject"], "NPS 6/10");
    assert_eq!(silent["response"]["loopTicket"]["channel"], "OTHER");
    // Passives and satisfied customers open nothing.
    for (kind, score) in [("NPS", 7), ("NPS", 8), ("CSAT", 3), ("CSAT", 5)] {
        let fine =
            record(&app, &token, json!({ "customer": { "id": id }, "kind": kind, "score": score })).await?;
        assert!(fine["response"]["loopTicket"].is_null(), "{kind} {score}: {fine}");
    }
    Ok(())
}

#[tokio::test]
async fn an_answer_whose_complaint_was_not_opened_is_picked_up_by_the_sweep() -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use starcrm_api::entities::survey_response;
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000004").await?;
    let answer = record(&app, &token, json!({ "customer": { "id": id }, "kind": "NPS", "score": 2 })).await?;
    let response_id: uuid::Uuid = answer["response"]["id"].as_str().unwrap_or_default().parse()?;
    let ticket_id = answer["response"]["loopTicket"]["id"].clone();
    // As if the process had stopped between the answer and its ticket: the link is lost, the
    // ticket (opened with the answer's reference) is still there.
    survey_response::Entity::update_many()
        .col_expr(
            survey_response::Column::LoopTicketId,
            sea_orm::sea_query::Expr::value(Option::<uuid::Uuid>::None),
        )
        .filter(survey_response::Column::Id.eq(response_id))
        .exec(&app.state.db)
        .await?;
    let now = chrono::Utc::now() + chrono::Duration::minutes(2);
    assert_eq!(starcrm_api::surveys::responses::close_open_loops(&app.state.db, now).await?, 1);
    let row = survey_response::Entity::find_by_id(response_id).one(&app.state.db).await?;
    assert_eq!(
        row.and_then(|r| r.loop_ticket_id).map(|t| t.to_string()),
        ticket_id.as_str().map(str::to_owned)
    );
    let count = app
        .as_token(&token)
        .execute("query($c: ID) { tickets(view: ALL, customerId: $c) { totalCount } }", json!({ "c": id }))
        .await?;
    assert_eq!(
        count.data()["tickets"]["totalCount"],
        1,
        "the sweep found the ticket, it did not open another"
    );
    Ok(())
}

#[tokio::test]
async fn a_csat_answer_on_a_ticket_rates_its_agent_and_an_nps_answer_its_purchase() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Survey Shop").await?;
    let token = app.token(&account).await?;
    let owner = account.id.clone();
    let id = buyer(&app, &token, "13800000005").await?;
    let ticket = app.assigned_ticket(&token, &id, ("WECHAT", "Size?"), &owner).await?;
    let csat = record(
        &app,
        &token,
        json!({ "customer": { "id": id }, "kind": "CSAT", "score": 5, "ticketId": ticket }),
    )
    .await?;
    assert_eq!(csat["response"]["agent"]["id"], owner.as_str());
    assert_eq!(csat["response"]["channel"], "WECHAT");
    assert_eq!(csat["response"]["ticketId"], ticket);

    let purchase = app
        .as_token(&token)
        .execute(
            "query($c: ID!) { customer(id: $c) { transactions(first: 1) { edges { node { id } } } } }",
            json!({ "c": id }),
        )
        .await?;
    let purchase = purchase.data()["customer"]["transactions"]["edges"][0]["node"]["id"].clone();
    let nps = record(
        &app,
        &token,
        json!({ "customer": { "id": id }, "kind": "NPS", "score": 9, "transactionId": purchase }),
    )
    .await?;
    assert_eq!(nps["response"]["channel"], "STORE");
    assert_eq!(nps["response"]["store"], "Jing'an");
    assert_eq!(nps["response"]["transactionId"], purchase);
    Ok(())
}

#[tokio::test]
async fn bad_answers_are_refused_naming_the_field_and_record_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000006").await?;
    let other = buyer(&app, &token, "13800000007").await?;
    let others_ticket = app
        .as_token(&token)
        .execute(
            "mutation($c: ID!) { openTicket(input: { customer: { id: $c }, kind: INQUIRY, channel: PHONE, subject: \"x\" }) { ticket { id } } }",
            json!({ "c": other }),
        )
        .await?
        .data()["openTicket"]["ticket"]["id"]
        .clone();
    let cases = [
        (json!({ "kind": "NPS", "score": 11 }), "BAD_USER_INPUT", "score"),
        (json!({ "kind": "CSAT", "score": 0 }), "BAD_USER_INPUT", "score"),
        (json!({ "kind": "NPS", "score": 5, "comment": "x".repeat(2001) }), "BAD_USER_INPUT", "comment"),
        (json!({ "kind": "NPS", "score": 5, "language": "zh_CN" }), "BAD_USER_INPUT", "language"),
        (json!({ "kind": "CSAT", "score": 1, "ticketId": others_ticket }), "BAD_USER_INPUT", "ticketId"),
        (json!({ "kind": "CSAT", "score": 1, "agentId": uuid::Uuid::now_v7() }), "BAD_USER_INPUT", "agentId"),
        (
            json!({ "kind": "NPS", "score": 5, "answeredAt": "2099-01-01T00:00:00Z" }),
            "BAD_USER_INPUT",
            "answeredAt",
        ),
        (json!({ "kind": "NPS", "score": 5, "externalRef": "  x\u{0}" }), "BAD_USER_INPUT", "externalRef"),
    ];
    for (fields, code, field) in cases {
        let mut input = input_fields(&fields);
        input.insert("customer".into(), json!({ "id": id }));
        let refused = app.as_token(&token).execute(RECORD, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some(code), "{fields}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{fields}: {}", refused.body);
    }
    // Nobody by that phone: not found, and no customer is made up for an answer.
    let unknown = app
        .as_token(&token)
        .execute(
            RECORD,
            json!({ "input": { "customer": { "phone": "13999999999" }, "kind": "NPS", "score": 3 } }),
        )
        .await?;
    assert_eq!(unknown.error_code(), Some("NOT_FOUND"), "{}", unknown.body);
    let count = app.as_token(&token).execute("{ customers { totalCount } }", json!({})).await?;
    assert_eq!(count.data()["customers"]["totalCount"], 2);
    let seen = rating(&app, &token, &id).await?;
    assert_eq!(seen["surveyResponses"], json!([]));
    let tickets = app.as_token(&token).execute("{ tickets(view: ALL) { totalCount } }", json!({})).await?;
    assert_eq!(tickets.data()["tickets"]["totalCount"], 1, "only the one opened above");
    Ok(())
}

#[tokio::test]
async fn answers_follow_a_merge_and_their_words_go_with_an_erasure() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let survivor = buyer(&app, &token, "13800000008").await?;
    let duplicate = buyer(&app, &token, "13800000009").await?;
    record(
        &app,
        &token,
        json!({ "customer": { "id": duplicate }, "kind": "NPS", "score": 9, "comment": "Love the shop" }),
    )
    .await?;
    let version = app
        .as_token(&token)
        .execute("query($id: ID!) { customer(id: $id) { version } }", json!({ "id": survivor }))
        .await?
        .data()["customer"]["version"]
        .clone();
    let merged = app
        .as_token(&token)
        .execute(
            "mutation($s: ID!, $m: ID!, $v: Int!) { mergeCustomers(input: { survivorId: $s, mergedId: $m, survivorVersion: $v }) { merge { id } } }",
            json!({ "s": survivor, "m": duplicate, "v": version }),
        )
        .await?;
    merged.data();
    let seen = rating(&app, &token, &survivor).await?;
    assert_eq!(seen["surveyResponses"][0]["comment"], "Love the shop", "{seen}");
    assert_eq!(satisfaction(&seen)[0], true, "the survivor's rating counts the answer");

    let erased = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"Asked to be forgotten\") { erased } }",
            json!({ "id": survivor }),
        )
        .await?;
    assert_eq!(erased.data()["eraseCustomer"]["erased"], true);
    let seen = rating(&app, &token, &survivor).await?;
    assert_eq!(seen["surveyResponses"][0]["score"], 9, "the score stays, anonymous");
    assert!(seen["surveyResponses"][0]["comment"].is_null(), "{seen}");
    Ok(())
}

const SCORES: &str = "query($kind: SurveyKind!, $from: DateTime, $to: DateTime, $by: SurveyDimension) {
  surveyScores(kind: $kind, from: $from, to: $to, by: $by) { by
    overall { n value standardError margin low high promoters passives detractors satisfied }
    groups { key agent { id } score { n value margin } } } }";

#[tokio::test]
async fn scores_come_with_n_and_margin_by_star_level_agent_and_local_month() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Survey Shop").await?;
    let token = app.token(&account).await?;
    let five = buyer(&app, &token, "13800000011").await?;
    let two = buyer(&app, &token, "13800000012").await?;
    app.override_stars(&token, &five, 5).await?;
    app.override_stars(&token, &two, 2).await?;
    // 6 promoters, 2 passives, 2 detractors: NPS 40 from ten answers, margin 1.96 * 100 *
    // sqrt((0.6 + 0.2 - 0.4^2) / 10) = 49.6. Shanghai time: 2026-10-31 20:00 UTC is November.
    let answers = [
        (&five, 10, "2026-10-05T02:00:00Z"),
        (&five, 10, "2026-10-06T02:00:00Z"),
        (&five, 9, "2026-10-31T20:00:00Z"),
        (&five, 9, "2026-12-01T02:00:00Z"),
        (&five, 10, "2026-12-02T02:00:00Z"),
        (&five, 8, "2026-12-02T03:00:00Z"),
        (&two, 9, "2026-10-07T02:00:00Z"),
        (&two, 7, "2026-10-08T02:00:00Z"),
        (&two, 3, "2026-10-09T02:00:00Z"),
        (&two, 0, "2026-12-03T02:00:00Z"),
    ];
    for (who, score, at) in answers {
        record(
            &app,
            &token,
            json!({ "customer": { "id": who }, "kind": "NPS", "score": score, "answeredAt": at }),
        )
        .await?;
    }
    // A CSAT answer is not an NPS answer.
    record(
        &app,
        &token,
        json!({ "customer": { "id": five }, "kind": "CSAT", "score": 5, "agentId": account.id }),
    )
    .await?;
    let period = json!({ "kind": "NPS", "from": "2026-09-30T16:00:00Z", "to": "2026-12-31T16:00:00Z" });
    let scores = |by: Value| {
        let mut vars = period.clone();
        vars["by"] = by;
        let gql = app.as_token(&token);
        async move { anyhow::Ok(gql.execute(SCORES, vars).await?.data()["surveyScores"].clone()) }
    };
    let overall = scores(Value::Null).await?;
    let o = &overall["overall"];
    assert_eq!(
        (o["n"].clone(), o["promoters"].clone(), o["passives"].clone(), o["detractors"].clone()),
        (json!(10), json!(6), json!(2), json!(2))
    );
    let close = |v: &Value, want: f64| (v.as_f64().unwrap_or(f64::NAN) - want).abs() < 0.05;
    assert!(close(&o["value"], 40.0), "{o}");
    assert!(close(&o["margin"], 49.58), "{o}");
    assert!(close(&o["standardError"], 25.30), "{o}");
    assert!(close(&o["low"], -9.58) && close(&o["high"], 89.58), "{o}");
    assert_eq!(overall["groups"], json!([]));

    let by_stars = scores(json!("STAR_LEVEL")).await?;
    let keyed: Vec<(Value, Value, Value)> = by_stars["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|g| (g["key"].clone(), g["score"]["n"].clone(), g["score"]["value"].clone()))
                .collect()
        })
        .unwrap_or_default();
    // 5 stars: 5 promoters, 1 passive -> 83.3; 2 stars: 1 promoter, 1 passive, 2 detractors -> -25.
    assert_eq!(keyed.len(), 2, "{by_stars}");
    assert_eq!((keyed[0].0.clone(), keyed[0].1.clone()), (json!("5"), json!(6)));
    assert!(close(&keyed[0].2, 83.33), "{keyed:?}");
    assert_eq!(
        (keyed[1].0.clone(), keyed[1].1.clone(), keyed[1].2.clone()),
        (json!("2"), json!(4), json!(-25.0))
    );

    let by_month = scores(json!("MONTH")).await?;
    let months: Vec<(Value, Value)> = by_month["groups"]
        .as_array()
        .map(|g| g.iter().map(|g| (g["key"].clone(), g["score"]["n"].clone())).collect())
        .unwrap_or_default();
    assert_eq!(
        months,
        [(json!("2026-10"), json!(5)), (json!("2026-11"), json!(1)), (json!("2026-12"), json!(4))]
    );
    let empty = app
        .as_token(&token)
        .execute(SCORES, json!({ "kind": "NPS", "from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z", "by": "MONTH" }))
        .await?;
    let empty = &empty.data()["surveyScores"];
    assert_eq!(empty["overall"]["n"], 0);
    assert!(empty["overall"]["value"].is_null(), "no score without answers: {empty}");
    assert_eq!(
        empty["groups"].as_array().map(Vec::len),
        Some(3),
        "every month of the period is a point: {empty}"
    );

    let by_agent = app.as_token(&token).execute(SCORES, json!({ "kind": "CSAT", "by": "AGENT" })).await?;
    let group = &by_agent.data()["surveyScores"]["groups"][0];
    assert_eq!(group["agent"]["id"], account.id.as_str(), "{}", by_agent.body);
    assert_eq!(group["score"]["value"], 100.0);

    Ok(())
}

#[tokio::test]
async fn a_period_ending_before_it_starts_or_a_trend_too_long_is_refused() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    for (vars, field) in [
        (json!({ "kind": "NPS", "from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z" }), "to"),
        (
            json!({ "kind": "NPS", "from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "by": "MONTH" }),
            "from",
        ),
    ] {
        let refused = app.as_token(&token).execute(SCORES, vars).await?;
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn the_terms_of_unhappy_comments_lead_to_the_answers_that_use_them() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = shop(&app).await?;
    let id = buyer(&app, &token, "13800000013").await?;
    let comments = [
        (2, "快递太慢了，等了一个星期"),
        (3, "The delivery was late again"),
        (1, "快递慢，包装也破了"),
        (10, "店员很热情，服务周到"),
        (9, "Friendly staff and a great fitting room"),
        (10, "店员耐心，推荐很专业"),
    ];
    for round in 0..3 {
        for (score, comment) in comments {
            record(
                &app,
                &token,
                json!({ "customer": { "id": id }, "kind": "NPS", "score": score, "comment": format!("{comment} ({round})") }),
            )
            .await?;
        }
    }
    let terms = app
        .as_token(&token)
        .execute(
            "{ surveyTerms(kind: NPS, limit: 5) { comments unhappyComments happyComments
               unhappy { term z significant count otherCount } happy { term count otherCount } } }",
            json!({}),
        )
        .await?;
    let t = &terms.data()["surveyTerms"];
    assert_eq!(
        (t["comments"].clone(), t["unhappyComments"].clone(), t["happyComments"].clone()),
        (json!(18), json!(9), json!(9))
    );
    let words = |side: &str| -> Vec<String> {
        t[side]
            .as_array()
            .map(|a| a.iter().filter_map(|w| w["term"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    assert!(words("unhappy").contains(&"快递".to_owned()), "{t}");
    assert!(words("happy").contains(&"店员".to_owned()), "{t}");
    // A stem is shown as the word customers wrote.
    let shown = app
        .as_token(&token)
        .execute("{ surveyTerms(kind: NPS, limit: 20) { unhappy { term word } } }", json!({}))
        .await?;
    let pairs = shown.data()["surveyTerms"]["unhappy"].clone();
    assert!(
        pairs
            .as_array()
            .is_some_and(|a| a.iter().any(|w| w["term"] == "deliveri" && w["word"] == "delivery")),
        "{pairs}"
    );
    assert!(
        pairs.as_array().is_some_and(|a| a.iter().any(|w| w["term"] == "快递" && w["word"] == "快递")),
        "{pairs}"
    );
    let drill = app
        .as_token(&token)
        .execute("{ surveyResponses(kind: NPS, term: \"快递\") { score comment } }", json!({}))
        .await?;
    let found = drill.data()["surveyResponses"].as_array().cloned().unwrap_or_default();
    assert_eq!(found.len(), 6, "{}", drill.body);
    assert!(found.iter().all(|r| r["comment"].as_str().is_some_and(|c| c.contains("快递"))));
    // English terms are stems: "deliveries" finds "delivery".
    let english = app
        .as_token(&token)
        .execute("{ surveyResponses(kind: NPS, term: \"deliveries\", first: 2) { comment } }", json!({}))
        .await?;
    assert_eq!(english.data()["surveyResponses"].as_array().map(Vec::len), Some(2), "{}", english.body);
    let unhappy = app
        .as_token(&token)
        .execute("{ surveyResponses(kind: NPS, unhappy: true, first: 100) { score } }", json!({}))
        .await?;
    assert_eq!(unhappy.data()["surveyResponses"].as_array().map(Vec::len), Some(9));
    let blank = app
        .as_token(&token)
        .execute("{ surveyResponses(kind: NPS, term: \"的\") { score } }", json!({}))
        .await?;
    assert_eq!(
        blank.error_extension("field"),
        "term",
        "a stop word alone is nothing to look for: {}",
        blank.body
    );
    Ok(())
}
