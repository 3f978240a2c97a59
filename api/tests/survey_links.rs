//! Survey invitations end to end: a solved ticket's CSAT goes out by email to a real SMTP server
//! (aiosmtpd) with a single-use link; SMS goes to the business's own sender as a webhook the
//! Standard Webhooks reference library verifies; consent, address and the contact budget are
//! checked when a message goes out and every skip says why; quiet hours wait; links expire.
//! The background pass is driven by hand. Runs on SQLite and on PostgreSQL.

mod common;

use chrono::{Duration, Timelike, Utc};
use common::python::{SmtpServer, verify_webhooks};
use common::{Options, TestApp};
use serde_json::{Value, json};
use starcrm_e2e::receiver::Receiver;

const SETTINGS: &str = "mutation($input: MessagingSettingsInput!) { saveMessagingSettings(input: $input) {
  linkBase deliveryUrl deliverySecret smtp { host port hasPassword from } contactBudget } }";
const DEFINE: &str = "mutation($input: SurveyDefinitionInput!) { saveSurveyDefinition(input: $input) { id name kind trigger channel active } }";
const SEND: &str = "mutation($d: ID!, $c: [ID!]!) { sendSurvey(definitionId: $d, customerIds: $c) }";
const INVITATIONS: &str = "query($d: ID) { surveyInvitations(definitionId: $d) { customerId status skipReason error sendAt sentAt expiresAt } }";
const OPEN: &str = "query($t: String!) { surveyInvitation(token: $t) { kind low high business state } }";
const ANSWER: &str = "mutation($t: String!, $s: Int!, $c: String) { answerSurvey(token: $t, score: $s, comment: $c, language: \"zh-CN\") }";

/// A budget without quiet hours (the standard one keeps 21:00 to 09:00 quiet, whenever the tests
/// run), with `surveys` surveys a month.
fn budget(surveys: u32) -> Value {
    json!({ "timezone": "Asia/Shanghai", "surveys": { "max": surveys, "days": 30 }, "messages": { "max": 4, "days": 30 },
            "quietHours": null, "byStars": [] })
}

async fn app() -> anyhow::Result<TestApp> {
    TestApp::start_with(Options {
        configure: Some(|s| s.webhooks_allow_private = true),
        ..Options::default()
    })
    .await
}

async fn pass(app: &TestApp) -> anyhow::Result<()> {
    starcrm_api::surveys::jobs::pass(&app.state.db, app.state.webhooks.sender()).await?;
    Ok(())
}

