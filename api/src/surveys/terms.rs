//! What customers talk about: the terms of the period's comments (segmented by `text`) that set
//! unhappy answers apart from happy ones (weighted log-odds with an informative prior,
//! `starcrm_shared::terms`), and the answers that use a term (the drill-down).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::surveys::SurveyKind;
use starcrm_shared::terms::{self, Counts, DEFAULT_PRIOR_WORDS, TermScore};

use super::text;
use crate::auth::Scope;
use crate::entities::survey_response;
use crate::error::AppError;

/// The most comments one analysis reads (the newest of the period).
pub const MAX_COMMENTS: u64 = 100_000;
/// A term counts when the two groups use it this often together.
const MIN_COUNT: u64 = 2;
/// The drill-down reads at most this many of the period's newest comments.
const DRILL_SCAN: u64 = 20_000;

/// The analysis of a period's comments.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Comments read.
    pub comments: u64,
    pub unhappy_comments: u64,
    pub happy_comments: u64,
    /// Terms unhappy customers use more, strongest first (z > 0).
    pub unhappy: Vec<TermScore>,
    /// Terms happy customers use more, strongest first (z < 0 from the unhappy side: flipped
    /// here so z > 0 and `count_a` is the happy count).
    pub happy: Vec<TermScore>,
    /// The word each listed term was written as most often (`delivery` for `deliveri`).
    pub words: HashMap<String, String>,
}

impl Analysis {
    /// How `term` reads in the comments.
    pub fn word<'a>(&'a self, term: &'a str) -> &'a str {
        self.words.get(term).map_or(term, String::as_str)
    }
}

/// Counts the terms of `(score, comment)` rows into unhappy, happy and everyone.
pub fn analyse(kind: SurveyKind, rows: &[(i16, String)], limit: usize) -> Analysis {
    let (mut unhappy, mut happy, mut all) = (Counts::new(), Counts::new(), Counts::new());
    let mut out = Analysis::default();
    // Per term, how often each word it came from was written (English stems only; a Chinese
    // word is its own term).
    let mut forms: HashMap<String, HashMap<String, u64>> = HashMap::new();
    for (score, comment) in rows {
        let Ok(score) = u8::try_from(*score) else { continue };
        let words = text::words(comment);
        for (term, word) in words.iter().filter(|(t, w)| t != w) {
            *forms.entry(term.clone()).or_default().entry(word.clone()).or_default() += 1;
        }
        let counts = terms::count(words.iter().map(|(t, _)| t.as_str()));
        out.comments += 1;
        terms::add(&mut all, &counts);
        if kind.is_unhappy(score) {
            out.unhappy_comments += 1;
            terms::add(&mut unhappy, &counts);
        } else if kind.is_happy(score) {
            out.happy_comments += 1;
            terms::add(&mut happy, &counts);
        }
    }
    let scored = terms::distinguishing(&unhappy, &happy, &all, DEFAULT_PRIOR_WORDS, MIN_COUNT);
    out.unhappy = scored.iter().filter(|t| t.z > 0.0).take(limit).cloned().collect();
    out.happy = scored
        .iter()
        .rev()
        .filter(|t| t.z < 0.0)
        .take(limit)
        .map(|t| TermScore {
            term: t.term.clone(),
            delta: -t.delta,
            z: -t.z,
            count_a: t.count_b,
            count_b: t.count_a,
        })
        .collect();
    for t in out.unhappy.iter().chain(&out.happy) {
        let most = forms.get(&t.term).and_then(|f| {
            f.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(w, _)| w.clone())
        });
        if let Some(word) = most {
            out.words.insert(t.term.clone(), word);
        }
    }
    out
}

