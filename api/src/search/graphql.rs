//! `searchCustomers`: the index finds ids within the caller's workspace; what a hit shows is read
//! from the database (so a stale index never shows stale or foreign data) and highlighted here.
//! Phones and emails in highlights are masked like everywhere else; revealing them stays on the
//! customer's profile, where it needs `pii:read` and is audited.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use starcrm_shared::customer::{LifecycleStage, customer_code};
use starcrm_shared::search::{ParsedQuery, SearchField, highlight, merge_ranges, parse_query, phone_digits};
use starcrm_shared::{Permission, mask};
use uuid::Uuid;

use super::sync::{Search, index_error};
use super::{SearchQuery, SearchResults};
use crate::auth::ContextExt;
use crate::customers::graphql::types::Customer;
use crate::entities::{channel_identity, customer, customer_email, customer_phone, customer_tag};
use crate::error::AppError;
use crate::users::graphql::parse_id;

/// The longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// The most hits one search returns.
const MAX_FIRST: i32 = 50;
/// How deep paging goes: `offset + first` at most this many matches (Meilisearch's default
/// `maxTotalHits`, so both backends page alike). Past it, staff should narrow the search.
const MAX_WINDOW: i32 = 1000;

/// Narrows a search.
#[derive(InputObject, Default)]
pub struct CustomerSearchFilter {
    /// Any of these star counts (0: not rated yet).
    #[graphql(default)]
    pub stars: Vec<i32>,
    /// Any of these lifecycle stages.
    #[graphql(default)]
    pub stages: Vec<LifecycleStage>,
    /// Customers of this owner.
    pub owner_id: Option<ID>,
    /// Customers with every one of these tags.
    #[graphql(default)]
    pub tags: Vec<String>,
}

/// A stretch of a highlighted value: matched by the query or not.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct HighlightPart {
    pub text: String,
    pub matched: bool,
}

/// A value of a hit with the stretches the query matched. Phones and emails are masked.
#[derive(SimpleObject, Clone, Debug)]
pub struct SearchHighlight {
    pub field: SearchField,
    pub parts: Vec<HighlightPart>,
}

/// One customer found.
#[derive(SimpleObject)]
pub struct CustomerSearchHit {
    pub customer: Customer,
    /// The name first (always), then every other value the query matched.
    pub highlights: Vec<SearchHighlight>,
}

/// How many matches have a star count (0: not rated yet).
#[derive(SimpleObject)]
pub struct StarsFacet {
    pub stars: i32,
    pub count: u64,
}

/// How many matches are in a lifecycle stage.
#[derive(SimpleObject)]
pub struct StageFacet {
    pub stage: LifecycleStage,
    pub count: u64,
}

/// The best matches and how all matches spread.
#[derive(SimpleObject)]
pub struct CustomerSearchResult {
    pub hits: Vec<CustomerSearchHit>,
    /// All matches, not only the hits returned.
    pub total: u64,
    pub by_stars: Vec<StarsFacet>,
    pub by_stage: Vec<StageFacet>,
}

#[derive(Default)]
pub struct SearchQueryRoot;

#[Object]
impl SearchQueryRoot {
    /// Finds customers of the workspace by name (Chinese or Latin, pinyin, initials, with typos),
    /// phone or its last digits, email, member or order id from any channel, company, tag or
    /// code; best first. An empty query lists customers matching the filter. `first` hits (1-50)
    /// from `offset` on (the next page starts at the number of hits already shown; `offset +
    /// first` is at most 1000). Needs `customers:read`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn search_customers(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<CustomerSearchFilter>,
        first: Option<i32>,
        #[graphql(default)] offset: i32,
    ) -> async_graphql::Result<CustomerSearchResult> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let page = Page::new(first, offset)?;
        let request = validate(scope.workspace_id, &query, filter.unwrap_or_default(), page)?;
        let search = ctx.data::<Arc<Search>>().map_err(|_| internal("search missing from the context"))?;
        let found = search.index.search(&request).await.map_err(|e| index_error(e).extend())?;
        let db = ctx.db()?;
        let parsed = parse_query(&request.text);
        // The hits' rows and their contacts, ids and tags are read at once.
        let (customers, mut extras) =
            tokio::try_join!(load(db, scope.workspace_id, &found.ids), Extras::load(db, &found.ids))
                .map_err(|e| e.extend())?;
        let hits = customers
            .into_iter()
            .map(|c| {
                let highlights = highlights(&c, &mut extras, &parsed);
                CustomerSearchHit { customer: Customer(c), highlights }
            })
            .collect();
        Ok(result(hits, found))
    }
}

fn internal(message: &str) -> async_graphql::Error {
    AppError::internal(anyhow::anyhow!("{message}")).extend()
}

/// Which hits of the ranking to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Page {
    first: usize,
    offset: usize,
}

