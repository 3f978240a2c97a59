//! The service desk: tickets whose priority, targets and place in the queue follow the customer's
//! stars; the thread and the status clock; missed targets recorded once; stars changing mid-ticket.
//! Runs on SQLite and on PostgreSQL.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestApp, time_of};
use serde_json::{Value, json};
use starcrm_shared::business_hours::{Hours, Span};

const OPEN: &str = "mutation($input: OpenTicketInput!) { openTicket(input: $input) { created customerCreated
  ticket { id number code status priority priorityReason stars slaRule slaState slaPolicyVersion
    firstResponseDue nextResponseDue resolutionDue nextDue createdAt assignee { id name } customerId } } }";
const TICKET: &str =
    "query($id: ID!) { ticket(id: $id) { id status priority priorityReason stars slaRule slaState
  firstResponseDue nextResponseDue resolutionDue nextDue waitingSince firstRespondedAt solvedAt createdAt
  messages { kind body author { name } } history { field from to reason at } misses { target dueAt } } }";
const MESSAGE: &str = "mutation($input: AddTicketMessageInput!) { addTicketMessage(input: $input) { created
  message { id kind } ticket { status firstRespondedAt waitingSince nextResponseDue nextDue slaState } } }";
const STATUS: &str = "mutation($id: ID!, $status: TicketStatus!, $reason: String) {
  setTicketStatus(id: $id, status: $status, reason: $reason) { status nextDue slaState solvedAt } }";
const TAGS: &str = "query($id: ID!) { ticket(id: $id) { tags history { field to } } }";
const SET_TAGS: &str =
    "mutation($id: ID!, $tags: [String!]!) { setTicketTags(id: $id, tags: $tags) { tags } }";
const QUEUE: &str =
    "query($view: TicketView, $customerId: ID) { tickets(view: $view, customerId: $customerId, first: 50) {
  totalCount edges { node { id stars priority nextDue } } } }";
const ASSIGN: &str =
    "mutation($id: ID!, $to: ID) { assignTicket(id: $id, assigneeId: $to) { assignee { id } } }";
const PRIORITY: &str = "mutation($id: ID!, $p: TicketPriority, $r: String) { setTicketPriority(id: $id, priority: $p, reason: $r) { priority priorityReason } }";
const RATING: &str = "query($id: ID!) { customer(id: $id) { starScore
  starExplanation { score breakdown { criterion raw counted } } } }";
const SAVE_POLICY: &str = "mutation($input: SlaPolicyInput!) { saveSlaPolicy(input: $input) { version
  rules { name stars firstResponseMinutes } hours { timezone alwaysOpen } } }";

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Service Shop").await?;
    app.token(&account).await
}

/// Round the clock, with the default targets by stars (5: 60 / 120 / 480 minutes; everyone
/// else 480 / 960 / 2400): deadlines are then plain arithmetic on the opening time.
async fn round_the_clock(app: &TestApp, token: &str) -> anyhow::Result<()> {
    let rules = json!([
        { "name": "5 stars", "stars": [5], "firstResponseMinutes": 60, "nextResponseMinutes": 120, "resolutionMinutes": 480 },
        { "name": "Everyone else", "firstResponseMinutes": 480, "nextResponseMinutes": 960, "resolutionMinutes": 2400 },
    ]);
    let input = json!({ "rules": rules, "hours": { "timezone": "Asia/Shanghai", "alwaysOpen": true, "week": [[], [], [], [], [], [], []] } });
    app.as_token(token).execute(SAVE_POLICY, json!({ "input": input })).await?.data();
    Ok(())
}

async fn open(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    let response = app.as_token(token).execute(OPEN, json!({ "input": input })).await?;
    Ok(response.data()["openTicket"].clone())
}

fn complaint(customer: &str) -> Value {
    json!({ "customer": { "id": customer }, "kind": "COMPLAINT", "channel": "PHONE", "subject": "Wrong size delivered" })
}

/// Moves a ticket's opening and history `hours` into the past, as if it had waited that long,
/// and recomputes its deadlines from there.
async fn age_ticket(app: &TestApp, id: &Value, hours: i64) -> anyhow::Result<()> {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
    use starcrm_api::entities::{ticket as t, ticket_change as c};
    let db = &app.state.db;
    let id: uuid::Uuid = id.as_str().unwrap_or_default().parse()?;
    let back = Duration::hours(hours);
    for row in c::Entity::find().filter(c::Column::TicketId.eq(id)).all(db).await? {
        let at = row.at - back;
        let mut row = row.into_active_model();
        row.at = sea_orm::Set(at);
        row.update(db).await?;
    }
    let mut row = t::Entity::find_by_id(id).one(db).await?.ok_or_else(|| anyhow::anyhow!("no ticket"))?;
    row.created_at -= back;
    starcrm_api::service_desk::tickets::reschedule(db, &mut row).await?;
    row.into_active_model().reset_all().update(db).await?;
    Ok(())
}

/// Tickets whose check time has come (the breach pass's work).
async fn due_for_check(app: &TestApp) -> anyhow::Result<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use starcrm_api::entities::ticket as t;
    Ok(t::Entity::find().filter(t::Column::BreachCheckAt.lte(Utc::now())).count(&app.state.db).await?)
}

async fn ticket(app: &TestApp, token: &str, id: &Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(TICKET, json!({ "id": id })).await?.data()["ticket"].clone())
}

#[tokio::test]
async fn a_five_star_complaint_is_urgent_gets_the_five_star_promise_and_tops_the_queue() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let regular = app.customer(&token, "Regular Rui").await?;
    let best = app.customer(&token, "Best Bai").await?;
    app.override_stars(&token, &best, 5).await?;

    // The regular customer complained first.
    let first = open(&app, &token, complaint(&regular)).await?;
    let second = open(&app, &token, complaint(&best)).await?;
    let (t1, t2) = (&first["ticket"], &second["ticket"]);
    assert_eq!(t1["number"], 1);
    assert_eq!(t2["code"], "T000002");
    assert_eq!(t2["priority"], "URGENT", "{t2}");
    assert_eq!(t2["stars"], 5);
    assert_eq!(t2["slaRule"], "5 stars");
    assert_eq!(t2["slaPolicyVersion"], 1);
    assert_eq!(t2["status"], "NEW");
    assert_eq!(t2["slaState"], "DUE_SOON", "an hour to the first response");
    assert_eq!(first["ticket"]["slaState"], "ON_TRACK");
    let opened = time_of(&t2["createdAt"]);
    assert_eq!(time_of(&t2["firstResponseDue"]) - opened, Duration::minutes(60));
    assert_eq!(time_of(&t2["resolutionDue"]) - opened, Duration::minutes(480));
    assert_eq!(t2["nextDue"], t2["firstResponseDue"]);
    assert!(t2["nextResponseDue"].is_null());
    assert_eq!(t1["slaRule"], "Everyone else");
    assert_ne!(t1["priority"], "URGENT");
    assert_eq!(time_of(&t1["firstResponseDue"]) - time_of(&t1["createdAt"]), Duration::minutes(480));

    // The queue puts the 5-star complaint first although it came second.
    let queue = app.as_token(&token).execute(QUEUE, json!({ "view": "OPEN" })).await?;
    let edges = queue.data()["tickets"]["edges"].clone();
    assert_eq!(queue.data()["tickets"]["totalCount"], 2);
    assert_eq!(edges[0]["node"]["id"], t2["id"], "{edges}");
    assert_eq!(edges[1]["node"]["id"], t1["id"]);
    let unassigned = app.as_token(&token).execute(QUEUE, json!({ "view": "UNASSIGNED" })).await?;
    assert_eq!(unassigned.data()["tickets"]["totalCount"], 2);
    let one = app.as_token(&token).execute(QUEUE, json!({ "view": "ALL", "customerId": best })).await?;
    assert_eq!(one.data()["tickets"]["edges"][0]["node"]["id"], t2["id"]);
    assert_eq!(one.data()["tickets"]["totalCount"], 1);

    // Found by the code the customer quotes, however it is typed.
    let by_code = "query($code: String!) { ticketByCode(code: $code) { id } }";
    for typed in ["T000002", "t2", "#2", " 2 "] {
        let found = app.as_token(&token).execute(by_code, json!({ "code": typed })).await?;
        assert_eq!(found.data()["ticketByCode"]["id"], t2["id"], "{typed}: {}", found.body);
    }
    let missing = app.as_token(&token).execute(by_code, json!({ "code": "T000099" })).await?;
    assert_eq!(missing.error_code(), Some("NOT_FOUND"), "{}", missing.body);
    let garbled = app.as_token(&token).execute(by_code, json!({ "code": "T2 OR 1=1" })).await?;
    assert_eq!(garbled.error_code(), Some("BAD_USER_INPUT"), "{}", garbled.body);
    assert_eq!(garbled.error_extension("field"), "code");

    // On the feed, without the subject.
    let feed = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"ticketOpened\"]) { events { customerId payload } } }", json!({}))
        .await?;
    let events = feed.data()["changes"]["events"].clone();
    assert_eq!(events.as_array().map(Vec::len), Some(2), "{events}");
    assert!(!events.to_string().contains("Wrong size"), "{events}");
    Ok(())
}