async fn comments(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: u64,
) -> Result<Vec<(i16, String)>, AppError> {
    use survey_response::Column as C;
    Ok(survey_response::Entity::find()
        .select_only()
        .columns([C::Score, C::Comment])
        .filter(C::WorkspaceId.eq(scope.workspace_id))
        .filter(C::Kind.eq(kind.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to))
        .filter(C::Comment.is_not_null())
        .order_by_desc(C::AnsweredAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The terms that set the period's unhappy answers apart from its happy ones, at most `limit`
/// each way. Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; `BAD_USER_INPUT` on `limit` outside 1 to 100.
pub async fn distinguishing(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    period: (DateTime<Utc>, DateTime<Utc>),
    limit: i32,
) -> Result<Analysis, AppError> {
    scope.require(Permission::SurveysRead)?;
    let limit = usize::try_from(limit)
        .ok()
        .filter(|l| (1..=100).contains(l))
        .ok_or_else(|| AppError::bad_input("limit", "must be between 1 and 100"))?;
    let rows = comments(conn, scope, kind, period, MAX_COMMENTS).await?;
    // Segmenting is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || analyse(kind, &rows, limit)).await.map_err(AppError::internal)
}

/// The period's answers whose comment uses `term` (as the analysis segments it), newest first,
/// at most `first`, among its newest comments. Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; `BAD_USER_INPUT` on `term` when it is empty.
pub async fn using_term(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    term: &str,
    first: usize,
) -> Result<Vec<survey_response::Model>, AppError> {
    use survey_response::Column as C;
    scope.require(Permission::SurveysRead)?;
    let wanted: Vec<String> = text::terms(term);
    let Some(wanted) = wanted.first().cloned() else {
        return Err(AppError::bad_input("term", "has no word to look for"));
    };
    let rows = survey_response::Entity::find()
        .filter(C::WorkspaceId.eq(scope.workspace_id))
        .filter(C::Kind.eq(kind.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to))
        .filter(C::Comment.is_not_null())
        .order_by_desc(C::AnsweredAt)
        .order_by_desc(C::Id)
        .limit(DRILL_SCAN)
        .all(conn)
        .await?;
    tokio::task::spawn_blocking(move || {
        rows.into_iter()
            .filter(|r| r.comment.as_deref().is_some_and(|c| text::terms(c).contains(&wanted)))
            .take(first)
            .collect()
    })
    .await
    .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(i16, &str)]) -> Vec<(i16, String)> {
        list.iter().map(|(s, c)| (*s, (*c).to_owned())).collect()
    }

    #[test]
    fn detractors_talk_about_delivery_and_promoters_about_staff_in_both_languages() {
        let mut corpus = Vec::new();
        for _ in 0..6 {
            corpus.extend(rows(&[
                (2, "快递太慢了，等了一个星期"),
                (3, "The delivery was late again"),
                (1, "快递慢，包装也破了"),
                (10, "店员很热情，服务周到"),
                (9, "Friendly staff and a great fitting room"),
                (10, "店员耐心，推荐很专业"),
                (8, "还行"),
            ]));
        }
        let analysis = analyse(SurveyKind::Nps, &corpus, 20);
        assert_eq!((analysis.comments, analysis.unhappy_comments, analysis.happy_comments), (42, 18, 18));
        let unhappy: Vec<&str> = analysis.unhappy.iter().map(|t| t.term.as_str()).collect();
        let happy: Vec<&str> = analysis.happy.iter().map(|t| t.term.as_str()).collect();
        assert!(unhappy.contains(&"快递"), "{unhappy:?}");
        assert!(unhappy.contains(&"deliveri") || unhappy.contains(&"late"), "{unhappy:?}");
        assert!(happy.contains(&"店员"), "{happy:?}");
        assert!(happy.contains(&"staff") || happy.contains(&"friend"), "{happy:?}");
        assert!(analysis.unhappy.iter().all(|t| t.z > 0.0 && t.count_a >= t.count_b));
        assert!(analysis.happy.iter().all(|t| t.z > 0.0 && t.count_a >= t.count_b));
    }

    #[test]
    fn no_comments_no_terms() {
        let analysis = analyse(SurveyKind::Csat, &[], 10);
        assert_eq!(analysis.comments, 0);
        assert!(analysis.unhappy.is_empty() && analysis.happy.is_empty());
    }
}
