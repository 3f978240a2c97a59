//! Managing staff accounts: create with a temporary password, list with filters and pages,
//! change roles with versions, deactivate and reactivate, the last-owner rule.

mod common;

use common::{PASSWORD, TestApp};
use serde_json::json;

const CREATE: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email name role status phone version } temporaryPassword } }";
const ROLE: &str =
    "mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { role version } }";

#[tokio::test]
async fn an_admin_creates_an_account_whose_temporary_password_works_once_handed_over() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let created = app
        .as_token(&token)
        .execute(CREATE, json!({ "input": { "email": "  Li.Na@Shop.Example ", "name": " 李娜 ", "role": "AGENT", "phone": "138 1234 5678" } }))
        .await?;
    let payload = &created.data()["createUser"];
    assert_eq!(payload["user"]["email"], "li.na@shop.example", "normalised");
    assert_eq!(payload["user"]["name"], "李娜");
    assert_eq!(payload["user"]["role"], "AGENT");
    assert_eq!(payload["user"]["status"], "ACTIVE");
    assert_eq!(payload["user"]["phone"], "138****5678");
    let temporary = payload["temporaryPassword"].as_str().unwrap_or_default();
    assert_eq!(temporary.len(), 19, "{temporary}");
    let login = app
        .graphql()
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { viewer { role } } }",
            json!({ "input": { "email": "li.na@shop.example", "password": temporary } }),
        )
        .await?;
    assert_eq!(login.data()["login"]["viewer"]["role"], "AGENT");
    Ok(())
}

#[tokio::test]
async fn invalid_or_duplicate_input_names_the_field_and_creates_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let cases = [
        (json!({ "email": "not-an-email", "name": "X", "role": "AGENT" }), "BAD_USER_INPUT", "email"),
        (json!({ "email": "ok@test.example", "name": "   ", "role": "AGENT" }), "BAD_USER_INPUT", "name"),
        (
            json!({ "email": "ok@test.example", "name": "X", "role": "AGENT", "phone": "12345" }),
            "BAD_USER_INPUT",
            "phone",
        ),
        (json!({ "email": owner.email.to_uppercase(), "name": "X", "role": "AGENT" }), "CONFLICT", "email"),
    ];
    for (input, code, field) in cases {
        let response = app.as_token(&token).execute(CREATE, json!({ "input": input })).await?;
        assert_eq!(response.error_code(), Some(code), "{input}");
        assert_eq!(response.error_extension("field"), field, "{input}");
    }
    let users = app.as_token(&token).execute("{ users { totalCount } }", json!({})).await?;
    assert_eq!(users.data()["users"]["totalCount"], 1);
    Ok(())
}

#[tokio::test]
async fn the_list_pages_with_cursors_and_filters() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    for (name, role) in [
        ("Alice Agent", "AGENT"),
        ("Bob Agent", "AGENT"),
        ("Carol Analyst", "ANALYST"),
        ("Dan Marketer", "MARKETER"),
    ] {
        let email = format!("{}@test.example", name.split(' ').next().unwrap_or_default().to_lowercase());
        app.as_token(&token)
            .execute(CREATE, json!({ "input": { "email": email, "name": name, "role": role } }))
            .await?
            .data();
    }
    let page = "query($after: String) { users(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }";
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let response = app.as_token(&token).execute(page, json!({ "after": after })).await?;
        let users = response.data()["users"].clone();
        assert_eq!(users["totalCount"], 5);
        names.extend(
            users["nodes"].as_array().cloned().unwrap_or_default().into_iter().map(|n| n["name"].clone()),
        );
        if users["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        ["Acme Owner", "Alice Agent", "Bob Agent", "Carol Analyst", "Dan Marketer"],
        "creation order, no repeats"
    );

    let agents =
        app.as_token(&token).execute("{ users(filter: { role: AGENT }) { totalCount } }", json!({})).await?;
    assert_eq!(agents.data()["users"]["totalCount"], 2);
    let search = app
        .as_token(&token)
        .execute("{ users(filter: { search: \"carol\" }) { nodes { name } } }", json!({}))
        .await?;
    assert_eq!(search.data()["users"]["nodes"], json!([{ "name": "Carol Analyst" }]));
    let bad_cursor =
        app.as_token(&token).execute("{ users(after: \"nope\") { totalCount } }", json!({})).await?;
    assert_eq!(bad_cursor.error_extension("field"), "after");
    Ok(())
}

#[tokio::test]
async fn role_changes_name_the_version_they_change() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let version = app
        .as_token(&token)
        .execute("query($id: ID!) { user(id: $id) { version } }", json!({ "id": agent.id }))
        .await?
        .data()["user"]["version"]
        .as_i64()
        .unwrap_or_default();
    let changed = app
        .as_token(&token)
        .execute(ROLE, json!({ "input": { "id": agent.id, "role": "MANAGER", "version": version } }))
        .await?;
    assert_eq!(changed.data()["changeUserRole"], json!({ "role": "MANAGER", "version": version + 1 }));
    // A second admin working from the old page.
    let stale = app
        .as_token(&token)
        .execute(ROLE, json!({ "input": { "id": agent.id, "role": "ANALYST", "version": version } }))
        .await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"));
    assert_eq!(stale.error_extension("field"), "version");
    let now = app
        .as_token(&token)
        .execute("query($id: ID!) { user(id: $id) { role } }", json!({ "id": agent.id }))
        .await?;
    assert_eq!(now.data()["user"]["role"], "MANAGER", "the stale write changed nothing");
    Ok(())
}