#[tokio::test]
async fn a_reply_meets_the_first_response_and_waiting_on_the_customer_stops_the_clock() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let who = app.customer(&token, "Waiting Wu").await?;
    let opened = open(&app, &token, complaint(&who)).await?;
    let id = opened["ticket"]["id"].clone();
    let resolution = opened["ticket"]["resolutionDue"].clone();

    let reply = json!({ "ticketId": id, "kind": "REPLY", "body": "Sorry! A new pair is on its way." });
    let replied = app.as_token(&token).execute(MESSAGE, json!({ "input": reply })).await?;
    let t = replied.data()["addTicketMessage"]["ticket"].clone();
    assert_eq!(t["status"], "OPEN");
    assert!(t["firstRespondedAt"].is_string());
    // First response met: the resolution deadline is the one that runs.
    assert_eq!(t["nextDue"], resolution);

    // Waiting on the customer: no deadline runs.
    let pending = app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "PENDING" })).await?;
    assert_eq!(pending.data()["setTicketStatus"]["slaState"], "PAUSED");
    assert!(pending.data()["setTicketStatus"]["nextDue"].is_null());

    // The customer answers: the ticket opens again, the next-response clock starts, and the
    // resolution deadline moved by the time it waited.
    let inbound = json!({ "ticketId": id, "kind": "INBOUND", "body": "It still has not arrived", "externalRef": "wx-msg-1" });
    let answered = app.as_token(&token).execute(MESSAGE, json!({ "input": inbound.clone() })).await?;
    let t = answered.data()["addTicketMessage"]["ticket"].clone();
    assert_eq!(t["status"], "OPEN");
    assert!(t["waitingSince"].is_string());
    assert_eq!(time_of(&t["nextResponseDue"]) - time_of(&t["waitingSince"]), Duration::minutes(960));
    let now = ticket(&app, &token, &id).await?;
    assert!(time_of(&now["resolutionDue"]) >= time_of(&resolution), "{now}");
    // The same inbound message again (a channel retry) is not added twice.
    let again = app.as_token(&token).execute(MESSAGE, json!({ "input": inbound })).await?;
    assert_eq!(again.data()["addTicketMessage"]["created"], false);

    let note = json!({ "ticketId": id, "kind": "NOTE", "body": "Courier says Friday" });
    app.as_token(&token).execute(MESSAGE, json!({ "input": note })).await?.data();
    let solved = app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "SOLVED" })).await?;
    assert_eq!(solved.data()["setTicketStatus"]["slaState"], "NONE");
    assert!(solved.data()["setTicketStatus"]["solvedAt"].is_string());

    let full = ticket(&app, &token, &id).await?;
    let kinds: Vec<&str> =
        full["messages"].as_array().into_iter().flatten().filter_map(|m| m["kind"].as_str()).collect();
    assert_eq!(kinds, ["REPLY", "INBOUND", "NOTE"]);
    assert_eq!(full["messages"][0]["author"]["name"], "Service Shop Owner");
    assert!(full["messages"][1]["author"].is_null(), "the customer's message has no staff author");
    let statuses: Vec<&str> = full["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["field"] == "status")
        .filter_map(|h| h["to"].as_str())
        .collect();
    assert_eq!(statuses, ["new", "open", "pending", "open", "solved"]);

    // The customer writes again after it was solved: it reopens. Closed, it takes no message.
    let reopen = json!({ "ticketId": id, "kind": "INBOUND", "body": "Wrong colour this time" });
    let reopened = app.as_token(&token).execute(MESSAGE, json!({ "input": reopen })).await?;
    assert_eq!(reopened.data()["addTicketMessage"]["ticket"]["status"], "OPEN");
    app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "SOLVED" })).await?.data();
    app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "CLOSED" })).await?.data();
    let late = json!({ "ticketId": id, "kind": "INBOUND", "body": "Hello?" });
    let refused = app.as_token(&token).execute(MESSAGE, json!({ "input": late })).await?;
    assert_eq!(refused.error_code(), Some("CONFLICT"), "{}", refused.body);
    let refused = app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "OPEN" })).await?;
    assert_eq!(refused.error_code(), Some("CONFLICT"), "{}", refused.body);
    Ok(())
}