async fn customer(app: &TestApp, token: &str, input: Value) -> anyhow::Result<String> {
    let created = app
        .as_token(token)
        .execute(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await?;
    Ok(created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned())
}

fn token_in(text: &str) -> Option<String> {
    let start = text.find("/s/")? + 3;
    Some(text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

#[tokio::test]
async fn a_solved_ticket_sends_a_csat_link_by_email_that_answers_once_and_closes_the_loop()
-> anyhow::Result<()> {
    let app = app().await?;
    let smtp = SmtpServer::start().await?;
    let account = app.workspace("星辰茶庄").await?;
    let token = app.token(&account).await?;
    let settings = json!({ "linkBase": "https://crm.example.com/", "contactBudget": budget(1),
        "smtp": { "host": "127.0.0.1", "port": smtp.port, "tls": "NONE", "from": "星辰茶庄 <service@starcrm.test>" } });
    let saved = app.as_token(&token).execute(SETTINGS, json!({ "input": settings })).await?;
    assert_eq!(
        saved.data()["saveMessagingSettings"]["linkBase"],
        "https://crm.example.com",
        "{}",
        saved.body
    );
    let body = "{name}您好，请为刚才的服务打分：{link}";
    let define = json!({ "name": "服务满意度", "kind": "CSAT", "trigger": "TICKET_SOLVED", "channel": "EMAIL",
        "templates": [{ "language": "zh-CN", "subject": "您对本次服务满意吗？", "body": body }] });
    let definition = app.as_token(&token).execute(DEFINE, json!({ "input": define })).await?;
    assert_eq!(definition.data()["saveSurveyDefinition"]["trigger"], "TICKET_SOLVED");
    let id = customer(
        &app,
        &token,
        json!({ "name": "李娜", "emails": [{ "value": "li.na@example.com" }], "consents": [{ "channel": "EMAIL", "granted": true }] }),
    )
    .await?;
    let ticket = app.assigned_ticket(&token, &id, ("EMAIL", "发票"), &account.id).await?;
    app.as_token(&token)
        .execute(
            "mutation($t: ID!) { setTicketStatus(id: $t, status: SOLVED) { status } }",
            json!({ "t": ticket }),
        )
        .await?
        .data();
    pass(&app).await?;
    // Once: a second pass neither makes nor sends another.
    pass(&app).await?;
    let sent = app.as_token(&token).execute(INVITATIONS, json!({})).await?;
    let invitations = sent.data()["surveyInvitations"].as_array().cloned().unwrap_or_default();
    assert_eq!(invitations.len(), 1, "{}", sent.body);
    assert_eq!(invitations[0]["status"], "SENT", "{}", sent.body);
    let mails = smtp.received().await?;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["subject"], "您对本次服务满意吗？");
    assert_eq!(mails[0]["to"], "李娜 <li.na@example.com>");
    let text = mails[0]["plain"].as_str().unwrap_or_default();
    assert!(text.starts_with("李娜您好，请为刚才的服务打分：https://crm.example.com/s/"), "{text}");
    let link = token_in(text).unwrap_or_default();
    assert_eq!(link.len(), 43, "256 random bits: {link}");

    // The customer's page (no sign-in).
    let page = app.graphql().execute(OPEN, json!({ "t": link })).await?;
    assert_eq!(
        page.data()["surveyInvitation"],
        json!({ "kind": "CSAT", "low": 1, "high": 5, "business": "星辰茶庄", "state": "OPEN" })
    );
    // Staff with the link cannot answer for the customer; a guessed or cut token opens nothing.
    let staff = app.as_token(&token).execute(ANSWER, json!({ "t": link, "s": 5 })).await?;
    assert_eq!(staff.error_code(), Some("FORBIDDEN"), "{}", staff.body);
    for guess in [&link[..42], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""] {
        let refused = app.graphql().execute(ANSWER, json!({ "t": guess, "s": 1 })).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{guess}: {}", refused.body);
    }
    let out_of_range = app.graphql().execute(ANSWER, json!({ "t": link, "s": 6 })).await?;
    assert_eq!(out_of_range.error_extension("field"), "score", "{}", out_of_range.body);

    let answered =
        app.graphql().execute(ANSWER, json!({ "t": link, "s": 2, "c": "等了太久，问题也没解决" })).await?;
    assert_eq!(answered.data()["answerSurvey"], true);
    let again = app.graphql().execute(ANSWER, json!({ "t": link, "s": 5 })).await?;
    assert_eq!(again.error_code(), Some("CONFLICT"), "single use: {}", again.body);
    let page = app.graphql().execute(OPEN, json!({ "t": link })).await?;
    assert_eq!(page.data()["surveyInvitation"]["state"], "ANSWERED");

    let seen = app
        .as_token(&token)
        .execute(
            "query($c: ID!) { customer(id: $c) { surveyResponses { score comment source agent { id } ticketId
               loopTicket { kind subject } } } }",
            json!({ "c": id }),
        )
        .await?;
    let r = &seen.data()["customer"]["surveyResponses"][0];
    assert_eq!(r["score"], 2, "{}", seen.body);
    assert_eq!(r["source"], "LINK");
    assert_eq!(r["agent"]["id"], account.id.as_str(), "the solved ticket's agent is rated");
    assert_eq!(r["ticketId"], ticket);
    assert_eq!(r["loopTicket"]["kind"], "COMPLAINT");
    assert_eq!(r["loopTicket"]["subject"], "CSAT 2/5: 等了太久，问题也没解决");
    Ok(())
}

