//! The customer list: a filter tree (and / or / not over stars, stage, channels, tags, owner,
//! time and spend ranges, custom fields) turned into one SQL condition, sorted by a chosen key
//! with keyset pagination on `(key, id)`, so deep pages cost what the first one does.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use starcrm_shared::Permission;
use starcrm_shared::customer::{Channel, CustomFieldKind, CustomerSort, LifecycleStage};
use starcrm_shared::marketing::RfmGroup;
use starcrm_shared::surveys::SurveyKind;
use uuid::Uuid;

use super::profile;
use crate::auth::Scope;
use crate::entities::{channel_identity, custom_field, customer, customer_field_value, customer_tag};
use crate::error::AppError;

/// At most this many conditions in one filter tree (each becomes SQL).
pub const MAX_FILTER_NODES: usize = 50;

/// An inclusive range; either end may be open.
#[derive(Clone, Copy, Debug, Default)]
pub struct Range<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

/// A condition on a custom field, by key.
#[derive(Clone, Debug, Default)]
pub struct FieldCondition {
    pub key: String,
    /// Text, date or select fields: the value is one of these (any chosen one for multi-select).
    pub any_of: Option<Vec<String>>,
    /// Number fields.
    pub number: Option<Range<f64>>,
    /// Date fields (`YYYY-MM-DD`).
    pub date: Option<Range<String>>,
    pub boolean: Option<bool>,
    /// `true`: has a value; `false`: has none.
    pub is_set: Option<bool>,
}

/// A node of the filter tree; every set leaf must hold (AND), plus the combinators.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub and: Vec<Filter>,
    pub or: Vec<Filter>,
    pub not: Option<Box<Filter>>,
    /// Name contains, or code / phone / email equals.
    pub search: Option<String>,
    /// Has this phone (in any written form), exactly.
    pub phone: Option<String>,
    /// Has this email, exactly (case aside).
    pub email: Option<String>,
    pub stars: Option<Range<i16>>,
    /// Customers the star engine has not rated yet.
    pub unrated: Option<bool>,
    pub lifecycle_stages: Option<Vec<LifecycleStage>>,
    /// Has an identity on, or came from, any of these channels.
    pub channels: Option<Vec<Channel>>,
    pub tags_any: Option<Vec<String>>,
    pub tags_all: Option<Vec<String>>,
    pub owner_ids: Option<Vec<Uuid>>,
    pub unowned: Option<bool>,
    pub created_at: Option<Range<DateTime<Utc>>>,
    pub last_purchase_at: Option<Range<DateTime<Utc>>>,
    pub total_spend_minor: Option<Range<i64>>,
    pub order_count: Option<Range<i32>>,
    pub custom_fields: Vec<FieldCondition>,
    /// Whole days since the last purchase (never bought: no match).
    pub days_since_last_purchase: Option<Range<i32>>,
    /// Whole days since the last contact of any kind: a purchase, interaction, ticket or
    /// follow-up (never: no match).
    pub days_since_last_contact: Option<Range<i32>>,
    /// Spendable points (members without an account hold 0).
    pub points: Option<Range<i64>>,
    /// The customer's latest survey answer of this kind scored in the range.
    pub satisfaction: Option<Satisfaction>,
    /// In any of these RFM groups (customers who have not bought are in none).
    pub rfm_groups: Option<Vec<RfmGroup>>,
    /// A member of any of these segments (not allowed inside a segment's own filter).
    pub segment_ids: Option<Vec<Uuid>>,
}

/// A condition on the latest survey answer of a kind.
#[derive(Clone, Copy, Debug)]
pub struct Satisfaction {
    pub kind: SurveyKind,
    pub score: Range<i16>,
}