#[tokio::test]
async fn business_hours_deadlines_are_the_shared_calendars_and_pauses_survive_edits() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    // The built-in policy: office hours in the workspace's zone, 8 business hours to a first
    // response for customers below 3 stars.
    let policy = app
        .as_token(&token)
        .execute(
            "{ slaPolicy { version hours { timezone alwaysOpen week { from to } } rules { name } } }",
            json!({}),
        )
        .await?;
    assert_eq!(policy.data()["slaPolicy"]["version"], 0);
    assert_eq!(
        policy.data()["slaPolicy"]["hours"]["week"][0],
        json!([{ "from": "09:00", "to": "12:00" }, { "from": "13:00", "to": "18:00" }])
    );
    let timezone = policy.data()["slaPolicy"]["hours"]["timezone"].as_str().unwrap_or("UTC").to_owned();
    let calendar = Hours::office(&timezone).calendar().map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let who = app.customer(&token, "Office Ou").await?;
    let input = json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "EMAIL", "subject": "Opening hours?" });
    let t = open(&app, &token, input).await?["ticket"].clone();
    let opened = time_of(&t["createdAt"]);
    let minutes = match t["slaRule"].as_str() {
        Some("5 stars") => 60,
        Some("4 stars") => 120,
        Some("3 stars") => 240,
        _ => 480,
    };
    assert_eq!(Some(time_of(&t["firstResponseDue"])), calendar.due(opened, minutes, &[]), "{t}");

    // A wait on the customer, then an edit (a note) and a status change: the deadline is
    // recomputed from the whole history, the wait still excluded.
    let id = t["id"].clone();
    app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "PENDING" })).await?.data();
    let note = json!({ "ticketId": id, "kind": "NOTE", "body": "Asked for the order number" });
    app.as_token(&token).execute(MESSAGE, json!({ "input": note })).await?.data();
    app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "OPEN" })).await?.data();
    let now = ticket(&app, &token, &id).await?;
    let statuses: Vec<(DateTime<Utc>, &str)> = now["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["field"] == "status")
        .map(|h| (time_of(&h["at"]), h["to"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(statuses.iter().map(|h| h.1).collect::<Vec<_>>(), ["new", "pending", "open"]);
    // Exactly the shared calendar's deadline with the wait taken out.
    let wait = Span { from: statuses[1].0, to: Some(statuses[2].0) };
    assert_eq!(Some(time_of(&now["firstResponseDue"])), calendar.due(opened, minutes, &[wait]), "{now}");
    assert!(
        time_of(&now["firstResponseDue"]) >= time_of(&t["firstResponseDue"]),
        "a wait never brings a deadline forward"
    );
    Ok(())
}

#[tokio::test]
async fn a_missed_target_is_recorded_once_escalates_and_goes_on_the_feed() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let who = app.customer(&token, "Late Lin").await?;
    let input = json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "CHAT", "subject": "Where is my parcel?" });
    let t = open(&app, &token, input).await?["ticket"].clone();
    let id = t["id"].clone();
    let before = t["priority"].as_str().unwrap_or_default().to_owned();

    // Nothing is missed yet.
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 0);
    // Opened nine hours ago: the first response (8 h) is missed; the resolution (40 h) is not.
    age_ticket(&app, &id, 9).await?;
    // A stored deadline that went stale (written by an older version, say) does not fool the
    // pass: it works the deadlines out from the history again.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        use starcrm_api::entities::ticket as t;
        t::Entity::update_many()
            .col_expr(t::Column::FirstResponseDue, Expr::value(Utc::now() + Duration::days(1)))
            .filter(t::Column::Id.eq(id.as_str().unwrap_or_default().parse::<uuid::Uuid>()?))
            .exec(&app.state.db)
            .await?;
    }
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 1);
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 0, "once");
    assert_eq!(due_for_check(&app).await?, 0, "the next pass has nothing to look at");
    let now = ticket(&app, &token, &id).await?;
    assert_eq!(now["misses"].as_array().map(Vec::len), Some(1), "{now}");
    assert_eq!(now["misses"][0]["target"], "FIRST_RESPONSE");
    assert_ne!(now["priority"], before, "escalated: {now}");
    assert_eq!(now["priorityReason"], "missed first_response");
    assert_eq!(now["slaState"], "BREACHED");
    let breached = app.as_token(&token).execute(QUEUE, json!({ "view": "BREACHED" })).await?;
    assert_eq!(breached.data()["tickets"]["edges"][0]["node"]["id"], id, "{}", breached.body);
    let counts =
        app.as_token(&token).execute("{ ticketCounts { breached breachingSoon } }", json!({})).await?;
    assert_eq!(counts.data()["ticketCounts"], json!({ "breached": 1, "breachingSoon": 0 }));
    // Two days on, the resolution too; the first response is not recorded again.
    age_ticket(&app, &id, 32).await?;
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 1);
    let now = ticket(&app, &token, &id).await?;
    let targets: Vec<&str> =
        now["misses"].as_array().into_iter().flatten().filter_map(|m| m["target"].as_str()).collect();
    assert_eq!(targets, ["FIRST_RESPONSE", "RESOLUTION"]);
    let feed = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"ticketBreached\"]) { events { payload } } }", json!({}))
        .await?;
    assert_eq!(feed.data()["changes"]["events"].as_array().map(Vec::len), Some(2), "{}", feed.body);
    Ok(())
}

const NOTIFICATIONS: &str =
    "{ notifications { unreadCount nodes { id kind ticketId ticketCode missed priority readAt } } }";
const MARK_READ: &str = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }";

#[tokio::test]
async fn a_missed_target_notifies_the_desks_managers_and_the_assignee_once() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let manager = app.add_user(&token, "MANAGER").await?;
    let manager = app.token(&manager).await?;
    let agent_account = app.add_user(&token, "AGENT").await?;
    let agent = app.token(&agent_account).await?;
    let analyst = app.add_user(&token, "ANALYST").await?;
    let analyst = app.token(&analyst).await?;
    let who = app.customer(&token, "Waiting Wu").await?;
    let input = json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "CHAT", "subject": "Still waiting" });
    let id = open(&app, &token, input).await?["ticket"]["id"].clone();
    let assigned = app.as_token(&token).execute(ASSIGN, json!({ "id": id, "to": agent_account.id })).await?;
    assert_eq!(assigned.data()["assignTicket"]["assignee"]["id"], json!(agent_account.id));
    let list = |who: &str| {
        let who = who.to_owned();
        let app = &app;
        async move {
            anyhow::Ok(
                app.as_token(&who).execute(NOTIFICATIONS, json!({})).await?.data()["notifications"].clone(),
            )
        }
    };
    assert_eq!(list(&manager).await?["unreadCount"], 0);

    age_ticket(&app, &id, 9).await?;
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 1);
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 0);
    // The owner and the manager (they run the desk) and the assignee: one each, once.
    for who in [&token, &manager, &agent] {
        let mine = list(who).await?;
        assert_eq!(mine["unreadCount"], 1, "{mine}");
        let n = &mine["nodes"][0];
        assert_eq!((n["kind"].clone(), n["ticketId"].clone()), (json!("ticket_breached"), id.clone()), "{n}");
        assert_eq!(n["missed"], json!(["FIRST_RESPONSE"]));
        assert_eq!(n["ticketCode"], "T000001");
        assert!(n["priority"].is_string() && n["readAt"].is_null(), "{n}");
    }
    assert_eq!(list(&analyst).await?["nodes"], json!([]), "not on the desk: not told");

    // Read by the agent: theirs only. Someone else's id is not found, and nothing changes.
    let owners_id = list(&token).await?["nodes"][0]["id"].clone();
    let refused = app.as_token(&agent).execute(MARK_READ, json!({ "ids": [owners_id] })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let marked = app.as_token(&agent).execute(MARK_READ, json!({})).await?;
    assert_eq!(marked.data()["markNotificationsRead"], 1);
    let read = list(&agent).await?;
    assert_eq!(read["unreadCount"], 0);
    assert!(read["nodes"][0]["readAt"].is_string(), "kept, marked read: {read}");
    assert_eq!(list(&token).await?["unreadCount"], 1);

    // The resolution missed later: a second one; marked by id.
    age_ticket(&app, &id, 32).await?;
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 1);
    let mine = list(&token).await?;
    assert_eq!(mine["unreadCount"], 2, "{mine}");
    assert_eq!(mine["nodes"][0]["missed"], json!(["RESOLUTION"]), "newest first");
    let marked = app.as_token(&token).execute(MARK_READ, json!({ "ids": [owners_id] })).await?;
    assert_eq!(marked.data()["markNotificationsRead"], 1);
    assert_eq!(list(&token).await?["unreadCount"], 1);
    let unread = app
        .as_token(&token)
        .execute("{ notifications(unreadOnly: true) { nodes { missed } } }", json!({}))
        .await?;
    assert_eq!(unread.data()["notifications"]["nodes"], json!([{ "missed": ["RESOLUTION"] }]));
    let bad = app.as_token(&token).execute("{ notifications(first: 0) { unreadCount } }", json!({})).await?;
    assert_eq!(bad.error_extension("field"), "first", "{}", bad.body);
    Ok(())
}

