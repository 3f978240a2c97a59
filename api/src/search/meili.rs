//! The Meilisearch backend (used when `MEILI_URL` is set): one index (`MEILI_INDEX`, default
//! `customers`) holds every workspace's customers, and every search filters by the caller's
//! workspace.
//!
//! Chinese text is sent as single characters (`王 小 明`), in documents and queries alike, so a
//! part of a name matches whatever Meilisearch's word segmentation would make of it, and the
//! `proximity` rule ranks the characters typed together first; the name fields are still marked
//! Chinese (`localizedAttributes`). Phones, emails, ids and codes take no typos; names, company
//! and tags take one from 4 letters and two from 8, as in the embedded index.
//!
//! Settings are applied at the first use (and again after a failure), so a server starts while
//! Meilisearch is down and catches up through the outbox when it returns. Every write waits for its
//! task to finish (bounded), so the outbox forgets a change only once the index has it.

use std::time::Duration;

use futures_util::AsyncReadExt;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::{DocumentDeletionQuery, DocumentsQuery, DocumentsResults};
use meilisearch_sdk::errors::Error as MeiliError;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::request::{HttpClient, Method, parse_response};
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{LocalizedAttributes, MinWordSizeForTypos, Settings, TypoToleranceSettings};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use starcrm_shared::search::{QueryPart, is_cjk, parse_query};
use uuid::Uuid;

use super::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults};

/// Searchable attributes, in ranking order (the `attribute` rule prefers earlier ones).
const SEARCHABLE: &[&str] =
    &["name", "pinyin", "code", "phones", "phone_suffixes", "emails", "external_ids", "company", "tags"];
/// Attributes matched only as typed: a typo in a phone or an id finds someone else.
const EXACT: &[&str] = &["code", "phones", "phone_suffixes", "emails", "external_ids"];
const FILTERABLE: &[&str] = &["workspace_id", "stars", "lifecycle_stage", "owner_id", "tag_values"];
const SORTABLE: &[&str] = &["stars", "updated_at"];
/// How long a write waits for Meilisearch to finish its task.
const TASK_TIMEOUT: Duration = Duration::from_secs(60);
/// How long applying the settings may take (Meilisearch re-indexes when they change).
const SETTINGS_TIMEOUT: Duration = Duration::from_secs(600);
/// Documents per request.
const BATCH: usize = 5000;

/// Where the index is and how to reach it.
#[derive(Clone, Debug)]
pub struct MeiliConfig {
    pub url: String,
    pub key: Option<String>,
    pub index: String,
}

impl MeiliConfig {
    /// `MEILI_URL`, `MEILI_KEY` and `MEILI_INDEX`; `None` when no (non-blank) URL is set.
    pub fn from_settings(settings: &crate::config::Settings) -> Option<Self> {
        let url = settings.meili_url.as_deref().map(str::trim).filter(|u| !u.is_empty())?;
        Some(Self {
            url: url.to_owned(),
            key: settings.meili_key.clone().filter(|k| !k.is_empty()),
            index: settings.meili_index.clone(),
        })
    }
}

/// The HTTP client the SDK talks through: the server's own reqwest, with timeouts. It sends the
/// key (never shown by `Debug`).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    key: Option<String>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").field("key", &self.key.as_ref().map(|_| "***")).finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl HttpClient for Http {
    async fn stream_request<
        Query: Serialize + Send + Sync,
        Body: futures_util::io::AsyncRead + Send + Sync + 'static,
        Output: DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Query, Body>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, MeiliError> {
        let url = format!("{url}{}", yaup::to_string(method.query())?);
        let verb = match &method {
            Method::Get { .. } => reqwest::Method::GET,
            Method::Post { .. } => reqwest::Method::POST,
            Method::Patch { .. } => reqwest::Method::PATCH,
            Method::Put { .. } => reqwest::Method::PUT,
            Method::Delete { .. } => reqwest::Method::DELETE,
        };
        let mut request = self.client.request(verb, &url);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = method.into_body() {
            let mut bytes = Vec::new();
            std::pin::pin!(body).read_to_end(&mut bytes).await.map_err(|e| MeiliError::Other(Box::new(e)))?;
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().await.map_err(|e| MeiliError::Other(Box::new(e)))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| MeiliError::Other(Box::new(e)))?;
        parse_response(status, expected_status_code, if text.is_empty() { "null" } else { &text }, url)
    }
}

