//! The embedded search index: a tantivy index in `<data dir>/search`, in this process. Terms come
//! from `shared::search` (Chinese as characters and pairs, Latin words lowercased), each indexed as
//! given, so the index and the query agree by construction; queries are read through
//! `shared::search::parse_query`, as by the Meilisearch backend. Latin words match with typos (one
//! from 4 letters, two from 8), pinyin and identifiers by prefix, phones by full number, prefix or
//! last 4-6 digits, and pinyin syllables typed apart rank highest as a phrase.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use starcrm_shared::customer::LifecycleStage;
use starcrm_shared::search::{
    QueryPart, Word, cjk_query_terms, index_terms, parse_query, pinyin_spelling, words,
};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term,
};
use uuid::Uuid;

use super::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults};

/// Bumped whenever the schema or the terms change: an index of another version is rebuilt.
/// 2: phones written `0086 ...` lose the country code; `ü` in pinyin is indexed as `v` and `u`.
const SCHEMA_VERSION: &str = "2";
const WRITER_MEMORY: usize = 40_000_000;

#[derive(Clone, Copy, Debug)]
struct Fields {
    id: Field,
    workspace: Field,
    code: Field,
    names: Field,
    pinyin: Field,
    phones: Field,
    phone_suffixes: Field,
    emails: Field,
    external_ids: Field,
    company: Field,
    tags: Field,
    tag: Field,
    stars: Field,
    stage: Field,
    owner: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Terms as given (already split and lowercased by shared::search), with frequencies for BM25.
    let terms = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        workspace: b.add_text_field("workspace", STRING),
        code: b.add_text_field("code", terms.clone()),
        names: b.add_text_field("names", terms.clone()),
        pinyin: b.add_text_field("pinyin", terms.clone()),
        phones: b.add_text_field("phones", terms.clone()),
        phone_suffixes: b.add_text_field("phone_suffixes", terms.clone()),
        emails: b.add_text_field("emails", terms.clone()),
        external_ids: b.add_text_field("external_ids", terms.clone()),
        company: b.add_text_field("company", terms.clone()),
        tags: b.add_text_field("tags", terms),
        tag: b.add_text_field("tag", STRING),
        stars: b.add_u64_field("stars", INDEXED | FAST),
        stage: b.add_u64_field("stage", INDEXED | FAST),
        owner: b.add_text_field("owner", STRING),
    };
    (b.build(), fields)
}

fn stage_code(stage: &str) -> u64 {
    LifecycleStage::ALL.iter().position(|s| s.as_str() == stage).map_or(u64::MAX, |p| p as u64)
}

fn internal(e: impl std::fmt::Display) -> SearchError {
    SearchError::Internal(e.to_string())
}

/// The embedded index. Cheap to clone; writes are serialised, searches run in parallel.
#[derive(Clone)]
pub struct EmbeddedIndex {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    /// The files were missing or of another version: the caller should rebuild from the database.
    fresh: bool,
}

impl std::fmt::Debug for EmbeddedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedIndex").field("dir", &self.inner.dir).finish_non_exhaustive()
    }
}