#[tokio::test]
async fn a_pass_with_many_misses_tells_each_manager_of_each_and_keeps_their_newest_200() -> anyhow::Result<()>
{
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
    use starcrm_api::entities::notification as n;
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let manager = app.add_user(&token, "MANAGER").await?;
    let manager_id: uuid::Uuid = manager.id.parse()?;
    let manager_token = app.token(&manager).await?;
    let workspace = starcrm_api::entities::user::Entity::find_by_id(manager_id)
        .one(&app.state.db)
        .await?
        .map(|u| u.workspace_id)
        .ok_or_else(|| anyhow::anyhow!("no manager"))?;
    // The manager's older notifications: 199, read, an hour old.
    let an_hour_ago = Utc::now() - Duration::hours(1);
    let old: Vec<n::ActiveModel> = (0..199)
        .map(|i| n::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            workspace_id: Set(workspace),
            user_id: Set(manager_id),
            kind: Set("ticket_breached".to_owned()),
            ticket_id: Set(None),
            ticket_number: Set(Some(1000 + i)),
            details: Set(Some("{\"missed\":[\"first_response\"],\"priority\":\"high\"}".to_owned())),
            created_at: Set(an_hour_ago + Duration::seconds(i)),
            read_at: Set(Some(an_hour_ago + Duration::seconds(i))),
        })
        .collect();
    n::Entity::insert_many(old).exec_without_returning(&app.state.db).await?;

    let who = app.customer(&token, "Many Ma").await?;
    let mut ids = Vec::new();
    for subject in ["One", "Two", "Three"] {
        let input =
            json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "CHAT", "subject": subject });
        let id = open(&app, &token, input).await?["ticket"]["id"].clone();
        age_ticket(&app, &id, 9).await?;
        ids.push(id);
    }
    // One pass, three misses: one notification each for the owner and the manager.
    assert_eq!(starcrm_api::service_desk::breaches::sweep(&app.state.db, Utc::now()).await?, 3);
    let owners = app.as_token(&token).execute(NOTIFICATIONS, json!({})).await?;
    assert_eq!(owners.data()["notifications"]["unreadCount"], 3, "{}", owners.body);
    let mine = app.as_token(&manager_token).execute(NOTIFICATIONS, json!({})).await?;
    let mine = &mine.data()["notifications"];
    assert_eq!(mine["unreadCount"], 3, "{mine}");
    let mut told: Vec<Value> = (0..3).map(|i| mine["nodes"][i]["ticketId"].clone()).collect();
    told.sort_by_key(ToString::to_string);
    ids.sort_by_key(ToString::to_string);
    assert_eq!(told, ids, "each ticket once, newest first");
    // 199 + 3 is over the 200 kept: the two oldest went, the new ones stayed.
    let kept = n::Entity::find().filter(n::Column::UserId.eq(manager_id));
    assert_eq!(kept.clone().count(&app.state.db).await?, 200);
    let oldest = kept.order_by_asc(n::Column::CreatedAt).one(&app.state.db).await?;
    assert_eq!(oldest.and_then(|o| o.ticket_number), Some(1002));
    Ok(())
}

#[tokio::test]
async fn paging_through_a_moving_queue_neither_repeats_nor_skips_a_ticket() -> anyhow::Result<()> {
    const PAGE: &str =
        "query($view: TicketView, $after: String) { tickets(view: $view, first: 2, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id } } } }";
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let best = app.customer(&token, "Best Bo").await?;
    app.override_stars(&token, &best, 5).await?;
    let low = app.customer(&token, "Low Lu").await?;
    app.override_stars(&token, &low, 1).await?;
    let unrated = app.customer(&token, "New Nie").await?;
    let mut opened = Vec::new();
    for (who, kind) in [
        (&low, "INQUIRY"),
        (&best, "COMPLAINT"),
        (&unrated, "INQUIRY"),
        (&best, "INQUIRY"),
        (&low, "COMPLAINT"),
        (&unrated, "SUGGESTION"),
        (&best, "SUGGESTION"),
    ] {
        let input = json!({ "customer": { "id": who }, "kind": kind, "channel": "WEB", "subject": "Paging" });
        opened.push(open(&app, &token, input).await?["ticket"]["id"].clone());
    }
    // Two solved: no deadline any more, last in the ALL view.
    for id in &opened[5..] {
        let solved = app.as_token(&token).execute(STATUS, json!({ "id": id, "status": "SOLVED" })).await?;
        assert_eq!(solved.data()["setTicketStatus"]["status"], "SOLVED", "{}", solved.body);
    }
    let page = |view: &'static str, after: Value| {
        let client = app.as_token(&token);
        async move {
            let r = client.execute(PAGE, json!({ "view": view, "after": after })).await?;
            let t = r.data()["tickets"].clone();
            let ids: Vec<Value> =
                t["edges"].as_array().into_iter().flatten().map(|e| e["node"]["id"].clone()).collect();
            anyhow::Ok((ids, t["pageInfo"].clone()))
        }
    };
    let whole = |view: &'static str| {
        let client = app.as_token(&token);
        async move {
            let r = client.execute(QUEUE, json!({ "view": view })).await?;
            anyhow::Ok(
                r.data()["tickets"]["edges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| e["node"]["id"].clone())
                    .collect::<Vec<_>>(),
            )
        }
    };

    // Two at a time through everything (deadlines and none, stars and none): each once, in order.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let (ids, info) = page("ALL", after).await?;
        assert_eq!(info["hasPreviousPage"], !seen.is_empty(), "{info}");
        seen.extend(ids);
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert_eq!(seen, whole("ALL").await?);
    assert_eq!(seen.len(), 7);
    // The walk crossed rows without a deadline and rows without stars (the cursor's null cases).
    let all = app.as_token(&token).execute(QUEUE, json!({ "view": "ALL" })).await?;
    let nodes = all.data()["tickets"]["edges"].to_string();
    assert!(nodes.contains("\"nextDue\":null") && nodes.contains("\"stars\":null"), "{nodes}");

    // The first page of the open queue, then its top ticket is solved: the next page goes on
    // from where the first ended (an offset would have skipped a ticket).
    let open_before = whole("OPEN").await?;
    assert_eq!(open_before.len(), 5);
    let (first, info) = page("OPEN", Value::Null).await?;
    assert_eq!(first, open_before[..2]);
    let solved = app.as_token(&token).execute(STATUS, json!({ "id": first[0], "status": "SOLVED" })).await?;
    assert_eq!(solved.data()["setTicketStatus"]["status"], "SOLVED", "{}", solved.body);
    let (second, _) = page("OPEN", info["endCursor"].clone()).await?;
    assert_eq!(second, open_before[2..4], "neither repeated nor skipped");

    // A cursor this server did not make.
    let forged = app.as_token(&token).execute(PAGE, json!({ "view": "OPEN", "after": "cTo0Mg" })).await?;
    assert_eq!(forged.error_extension("field"), "after", "{}", forged.body);
    Ok(())
}