/// What Meilisearch holds of one customer.
#[derive(Serialize)]
struct MeiliDoc<'a> {
    id: Uuid,
    workspace_id: Uuid,
    code: &'a str,
    name: String,
    pinyin: &'a [String],
    phones: &'a [String],
    phone_suffixes: &'a [String],
    emails: &'a [String],
    external_ids: &'a [String],
    company: Option<String>,
    /// Searchable (Chinese spaced out).
    tags: Vec<String>,
    /// As given, for filters.
    tag_values: &'a [String],
    /// 0 for customers not rated yet.
    stars: i16,
    lifecycle_stage: &'a str,
    owner_id: Option<Uuid>,
    /// Unix seconds.
    updated_at: i64,
}

impl<'a> From<&'a SearchDoc> for MeiliDoc<'a> {
    fn from(d: &'a SearchDoc) -> Self {
        Self {
            id: d.id,
            workspace_id: d.workspace_id,
            code: &d.code,
            name: spaced(&d.name),
            pinyin: &d.pinyin,
            phones: &d.phones,
            phone_suffixes: &d.phone_suffixes,
            emails: &d.emails,
            external_ids: &d.external_ids,
            company: d.company.as_deref().map(spaced),
            tags: d.tags.iter().map(|t| spaced(t)).collect(),
            tag_values: &d.tags,
            stars: d.stars.unwrap_or(0),
            lifecycle_stage: &d.lifecycle_stage,
            owner_id: d.owner_id,
            updated_at: d.updated_at.timestamp(),
        }
    }
}

#[derive(Deserialize)]
struct Hit {
    id: Uuid,
}

/// Chinese characters one by one (`王小明` -> `王 小 明`), everything else as it is.
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What was typed, as Meilisearch should read it: the parts `shared::search::parse_query` gives
/// (as the embedded index reads them), phones as their national digits, Chinese spaced out, and
/// none of Meilisearch's operators (`"phrase"`, `-word`) taken from staff input. A typed `ü` is
/// left alone: Meilisearch reads it as `u`, one of the two spellings pinyin is indexed under, and
/// a Latin name (`Müller`) still matches. Syllables typed apart are left apart: Meilisearch tries neighbouring
/// words joined (up to three) itself, so `wang xiao ming` matches `wangxiaoming` as a phrase.
fn query_text(text: &str) -> String {
    let mut words = Vec::new();
    for part in parse_query(text).parts {
        match part {
            QueryPart::Phone { digits, .. } => words.push(digits),
            QueryPart::Text(piece) => {
                for word in spaced(&piece).split_whitespace() {
                    let word = word.trim_start_matches('-');
                    if !word.is_empty() {
                        words.push(word.to_owned());
                    }
                }
            }
        }
    }
    words.join(" ")
}

/// A filter value, quoted.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn workspace_filter(workspace_id: Uuid) -> String {
    format!("workspace_id = {}", quoted(&workspace_id.to_string()))
}

fn filter(q: &SearchQuery) -> String {
    let mut parts = vec![workspace_filter(q.workspace_id)];
    if !q.stars.is_empty() {
        let list: Vec<String> = q.stars.iter().map(ToString::to_string).collect();
        parts.push(format!("stars IN [{}]", list.join(", ")));
    }
    if !q.stages.is_empty() {
        let list: Vec<String> = q.stages.iter().map(|s| quoted(s)).collect();
        parts.push(format!("lifecycle_stage IN [{}]", list.join(", ")));
    }
    if let Some(owner) = q.owner_id {
        parts.push(format!("owner_id = {}", quoted(&owner.to_string())));
    }
    for tag in &q.tags {
        parts.push(format!("tag_values = {}", quoted(tag)));
    }
    parts.join(" AND ")
}

/// The index settings this code expects; applying them again changes nothing.
fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(SEARCHABLE)
        .with_filterable_attributes(FILTERABLE)
        .with_sortable_attributes(SORTABLE)
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(EXACT.iter().map(|s| (*s).to_owned()).collect()),
            disable_on_words: Some(Vec::new()),
            min_word_size_for_typos: Some(MinWordSizeForTypos { one_typo: Some(4), two_typos: Some(8) }),
            disable_on_numbers: Some(true),
        })
        .with_localized_attributes([LocalizedAttributes {
            locales: vec!["cmn".into()],
            attribute_patterns: vec!["name".into(), "company".into(), "tags".into()],
        }])
}

