//! Search documents built from the database: a customer with their phones, emails, channel ids
//! and tags, and the pinyin of their name.

use std::collections::{HashMap, HashSet};

use pinyin::ToPinyin;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use starcrm_shared::customer::customer_code;
use starcrm_shared::search::{
    ParsedQuery, Word, is_cjk, phone_digits, phone_suffixes, pinyin_spelling, pinyin_variants,
};
use uuid::Uuid;

use super::SearchDoc;
use crate::entities::{channel_identity, customer, customer_email, customer_phone, customer_tag};
use crate::error::AppError;

/// The pinyin terms of a name: for the syllables of its Chinese characters (other characters are
/// skipped), every tail joined (`wangxiaoming`, `xiaoming`, `ming`) and the same of the initials
/// (`wxm`, `xm`). Characters with several readings take the common one. `ü` is indexed both as
/// `v` and as `u` (`吕` under `lv` and `lu`), the two ways it is typed.
pub fn pinyin_terms(name: &str) -> Vec<String> {
    let syllables: Vec<&str> = name
        .chars()
        .filter(|c| is_cjk(*c))
        .filter_map(|c| c.to_pinyin())
        .map(pinyin::Pinyin::plain)
        .collect();
    let mut out = Vec::new();
    for start in 0..syllables.len() {
        out.extend(pinyin_variants(&syllables[start..].concat()));
    }
    for start in 0..syllables.len() {
        let initials: String = syllables[start..].iter().filter_map(|s| s.chars().next()).collect();
        if initials.len() > 1 {
            out.push(initials);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The byte ranges of the Chinese characters of `name` that a pinyin word of `query` spells, from
/// any character on, in full (`xiaoming`, the last syllable possibly cut short: `xiaom`) or by
/// initials (`xm`): what a pinyin search highlights in the name. `ü` may be typed `v` or `u`.
pub fn pinyin_ranges(name: &str, query: &ParsedQuery) -> Vec<(usize, usize)> {
    let syllables: Vec<(usize, usize, Vec<String>)> = name
        .char_indices()
        .filter(|(_, c)| is_cjk(*c))
        .filter_map(|(at, c)| c.to_pinyin().map(|p| (at, at + c.len_utf8(), pinyin_variants(p.plain()))))
        .collect();
    let mut ranges = Vec::new();
    for word in query.words() {
        let Word::Latin(word) = word else { continue };
        let Some(word) = pinyin_spelling(&word).filter(|w| w.len() >= 2) else { continue };
        for start in 0..syllables.len() {
            let (mut rest, mut end) = (word.as_str(), start);
            while end < syllables.len() && !rest.is_empty() {
                let spellings = &syllables[end].2;
                if let Some(after) = spellings.iter().find_map(|s| rest.strip_prefix(s.as_str())) {
                    rest = after;
                } else if spellings.iter().any(|s| s.starts_with(rest)) {
                    rest = "";
                } else {
                    break;
                }
                end += 1;
            }
            let by_initials = start + word.len() <= syllables.len()
                && syllables[start..start + word.len()]
                    .iter()
                    .zip(word.chars())
                    .all(|(s, c)| s.2.iter().any(|s| s.starts_with(c)));
            if rest.is_empty() {
                ranges.push((syllables[start].0, syllables[end - 1].1));
                break;
            }
            if by_initials {
                ranges.push((syllables[start].0, syllables[start + word.len() - 1].1));
                break;
            }
        }
    }
    starcrm_shared::search::merge_ranges(ranges)
}

/// The documents of these customers. Deleted, erased and merged-away customers have none: the
/// caller deletes them from the index instead (their ids come back in the second list).
///
/// # Errors
/// Database failures.
pub async fn load(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<(Vec<SearchDoc>, Vec<Uuid>), AppError> {
    let mut docs = Vec::new();
    let mut gone = Vec::new();
    for part in ids.chunks(500) {
        let customers =
            customer::Entity::find().filter(customer::Column::Id.is_in(part.to_vec())).all(conn).await?;
        let found: HashSet<Uuid> = customers.iter().map(|c| c.id).collect();
        gone.extend(part.iter().filter(|id| !found.contains(id)));
        let live: Vec<customer::Model> = customers
            .into_iter()
            .filter(|c| {
                let searchable = c.deleted_at.is_none() && c.erased_at.is_none() && c.merged_into.is_none();
                if !searchable {
                    gone.push(c.id);
                }
                searchable
            })
            .collect();
        docs.extend(build(conn, live).await?);
    }
    Ok((docs, gone))
}

/// Documents of these (live) customers, reading their contacts, identities and tags at once.
///
/// # Errors
/// Database failures.
pub async fn build(
    conn: &impl ConnectionTrait,
    customers: Vec<customer::Model>,
) -> Result<Vec<SearchDoc>, AppError> {
    let ids: Vec<Uuid> = customers.iter().map(|c| c.id).collect();
    let mut phones: HashMap<Uuid, Vec<String>> = HashMap::new();
    for p in customer_phone::Entity::find()
        .filter(customer_phone::Column::CustomerId.is_in(ids.clone()))
        .all(conn)
        .await?
    {
        phones.entry(p.customer_id).or_default().push(phone_digits(&p.phone));
    }
    let mut emails: HashMap<Uuid, Vec<String>> = HashMap::new();
    for e in customer_email::Entity::find()
        .filter(customer_email::Column::CustomerId.is_in(ids.clone()))
        .all(conn)
        .await?
    {
        emails.entry(e.customer_id).or_default().push(e.email.to_lowercase());
    }
    let mut external: HashMap<Uuid, Vec<String>> = HashMap::new();
    for i in channel_identity::Entity::find()
        .filter(channel_identity::Column::CustomerId.is_in(ids.clone()))
        .all(conn)
        .await?
    {
        external.entry(i.customer_id).or_default().push(i.external_id.to_lowercase());
    }
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in
        customer_tag::Entity::find().filter(customer_tag::Column::CustomerId.is_in(ids)).all(conn).await?
    {
        tags.entry(t.customer_id).or_default().push(t.tag);
    }
    Ok(customers
        .into_iter()
        .map(|c| {
            let phones = phones.remove(&c.id).unwrap_or_default();
            let phone_suffixes = phones.iter().flat_map(|p| phone_suffixes(p)).collect();
            SearchDoc {
                id: c.id,
                workspace_id: c.workspace_id,
                code: customer_code(c.number),
                pinyin: pinyin_terms(&c.name),
                name: c.name,
                phones,
                phone_suffixes,
                emails: emails.remove(&c.id).unwrap_or_default(),
                external_ids: external.remove(&c.id).unwrap_or_default(),
                company: c.company,
                tags: tags.remove(&c.id).unwrap_or_default(),
                stars: c.stars,
                lifecycle_stage: c.lifecycle_stage,
                owner_id: c.owner_id,
                updated_at: c.updated_at,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use starcrm_shared::search::parse_query;

    use super::{pinyin_ranges, pinyin_terms};

    #[test]
    fn pinyin_queries_highlight_the_characters_they_spell() {
        let ranges = |name: &str, query: &str| pinyin_ranges(name, &parse_query(query));
        let name = "王小明";
        let at = |from: usize, to: usize| (from * 3, to * 3);
        assert_eq!(ranges(name, "wangxiaoming"), vec![at(0, 3)]);
        assert_eq!(ranges(name, "xiaom"), vec![at(1, 3)]);
        assert_eq!(ranges(name, "wxm"), vec![at(0, 3)]);
        assert_eq!(ranges(name, "XM"), vec![at(1, 3)]);
        assert_eq!(ranges(name, "ming wang"), vec![at(0, 1), at(2, 3)]);
        assert!(ranges(name, "li").is_empty());
        assert!(ranges("Wang", "wang").is_empty());
        assert_eq!(ranges("吕思琪", "lvsiqi"), vec![at(0, 3)]);
        assert_eq!(ranges("吕思琪", "lu si"), vec![at(0, 2)]);
        assert_eq!(ranges("许女士", "nv"), vec![at(1, 2)]);
    }

    #[test]
    fn pinyin_gives_tails_and_initials() {
        assert_eq!(pinyin_terms("王小明"), ["ming", "wangxiaoming", "wxm", "xiaoming", "xm"]);
        assert!(pinyin_terms("John Smith").is_empty());
    }

    #[test]
    fn u_umlaut_pinyin_is_indexed_as_v_and_u() {
        assert_eq!(pinyin_terms("吕"), ["lu", "lv"]);
        assert_eq!(pinyin_terms("许女士"), ["ns", "nushi", "nvshi", "shi", "xns", "xunushi", "xunvshi"]);
    }
}