#[tokio::test]
async fn stars_changing_mid_ticket_re_base_its_targets_visibly_and_audited() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let who = app.customer(&token, "Rising Ren").await?;
    let input = json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "APP", "subject": "Upgrade my plan" });
    let t = open(&app, &token, input).await?["ticket"].clone();
    assert_eq!(t["slaRule"], "Everyone else");
    app.override_stars(&token, &who, 5).await?;
    let now = ticket(&app, &token, &t["id"]).await?;
    assert_eq!(now["stars"], 5, "{now}");
    assert_eq!(now["slaRule"], "5 stars");
    assert_eq!(now["priority"], "HIGH", "an inquiry of a 5-star customer");
    // Re-based from the opening: 60 minutes, not 480.
    assert_eq!(time_of(&now["firstResponseDue"]) - time_of(&t["createdAt"]), Duration::minutes(60));
    // The override first re-rates (the customer's computed stars may move), then sets 5 stars:
    // the last re-base is the one to 5 stars.
    let rebase = now["history"].as_array().into_iter().flatten().rfind(|h| h["field"] == "sla").cloned();
    let rebase = rebase.ok_or_else(|| anyhow::anyhow!("no re-base in the history: {now}"))?;
    assert_eq!(rebase["from"], "Everyone else");
    assert_eq!(rebase["to"], "5 stars");
    assert!(
        rebase["reason"].as_str().is_some_and(|r| r.starts_with("stars ") && r.ends_with(" -> 5")),
        "{rebase}"
    );
    let audit = app
        .as_token(&token)
        .execute(
            "{ auditLog(filter: { action: \"ticket.sla_rebase\" }) { edges { node { entityId } } } }",
            json!({}),
        )
        .await?;
    assert_eq!(audit.data()["auditLog"]["edges"][0]["node"]["entityId"], t["id"], "{}", audit.body);
    Ok(())
}

#[tokio::test]
async fn the_dedicated_owner_gets_the_ticket_and_assignment_checks_who() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let analyst = app.add_user(&token, "ANALYST").await?;
    let made = app
        .as_token(&token)
        .execute(
            "mutation($owner: ID) { createCustomer(input: { name: \"Owned Ou\", ownerId: $owner }) { id } }",
            json!({ "owner": agent.id }),
        )
        .await?;
    let who = made.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
    let t = open(&app, &token, complaint(&who)).await?["ticket"].clone();
    assert_eq!(t["assignee"]["id"], agent.id.as_str(), "{t}");
    let agent_token = app.token(&agent).await?;
    let mine = app.as_token(&agent_token).execute(QUEUE, json!({ "view": "MINE" })).await?;
    assert_eq!(mine.data()["tickets"]["edges"][0]["node"]["id"], t["id"]);
    let theirs = app.as_token(&token).execute(QUEUE, json!({ "view": "MINE" })).await?;
    assert_eq!(theirs.data()["tickets"]["totalCount"], 0);

    let refused = app.as_token(&token).execute(ASSIGN, json!({ "id": t["id"], "to": analyst.id })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert_eq!(refused.error_extension("field"), "assigneeId");
    let back = app.as_token(&token).execute(ASSIGN, json!({ "id": t["id"], "to": null })).await?;
    assert!(back.data()["assignTicket"]["assignee"].is_null());
    let counts =
        app.as_token(&token).execute("{ ticketCounts { mine unassigned open breached } }", json!({})).await?;
    assert_eq!(
        counts.data()["ticketCounts"],
        json!({ "mine": 0, "unassigned": 1, "open": 1, "breached": 0 })
    );

    // A priority by hand needs a reason; null goes back to the derived one.
    let refused = app.as_token(&token).execute(PRIORITY, json!({ "id": t["id"], "p": "LOW" })).await?;
    assert_eq!(refused.error_extension("field"), "reason", "{}", refused.body);
    let low = app
        .as_token(&token)
        .execute(PRIORITY, json!({ "id": t["id"], "p": "LOW", "r": "duplicate of T1" }))
        .await?;
    assert_eq!(
        low.data()["setTicketPriority"],
        json!({ "priority": "LOW", "priorityReason": "duplicate of T1" })
    );
    let derived = app.as_token(&token).execute(PRIORITY, json!({ "id": t["id"], "p": null })).await?;
    assert_eq!(derived.data()["setTicketPriority"]["priority"], t["priority"]);
    assert!(derived.data()["setTicketPriority"]["priorityReason"].is_null());
    Ok(())
}

#[tokio::test]
async fn bad_tickets_and_policies_are_refused_naming_the_field_and_change_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let who = app.customer(&token, "Careful Cao").await?;
    let other = app.customer(&token, "Other Ou").await?;
    let bought = app
        .as_token(&token)
        .execute(
            "mutation($c: ID!) { recordTransaction(input: { customer: { id: $c }, channel: STORE, amountMinor: 1000 }) { transaction { id } } }",
            json!({ "c": other }),
        )
        .await?;
    let purchase = bought.data()["recordTransaction"]["transaction"]["id"].clone();
    let base = complaint(&who);
    let with = |key: &str, value: Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    for (input, field) in [
        (with("subject", json!("   ")), "subject"),
        (with("subject", json!("x".repeat(201))), "subject"),
        (with("description", json!("x".repeat(10_001))), "description"),
        (with("priority", json!("LOW")), "priorityReason"),
        (with("transactionId", purchase.clone()), "transactionId"),
        (with("transactionId", json!("not-an-id")), "transactionId"),
        (with("customer", json!({ "id": "nope" })), "customer.id"),
    ] {
        let refused = app.as_token(&token).execute(OPEN, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{input}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{input}");
    }
    let queue = app.as_token(&token).execute(QUEUE, json!({ "view": "ALL" })).await?;
    assert_eq!(queue.data()["tickets"]["totalCount"], 0, "nothing was opened");

    // Opening twice with one externalRef gives the first ticket back.
    let first = open(&app, &token, with("externalRef", json!("cc-123"))).await?;
    let again = open(&app, &token, with("externalRef", json!("cc-123"))).await?;
    assert_eq!(again["created"], false);
    assert_eq!(again["ticket"]["id"], first["ticket"]["id"]);

    let week = |day: Value| json!([day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), [], []]);
    let nine_to_six = json!([{ "from": "09:00", "to": "18:00" }]);
    let rule = json!({ "name": "All", "firstResponseMinutes": 60 });
    for (input, field) in [
        (
            json!({ "rules": [rule], "hours": { "timezone": "Mars/Base", "week": week(nine_to_six.clone()) } }),
            "hours.timezone",
        ),
        (
            json!({ "rules": [rule], "hours": { "timezone": "Asia/Shanghai", "week": week(json!([{ "from": "09:00", "to": "12:00" }, { "from": "11:00", "to": "18:00" }])) } }),
            "hours.week[0]",
        ),
        (
            json!({ "rules": [rule], "hours": { "timezone": "Asia/Shanghai", "week": week(json!([{ "from": "9am", "to": "18:00" }])) } }),
            "hours.week[0][0].from",
        ),
        (
            json!({ "rules": [rule], "hours": { "timezone": "Asia/Shanghai", "week": [[], [], [], [], [], [], []] } }),
            "hours.week",
        ),
        (
            json!({ "rules": [{ "name": "Six", "stars": [6], "firstResponseMinutes": 60 }], "hours": { "timezone": "UTC", "alwaysOpen": true, "week": week(json!([])) } }),
            "rules[0].stars",
        ),
        (
            json!({ "rules": [rule, { "name": "", "firstResponseMinutes": 60 }], "hours": { "timezone": "UTC", "alwaysOpen": true, "week": week(json!([])) } }),
            "rules[1].name",
        ),
        (
            json!({ "rules": [{ "name": "Zero", "resolutionMinutes": 0 }], "hours": { "timezone": "UTC", "alwaysOpen": true, "week": week(json!([])) } }),
            "rules[0].resolutionMinutes",
        ),
        (
            json!({ "rules": [], "hours": { "timezone": "UTC", "alwaysOpen": true, "week": week(json!([])) } }),
            "rules",
        ),
    ] {
        let refused = app.as_token(&token).execute(SAVE_POLICY, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{input}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{input}");
    }
    let policy =
        app.as_token(&token).execute("{ slaPolicy { version } slaPolicies { version } }", json!({})).await?;
    assert_eq!(policy.data(), &json!({ "slaPolicy": { "version": 0 }, "slaPolicies": [] }));

    // Saved twice: version 2 is active, the ticket opened before keeps the built-in one.
    round_the_clock(&app, &token).await?;
    round_the_clock(&app, &token).await?;
    let policy =
        app.as_token(&token).execute("{ slaPolicy { version } slaPolicies { version } }", json!({})).await?;
    assert_eq!(
        policy.data(),
        &json!({ "slaPolicy": { "version": 2 }, "slaPolicies": [{ "version": 2 }, { "version": 1 }] })
    );
    let kept = app
        .as_token(&token)
        .execute(
            "query($id: ID!) { ticket(id: $id) { slaPolicyVersion } }",
            json!({ "id": first["ticket"]["id"] }),
        )
        .await?;
    assert_eq!(kept.data()["ticket"]["slaPolicyVersion"], 0);
    Ok(())
}

