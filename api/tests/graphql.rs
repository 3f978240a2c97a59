//! The GraphQL contract: the SPA's operations run against the schema, the checked-in SDL matches
//! it, and errors carry a code and the request id.

mod common;

use std::path::Path;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use starcrm_shared::{DatabaseKind, RunMode, ServerInfoData};

/// Every operation the SPA sends, from `web/graphql/*.graphql`.
fn spa_operations() -> anyhow::Result<Vec<(String, String)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/graphql");
    let mut operations = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "graphql") {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            operations.push((name, std::fs::read_to_string(&path)?));
        }
    }
    operations.sort();
    Ok(operations)
}

/// What an operation file says about how to run it: `# test-variables: {...}` (with
/// `{{placeholders}}`) and `# test-expect: CODE` for operations that cannot succeed here.
fn directive<'a>(document: &'a str, name: &str) -> Option<&'a str> {
    document.lines().find_map(|line| {
        line.trim().strip_prefix('#').map(str::trim)?.strip_prefix(name)?.strip_prefix(':').map(str::trim)
    })
}

#[tokio::test]
async fn every_spa_operation_executes_against_the_schema() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let operations = spa_operations()?;
    assert!(operations.len() >= 10, "web/graphql/ lost operations");
    for (name, document) in operations {
        // Each operation runs as the owner of a fresh workspace, with an agent and an API token
        // to act on, so that mutations (a password change, a sign-out) do not disturb the next.
        let owner = app.workspace(&format!("ops {name}")).await?;
        let token = app.token(&owner).await?;
        let agent = app.add_user(&token, "AGENT").await?;
        let agent_version = app
            .as_token(&token)
            .execute("query($id: ID!) { user(id: $id) { version } }", json!({ "id": agent.id }))
            .await?
            .data()["user"]["version"]
            .to_string();
        let api_token = app
            .as_token(&token)
            .execute("mutation { createApiToken(input: { name: \"ops\", scopes: [\"customers:read\"] }) { apiToken { id } } }", json!({}))
            .await?
            .data()["createApiToken"]["apiToken"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // A webhook endpoint at a name that never resolves (`.example` is reserved).
        let webhook_endpoint = app
            .as_token(&token)
            .execute("mutation { createWebhookEndpoint(input: { url: \"https://erp.shop.example/hooks\" }) { id } }", json!({}))
            .await?
            .data()["createWebhookEndpoint"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // Two customers sharing a phone: one to act on, one that looks like its duplicate.
        let mut customers = Vec::new();
        for name in ["王小明", "王晓明"] {
            let created = app
                .as_token(&token)
                .execute(
                    "mutation($name: String!) { createCustomer(input: { name: $name, phones: [{ value: \"13900001111\" }] }) { id version } }",
                    json!({ "name": name }),
                )
                .await?;
            customers.push(created.data()["createCustomer"].clone());
        }
        let variables = directive(&document, "test-variables")
            .unwrap_or("{}")
            .replace("{{email}}", &owner.email)
            .replace("{{password}}", &owner.password)
            .replace("{{unique}}", &uuid::Uuid::now_v7().simple().to_string())
            .replace("{{agentId}}", &agent.id)
            .replace("{{agentVersion}}", &agent_version)
            .replace("{{apiTokenId}}", &api_token)
            .replace("{{webhookEndpointId}}", &webhook_endpoint)
            .replace("{{tomorrow}}", &(chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339())
            .replace("{{customerId}}", customers[0]["id"].as_str().unwrap_or_default())
            .replace("{{customerVersion}}", &customers[0]["version"].to_string())
            .replace("{{duplicateId}}", customers[1]["id"].as_str().unwrap_or_default());
        let variables: serde_json::Value = serde_json::from_str(&variables)?;

        let response = app.as_token(&token).execute(&document, variables).await?;
        assert_eq!(response.status, StatusCode::OK, "{name}: {}", response.body);
        if let Some(code) = directive(&document, "test-expect") {
            assert_eq!(response.error_code(), Some(code), "{name}: {}", response.body);
        } else {
            assert!(response.body.get("errors").is_none(), "{name}: {}", response.body);
            assert!(response.body["data"].is_object(), "{name}: {}", response.body);
        }
    }
    Ok(())
}

#[tokio::test]
async fn server_info_answers_in_the_shape_the_spa_deserialises() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let document = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/graphql/server_info.graphql"),
    )?;
    let response = app.graphql().execute(&document, json!({})).await?;
    let data: ServerInfoData = serde_json::from_value(response.data().clone())?;
    assert_eq!(data.server_info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(data.server_info.mode, RunMode::Production);
    let expected = match app.db.engine() {
        starcrm_e2e::db::Engine::Sqlite => DatabaseKind::Sqlite,
        starcrm_e2e::db::Engine::Postgres => DatabaseKind::Postgres,
    };
    assert_eq!(data.server_info.database, expected);
    Ok(())
}

fn spa_document(name: &str) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/graphql").join(name))?)
}