impl EmbeddedIndex {
    /// Opens the index in `dir` (created if missing; an index of another schema version is
    /// discarded and started afresh).
    ///
    /// # Errors
    /// The directory cannot be created, read or written.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let version_file = dir.join("starcrm-schema-version");
        let current = std::fs::read_to_string(&version_file).ok();
        let mut fresh = current.as_deref() != Some(SCHEMA_VERSION);
        if fresh && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(internal)?;
        }
        std::fs::create_dir_all(dir).map_err(internal)?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(internal)?;
        let index = if let Ok(index) = Index::open_or_create(directory, schema.clone()) {
            index
        } else {
            // Unreadable or of another schema: start again (the database is the truth).
            std::fs::remove_dir_all(dir).map_err(internal)?;
            std::fs::create_dir_all(dir).map_err(internal)?;
            fresh = true;
            Index::open_or_create(MmapDirectory::open(dir).map_err(internal)?, schema).map_err(internal)?
        };
        std::fs::write(&version_file, SCHEMA_VERSION).map_err(internal)?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => {
                SearchError::Unavailable(format!("{} is in use by another process", dir.display()))
            }
            other => internal(other),
        })?;
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(internal)?;
        Ok(Self {
            inner: Arc::new(Inner { dir: dir.to_owned(), fields, reader, writer: Mutex::new(writer), fresh }),
        })
    }

    /// Whether the files were created now (missing before, or of an older version): the index is
    /// empty and needs a rebuild from the database.
    pub fn is_fresh(&self) -> bool {
        self.inner.fresh
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.inner.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, d.id.to_string());
        doc.add_text(f.workspace, d.workspace_id.to_string());
        doc.add_text(f.code, d.code.to_lowercase());
        for t in index_terms(&d.name) {
            doc.add_text(f.names, t);
        }
        for t in &d.pinyin {
            doc.add_text(f.pinyin, t);
        }
        for p in &d.phones {
            doc.add_text(f.phones, p);
        }
        for p in &d.phone_suffixes {
            doc.add_text(f.phone_suffixes, p);
        }
        for e in &d.emails {
            doc.add_text(f.emails, e.to_lowercase());
        }
        for e in &d.external_ids {
            doc.add_text(f.external_ids, e.to_lowercase());
        }
        for t in d.company.as_deref().map(index_terms).unwrap_or_default() {
            doc.add_text(f.company, t);
        }
        for tag in &d.tags {
            doc.add_text(f.tag, tag);
            for t in index_terms(tag) {
                doc.add_text(f.tags, t);
            }
        }
        doc.add_u64(f.stars, d.stars.and_then(|s| u64::try_from(s).ok()).unwrap_or(0));
        doc.add_u64(f.stage, stage_code(&d.lifecycle_stage));
        if let Some(owner) = d.owner_id {
            doc.add_text(f.owner, owner.to_string());
        }
        doc
    }

    fn write(
        &self,
        change: impl FnOnce(&IndexWriter<TantivyDocument>, &Fields) -> tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        let mut writer = self.inner.writer.lock().map_err(|_| internal("index writer poisoned"))?;
        if let Err(e) = change(&writer, &self.inner.fields) {
            // Nothing half-done stays behind: drop what this change added.
            let _ = writer.rollback();
            return Err(internal(e));
        }
        writer.commit().map_err(internal)?;
        drop(writer);
        self.inner.reader.reload().map_err(internal)
    }

    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let f = &self.inner.fields;
        let parsed = parse_query(&q.text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, term(f.workspace, &q.workspace_id.to_string()))];
        for part in &parsed.parts {
            clauses.push((Occur::Must, part_query(f, part)));
        }
        // Syllables typed apart that spell a name in this order rank above names that only
        // contain them (`wang xiao ming`: 王小明 before 明小王).
        for phrase in &parsed.phrases {
            clauses.push(boosted(term(f.pinyin, phrase), 12.0));
            clauses.push(boosted(prefix(f.pinyin, phrase), 6.0));
        }
        if !q.stars.is_empty() {
            clauses
                .push((Occur::Must, any_of(f.stars, q.stars.iter().map(|s| u64::try_from(*s).unwrap_or(0)))));
        }
        if !q.stages.is_empty() {
            clauses.push((Occur::Must, any_of(f.stage, q.stages.iter().map(|s| stage_code(s)))));
        }
        if let Some(owner) = q.owner_id {
            clauses.push((Occur::Must, term(f.owner, &owner.to_string())));
        }
        for tag in &q.tags {
            clauses.push((Occur::Must, term(f.tag, tag)));
        }
        if clauses.len() == 1 && parsed.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn search_now(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.inner.reader.searcher();
        let query = self.query(q);
        let (top, total, facets) = searcher
            .search(
                &query,
                &(
                    TopDocs::with_limit(q.limit.clamp(1, 200)).and_offset(q.offset).order_by_score(),
                    Count,
                    FacetCounts,
                ),
            )
            .map_err(internal)?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(internal)?;
            if let Some(id) =
                doc.get_first(self.inner.fields.id).and_then(|v| v.as_str()).and_then(|s| s.parse().ok())
            {
                ids.push(id);
            }
        }
        let by_stars = (0_i16..=5).zip(facets.stars).filter(|(_, n)| *n > 0).collect();
        let by_stage = LifecycleStage::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| facets.stages[*i] > 0)
            .map(|(i, s)| (s.as_str().to_owned(), facets.stages[i]))
            .collect();
        Ok(SearchResults { ids, total: total as u64, by_stars, by_stage })
    }
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// Documents whose `field` holds one of `values`.
fn any_of(field: Field, values: impl Iterator<Item = u64>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        values
            .map(|v| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_u64(field, v), IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect(),
    ))
}

fn boosted(query: Box<dyn Query>, boost: Score) -> (Occur, Box<dyn Query>) {
    (Occur::Should, Box::new(BoostQuery::new(query, boost)))
}

fn prefix(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(FuzzyTermQuery::new_prefix(Term::from_field_text(field, text), 0, false))
}

/// Typos allowed in a word of this many characters.
fn typos(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Identifiers typed whole or begun: codes, member and order ids, emails.
fn identifier_queries(f: &Fields, typed: &str, any: &mut Vec<(Occur, Box<dyn Query>)>) {
    any.push(boosted(term(f.code, typed), 8.0));
    any.push(boosted(term(f.external_ids, typed), 8.0));
    any.push(boosted(term(f.emails, typed), 8.0));
    if typed.chars().count() >= 3 {
        any.push(boosted(prefix(f.external_ids, typed), 3.0));
        any.push(boosted(prefix(f.emails, typed), 3.0));
        any.push(boosted(prefix(f.code, typed), 2.0));
    }
}

/// The query for one part of what was typed (see `shared::search::parse_query`).
fn part_query(f: &Fields, part: &QueryPart) -> Box<dyn Query> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match part {
        QueryPart::Phone { digits, typed } => {
            identifier_queries(f, typed, &mut any);
            any.push(boosted(term(f.phones, digits), 8.0));
            any.push(boosted(term(f.phone_suffixes, digits), 6.0));
            if digits.len() >= 3 {
                any.push(boosted(prefix(f.phones, digits), 2.0));
            }
        }
        QueryPart::Text(text) => {
            identifier_queries(f, text, &mut any);
            // Words: every word of the piece must match a name, company or tag (or pinyin).
            let parts: Vec<Box<dyn Query>> = words(text).iter().map(|w| word_query(f, w)).collect();
            if !parts.is_empty() {
                any.push((
                    Occur::Should,
                    Box::new(BooleanQuery::new(parts.into_iter().map(|p| (Occur::Must, p)).collect())),
                ));
            }
        }
    }
    Box::new(BooleanQuery::new(any))
}