impl Filter {
    /// The conditions that must all hold, each as a filter of its own, with the name of the field
    /// it is about (`stars`, `customFields.vip`, `and[0]`): what a segment's reasons name.
    pub fn parts(&self) -> Vec<(String, Filter)> {
        let mut parts = Vec::new();
        let mut part = |key: &str, filter: Filter| parts.push((key.to_owned(), filter));
        let none = Filter::default;
        if let Some(v) = &self.search {
            part("search", Filter { search: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.phone {
            part("phone", Filter { phone: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.email {
            part("email", Filter { email: Some(v.clone()), ..none() });
        }
        if self.stars.is_some() {
            part("stars", Filter { stars: self.stars, ..none() });
        }
        if self.unrated.is_some() {
            part("unrated", Filter { unrated: self.unrated, ..none() });
        }
        if let Some(v) = &self.lifecycle_stages {
            part("lifecycleStages", Filter { lifecycle_stages: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.channels {
            part("channels", Filter { channels: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.tags_any {
            part("tagsAny", Filter { tags_any: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.tags_all {
            part("tagsAll", Filter { tags_all: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.owner_ids {
            part("ownerIds", Filter { owner_ids: Some(v.clone()), ..none() });
        }
        if self.unowned.is_some() {
            part("unowned", Filter { unowned: self.unowned, ..none() });
        }
        if let Some(v) = &self.created_at {
            part("createdAt", Filter { created_at: Some(*v), ..none() });
        }
        if let Some(v) = &self.last_purchase_at {
            part("lastPurchaseAt", Filter { last_purchase_at: Some(*v), ..none() });
        }
        if self.total_spend_minor.is_some() {
            part("totalSpend", Filter { total_spend_minor: self.total_spend_minor, ..none() });
        }
        if self.order_count.is_some() {
            part("orderCount", Filter { order_count: self.order_count, ..none() });
        }
        for c in &self.custom_fields {
            part(&format!("customFields.{}", c.key), Filter { custom_fields: vec![c.clone()], ..none() });
        }
        if self.days_since_last_purchase.is_some() {
            part(
                "daysSinceLastPurchase",
                Filter { days_since_last_purchase: self.days_since_last_purchase, ..none() },
            );
        }
        if self.days_since_last_contact.is_some() {
            part(
                "daysSinceLastContact",
                Filter { days_since_last_contact: self.days_since_last_contact, ..none() },
            );
        }
        if self.points.is_some() {
            part("points", Filter { points: self.points, ..none() });
        }
        if self.satisfaction.is_some() {
            part("satisfaction", Filter { satisfaction: self.satisfaction, ..none() });
        }
        if let Some(v) = &self.rfm_groups {
            part("rfmGroups", Filter { rfm_groups: Some(v.clone()), ..none() });
        }
        if let Some(v) = &self.segment_ids {
            part("segmentIds", Filter { segment_ids: Some(v.clone()), ..none() });
        }
        for (i, child) in self.and.iter().enumerate() {
            part(&format!("and[{i}]"), child.clone());
        }
        if !self.or.is_empty() {
            part("or", Filter { or: self.or.clone(), ..none() });
        }
        if let Some(not) = &self.not {
            part("not", Filter { not: Some(not.clone()), ..none() });
        }
        parts
    }

    /// Whether any node names a segment.
    pub fn uses_segments(&self) -> bool {
        self.segment_ids.is_some()
            || self.and.iter().chain(&self.or).any(Self::uses_segments)
            || self.not.as_ref().is_some_and(|n| n.uses_segments())
    }

    fn uses_custom_fields(&self) -> bool {
        !self.custom_fields.is_empty()
            || self.and.iter().chain(&self.or).any(Self::uses_custom_fields)
            || self.not.as_ref().is_some_and(|n| n.uses_custom_fields())
    }

    fn nodes(&self) -> usize {
        1 + self.and.iter().map(Self::nodes).sum::<usize>()
            + self.or.iter().map(Self::nodes).sum::<usize>()
            + self.not.as_ref().map_or(0, |n| n.nodes())
            + self.custom_fields.len()
    }
}

/// Sort key and direction.
#[derive(Clone, Copy, Debug)]
pub struct Sort {
    pub key: CustomerSort,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self { key: CustomerSort::Created, descending: true }
    }
}

/// Where a page starts: the sort value and id of the last row of the page before.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub key: Option<CursorValue>,
    pub id: Uuid,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum CursorValue {
    Int(i64),
    Text(String),
}

impl Cursor {
    pub fn encode(&self) -> String {
        crate::graphql::pagination::encode_key_cursor(self)
    }

    /// # Errors
    /// `BAD_USER_INPUT` on `after` for anything this server did not make.
    pub fn decode(value: &str) -> Result<Self, AppError> {
        crate::graphql::pagination::decode_key_cursor(value)
    }

    /// The cursor after `row` in `sort` order.
    pub fn after(row: &customer::Model, sort: Sort) -> Self {
        let key = match sort.key {
            CustomerSort::Created => None,
            CustomerSort::Name => Some(CursorValue::Text(row.name.clone())),
            CustomerSort::TotalSpend => Some(CursorValue::Int(row.total_spend_minor)),
            CustomerSort::LastPurchase => {
                row.last_purchase_at.map(|t| CursorValue::Int(t.timestamp_micros()))
            }
            CustomerSort::Stars => row.stars.map(|s| CursorValue::Int(i64::from(s))),
        };
        Self { key, id: row.id }
    }
}

/// A page of customers.
pub struct Page {
    pub rows: Vec<customer::Model>,
    pub has_next: bool,
    /// Counted only when asked for.
    pub total: Option<u64>,
}

/// What page of which customers, in what order.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    pub filter: Filter,
    pub sort: Sort,
    pub first: u32,
    pub after: Option<Cursor>,
    /// Deleted customers too (merged-away ones never).
    pub include_deleted: bool,
}

/// Lists the workspace's customers. Needs `customers:read`.
///
/// # Errors
/// `BAD_USER_INPUT` for a filter that is too big or names an unknown custom field.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    request: &ListRequest,
    with_total: bool,
) -> Result<Page, AppError> {
    let (query, base) = page_query(conn, scope, request).await?;
    let total =
        if with_total { Some(customer::Entity::find().filter(base).count(conn).await?) } else { None };
    let first = request.first as usize;
    let mut rows = query.all(conn).await?;
    let has_next = rows.len() > first;
    rows.truncate(first);
    Ok(Page { rows, has_next, total })
}

/// The SQL of a page (`first + 1` rows, to tell whether there is a next page) and the
/// condition without the cursor (for counting), built but not run. Needs `customers:read`.
///
/// # Errors
/// As [`list`].
pub async fn page_query(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    request: &ListRequest,
) -> Result<(Select<customer::Entity>, Condition), AppError> {
    scope.require(Permission::CustomersRead)?;
    let mut base = Condition::all()
        .add(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .add(customer::Column::MergedInto.is_null())
        .add(sql_condition(conn, scope.workspace_id, &request.filter, Utc::now()).await?);
    if !request.include_deleted {
        base = base.add(customer::Column::DeletedAt.is_null());
    }
    let sort = request.sort;
    let mut query = customer::Entity::find().filter(base.clone());
    if let Some(cursor) = &request.after {
        query = query.filter(keyset(sort, cursor)?);
    }
    let order = if sort.descending { Order::Desc } else { Order::Asc };
    query = match sort.key {
        CustomerSort::Created => query,
        CustomerSort::Name => query.order_by(customer::Column::Name, order.clone()),
        CustomerSort::TotalSpend => query.order_by(customer::Column::TotalSpendMinor, order.clone()),
        CustomerSort::LastPurchase => {
            query.order_by_with_nulls(customer::Column::LastPurchaseAt, order.clone(), NullOrdering::Last)
        }
        // Unrated customers last either way, as with dates never set.
        CustomerSort::Stars => {
            query.order_by_with_nulls(customer::Column::Stars, order.clone(), NullOrdering::Last)
        }
    };
    Ok((query.order_by(customer::Column::Id, order).limit(u64::from(request.first) + 1), base))
}

/// The SQL condition of `filter` in the workspace, with time-relative conditions counted back
/// from `now` (it says nothing of deleted or merged-away customers: callers add that). Checks the
/// filter's size and custom fields.
///
/// # Errors
/// `BAD_USER_INPUT` for a filter that is too big, names an unknown custom field or has a bad
/// value.
pub async fn sql_condition(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Condition, AppError> {
    if filter.nodes() > MAX_FILTER_NODES {
        return Err(AppError::bad_input("filter", format!("at most {MAX_FILTER_NODES} conditions")));
    }
    let fields = if filter.uses_custom_fields() {
        profile::definitions(conn, workspace_id).await?
    } else {
        Vec::new()
    };
    condition(filter, &Cx { workspace_id, fields: &fields, now })
}

/// What a filter's SQL depends on besides the filter.
struct Cx<'a> {
    workspace_id: Uuid,
    fields: &'a [custom_field::Model],
    now: DateTime<Utc>,
}

/// Rows after the cursor in sort order; `NULL` last-purchase dates sort last either way.
fn keyset(sort: Sort, cursor: &Cursor) -> Result<Condition, AppError> {
    let bad = || AppError::bad_input("after", "does not belong to this sort order");
    let id_after =
        if sort.descending { customer::Column::Id.lt(cursor.id) } else { customer::Column::Id.gt(cursor.id) };
    let past = |col: customer::Column, value: sea_orm::Value| {
        let (beyond, same) = (
            if sort.descending { Expr::col(col).lt(value.clone()) } else { Expr::col(col).gt(value.clone()) },
            Expr::col(col).eq(value),
        );
        Condition::any().add(beyond).add(Condition::all().add(same).add(id_after.clone()))
    };
    Ok(match (sort.key, &cursor.key) {
        (CustomerSort::Created, None) => Condition::all().add(id_after.clone()),
        (CustomerSort::Name, Some(CursorValue::Text(name))) => {
            past(customer::Column::Name, name.clone().into())
        }
        (CustomerSort::TotalSpend, Some(CursorValue::Int(spend))) => {
            past(customer::Column::TotalSpendMinor, (*spend).into())
        }
        (CustomerSort::LastPurchase, Some(CursorValue::Int(micros))) => {
            let at = DateTime::<Utc>::from_timestamp_micros(*micros).ok_or_else(bad)?;
            past(customer::Column::LastPurchaseAt, at.into()).add(customer::Column::LastPurchaseAt.is_null())
        }
        (CustomerSort::LastPurchase, None) => {
            Condition::all().add(customer::Column::LastPurchaseAt.is_null()).add(id_after.clone())
        }
        (CustomerSort::Stars, Some(CursorValue::Int(stars))) => {
            let stars = i16::try_from(*stars).map_err(|_| bad())?;
            past(customer::Column::Stars, stars.into()).add(customer::Column::Stars.is_null())
        }
        (CustomerSort::Stars, None) => {
            Condition::all().add(customer::Column::Stars.is_null()).add(id_after.clone())
        }
        _ => return Err(bad()),
    })
}

/// `col` in the range. Nullable columns also say `col IS NOT NULL`, so that the condition is
/// false (never SQL's unknown) for missing values and `not` gives the complement.
fn range<T: Into<sea_orm::Value> + Clone>(col: customer::Column, r: &Range<T>) -> Condition {
    let mut c = Condition::all().add(col.is_not_null());
    if let Some(min) = &r.min {
        c = c.add(col.gte(min.clone()));
    }
    if let Some(max) = &r.max {
        c = c.add(col.lte(max.clone()));
    }
    c
}

fn in_subquery(select: SelectStatement) -> Expr {
    Expr::col((customer::Entity, customer::Column::Id)).in_subquery(select)
}

fn ids_with<E: EntityTrait, C: ColumnTrait>(
    entity: E,
    customer_col: C,
    workspace_col: C,
    workspace_id: Uuid,
) -> SelectStatement {
    Query::select().column(customer_col).from(entity).and_where(workspace_col.eq(workspace_id)).to_owned()
}

/// Longest `search` text of a filter, as for `searchCustomers`.
const MAX_SEARCH_CHARS: usize = 200;

/// Customers of the workspace with this (normalised) phone.
fn has_phone(workspace_id: Uuid, phone: String) -> Expr {
    use crate::entities::customer_phone::{Column, Entity};
    in_subquery(
        ids_with(Entity, Column::CustomerId, Column::WorkspaceId, workspace_id)
            .and_where(Column::Phone.eq(phone))
            .to_owned(),
    )
}

/// Customers of the workspace with this (normalised) email.
fn has_email(workspace_id: Uuid, email: String) -> Expr {
    use crate::entities::customer_email::{Column, Entity};
    in_subquery(
        ids_with(Entity, Column::CustomerId, Column::WorkspaceId, workspace_id)
            .and_where(Column::Email.eq(email))
            .to_owned(),
    )
}

/// The SQL condition of a filter tree.
#[allow(clippy::too_many_lines, reason = "one arm per filter field")]
fn condition(filter: &Filter, cx: &Cx<'_>) -> Result<Condition, AppError> {
    let workspace_id = cx.workspace_id;
    let mut all = Condition::all();
    for child in &filter.and {
        all = all.add(condition(child, cx)?);
    }
    if !filter.or.is_empty() {
        let mut any = Condition::any();
        for child in &filter.or {
            any = any.add(condition(child, cx)?);
        }
        all = all.add(any);
    }
    if let Some(not) = &filter.not {
        all = all.add(condition(not, cx)?.not());
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(AppError::bad_input(
                "filter.search",
                format!("at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        // Matching a full phone number or email needs no `pii:read`: staff who already know a
        // number (a caller's) may find whose it is, as in `searchCustomers`; the answer still
        // shows it masked. Documented in the README (Customers, finding people).
        let mut any = Condition::any().add(crate::db::contains_text(customer::Column::Name, search));
        if let Some(number) = search.strip_prefix(['C', 'c']).and_then(|n| n.parse::<i64>().ok()) {
            any = any.add(customer::Column::Number.eq(number));
        }
        if let Ok(phone) = starcrm_shared::validate::phone(search) {
            any = any.add(has_phone(workspace_id, phone));
        }
        if let Ok(email) = starcrm_shared::validate::email(search) {
            any = any.add(has_email(workspace_id, email));
        }
        all = all.add(any);
    }
    if let Some(phone) = &filter.phone {
        let phone =
            starcrm_shared::validate::phone(phone).map_err(|r| AppError::invalid("filter.phone", r))?;
        all = all.add(has_phone(workspace_id, phone));
    }
    if let Some(email) = &filter.email {
        let email =
            starcrm_shared::validate::email(email).map_err(|r| AppError::invalid("filter.email", r))?;
        all = all.add(has_email(workspace_id, email));
    }
    if let Some(stars) = &filter.stars {
        all = all.add(range(customer::Column::Stars, stars));
    }
    if let Some(unrated) = filter.unrated {
        all = all.add(if unrated {
            customer::Column::Stars.is_null()
        } else {
            customer::Column::Stars.is_not_null()
        });
    }
    if let Some(stages) = &filter.lifecycle_stages {
        all = all.add(customer::Column::LifecycleStage.is_in(stages.iter().map(|s| s.as_str())));
    }
    if let Some(channels) = &filter.channels {
        let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
        let with_identity = ids_with(
            channel_identity::Entity,
            channel_identity::Column::CustomerId,
            channel_identity::Column::WorkspaceId,
            workspace_id,
        )
        .and_where(channel_identity::Column::Channel.is_in(names.clone()))
        .to_owned();
        all = all.add(
            Condition::any()
                .add(
                    Condition::all()
                        .add(customer::Column::SourceChannel.is_not_null())
                        .add(customer::Column::SourceChannel.is_in(names)),
                )
                .add(in_subquery(with_identity)),
        );
    }
    let tagged = |tags: Vec<String>| {
        in_subquery(
            ids_with(
                customer_tag::Entity,
                customer_tag::Column::CustomerId,
                customer_tag::Column::WorkspaceId,
                workspace_id,
            )
            .and_where(customer_tag::Column::Tag.is_in(tags))
            .to_owned(),
        )
    };
    if let Some(tags) = &filter.tags_any {
        all = all.add(tagged(tags.clone()));
    }
    if let Some(tags) = &filter.tags_all {
        for tag in tags {
            all = all.add(tagged(vec![tag.clone()]));
        }
    }
    if let Some(owners) = &filter.owner_ids {
        all = all.add(
            Condition::all()
                .add(customer::Column::OwnerId.is_not_null())
                .add(customer::Column::OwnerId.is_in(owners.iter().copied())),
        );
    }
    if let Some(unowned) = filter.unowned {
        all = all.add(if unowned {
            customer::Column::OwnerId.is_null()
        } else {
            customer::Column::OwnerId.is_not_null()
        });
    }
    if let Some(created) = &filter.created_at {
        all = all.add(range(customer::Column::CreatedAt, created));
    }
    if let Some(last) = &filter.last_purchase_at {
        all = all.add(range(customer::Column::LastPurchaseAt, last));
    }
    if let Some(spend) = &filter.total_spend_minor {
        all = all.add(range(customer::Column::TotalSpendMinor, spend));
    }
    if let Some(orders) = &filter.order_count {
        all = all.add(range(customer::Column::OrderCount, orders));
    }
    for (i, cond) in filter.custom_fields.iter().enumerate() {
        all = all.add(field_condition(cond, i, cx.fields)?);
    }
    all = all.add(activity_condition(filter, cx)?);
    Ok(all)
}

/// The days-since, points, satisfaction, RFM and segment conditions of one filter node.
fn activity_condition(filter: &Filter, cx: &Cx<'_>) -> Result<Condition, AppError> {
    let mut all = Condition::all();
    let days_ago = |days: i32, field: &str| -> Result<DateTime<Utc>, AppError> {
        if !(0..=36_600).contains(&days) {
            return Err(AppError::bad_input(field, "must be between 0 and 36600 days"));
        }
        Ok(cx.now - chrono::Duration::days(i64::from(days)))
    };
    for (days, column, field) in [
        (&filter.days_since_last_purchase, customer::Column::LastPurchaseAt, "filter.daysSinceLastPurchase"),
        (&filter.days_since_last_contact, customer::Column::LastActivityAt, "filter.daysSinceLastContact"),
    ] {
        if let Some(days) = days {
            // At least `min` days ago is at or before now - min; at most `max` days ago is at
            // or after now - max.
            let at = Range {
                min: days.max.map(|d| days_ago(d, field)).transpose()?,
                max: days.min.map(|d| days_ago(d, field)).transpose()?,
            };
            all = all.add(range(column, &at));
        }
    }
    if let Some(points) = &filter.points {
        use crate::entities::point_account::{Column, Entity};
        let balance = Expr::col(Column::Held).sub(Expr::col(Column::Debt));
        let mut held = ids_with(Entity, Column::CustomerId, Column::WorkspaceId, cx.workspace_id);
        if let Some(min) = points.min {
            held.and_where(balance.clone().gte(min));
        }
        if let Some(max) = points.max {
            held.and_where(balance.lte(max));
        }
        let mut any = Condition::any().add(in_subquery(held));
        if points.min.is_none_or(|m| m <= 0) && points.max.is_none_or(|m| m >= 0) {
            // No account is a balance of 0 (NOT EXISTS: a NOT IN list of every account would be
            // compared row by row once it outgrows PostgreSQL's work_mem).
            let account = Query::select()
                .expr(Expr::val(1))
                .from(Entity)
                .and_where(
                    Expr::col((Entity, Column::CustomerId)).equals((customer::Entity, customer::Column::Id)),
                )
                .to_owned();
            any = any.add(Expr::exists(account).not());
        }
        all = all.add(any);
    }
    if let Some(sat) = &filter.satisfaction {
        use crate::entities::survey_response::{Column, Entity};
        let (low, high) = sat.kind.range();
        let min = sat.score.min.unwrap_or(i16::from(low));
        let max = sat.score.max.unwrap_or(i16::from(high));
        let (r, l) = (sea_orm::sea_query::Alias::new("r"), sea_orm::sea_query::Alias::new("l"));
        // The latest answer of the kind: none later than it (ties broken by id).
        let later = Query::select()
            .expr(Expr::val(1))
            .from_as(Entity, l.clone())
            .and_where(Expr::col((l.clone(), Column::CustomerId)).equals((r.clone(), Column::CustomerId)))
            .and_where(Expr::col((l.clone(), Column::Kind)).equals((r.clone(), Column::Kind)))
            .cond_where(
                Condition::any()
                    .add(
                        Expr::col((l.clone(), Column::AnsweredAt))
                            .gt(Expr::col((r.clone(), Column::AnsweredAt))),
                    )
                    .add(
                        Condition::all()
                            .add(
                                Expr::col((l.clone(), Column::AnsweredAt))
                                    .eq(Expr::col((r.clone(), Column::AnsweredAt))),
                            )
                            .add(Expr::col((l, Column::Id)).gt(Expr::col((r.clone(), Column::Id)))),
                    ),
            )
            .to_owned();
        let latest = Query::select()
            .column((r.clone(), Column::CustomerId))
            .from_as(Entity, r.clone())
            .and_where(Expr::col((r.clone(), Column::WorkspaceId)).eq(cx.workspace_id))
            .and_where(Expr::col((r.clone(), Column::Kind)).eq(sat.kind.as_str()))
            .and_where(Expr::col((r, Column::Score)).between(min, max))
            .and_where(Expr::exists(later).not())
            .to_owned();
        all = all.add(in_subquery(latest));
    }
    if let Some(groups) = &filter.rfm_groups {
        use crate::entities::customer_rfm::{Column, Entity};
        all = all.add(in_subquery(
            ids_with(Entity, Column::CustomerId, Column::WorkspaceId, cx.workspace_id)
                .and_where(Column::RfmGroup.is_in(groups.iter().map(|g| g.as_str())))
                .to_owned(),
        ));
    }
    if let Some(segments) = &filter.segment_ids {
        use crate::entities::segment_member::{Column, Entity};
        all = all.add(in_subquery(
            ids_with(Entity, Column::CustomerId, Column::WorkspaceId, cx.workspace_id)
                .and_where(Column::SegmentId.is_in(segments.iter().copied()))
                .to_owned(),
        ));
    }
    Ok(all)
}

fn field_condition(
    cond: &FieldCondition,
    i: usize,
    fields: &[custom_field::Model],
) -> Result<Condition, AppError> {
    use customer_field_value::Column as V;
    let path = format!("filter.customFields[{i}]");
    let field = fields.iter().find(|f| f.key == cond.key).ok_or_else(|| {
        AppError::bad_input(format!("{path}.key"), "is not a custom field of this workspace")
    })?;
    let kind = CustomFieldKind::parse(&field.kind);
    let values = || {
        Query::select()
            .column(V::CustomerId)
            .from(customer_field_value::Entity)
            .and_where(V::FieldId.eq(field.id))
            .to_owned()
    };
    let mut all = Condition::all();
    if let Some(set) = cond.is_set {
        let has = in_subquery(values());
        all = all.add(if set { Condition::all().add(has) } else { Condition::all().add(has).not() });
    }
    if let Some(any_of) = &cond.any_of {
        if !matches!(
            kind,
            Some(
                CustomFieldKind::Text
                    | CustomFieldKind::Date
                    | CustomFieldKind::SingleSelect
                    | CustomFieldKind::MultiSelect
            )
        ) {
            return Err(AppError::bad_input(
                format!("{path}.anyOf"),
                "applies to text, date and select fields",
            ));
        }
        all = all.add(in_subquery(values().and_where(V::ValueText.is_in(any_of.clone())).to_owned()));
    }
    if let Some(number) = &cond.number {
        if kind != Some(CustomFieldKind::Number) {
            return Err(AppError::bad_input(format!("{path}.number"), "applies to number fields"));
        }
        let mut q = values();
        if let Some(min) = number.min {
            q.and_where(V::ValueNumber.gte(min));
        }
        if let Some(max) = number.max {
            q.and_where(V::ValueNumber.lte(max));
        }
        all = all.add(in_subquery(q));
    }
    if let Some(date) = &cond.date {
        if kind != Some(CustomFieldKind::Date) {
            return Err(AppError::bad_input(format!("{path}.date"), "applies to date fields"));
        }
        let mut q = values();
        if let Some(min) = &date.min {
            q.and_where(V::ValueText.gte(min.clone()));
        }
        if let Some(max) = &date.max {
            q.and_where(V::ValueText.lte(max.clone()));
        }
        all = all.add(in_subquery(q));
    }
    if let Some(boolean) = cond.boolean {
        if kind != Some(CustomFieldKind::Boolean) {
            return Err(AppError::bad_input(format!("{path}.boolean"), "applies to boolean fields"));
        }
        all = all.add(in_subquery(values().and_where(V::ValueBool.eq(boolean)).to_owned()));
    }
    Ok(all)
}