#[tokio::test]
async fn tickets_follow_a_merge_and_erasure_scrubs_what_they_say() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let keep = app.customer(&token, "Keep Kong").await?;
    let dup = app.customer(&token, "Keep Kong Dup").await?;
    let t = open(&app, &token, complaint(&dup)).await?["ticket"].clone();
    app.as_token(&token)
        .execute(
            "mutation($id: ID!) { setTicketTags(id: $id, tags: [\"Secret Road parcel\"]) { id } }",
            json!({ "id": t["id"] }),
        )
        .await?
        .data();
    let reply = json!({ "ticketId": t["id"], "kind": "INBOUND", "body": "My address is 1 Secret Road" });
    app.as_token(&token).execute(MESSAGE, json!({ "input": reply })).await?.data();
    let versions = app
        .as_token(&token)
        .execute("query($a: ID!) { customer(id: $a) { version } }", json!({ "a": keep }))
        .await?;
    let merged = app
        .as_token(&token)
        .execute(
            "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } } }",
            json!({ "input": {
                "survivorId": keep, "mergedId": dup, "survivorVersion": versions.data()["customer"]["version"],
            } }),
        )
        .await?;
    merged.data();
    let queue = app.as_token(&token).execute(QUEUE, json!({ "view": "ALL", "customerId": keep })).await?;
    assert_eq!(queue.data()["tickets"]["edges"][0]["node"]["id"], t["id"], "{}", queue.body);

    app.as_token(&token)
        .execute(
            "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"customer asked\") { id } }",
            json!({ "id": keep }),
        )
        .await?
        .data();
    let after = ticket(&app, &token, &t["id"]).await?;
    assert!(!after.to_string().contains("Secret Road"), "{after}");
    assert!(!after.to_string().contains("Wrong size"), "{after}");
    assert_eq!(after["messages"][0]["body"], "(erased)");
    Ok(())
}

#[tokio::test]
async fn complaints_count_against_the_stars_once_the_workspace_has_one() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let loyal = app.customer(&token, "Loyal Lu").await?;
    let unhappy = app.customer(&token, "Unhappy Hu").await?;
    let first = app.customer(&token, "First Fang").await?;
    let buy = |who: String| {
        let app = &app;
        let token = token.clone();
        async move {
            app.as_token(&token)
                .execute(
                    "mutation($c: ID!) { recordTransaction(input: { customer: { id: $c }, channel: STORE, amountMinor: 300000 }) { transaction { id } } }",
                    json!({ "c": who }),
                )
                .await?
                .data();
            anyhow::Ok(())
        }
    };
    for who in [&loyal, &unhappy, &first] {
        buy(who.clone()).await?;
    }
    let rating = |id: String| {
        let app = &app;
        let token = token.clone();
        async move {
            anyhow::Ok(
                app.as_token(&token).execute(RATING, json!({ "id": id })).await?.data()["customer"].clone(),
            )
        }
    };
    let complaints = |c: &Value| {
        c["starExplanation"]["breakdown"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| b["criterion"] == "COMPLAINTS")
            .cloned()
            .unwrap_or_default()
    };
    // No complaint in the workspace yet: the criterion has no data and counts for nobody.
    assert_eq!(complaints(&rating(unhappy.clone()).await?)["counted"], false);

    // The workspace's first complaint turns the criterion on; a full re-rating brings everyone
    // onto it (no complaints: full marks).
    open(&app, &token, complaint(&first)).await?;
    // A purchase right after it is rated with the criterion on, though the purchases above had
    // the rating context cached moments before: the stored score is the one explained.
    for who in [&loyal, &unhappy] {
        buy(who.clone()).await?;
    }
    let bought = rating(loyal.clone()).await?;
    assert_eq!(complaints(&bought)["counted"], true, "{bought}");
    let (stored, explained) = (
        bought["starScore"].as_f64().unwrap_or(-1.0),
        bought["starExplanation"]["score"].as_f64().unwrap_or(-2.0),
    );
    assert!((stored - explained).abs() < 0.01, "stored {stored}, explained {explained}");
    rerate(&app, &token).await?;
    let before = rating(unhappy.clone()).await?;
    assert_eq!(complaints(&before)["raw"], 0.0, "{before}");
    assert_eq!(rating(loyal.clone()).await?["starScore"], before["starScore"]);

    // A complaint lowers that customer's score at once, and only theirs.
    open(&app, &token, complaint(&unhappy)).await?;
    let after = rating(unhappy.clone()).await?;
    assert_eq!(complaints(&after)["raw"], 1.0, "{after}");
    assert!(after["starScore"].as_f64() < before["starScore"].as_f64(), "{before} -> {after}");
    assert_eq!(rating(loyal.clone()).await?["starScore"], before["starScore"]);
    // The scheduled path agrees with the real-time one.
    rerate(&app, &token).await?;
    assert_eq!(rating(unhappy.clone()).await?["starScore"], after["starScore"]);
    Ok(())
}

/// Re-rates the whole workspace and waits for the job.
async fn rerate(app: &TestApp, token: &str) -> anyhow::Result<()> {
    let job = app.as_token(token).execute("mutation { recalculateStars { id } }", json!({})).await?;
    let id = job.data()["recalculateStars"]["id"].clone();
    for _ in 0..200 {
        let state = app
            .as_token(token)
            .execute("query($id: ID!) { ratingJob(id: $id) { status } }", json!({ "id": id }))
            .await?;
        match state.data()["ratingJob"]["status"].as_str() {
            Some("SUCCEEDED") => return Ok(()),
            Some("FAILED") => anyhow::bail!("re-rating failed: {}", state.body),
            _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    anyhow::bail!("re-rating did not finish")
}

const CATEGORY: &str = "mutation($input: TicketCategoryInput!) { saveTicketCategory(input: $input) { id name parentId archived } }";
const SOLVE: &str = "mutation($id: ID!, $cause: ID, $upheld: Boolean) {
  setTicketStatus(id: $id, status: SOLVED, rootCauseId: $cause, resolution: \"Refunded the delivery fee\", upheld: $upheld) {
    status upheld resolution rootCause { name } } }";
const PARETO: &str = "query($from: DateTime!, $to: DateTime!, $by: ComplaintDimension!) {
  complaintAnalysis(from: $from, to: $to, by: $by) { key label count previousCount share cumulativeShare } }";