fn failure(err: MeiliError) -> SearchError {
    match err {
        MeiliError::Meilisearch(e) => SearchError::Internal(format!("meilisearch: {e}")),
        MeiliError::Timeout => SearchError::Unavailable("meilisearch did not finish a task in time".into()),
        other => SearchError::Unavailable(format!("meilisearch: {other}")),
    }
}

/// The Meilisearch index of customers.
#[derive(Clone)]
pub struct MeiliIndex {
    client: Client<Http>,
    index: Index<Http>,
    url: String,
    /// Set once the index exists with our settings.
    ready: std::sync::Arc<tokio::sync::OnceCell<()>>,
}

impl std::fmt::Debug for MeiliIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeiliIndex")
            .field("url", &self.url)
            .field("index", &self.index.uid)
            .finish_non_exhaustive()
    }
}

impl MeiliIndex {
    /// A client for the index; nothing is sent until the first use.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(config: &MeiliConfig) -> Result<Self, SearchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| SearchError::Internal(e.to_string()))?;
        let url = config.url.trim_end_matches('/').to_owned();
        // The key travels in `Http` only, so it is never kept (or printed) twice.
        let http = Http { client, key: config.key.clone() };
        let client = Client::new_with_client(url.clone(), None::<String>, http);
        let index = client.index(config.index.clone());
        Ok(Self { client, index, url, ready: std::sync::Arc::default() })
    }

    /// Waits for a task, polling with a growing interval; a failed task is an error.
    async fn wait(&self, task: TaskInfo, timeout: Duration) -> Result<(), SearchError> {
        let started = tokio::time::Instant::now();
        let mut interval = Duration::from_millis(5);
        loop {
            match self.client.get_task(&task).await.map_err(failure)? {
                Task::Succeeded { .. } => return Ok(()),
                Task::Failed { content } => {
                    return Err(SearchError::Internal(format!(
                        "meilisearch task {} failed: {}",
                        content.task.uid, content.error
                    )));
                }
                Task::Enqueued { .. } | Task::Processing { .. } => {}
            }
            if started.elapsed() > timeout {
                return Err(SearchError::Unavailable(format!(
                    "meilisearch task {} not done after {} s",
                    task.task_uid,
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(Duration::from_millis(250));
        }
    }

    /// Creates the index if needed and applies the settings (once per process, retried after a
    /// failure).
    async fn ready(&self) -> Result<&Index<Http>, SearchError> {
        self.ready
            .get_or_try_init(|| async {
                let created = self.client.create_index(&self.index.uid, Some("id")).await.map_err(failure)?;
                // An index that exists already makes this task fail: that is fine.
                let _ = self.wait(created, TASK_TIMEOUT).await;
                let task = self.index.set_settings(&settings()).await.map_err(failure)?;
                self.wait(task, SETTINGS_TIMEOUT).await
            })
            .await?;
        Ok(&self.index)
    }

    /// Removes the whole index (tests clean up with it).
    ///
    /// # Errors
    /// Meilisearch fails or is unreachable.
    pub async fn delete_index(&self) -> Result<(), SearchError> {
        let task = self.client.delete_index(&self.index.uid).await.map_err(failure)?;
        self.wait(task, TASK_TIMEOUT).await
    }

    /// The index's settings as Meilisearch reports them.
    ///
    /// # Errors
    /// Meilisearch fails or is unreachable.
    pub async fn applied_settings(&self) -> Result<Settings, SearchError> {
        self.ready().await?.get_settings().await.map_err(failure)
    }
}

#[async_trait::async_trait]
impl SearchIndex for MeiliIndex {
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        let index = self.ready().await?;
        for part in docs.chunks(BATCH) {
            let body: Vec<MeiliDoc<'_>> = part.iter().map(MeiliDoc::from).collect();
            let task = index.add_or_replace(&body, Some("id")).await.map_err(failure)?;
            self.wait(task, TASK_TIMEOUT).await?;
        }
        Ok(())
    }

    async fn delete(&self, ids: Vec<Uuid>) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let index = self.ready().await?;
        let task = index.delete_documents(&ids).await.map_err(failure)?;
        self.wait(task, TASK_TIMEOUT).await
    }

    async fn clear_workspace(&self, workspace_id: Uuid) -> Result<(), SearchError> {
        let index = self.ready().await?;
        let filter = workspace_filter(workspace_id);
        let task = DocumentDeletionQuery::new(index)
            .with_filter(&filter)
            .execute::<TaskInfo>()
            .await
            .map_err(failure)?;
        self.wait(task, SETTINGS_TIMEOUT).await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let index = self.ready().await?;
        let text = query_text(&query.text);
        let filter = filter(query);
        let chinese = text.chars().any(is_cjk);
        let mut search = index.search();
        search
            .with_query(&text)
            .with_filter(&filter)
            .with_limit(query.limit.clamp(1, 200))
            .with_offset(query.offset)
            .with_facets(Selectors::Some(&["stars", "lifecycle_stage"]))
            .with_attributes_to_retrieve(Selectors::Some(&["id"]))
            .with_matching_strategy(meilisearch_sdk::search::MatchingStrategies::ALL);
        if chinese {
            search.with_locales(&["cmn"]);
        }
        let found = search.execute::<Hit>().await.map_err(failure)?;
        let facets = found.facet_distribution.unwrap_or_default();
        let mut by_stars: Vec<(i16, u64)> = facets
            .get("stars")
            .into_iter()
            .flatten()
            .filter_map(|(k, n)| Some((k.parse().ok()?, *n as u64)))
            .filter(|(_, n)| *n > 0)
            .collect();
        by_stars.sort_unstable();
        let mut by_stage: Vec<(String, u64)> = facets
            .get("lifecycle_stage")
            .into_iter()
            .flatten()
            .map(|(k, n)| (k.clone(), *n as u64))
            .filter(|(_, n)| *n > 0)
            .collect();
        by_stage.sort_by_key(|(stage, _)| {
            starcrm_shared::customer::LifecycleStage::ALL.iter().position(|s| s.as_str() == stage)
        });
        // Every document has a star count (0 when unrated), so the star facet counts every
        // match exactly, where `estimatedTotalHits` is an estimate.
        let total = by_stars.iter().map(|(_, n)| n).sum();
        Ok(SearchResults {
            ids: found.hits.into_iter().map(|h| h.result.id).collect(),
            total,
            by_stars,
            by_stage,
        })
    }

    async fn count(&self, workspace_id: Uuid) -> Result<u64, SearchError> {
        let index = self.ready().await?;
        let filter = workspace_filter(workspace_id);
        let found: DocumentsResults<Hit> = DocumentsQuery::new(index)
            .with_filter(&filter)
            .with_fields(["id"])
            .with_limit(1)
            .execute()
            .await
            .map_err(failure)?;
        Ok(u64::from(found.total))
    }

    async fn health(&self) -> Result<(), SearchError> {
        self.client.health().await.map_err(failure)?;
        self.ready().await.map(|_| ())
    }

    fn kind(&self) -> &'static str {
        "meilisearch"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_spaced_and_operators_are_dropped() {
        assert_eq!(spaced("王小明 Wang"), "王 小 明 Wang");
        assert_eq!(query_text("欧阳 139-1234-8765"), "欧 阳 13912348765");
        assert_eq!(query_text("+86 13912348765"), "13912348765");
        assert_eq!(query_text("\"Li\" -Wei 8765"), "li wei 8765");
    }

    #[test]
    fn queries_are_read_as_the_embedded_index_reads_them() {
        assert_eq!(query_text("0086 138-1234-5678"), "13812345678");
        assert_eq!(query_text("(138) 1234 5678 Mary -"), "13812345678 mary");
        assert_eq!(query_text("王小明，13812345678 😀"), "王 小 明 13812345678");
        assert_eq!(query_text("Lü xiaohong"), "lü xiaohong");
    }

    #[test]
    fn filters_quote_what_staff_typed() {
        let q = SearchQuery {
            workspace_id: Uuid::nil(),
            stars: vec![4, 5],
            stages: vec!["active".into()],
            tags: vec!["a\"b".into()],
            ..SearchQuery::default()
        };
        assert_eq!(
            filter(&q),
            "workspace_id = \"00000000-0000-0000-0000-000000000000\" AND stars IN [4, 5] AND \
             lifecycle_stage IN [\"active\"] AND tag_values = \"a\\\"b\""
        );
    }
}