impl Page {
    /// `first` (default 20) within 1-50, `offset` from 0 with `offset + first` within the window.
    fn new(first: Option<i32>, offset: i32) -> async_graphql::Result<Self> {
        let first = first.unwrap_or(20);
        if !(1..=MAX_FIRST).contains(&first) {
            return Err(AppError::bad_input("first", format!("must be between 1 and {MAX_FIRST}")).extend());
        }
        if offset < 0 || offset > MAX_WINDOW - first {
            return Err(AppError::bad_input(
                "offset",
                format!("must be 0 or more, with offset + first at most {MAX_WINDOW}"),
            )
            .extend());
        }
        // Both are within 0-1000 here, so the conversions cannot fail.
        Ok(Self { first: usize::try_from(first).unwrap_or(20), offset: usize::try_from(offset).unwrap_or(0) })
    }
}

fn validate(
    workspace_id: Uuid,
    text: &str,
    filter: CustomerSearchFilter,
    page: Page,
) -> async_graphql::Result<SearchQuery> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(
            AppError::bad_input("query", format!("is longer than {MAX_QUERY_CHARS} characters")).extend()
        );
    }
    let mut stars = Vec::with_capacity(filter.stars.len());
    for s in filter.stars {
        match i16::try_from(s) {
            Ok(s @ 0..=5) => stars.push(s),
            _ => return Err(AppError::bad_input("filter.stars", "must be between 0 and 5").extend()),
        }
    }
    let owner_id = filter.owner_id.as_ref().map(|id| parse_id(id, "filter.ownerId")).transpose()?;
    if filter.tags.iter().any(|t| t.trim().is_empty() || t.chars().count() > 50) {
        return Err(AppError::bad_input("filter.tags", "tags are 1 to 50 characters").extend());
    }
    Ok(SearchQuery {
        workspace_id,
        text: text.trim().to_owned(),
        stars,
        stages: filter.stages.iter().map(|s| s.as_str().to_owned()).collect(),
        owner_id,
        tags: filter.tags.iter().map(|t| t.trim().to_owned()).collect(),
        limit: page.first,
        offset: page.offset,
    })
}

/// The live customers of these ids in the workspace, in the index's order.
async fn load(
    db: &sea_orm::DatabaseConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<customer::Model>, AppError> {
    let mut rows: HashMap<Uuid, customer::Model> = customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids.to_vec()))
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// Phones, emails, channel ids and tags of the hits.
#[derive(Default)]
struct Extras {
    phones: HashMap<Uuid, Vec<String>>,
    emails: HashMap<Uuid, Vec<String>>,
    external: HashMap<Uuid, Vec<String>>,
    tags: HashMap<Uuid, Vec<String>>,
}

impl Extras {
    async fn load(db: &sea_orm::DatabaseConnection, ids: &[Uuid]) -> Result<Self, AppError> {
        let (phones, emails, external, tags) = tokio::try_join!(
            customer_phone::Entity::find()
                .filter(customer_phone::Column::CustomerId.is_in(ids.to_vec()))
                .all(db),
            customer_email::Entity::find()
                .filter(customer_email::Column::CustomerId.is_in(ids.to_vec()))
                .all(db),
            channel_identity::Entity::find()
                .filter(channel_identity::Column::CustomerId.is_in(ids.to_vec()))
                .all(db),
            customer_tag::Entity::find().filter(customer_tag::Column::CustomerId.is_in(ids.to_vec())).all(db),
        )?;
        let mut out = Self::default();
        for p in phones {
            out.phones.entry(p.customer_id).or_default().push(p.phone);
        }
        for e in emails {
            out.emails.entry(e.customer_id).or_default().push(e.email);
        }
        for i in external {
            out.external.entry(i.customer_id).or_default().push(i.external_id);
        }
        for t in tags {
            out.tags.entry(t.customer_id).or_default().push(t.tag);
        }
        Ok(out)
    }
}

fn highlights(c: &customer::Model, extras: &mut Extras, query: &ParsedQuery) -> Vec<SearchHighlight> {
    let mut name = highlight(&c.name, query);
    name.extend(super::document::pinyin_ranges(&c.name, query));
    let name = merge_ranges(name);
    let mut out = vec![SearchHighlight { field: SearchField::Name, parts: parts(&c.name, &name) }];
    let mut add = |field: SearchField, value: &str, ranges: Vec<(usize, usize)>| {
        if !ranges.is_empty() {
            out.push(SearchHighlight { field, parts: parts(value, &ranges) });
        }
    };
    let code = customer_code(c.number);
    add(SearchField::Code, &code, highlight(&code, query));
    for phone in extras.phones.remove(&c.id).unwrap_or_default() {
        if let Some((masked, ranges)) = masked_phone(&phone, query) {
            add(SearchField::Phone, &masked, ranges);
        }
    }
    for email in extras.emails.remove(&c.id).unwrap_or_default() {
        // Matched on the full address, shown masked.
        if !highlight(&email, query).is_empty() {
            let masked = mask::email(&email);
            let mut ranges = highlight(&masked, query);
            if ranges.is_empty() {
                ranges.push((0, masked.len()));
            }
            add(SearchField::Email, &masked, ranges);
        }
    }
    for id in extras.external.remove(&c.id).unwrap_or_default() {
        add(SearchField::ExternalId, &id, highlight(&id, query));
    }
    if let Some(company) = &c.company {
        add(SearchField::Company, company, highlight(company, query));
    }
    for tag in extras.tags.remove(&c.id).unwrap_or_default() {
        add(SearchField::Tag, &tag, highlight(&tag, query));
    }
    out
}