#[tokio::test]
async fn consent_address_and_budget_are_checked_at_send_time_and_sms_goes_out_signed() -> anyhow::Result<()> {
    let app = app().await?;
    let receiver = Receiver::start().await?;
    let account = app.workspace("Tea House").await?;
    let token = app.token(&account).await?;
    let settings = json!({ "linkBase": "https://crm.example.com", "deliveryUrl": receiver.url, "contactBudget": budget(1) });
    let saved = app.as_token(&token).execute(SETTINGS, json!({ "input": settings })).await?;
    let secret =
        saved.data()["saveMessagingSettings"]["deliverySecret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("whsec_"), "{}", saved.body);
    let define = |name: &str| {
        json!({ "input": { "name": name, "kind": "NPS", "trigger": "MANUAL", "channel": "SMS",
            "templates": [{ "language": "en", "body": "Hi {name} {stars}, {points} points. Would you recommend us? {link}" }] } })
    };
    let first = app.as_token(&token).execute(DEFINE, define("Relationship NPS")).await?.data()["saveSurveyDefinition"]["id"].clone();
    let second = app.as_token(&token).execute(DEFINE, define("Second NPS")).await?.data()["saveSurveyDefinition"]["id"].clone();
    let sms = json!([{ "channel": "SMS", "granted": true }]);
    let willing = customer(
        &app,
        &token,
        json!({ "name": "Ann", "phones": [{ "value": "13900000001" }], "consents": sms }),
    )
    .await?;
    // The message shows the customer's points balance.
    let gift = "mutation($i: PointsInput!) { adjustPoints(input: $i) { balance } }";
    let given = json!({ "i": { "customerId": willing, "points": 120, "reason": "welcome" } });
    app.as_token(&token).execute(gift, given).await?.data();
    let unwilling =
        customer(&app, &token, json!({ "name": "Bo", "phones": [{ "value": "13900000002" }] })).await?;
    let refused = customer(
        &app,
        &token,
        json!({ "name": "Cy", "phones": [{ "value": "13900000004" }], "consents": [{ "channel": "SMS", "granted": false }] }),
    )
    .await?;
    let unreachable = customer(&app, &token, json!({ "name": "Di", "consents": sms })).await?;
    let queued = app
        .as_token(&token)
        .execute(SEND, json!({ "d": first, "c": [willing, unwilling, refused, unreachable] }))
        .await?;
    assert_eq!(queued.data()["sendSurvey"], 4);
    let again = app.as_token(&token).execute(SEND, json!({ "d": first, "c": [willing] })).await?;
    assert_eq!(again.data()["sendSurvey"], 0, "asked by hand once a day at most");
    pass(&app).await?;

    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": first })).await?;
    let by_customer = |id: &str| {
        listed.data()["surveyInvitations"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["customerId"] == id))
            .map(|i| (i["status"].clone(), i["skipReason"].clone()))
            .unwrap_or_default()
    };
    assert_eq!(by_customer(&willing), (json!("SENT"), Value::Null), "{}", listed.body);
    assert_eq!(by_customer(&unwilling), (json!("SKIPPED"), json!("NO_CONSENT")));
    assert_eq!(by_customer(&refused), (json!("SKIPPED"), json!("NO_CONSENT")));
    assert_eq!(by_customer(&unreachable), (json!("SKIPPED"), json!("NO_ADDRESS")));

    let got = receiver.got();
    assert_eq!(got.len(), 1, "one message, to the one who may hear from us");
    let message = got[0].json();
    assert_eq!(message["type"], "message.send");
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["to"], "+8613900000001");
    let text = message["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Hi Ann ")
            && text.contains(", 120 points. Would you recommend us? https://crm.example.com/s/"),
        "{message}"
    );
    assert_eq!(verify_webhooks(&[(secret.as_str(), &got[0])]).await?, ["ok"]);

    // One survey a month: Ann's second survey is skipped for the budget, and says so.
    app.as_token(&token).execute(SEND, json!({ "d": second, "c": [willing] })).await?.data();
    pass(&app).await?;
    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": second })).await?;
    assert_eq!(listed.data()["surveyInvitations"][0]["skipReason"], "SURVEY_BUDGET", "{}", listed.body);
    assert_eq!(receiver.got().len(), 1);
    Ok(())
}