#[tokio::test]
async fn the_customer_page_answers_in_the_shapes_the_spa_deserialises() -> anyhow::Result<()> {
    use starcrm_shared::account::Page;
    use starcrm_shared::customer::{CustomerDetail, DuplicateReason, DuplicateView, TimelineItem};

    let app = TestApp::start().await?;
    let owner = app.workspace("customer page shapes").await?;
    let token = app.token(&owner).await?;
    let api = app.as_token(&token);
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
    let input = json!({
        "name": "Lin Mei", "gender": "FEMALE", "birthday": "1991-05-04", "company": "星辰",
        "phones": [{ "value": "13900002222", "primary": true }], "emails": [{ "value": "lin@example.com" }],
        "tags": ["VIP"], "consents": [{ "channel": "EMAIL", "granted": true, "source": "web form" }],
        "identities": [{ "channel": "WECHAT", "externalId": "o_lin" }],
    });
    let id = api.execute(create, json!({ "input": input })).await?.data()["createCustomer"]["id"].clone();
    api.execute(create, json!({ "input": { "name": "林美", "phones": [{ "value": "13900002222" }] } }))
        .await?;
    let record = spa_document("record_transaction.graphql")?;
    let purchase = json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": 12_800,
        "items": [{ "name": "龙井茶", "category": "茶叶", "quantity": 2, "unitPriceMinor": 6_400 }] } });
    assert!(api.execute(&record, purchase).await?.body.get("errors").is_none());
    let call = json!({ "input": { "customer": { "id": id }, "kind": "CALL", "direction": "INBOUND", "subject": "会员" } });
    assert!(
        api.execute(&spa_document("record_interaction.graphql")?, call).await?.body.get("errors").is_none()
    );

    let page = api.execute(&spa_document("customer.graphql")?, json!({ "id": id })).await?;
    let detail: CustomerDetail = serde_json::from_value(page.data()["customer"].clone())?;
    assert_eq!(
        (detail.name.as_str(), detail.order_count, detail.total_spend.amount_minor),
        ("Lin Mei", 1, 12_800)
    );
    assert_eq!((detail.identities.len(), detail.consents.len(), detail.tags.len()), (1, 1, 1));

    let timeline = api
        .execute(&spa_document("customer_timeline.graphql")?, json!({ "id": id, "first": 10, "after": null }))
        .await?;
    let timeline: Page<TimelineItem> =
        serde_json::from_value(timeline.data()["customer"]["timeline"].clone())?;
    assert_eq!(timeline.total_count, 2);
    assert!(
        matches!(&timeline.nodes[0], TimelineItem::Interaction(i) if i.subject.as_deref() == Some("会员"))
    );
    assert!(matches!(&timeline.nodes[1], TimelineItem::Transaction(t) if t.items[0].quantity == 2));

    let duplicates = api.execute(&spa_document("duplicate_candidates.graphql")?, json!({ "id": id })).await?;
    let duplicates: Vec<DuplicateView> =
        serde_json::from_value(duplicates.data()["duplicateCandidates"].clone())?;
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0].customer.name, "林美");
    assert_eq!(duplicates[0].reasons, vec![DuplicateReason::SamePhone]);
    Ok(())
}

#[tokio::test]
async fn the_star_engine_answers_in_the_shapes_the_spa_deserialises() -> anyhow::Result<()> {
    use starcrm_shared::rating_views::{CustomerRating, PolicyVersionView, RatingPreview, SimulationView};

    let app = TestApp::start().await?;
    let owner = app.workspace("star shapes").await?;
    let token = app.token(&owner).await?;
    let api = app.as_token(&token);
    let purchase = json!({ "input": { "customer": { "phone": "13900003333", "name": "Zhao" }, "channel": "STORE",
        "amountMinor": 52_800, "items": [{ "name": "茶", "category": "茶叶", "quantity": 1, "unitPriceMinor": 52_800 }] } });
    let recorded = api.execute(&spa_document("record_transaction.graphql")?, purchase).await?;
    let id = recorded.data()["recordTransaction"]["customerId"].clone();

    let rating =
        api.execute(&spa_document("customer_rating.graphql")?, json!({ "id": id, "language": "EN" })).await?;
    let rating: CustomerRating = serde_json::from_value(rating.data()["customer"].clone())?;
    assert!(rating.stars.is_some(), "rated by the purchase");
    assert_eq!(rating.star_history.len(), 1);
    assert!(rating.star_explanation.lines[0].starts_with("Score"));
    assert!(!rating.benefits.is_empty() || rating.stars == Some(1));

    let page = api.execute(&spa_document("ratings_page.graphql")?, json!({})).await?;
    let versions: Vec<PolicyVersionView> = serde_json::from_value(page.data()["ratingPolicies"].clone())?;
    assert_eq!(versions[0].policy, starcrm_shared::rating::Policy::standard());
    let preview: RatingPreview = serde_json::from_value(page.data()["ratingPreview"].clone())?;
    assert_eq!(preview.samples.len(), 1);
    assert_eq!(preview.samples[0].aggregates.spend_minor, 52_800);

    let sim = api
        .execute(
            &spa_document("simulate_rating_policy.graphql")?,
            json!({ "policy": starcrm_shared::rating::Policy::standard() }),
        )
        .await?;
    let sim: SimulationView = serde_json::from_value(sim.data()["simulateRatingPolicy"].clone())?;
    assert_eq!((sim.customers, sim.matrix.len()), (1, 6));
    Ok(())
}

