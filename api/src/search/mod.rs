//! Customer search: one [`SearchIndex`] trait and the documents it holds ([`SearchDoc`]), built
//! from the database by [`document`]. The embedded index ([`embedded`]) is the default; the
//! Meilisearch backend is used when `MEILI_URL` is set. Every search is confined to one workspace;
//! the index returns ids and the caller reads what it shows from the database, through the same
//! permission checks as everywhere else, so the index never decides who sees what.

pub mod document;
pub mod embedded;
pub mod graphql;
pub mod meili;
pub mod outbox;
pub mod sync;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What the index holds of one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchDoc {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `C000123`.
    pub code: String,
    pub name: String,
    /// Pinyin of the Chinese characters in the name: every tail of the syllables joined
    /// (`wangxiaoming`, `xiaoming`, `ming`) and the same of their initials (`wxm`, `xm`).
    pub pinyin: Vec<String>,
    /// Digits only, as dialled nationally.
    pub phones: Vec<String>,
    /// The last 4, 5 and 6 digits of every phone.
    pub phone_suffixes: Vec<String>,
    /// Lowercased.
    pub emails: Vec<String>,
    /// Member, order-system and social ids from every channel, lowercased.
    pub external_ids: Vec<String>,
    pub company: Option<String>,
    pub tags: Vec<String>,
    pub stars: Option<i16>,
    pub lifecycle_stage: String,
    pub owner_id: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// A search within one workspace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    pub workspace_id: Uuid,
    pub text: String,
    /// Only customers with one of these star counts (0: not rated yet).
    pub stars: Vec<i16>,
    pub stages: Vec<String>,
    pub owner_id: Option<Uuid>,
    /// Only customers with every one of these tags.
    pub tags: Vec<String>,
    pub limit: usize,
    /// Matches to skip, best first (paging).
    pub offset: usize,
}

/// The best matches, best first, and how all matches spread over stars and stages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResults {
    pub ids: Vec<Uuid>,
    /// All matches, not only those returned.
    pub total: u64,
    /// (stars, count), 0 for customers not rated yet.
    pub by_stars: Vec<(i16, u64)>,
    pub by_stage: Vec<(String, u64)>,
}

/// Why the index could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index unavailable: {0}")]
    Unavailable(String),
    #[error("search index failure: {0}")]
    Internal(String),
}

/// A customer search index. Upserts and deletes are idempotent, so a sync worker may replay them.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync + std::fmt::Debug {
    /// Adds or replaces these documents.
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError>;
    /// Removes these customers (missing ones are fine).
    async fn delete(&self, ids: Vec<Uuid>) -> Result<(), SearchError>;
    /// Removes every document of a workspace (before a rebuild).
    async fn clear_workspace(&self, workspace_id: Uuid) -> Result<(), SearchError>;
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;
    /// How many documents a workspace has in the index.
    async fn count(&self, workspace_id: Uuid) -> Result<u64, SearchError>;
    /// Whether the index answers now.
    async fn health(&self) -> Result<(), SearchError>;
    /// "embedded" or "meilisearch".
    fn kind(&self) -> &'static str;
}

/// Opens the index the settings select: Meilisearch when `MEILI_URL` is set, otherwise the
/// embedded index in `<data dir>/search`.
///
/// Meilisearch is not contacted here: its settings are applied at the first use, so the server
/// starts while Meilisearch is down and the outbox catches up when it returns.
///
/// # Errors
/// The embedded index's directory cannot be used, or the Meilisearch client cannot be built.
pub async fn open(settings: &crate::config::Settings) -> anyhow::Result<std::sync::Arc<dyn SearchIndex>> {
    if let Some(config) = meili::MeiliConfig::from_settings(settings) {
        let index = meili::MeiliIndex::new(&config).map_err(|e| {
            anyhow::Error::new(e).context(format!("cannot use Meilisearch at {}", config.url))
        })?;
        return Ok(std::sync::Arc::new(index));
    }
    let dir = settings.data_dir.join("search");
    let index = embedded::EmbeddedIndex::open(&dir).map_err(|e| {
        // The typed error stays reachable (`downcast_ref::<SearchError>`) under the context.
        anyhow::Error::new(e).context(format!("cannot open the search index in {}", dir.display()))
    })?;
    Ok(std::sync::Arc::new(index))
}