#[tokio::test]
async fn quiet_hours_hold_a_message_until_they_end_and_an_old_link_has_expired() -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use starcrm_api::entities::survey_invitation;
    let app = app().await?;
    let receiver = Receiver::start().await?;
    let account = app.workspace("Night Shop").await?;
    let token = app.token(&account).await?;
    // Quiet from a minute ago to an hour from now, in Shanghai.
    let local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let minute = i64::from(local.hour() * 60 + local.minute());
    let (from, to) = ((minute + 1440 - 1) % 1440, (minute + 60) % 1440);
    let mut quiet = budget(5);
    quiet["quietHours"] = json!({ "from": from, "to": to });
    let settings =
        json!({ "linkBase": "https://crm.example.com", "deliveryUrl": receiver.url, "contactBudget": quiet });
    app.as_token(&token).execute(SETTINGS, json!({ "input": settings })).await?.data();
    let define = json!({ "input": { "name": "NPS", "kind": "NPS", "trigger": "MANUAL", "channel": "WECHAT",
        "templates": [{ "language": "zh-CN", "body": "{link}" }] } });
    let definition =
        app.as_token(&token).execute(DEFINE, define).await?.data()["saveSurveyDefinition"]["id"].clone();
    let id = customer(
        &app,
        &token,
        json!({ "name": "王芳", "identities": [{ "channel": "WECHAT", "externalId": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" }],
                "consents": [{ "channel": "WECHAT", "granted": true }] }),
    )
    .await?;
    app.as_token(&token).execute(SEND, json!({ "d": definition, "c": [id] })).await?.data();
    pass(&app).await?;
    let listed = app.as_token(&token).execute(INVITATIONS, json!({})).await?;
    let held = &listed.data()["surveyInvitations"][0];
    assert_eq!(held["status"], "QUEUED", "{}", listed.body);
    let send_at = common::time_of(&held["sendAt"]);
    assert!(
        send_at > Utc::now() + Duration::minutes(55) && send_at <= Utc::now() + Duration::minutes(61),
        "{held}"
    );
    assert!(receiver.got().is_empty(), "nothing goes out in quiet hours");

    // After the quiet hours it goes out to the WeChat identity.
    let db = &app.state.db;
    survey_invitation::Entity::update_many()
        .col_expr(
            survey_invitation::Column::SendAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .exec(db)
        .await?;
    let mut daytime = budget(5);
    daytime["quietHours"] = Value::Null;
    app.as_token(&token).execute(SETTINGS, json!({ "input": { "contactBudget": daytime } })).await?.data();
    pass(&app).await?;
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["to"], "o6_bmjrPTlm6_2sgVt7hMZOPfL2M");
    let link = token_in(got[0].json()["text"].as_str().unwrap_or_default()).unwrap_or_default();

    // Its link runs out: the page says so and an answer is refused, changing nothing.
    survey_invitation::Entity::update_many()
        .col_expr(
            survey_invitation::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(survey_invitation::Column::CustomerId.eq(id.parse::<uuid::Uuid>()?))
        .exec(db)
        .await?;
    let page = app.graphql().execute(OPEN, json!({ "t": link })).await?;
    assert_eq!(page.data()["surveyInvitation"]["state"], "EXPIRED");
    let late = app.graphql().execute(ANSWER, json!({ "t": link, "s": 9 })).await?;
    assert_eq!(late.error_code(), Some("CONFLICT"), "{}", late.body);
    let seen = app
        .as_token(&token)
        .execute("query($c: ID!) { customer(id: $c) { surveyResponses { id } } }", json!({ "c": id }))
        .await?;
    assert_eq!(seen.data()["customer"]["surveyResponses"], json!([]));
    Ok(())
}

/// Moves a definition's start `days` back, as if it had run that long.
async fn started_days_ago(app: &TestApp, id: &Value, days: i64) -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use starcrm_api::entities::survey_definition as d;
    d::Entity::update_many()
        .col_expr(
            d::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::days(days) - Duration::minutes(5)),
        )
        .filter(d::Column::Id.eq(id.as_str().unwrap_or_default().parse::<uuid::Uuid>()?))
        .exec(&app.state.db)
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_periodic_nps_asks_the_chosen_star_levels_once_a_period_spread_over_its_days() -> anyhow::Result<()>
{
    let app = app().await?;
    let receiver = Receiver::start().await?;
    let account = app.workspace("Members Club").await?;
    let token = app.token(&account).await?;
    let settings = json!({ "linkBase": "https://crm.example.com", "deliveryUrl": receiver.url, "contactBudget": budget(5) });
    app.as_token(&token).execute(SETTINGS, json!({ "input": settings })).await?.data();
    let sms = json!([{ "channel": "SMS", "granted": true }]);
    // Customers 1 to 5: 5, 4, 2 stars, not rated, 5 stars.
    let mut ids = Vec::new();
    for (n, stars) in [Some(5), Some(4), Some(2), None, Some(5)].into_iter().enumerate() {
        let phone = format!("1390000010{n}");
        let id = customer(
            &app,
            &token,
            json!({ "name": format!("Member {n}"), "phones": [{ "value": phone }], "consents": sms }),
        )
        .await?;
        if let Some(stars) = stars {
            app.override_stars(&token, &id, stars).await?;
        }
        ids.push(id);
    }
    let input = json!({ "name": "Top tiers NPS", "kind": "NPS", "trigger": "PERIODIC", "channel": "SMS",
        "periodDays": 30, "starLevels": [5, 4, 5],
        "templates": [{ "language": "en", "body": "How likely are you to recommend us? {link}" }] });
    let saved = app
        .as_token(&token)
        .execute(
            "mutation($input: SurveyDefinitionInput!) { saveSurveyDefinition(input: $input) { id trigger periodDays starLevels } }",
            json!({ "input": input }),
        )
        .await?;
    let definition = saved.data()["saveSurveyDefinition"].clone();
    assert_eq!(definition["trigger"], "PERIODIC");
    assert_eq!(definition["periodDays"], 30);
    assert_eq!(definition["starLevels"], json!([4, 5]), "sorted, once each");
    let id = definition["id"].clone();
    let asked = |listed: &starcrm_e2e::graphql::GraphqlResponse| -> Vec<String> {
        let mut who: Vec<String> = listed.data()["surveyInvitations"]
            .as_array()
            .map(|a| a.iter().map(|i| i["customerId"].as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default();
        who.sort();
        who
    };

    // On its first day only customers whose number falls on day 0 of the 30 are due: none here.
    pass(&app).await?;
    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": id })).await?;
    assert_eq!(asked(&listed), Vec::<String>::new(), "{}", listed.body);

    // Five days in, customers 1 to 5 have had their day: the 4 and 5 stars are asked, once.
    started_days_ago(&app, &id, 5).await?;
    pass(&app).await?;
    pass(&app).await?;
    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": id })).await?;
    let mut expected = vec![ids[0].clone(), ids[1].clone(), ids[4].clone()];
    expected.sort();
    assert_eq!(asked(&listed), expected, "{}", listed.body);
    assert_eq!(receiver.got().len(), 3);

    // A period later they are asked again; the 2 stars and the customer not rated still are not.
    started_days_ago(&app, &id, 35).await?;
    pass(&app).await?;
    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": id })).await?;
    let mut twice: Vec<String> = expected.iter().flat_map(|e| [e.clone(), e.clone()]).collect();
    twice.sort();
    assert_eq!(asked(&listed), twice, "{}", listed.body);

    // A periodic survey needs its period; star levels are 1 to 5.
    for (field, value, named) in [
        ("periodDays", Value::Null, "periodDays"),
        ("periodDays", json!(7), "periodDays"),
        ("starLevels", json!([6]), "starLevels"),
    ] {
        let mut bad = input.clone();
        bad["name"] = json!("Another");
        bad[field] = value;
        let refused = app.as_token(&token).execute(DEFINE, json!({ "input": bad })).await?;
        assert_eq!(refused.error_extension("field"), named, "{bad}: {}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn bad_definitions_and_settings_are_refused_naming_the_field() -> anyhow::Result<()> {
    let app = app().await?;
    let account = app.workspace("Careful Shop").await?;
    let token = app.token(&account).await?;
    let base = json!({ "name": "CSAT", "kind": "CSAT", "trigger": "TICKET_SOLVED", "channel": "EMAIL",
        "templates": [{ "language": "zh-CN", "subject": "评价", "body": "{link}" }] });
    let with = |field: &str, value: Value| {
        let mut input = base.clone();
        input[field] = value;
        json!({ "input": input })
    };
    for (vars, field) in [
        (
            with("templates", json!([{ "language": "zh-CN", "subject": "评价", "body": "no link" }])),
            "templates[0].body",
        ),
        (
            with("templates", json!([{ "language": "zh-CN", "subject": "", "body": "{link}" }])),
            "templates[0].subject",
        ),
        (
            with("templates", json!([{ "language": "zh-CN", "subject": "x", "body": "{coupon} {link}" }])),
            "templates[0].body",
        ),
        (with("templates", json!([])), "templates"),
        (with("kind", json!("NPS")), "kind"),
        (with("delayDays", json!(-1)), "delayDays"),
        (with("linkDays", json!(0)), "linkDays"),
        (with("name", json!("  ")), "name"),
    ] {
        let refused = app.as_token(&token).execute(DEFINE, vars.clone()).await?;
        assert_eq!(refused.error_extension("field"), field, "{vars}: {}", refused.body);
    }
    app.as_token(&token).execute(DEFINE, with("name", json!("CSAT"))).await?.data();
    let twice = app.as_token(&token).execute(DEFINE, with("name", json!("CSAT"))).await?;
    assert_eq!(twice.error_code(), Some("CONFLICT"), "{}", twice.body);
    let mut bad_budget = budget(1);
    bad_budget["messages"]["max"] = json!(101);
    for (input, field) in [
        (json!({ "linkBase": "ftp://x" }), "linkBase"),
        (json!({ "deliveryUrl": "not a url" }), "deliveryUrl"),
        (json!({ "smtp": { "host": "", "port": 25, "tls": "NONE", "from": "a@b.c" } }), "smtp.host"),
        (json!({ "smtp": { "host": "mail", "port": 25, "tls": "NONE", "from": "nobody" } }), "smtp.from"),
        (
            json!({ "smtp": { "host": "mail", "port": 25, "tls": "NONE", "from": "a@b.c", "username": "u" } }),
            "smtp.password",
        ),
        (json!({ "contactBudget": bad_budget }), "contactBudget.messages.max"),
    ] {
        let refused = app.as_token(&token).execute(SETTINGS, json!({ "input": input })).await?;
        assert_eq!(refused.error_extension("field"), field, "{input}: {}", refused.body);
    }
    // Nothing of the refused settings was kept.
    let settings = app
        .as_token(&token)
        .execute("{ messagingSettings { linkBase smtp { host } deliveryUrl } }", json!({}))
        .await?;
    assert_eq!(
        settings.data()["messagingSettings"],
        json!({ "linkBase": null, "smtp": null, "deliveryUrl": null })
    );
    Ok(())
}

#[tokio::test]
async fn a_member_answers_their_own_waiting_survey_in_the_app_once() -> anyhow::Result<()> {
    let app = app().await?;
    let receiver = Receiver::start().await?;
    let account = app.workspace("Member Surveys").await?;
    let token = app.token(&account).await?;
    let settings = json!({ "linkBase": "https://crm.example.com", "deliveryUrl": receiver.url, "contactBudget": budget(5) });
    app.as_token(&token).execute(SETTINGS, json!({ "input": settings })).await?.data();
    let definition = json!({ "input": { "name": "App NPS", "kind": "NPS", "trigger": "MANUAL", "channel": "SMS",
        "templates": [{ "language": "zh-CN", "body": "{name}，您愿意推荐我们吗？{link}" }] } });
    let d =
        app.as_token(&token).execute(DEFINE, definition).await?.data()["saveSurveyDefinition"]["id"].clone();
    let sms = json!([{ "channel": "SMS", "granted": true }]);
    let mine = customer(
        &app,
        &token,
        json!({ "name": "甲", "phones": [{ "value": "13900000011" }], "consents": sms }),
    )
    .await?;
    let other = customer(
        &app,
        &token,
        json!({ "name": "乙", "phones": [{ "value": "13900000012" }], "consents": sms }),
    )
    .await?;
    app.as_token(&token).execute(SEND, json!({ "d": d, "c": [mine, other] })).await?.data();
    pass(&app).await?;
    let ids = app
        .as_token(&token)
        .execute(
            "query($d: ID) { surveyInvitations(definitionId: $d) { id customerId status } }",
            json!({ "d": d }),
        )
        .await?;
    let rows = ids.data()["surveyInvitations"].as_array().cloned().unwrap_or_default();
    let of = |c: &str| rows.iter().find(|r| r["customerId"] == c).map_or(Value::Null, |r| r["id"].clone());
    let (my_invitation, other_invitation) = (of(&mine), of(&other));

    let issued = app
        .as_token(&token)
        .execute("mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }", json!({ "c": mine }))
        .await?;
    let member = issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let waiting =
        app.as_token(&member).execute("{ me { surveys { id kind expiresAt } } }", json!({})).await?;
    let waiting = waiting.data()["me"]["surveys"].as_array().cloned().unwrap_or_default();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0]["id"].clone(), waiting[0]["kind"].as_str()), (my_invitation.clone(), Some("NPS")));

    let answer = "mutation($i: ID!, $s: Int!) { answerMySurvey(invitationId: $i, score: $s, comment: \"很好\", language: \"zh-CN\") }";
    // Another member's survey is no survey to this token; staff cannot answer as a member.
    let refused = app.as_token(&member).execute(answer, json!({ "i": other_invitation, "s": 0 })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let refused = app.as_token(&token).execute(answer, json!({ "i": my_invitation, "s": 9 })).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    let bad = app.as_token(&member).execute(answer, json!({ "i": my_invitation, "s": 11 })).await?;
    assert_eq!(bad.error_extension("field"), "score", "{}", bad.body);
    let done = app.as_token(&member).execute(answer, json!({ "i": my_invitation, "s": 9 })).await?;
    assert_eq!(done.data()["answerMySurvey"], true);
    let twice = app.as_token(&member).execute(answer, json!({ "i": my_invitation, "s": 3 })).await?;
    assert_eq!(twice.error_code(), Some("CONFLICT"), "{}", twice.body);
    let left = app.as_token(&member).execute("{ me { surveys { id } } }", json!({})).await?;
    assert_eq!(left.data()["me"]["surveys"], json!([]));
    // Staff see the answer, and the other member's survey still waits.
    let listed = app.as_token(&token).execute(INVITATIONS, json!({ "d": d })).await?;
    let statuses: Vec<&str> = listed.data()["surveyInvitations"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert!(statuses.contains(&"ANSWERED") && statuses.contains(&"SENT"), "{statuses:?}");
    Ok(())
}