/// The complaints the star engine counts for a customer (`raw` of the criterion).
async fn complaints_raw(app: &TestApp, token: &str, who: &str) -> anyhow::Result<Value> {
    let found = app
        .as_token(token)
        .execute(
            "query($id: ID!) { customer(id: $id) { starExplanation { breakdown { criterion raw } } } }",
            json!({ "id": who }),
        )
        .await?;
    let breakdown = found.data()["customer"]["starExplanation"]["breakdown"].clone();
    let complaints =
        breakdown.as_array().into_iter().flatten().find(|b| b["criterion"] == "COMPLAINTS").cloned();
    Ok(complaints.unwrap_or_default()["raw"].clone())
}

async fn category(app: &TestApp, token: &str, input: Value) -> anyhow::Result<String> {
    let saved = app.as_token(token).execute(CATEGORY, json!({ "input": input })).await?;
    Ok(saved.data()["saveTicketCategory"]["id"].as_str().unwrap_or_default().to_owned())
}

const STANDARD: &str = "mutation($language: Language!) { addStandardTicketCategories(language: $language) { id name parentId archived } }";

#[tokio::test]
async fn a_workspace_starts_from_the_standard_root_causes_once_in_its_language() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    // What the workspace already keeps stays, and is not added twice (names ignore case).
    let delivery = category(&app, &token, json!({ "name": "delivery" })).await?;
    category(&app, &token, json!({ "name": "Courier was rude", "parentId": delivery })).await?;
    category(&app, &token, json!({ "name": "Other", "archived": true })).await?;
    let added = app.as_token(&token).execute(STANDARD, json!({ "language": "EN" })).await?;
    let all = added.data()["addStandardTicketCategories"].as_array().cloned().unwrap_or_default();
    let named = |name: &str| all.iter().filter(|c| c["name"] == name).cloned().collect::<Vec<_>>();
    // 6 causes and 15 subcauses, with "delivery" and "Other" already there, plus "Courier was rude".
    assert_eq!(all.len(), 6 + 15 + 1, "{}", added.body);
    assert!(named("Delivery").is_empty(), "kept as it was named: {}", added.body);
    let subs_of = |id: &Value| all.iter().filter(|c| &c["parentId"] == id).count();
    assert_eq!(subs_of(&json!(delivery)), 4, "the three standard ones beside the workspace's own");
    assert_eq!(named("Other").len(), 1);
    assert_eq!(named("Other")[0]["archived"], true, "an archived cause is not brought back");
    let product = named("Product")[0].clone();
    assert_eq!(product["parentId"], Value::Null);
    assert_eq!(subs_of(&product["id"]), 3);
    assert_eq!(named("Late")[0]["parentId"], json!(delivery));

    // Again: nothing added, one audit entry.
    let again = app.as_token(&token).execute(STANDARD, json!({ "language": "EN" })).await?;
    assert_eq!(again.data()["addStandardTicketCategories"].as_array().map(Vec::len), Some(all.len()));
    let audit = app
        .as_token(&token)
        .execute(
            "{ auditLog(filter: { action: \"ticket_category.standard\" }) { edges { node { changes } } } }",
            json!({}),
        )
        .await?;
    let entries = audit.data()["auditLog"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{}", audit.body);
    assert!(entries[0]["node"]["changes"].to_string().contains("delivery / Late"), "{}", audit.body);

    // From then on a complaint is solved with one of them.
    let who = app.customer(&token, "Dai Deng").await?;
    let id = open(&app, &token, complaint(&who)).await?["ticket"]["id"].clone();
    let refused = app.as_token(&token).execute(SOLVE, json!({ "id": id })).await?;
    assert_eq!(refused.error_extension("field"), "rootCauseId", "{}", refused.body);
    let late = named("Late")[0]["id"].clone();
    let solved = app.as_token(&token).execute(SOLVE, json!({ "id": id, "cause": late })).await?;
    assert_eq!(solved.data()["setTicketStatus"]["rootCause"]["name"], "Late");

    // Another workspace starts from it in Chinese.
    let other = app.workspace("服务二店").await?;
    let other = app.token(&other).await?;
    let zh = app.as_token(&other).execute(STANDARD, json!({ "language": "ZH_CN" })).await?;
    let chinese: Vec<String> = zh.data()["addStandardTicketCategories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(chinese.len(), 21, "{}", zh.body);
    assert!(chinese.iter().any(|n| n == "配送延迟") && chinese.iter().any(|n| n == "其他"), "{chinese:?}");
    let unknown = app.as_token(&other).execute(STANDARD, json!({ "language": "FR" })).await?;
    assert!(unknown.body["errors"].is_array(), "{}", unknown.body);
    Ok(())
}

#[tokio::test]
async fn complaints_are_solved_with_a_root_cause_and_analysed_as_a_pareto() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    // Before the workspace keeps root causes, a complaint solves without one.
    let early = app.customer(&token, "Early En").await?;
    let t0 = open(&app, &token, complaint(&early)).await?["ticket"]["id"].clone();
    let solved = app.as_token(&token).execute(SOLVE, json!({ "id": t0 })).await?;
    assert_eq!(solved.data()["setTicketStatus"]["status"], "SOLVED");

    let delivery = category(&app, &token, json!({ "name": "Delivery" })).await?;
    let late = category(&app, &token, json!({ "name": "Late", "parentId": delivery })).await?;
    let damaged = category(&app, &token, json!({ "name": "Damaged", "parentId": delivery })).await?;
    let product = category(&app, &token, json!({ "name": "Product" })).await?;
    // Two levels, unique names among siblings.
    for (input, field) in [
        (json!({ "name": "Very late", "parentId": late }), "parentId"),
        (json!({ "name": "late", "parentId": delivery }), "name"),
        (json!({ "name": "  " }), "name"),
        (json!({ "id": delivery, "name": "Delivery", "parentId": product }), "parentId"),
    ] {
        let refused = app.as_token(&token).execute(CATEGORY, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{input}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{input}");
    }
    let listed = app.as_token(&token).execute("{ ticketCategories { name parentId } }", json!({})).await?;
    assert_eq!(listed.data()["ticketCategories"].as_array().map(Vec::len), Some(4));

    let (a, b, c) = (
        app.customer(&token, "Ann An").await?,
        app.customer(&token, "Bo Bai").await?,
        app.customer(&token, "Cai Cao").await?,
    );
    let mut ids = Vec::new();
    for who in [&a, &b, &c] {
        ids.push(open(&app, &token, complaint(who)).await?["ticket"]["id"].clone());
    }
    // Without a root cause, or with a cause that has subcauses: refused, nothing changes.
    for (cause, message) in [(Value::Null, "required"), (json!(delivery), "subcauses")] {
        let refused = app.as_token(&token).execute(SOLVE, json!({ "id": ids[0], "cause": cause })).await?;
        assert_eq!(refused.error_extension("field"), "rootCauseId", "{}", refused.body);
        assert!(refused.error_message().to_lowercase().contains(message), "{}", refused.body);
    }
    let still = ticket(&app, &token, &ids[0]).await?;
    assert_eq!(still["status"], "NEW");
    let first = app.as_token(&token).execute(SOLVE, json!({ "id": ids[0], "cause": late })).await?;
    assert_eq!(first.data()["setTicketStatus"]["rootCause"]["name"], "Late");
    assert_eq!(first.data()["setTicketStatus"]["resolution"], "Refunded the delivery fee");
    app.as_token(&token).execute(SOLVE, json!({ "id": ids[1], "cause": damaged })).await?.data();

    // Not upheld: it stops counting against the customer's stars, at once.
    assert_eq!(complaints_raw(&app, &token, &c).await?, 1.0);
    let dismissed = app
        .as_token(&token)
        .execute(SOLVE, json!({ "id": ids[2], "cause": product, "upheld": false }))
        .await?;
    assert_eq!(dismissed.data()["setTicketStatus"]["upheld"], false);
    assert_eq!(complaints_raw(&app, &token, &c).await?, 0.0);
    let inquiry =
        json!({ "customer": { "id": a }, "kind": "INQUIRY", "channel": "WEB", "subject": "Hours?" });
    let inquiry = open(&app, &token, inquiry).await?["ticket"]["id"].clone();
    let refused = app.as_token(&token).execute(SOLVE, json!({ "id": inquiry, "upheld": true })).await?;
    assert_eq!(refused.error_extension("field"), "upheld", "{}", refused.body);

    // The Pareto: subcauses count for their cause; shares add up; the period before is empty.
    let period = json!({ "from": (Utc::now() - Duration::days(1)).to_rfc3339(), "to": (Utc::now() + Duration::hours(1)).to_rfc3339() });
    let mut vars = period.clone();
    vars["by"] = json!("ROOT_CAUSE");
    let pareto = app.as_token(&token).execute(PARETO, vars).await?;
    let rows = pareto.data()["complaintAnalysis"].clone();
    assert_eq!(rows[0]["label"], "Delivery", "{rows}");
    assert_eq!(rows[0]["count"], 2);
    assert_eq!(rows[0]["previousCount"], 0);
    let total: u64 = rows.as_array().into_iter().flatten().filter_map(|r| r["count"].as_u64()).sum();
    assert_eq!(total, 4, "every complaint of the period, unclassified ones too: {rows}");
    let last = rows.as_array().and_then(|r| r.last()).cloned().unwrap_or_default();
    assert!((last["cumulativeShare"].as_f64().unwrap_or(0.0) - 1.0).abs() < 1e-9, "{rows}");
    let mut vars = period;
    vars["by"] = json!("CHANNEL");
    let channels = app.as_token(&token).execute(PARETO, vars).await?;
    assert_eq!(
        channels.data()["complaintAnalysis"],
        json!([{ "key": "phone", "label": "phone", "count": 4, "previousCount": 0, "share": 1.0, "cumulativeShare": 1.0 }])
    );
    let backwards = app
        .as_token(&token)
        .execute(PARETO, json!({ "from": Utc::now().to_rfc3339(), "to": (Utc::now() - Duration::days(1)).to_rfc3339(), "by": "AGENT" }))
        .await?;
    assert_eq!(backwards.error_extension("field"), "to");
    Ok(())
}

#[tokio::test]
async fn a_deadline_close_at_hand_is_warned_about_once() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    round_the_clock(&app, &token).await?;
    let who = app.customer(&token, "Warned Wu").await?;
    let input =
        json!({ "customer": { "id": who }, "kind": "INQUIRY", "channel": "CHAT", "subject": "Invoice?" });
    let id = open(&app, &token, input).await?["ticket"]["id"].clone();
    let db = &app.state.db;
    let warn =
        |minutes: i64| starcrm_api::service_desk::breaches::warn(db, Utc::now() + Duration::minutes(minutes));
    // The first response (8 h) falls in an hour: the warning comes half an hour before it.
    age_ticket(&app, &id, 7).await?;
    assert_eq!(warn(0).await?, 0);
    assert_eq!(warn(31).await?, 1);
    assert_eq!(warn(35).await?, 0, "once per deadline");
    let feed = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"ticketDueSoon\"]) { events { payload } } }", json!({}))
        .await?;
    let payload = feed.data()["changes"]["events"][0]["payload"].clone();
    assert_eq!(
        (payload["ticketId"].clone(), payload["target"].clone()),
        (id.clone(), json!("first_response")),
        "{payload}"
    );
    // Answered: the next deadline (the resolution, a day and more away) is not close.
    app.as_token(&token)
        .execute(MESSAGE, json!({ "input": { "ticketId": id, "kind": "REPLY", "body": "Sent again" } }))
        .await?
        .data();
    assert_eq!(warn(31).await?, 0);
    assert_eq!(warn(33 * 60 - 10).await?, 1, "the resolution in its turn");
    Ok(())
}