/// A phone masked (`138****5678`) with the digits the query matched marked, or `None` when the
/// query matches none of it. Matches are found on the national digits, against the query as the
/// index reads it (pieces joined, country code dropped), and carried over when the masked form
/// keeps every digit's place; otherwise (`+44 20 7946 0958` is `+442*****0958`) the whole masked
/// value is marked, so a hit found by its phone always says so.
fn masked_phone(phone: &str, query: &ParsedQuery) -> Option<(String, Vec<(usize, usize)>)> {
    let digits = phone_digits(phone);
    let ranges = highlight(&digits, query);
    if ranges.is_empty() {
        return None;
    }
    let masked = mask::phone(phone);
    let ranges = if masked.len() == digits.len() { ranges } else { vec![(0, masked.len())] };
    Some((masked, ranges))
}

/// Splits `value` at the byte ranges (sorted, merged, on char boundaries) into parts.
fn parts(value: &str, ranges: &[(usize, usize)]) -> Vec<HighlightPart> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in ranges {
        let (Some(before), Some(matched)) = (value.get(at..start), value.get(start..end)) else { continue };
        if !before.is_empty() {
            out.push(HighlightPart { text: before.to_owned(), matched: false });
        }
        out.push(HighlightPart { text: matched.to_owned(), matched: true });
        at = end;
    }
    if let Some(rest) = value.get(at..).filter(|r| !r.is_empty()) {
        out.push(HighlightPart { text: rest.to_owned(), matched: false });
    }
    out
}

fn result(hits: Vec<CustomerSearchHit>, found: SearchResults) -> CustomerSearchResult {
    CustomerSearchResult {
        hits,
        total: found.total,
        by_stars: found
            .by_stars
            .into_iter()
            .map(|(stars, count)| StarsFacet { stars: i32::from(stars), count })
            .collect(),
        by_stage: found
            .by_stage
            .into_iter()
            .filter_map(|(stage, count)| {
                LifecycleStage::parse(&stage).map(|stage| StageFacet { stage, count })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use starcrm_shared::search::parse_query;

    use super::{HighlightPart, Page, masked_phone, parts};

    fn part(text: &str, matched: bool) -> HighlightPart {
        HighlightPart { text: text.to_owned(), matched }
    }

    #[test]
    fn parts_split_at_the_matches() {
        assert_eq!(parts("王小明", &[(3, 6)]), [part("王", false), part("小", true), part("明", false)]);
        assert_eq!(parts("abc", &[]), [part("abc", false)]);
        assert_eq!(parts("abc", &[(0, 3)]), [part("abc", true)]);
    }

    /// The masked phone split into its marked and unmarked parts, if the query matches it.
    fn phone_parts(phone: &str, query: &str) -> Option<Vec<HighlightPart>> {
        masked_phone(phone, &parse_query(query)).map(|(masked, ranges)| parts(&masked, &ranges))
    }

    #[test]
    fn a_phone_stays_masked_with_the_matched_digits_marked() {
        assert_eq!(
            phone_parts("+86 138 1234 5678", "5678"),
            Some(vec![part("138****", false), part("5678", true)])
        );
        // The full number matches the masked middle too, and reveals nothing.
        assert_eq!(phone_parts("13812345678", "13812345678"), Some(vec![part("138****5678", true)]));
        assert_eq!(phone_parts("13812345678", "9999"), None);
    }

    #[test]
    fn a_phone_found_in_another_form_is_still_marked() {
        let whole = Some(vec![part("138****5678", true)]);
        for typed in ["8613812345678", "+86 138 1234 5678", "0086 138-1234-5678", "(138) 1234 5678"] {
            assert_eq!(phone_parts("+86 138 1234 5678", typed), whole, "{typed:?}");
        }
        // A masked form that moves the digits is marked whole.
        assert_eq!(phone_parts("+44 20 7946 0958", "442079460958"), Some(vec![part("+442*****0958", true)]));
    }

    #[test]
    fn paging_stays_within_the_window() {
        assert_eq!(Page::new(None, 0).ok(), Some(Page { first: 20, offset: 0 }));
        assert_eq!(Page::new(Some(50), 950).ok(), Some(Page { first: 50, offset: 950 }));
        assert!(Page::new(Some(50), 951).is_err());
        assert!(Page::new(Some(10), -1).is_err());
        assert!(Page::new(Some(0), 0).is_err());
    }
}