#[test]
fn checked_in_schema_matches_the_code() -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let checked_in = std::fs::read_to_string(&path)?;
    assert!(
        checked_in == starcrm_api::graphql::sdl(),
        "api/schema.graphql is stale: run `cargo run -p starcrm-api -- export-schema` and commit it"
    );
    Ok(())
}

#[tokio::test]
async fn invalid_operations_get_bad_request_with_the_request_id() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let response = app.graphql().execute("{ serverInfo { noSuchField } }", json!({})).await?;
    assert_eq!(response.error_code(), Some("BAD_REQUEST"));
    let request_id = response.headers["x-request-id"].to_str()?;
    assert_eq!(response.body["errors"][0]["extensions"]["requestId"], request_id);
    assert!(response.body["data"].is_null());

    let syntax = app.graphql().execute("{ serverInfo { ", json!({})).await?;
    assert_eq!(syntax.error_code(), Some("BAD_REQUEST"));
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_a_graphql_request_gets_bad_request_in_the_same_error_shape() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let cases = [
        // Not a GraphQL request at all: rejected before execution.
        ("not json at all", StatusCode::BAD_REQUEST),
        ("[1, 2, 3]", StatusCode::BAD_REQUEST),
        // A request without a document: an ordinary GraphQL error.
        (r#"{"variables": {}}"#, StatusCode::OK),
    ];
    for (body, status) in cases {
        let response = app.post_graphql_raw(body).await?;
        assert_eq!(response.status(), status, "{body}");
        let request_id = response.headers()["x-request-id"].to_str()?.to_owned();
        let json: serde_json::Value = response.json().await?;
        assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}: {json}");
        assert_eq!(json["errors"][0]["extensions"]["requestId"], request_id.as_str());
        assert!(json["data"].is_null(), "{body}: {json}");
    }
    Ok(())
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_being_read() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let padding = " ".repeat(starcrm_api::http::MAX_BODY_BYTES + 1);
    let body = format!(r#"{{"query": "{{ serverInfo {{ version }} }}{padding}"}}"#);
    let response = app.post_graphql_raw(body).await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Without a length up front (chunked): a valid request padded with JSON whitespace, which
    // would run if the limit were not enforced while reading.
    let chunks = std::iter::once(br#"{"query": "{ serverInfo { version } }""#.to_vec())
        .chain((0..3).map(|_| vec![b' '; 1024 * 1024]))
        .chain(std::iter::once(b"}".to_vec()))
        .map(Ok::<_, std::io::Error>);
    let response =
        app.post_graphql_raw(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))).await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await?;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    Ok(())
}

#[tokio::test]
async fn only_json_requests_are_accepted() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let query = r#"{"query": "{ serverInfo { version } }"}"#;
    // What an HTML form on another site could send without a CORS preflight.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
    {
        let response = app
            .http
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .body(query)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        let body: serde_json::Value = response.json().await?;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{content_type}");
    }
    let ok = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json; charset=utf-8")
        .body(query)
        .send()
        .await?;
    assert_eq!(ok.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn over_deep_queries_are_refused() -> anyhow::Result<()> {
    // Development mode: anyone may introspect there (in production only signed-in staff).
    let app = TestApp::start_with(common::Options {
        mode: Some(starcrm_api::config::Mode::Development),
        ..common::Options::default()
    })
    .await?;
    // `__type { ofType { ofType ... } }` nests without limit in the schema; the server must not.
    let mut selection = String::from("name");
    for _ in 0..starcrm_api::graphql::limits::MAX_DEPTH {
        selection = format!("ofType {{ {selection} }}");
    }
    let query = format!(r#"{{ __type(name: "ServerInfo") {{ {selection} }} }}"#);
    let response = app.graphql().execute(&query, json!({})).await?;
    assert_eq!(response.error_code(), Some("BAD_REQUEST"), "{}", response.body);
    Ok(())
}

#[tokio::test]
async fn graphiql_introspection_fits_within_the_limits() -> anyhow::Result<()> {
    // Development mode: anyone may introspect there (in production only signed-in staff).
    let app = TestApp::start_with(common::Options {
        mode: Some(starcrm_api::config::Mode::Development),
        ..common::Options::default()
    })
    .await?;
    let response = app.graphql().execute(INTROSPECTION, json!({})).await?;
    assert!(response.data()["__schema"]["queryType"]["name"] == "Query");
    Ok(())
}

/// The introspection query GraphiQL and codegen tools send (graphql-js `getIntrospectionQuery`).
const INTROSPECTION: &str = r"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
";