fn word_query(f: &Fields, word: &Word) -> Box<dyn Query> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match word {
        Word::Cjk(run) => {
            let terms = cjk_query_terms(run);
            for (field, boost) in [(f.names, 4.0), (f.company, 1.5), (f.tags, 1.5)] {
                let all: Vec<(Occur, Box<dyn Query>)> =
                    terms.iter().map(|t| (Occur::Must, term(field, t))).collect();
                any.push(boosted(Box::new(BooleanQuery::new(all)), boost));
            }
        }
        Word::Latin(w) | Word::Digits(w) => {
            let n = typos(w.chars().count());
            for (field, boost) in [(f.names, 4.0), (f.company, 1.5), (f.tags, 1.5)] {
                any.push(boosted(term(field, w), boost));
                any.push(boosted(prefix(field, w), boost / 2.0));
                if n > 0 {
                    any.push(boosted(
                        Box::new(FuzzyTermQuery::new(Term::from_field_text(field, w), n, true)),
                        boost / 4.0,
                    ));
                }
            }
            if let Some(spelled) = pinyin_spelling(w) {
                any.push(boosted(term(f.pinyin, &spelled), 3.0));
                any.push(boosted(prefix(f.pinyin, &spelled), 2.0));
            }
        }
    }
    Box::new(BooleanQuery::new(any))
}

/// Counts of all matches by stars (0-5) and lifecycle stage.
struct FacetCounts;

#[derive(Default)]
struct Facets {
    stars: [u64; 6],
    stages: Vec<u64>,
}

struct FacetSegment {
    stars: Column<u64>,
    stage: Column<u64>,
    out: Facets,
}

impl Collector for FacetCounts {
    type Fruit = Facets;
    type Child = FacetSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<FacetSegment> {
        Ok(FacetSegment {
            stars: segment.fast_fields().u64("stars")?,
            stage: segment.fast_fields().u64("stage")?,
            out: Facets { stars: [0; 6], stages: vec![0; LifecycleStage::ALL.len()] },
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut all = Facets { stars: [0; 6], stages: vec![0; LifecycleStage::ALL.len()] };
        for f in fruits {
            for (a, b) in all.stars.iter_mut().zip(f.stars) {
                *a += b;
            }
            for (a, b) in all.stages.iter_mut().zip(f.stages) {
                *a += b;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(s) = self.stars.first(doc).and_then(|s| usize::try_from(s).ok()).filter(|s| *s < 6) {
            self.out.stars[s] += 1;
        }
        if let Some(slot) = self
            .stage
            .first(doc)
            .and_then(|s| usize::try_from(s).ok())
            .and_then(|s| self.out.stages.get_mut(s))
        {
            *slot += 1;
        }
    }

    fn harvest(self) -> Facets {
        self.out
    }
}

#[async_trait::async_trait]
impl SearchIndex for EmbeddedIndex {
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        let this = self.clone();
        blocking(move || {
            let built: Vec<(String, TantivyDocument)> =
                docs.iter().map(|d| (d.id.to_string(), this.document(d))).collect();
            this.write(|w, f| {
                for (id, doc) in built {
                    w.delete_term(Term::from_field_text(f.id, &id));
                    w.add_document(doc)?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn delete(&self, ids: Vec<Uuid>) -> Result<(), SearchError> {
        let this = self.clone();
        blocking(move || {
            this.write(|w, f| {
                for id in ids {
                    w.delete_term(Term::from_field_text(f.id, &id.to_string()));
                }
                Ok(())
            })
        })
        .await
    }

    async fn clear_workspace(&self, workspace_id: Uuid) -> Result<(), SearchError> {
        let this = self.clone();
        blocking(move || {
            this.write(|w, f| {
                w.delete_term(Term::from_field_text(f.workspace, &workspace_id.to_string()));
                Ok(())
            })
        })
        .await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let this = self.clone();
        let query = query.clone();
        blocking(move || this.search_now(&query)).await
    }

    async fn count(&self, workspace_id: Uuid) -> Result<u64, SearchError> {
        let this = self.clone();
        blocking(move || {
            let searcher = this.inner.reader.searcher();
            let n = searcher
                .search(&*term(this.inner.fields.workspace, &workspace_id.to_string()), &Count)
                .map_err(internal)?;
            Ok(n as u64)
        })
        .await
    }

    async fn health(&self) -> Result<(), SearchError> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, SearchError> {
    tokio::task::spawn_blocking(work).await.map_err(internal)?
}