#[tokio::test]
async fn tickets_are_tagged_and_a_queue_narrows_to_a_tag() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let who = app.customer(&token, "Tagged Tao").await?;
    let mut input = complaint(&who);
    input["tags"] = json!([" Refund ", "VIP", "refund"]);
    let first = open(&app, &token, input).await?["ticket"]["id"].clone();
    let second = open(&app, &token, complaint(&who)).await?["ticket"]["id"].clone();
    let tagged = app.as_token(&token).execute(TAGS, json!({ "id": first })).await?;
    assert_eq!(tagged.data()["ticket"]["tags"], json!(["Refund", "VIP"]), "trimmed, once each ignoring case");
    let set =
        app.as_token(&token).execute(SET_TAGS, json!({ "id": second, "tags": ["refund", "退货"] })).await?;
    assert_eq!(set.data()["setTicketTags"]["tags"], json!(["refund", "退货"]));
    let history = app.as_token(&token).execute(TAGS, json!({ "id": second })).await?;
    let rows = history.data()["ticket"]["history"].as_array().cloned().unwrap_or_default();
    assert!(rows.iter().any(|h| h["field"] == "tags" && h["to"] == "refund, 退货"), "{rows:?}");
    // A queue narrowed to a tag, whatever its case.
    let narrowed = |tag: &'static str| {
        let client = app.as_token(&token);
        async move {
            let r = client
                .execute(
                    "query($tag: String) { tickets(view: ALL, tag: $tag) { totalCount } }",
                    json!({ "tag": tag }),
                )
                .await?;
            anyhow::Ok(r.data()["tickets"]["totalCount"].as_u64().unwrap_or(99))
        }
    };
    assert_eq!(narrowed("REFUND").await?, 2);
    assert_eq!(narrowed("vip").await?, 1);
    assert_eq!(narrowed("none such").await?, 0);
    // Bad tags name their place and change nothing.
    for (tags, field) in [(json!(["ok", "  "]), "tags[1]"), (json!(["x".repeat(31)]), "tags[0]")] {
        let refused = app.as_token(&token).execute(SET_TAGS, json!({ "id": second, "tags": tags })).await?;
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
    }
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let refused = app.as_token(&token).execute(SET_TAGS, json!({ "id": second, "tags": many })).await?;
    assert_eq!(refused.error_extension("field"), "tags[20]", "{}", refused.body);
    let still = app.as_token(&token).execute(TAGS, json!({ "id": second })).await?;
    assert_eq!(still.data()["ticket"]["tags"], json!(["refund", "退货"]));
    Ok(())
}