#[tokio::test]
async fn a_workspace_always_keeps_an_active_owner() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let second = app.add_user(&token, "OWNER").await?;
    let second_token = app.token(&second).await?;
    // The second owner may demote the first while another owner remains...
    let first = app
        .as_token(&second_token)
        .execute("query($id: ID!) { user(id: $id) { version } }", json!({ "id": owner.id }))
        .await?;
    let demoted = app
        .as_token(&second_token)
        .execute(ROLE, json!({ "input": { "id": owner.id, "role": "ADMIN", "version": first.data()["user"]["version"] } }))
        .await?;
    assert_eq!(demoted.data()["changeUserRole"]["role"], "ADMIN");
    // ...but the first (now admin) cannot remove the last owner.
    let admin_token = app.token(&owner).await?;
    let blocked = app
        .as_token(&admin_token)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": second.id }))
        .await?;
    assert_eq!(blocked.error_code(), Some("FORBIDDEN"), "admins do not act on owners");
    Ok(())
}

#[tokio::test]
async fn deactivation_and_reactivation_round_trip() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let off = app
        .as_token(&token)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": agent.id }))
        .await?;
    assert_eq!(off.data()["deactivateUser"]["status"], "DEACTIVATED");
    let inactive = app
        .as_token(&token)
        .execute("{ users(filter: { status: DEACTIVATED }) { nodes { id } } }", json!({}))
        .await?;
    assert_eq!(inactive.data()["users"]["nodes"], json!([{ "id": agent.id }]));
    let on = app
        .as_token(&token)
        .execute("mutation($id: ID!) { reactivateUser(id: $id) { status } }", json!({ "id": agent.id }))
        .await?;
    assert_eq!(on.data()["reactivateUser"]["status"], "ACTIVE");
    assert!(app.sign_in(&agent).await.is_ok_and(|s| !s.access_token.is_empty()), "can sign in again");
    let own = app
        .as_token(&token)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": owner.id }))
        .await?;
    assert_eq!(own.error_code(), Some("FORBIDDEN"), "not oneself");
    assert_eq!(agent.password, PASSWORD);
    Ok(())
}

#[tokio::test]
async fn roles_lists_the_permission_table_the_server_enforces() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let roles = app.graphql().execute("{ roles { role permissions } }", json!({})).await?;
    let table = roles.data()["roles"].as_array().cloned().unwrap_or_default();
    assert_eq!(table.len(), 6);
    for entry in table {
        let role = starcrm_shared::Role::ALL
            .into_iter()
            .find(|r| json!(r) == entry["role"])
            .ok_or_else(|| anyhow::anyhow!("unknown role {entry}"))?;
        let expected: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
        assert_eq!(entry["permissions"], json!(expected), "{role}");
    }
    Ok(())
}

#[tokio::test]
async fn an_admin_resets_a_forgotten_password_and_old_sessions_end() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let agent_session = app.token(&agent).await?;
    let reset = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
            json!({ "id": agent.id }),
        )
        .await?;
    let temporary =
        reset.data()["resetUserPassword"]["temporaryPassword"].as_str().unwrap_or_default().to_owned();
    let old = app.as_token(&agent_session).execute("{ viewer { actor } }", json!({})).await?;
    assert_eq!(old.error_code(), Some("UNAUTHENTICATED"), "sessions of the old password end");
    let with_new = common::Account { password: temporary, ..agent.clone() };
    assert!(!app.token(&with_new).await?.is_empty());
    let with_old = app
        .graphql()
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": agent.email, "password": PASSWORD } }),
        )
        .await?;
    assert_eq!(with_old.error_code(), Some("UNAUTHENTICATED"));
    let own = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword } }",
            json!({ "id": owner.id }),
        )
        .await?;
    assert_eq!(own.error_code(), Some("FORBIDDEN"), "one's own password changes with the current one");
    Ok(())
}

#[test]
fn the_readme_permission_table_matches_the_code() -> anyhow::Result<()> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))?;
    for role in starcrm_shared::Role::ALL {
        let prefix = format!("| `{role}` | ");
        let row = readme
            .lines()
            .find(|line| line.starts_with(&prefix))
            .ok_or_else(|| anyhow::anyhow!("README has no row for {role}"))?;
        let listed = row.trim_start_matches(&prefix).trim_end_matches(" |").trim();
        let expected = if role.permissions().len() == starcrm_shared::Permission::ALL.len() {
            "all".to_owned()
        } else {
            role.permissions().iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        };
        assert_eq!(listed, expected, "README row for {role}");
    }
    Ok(())
}
