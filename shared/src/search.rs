//! How customer search reads text, shared by both index backends and the SPA: the terms a name,
//! company or tag is indexed under (Latin words lowercased; Chinese as single characters and
//! overlapping pairs, so any part of a name matches without a dictionary that knows the name), the
//! digits of a phone and its last 4-6 digits, how a query splits into words, and where a query
//! matches a shown value (for highlights).

/// A run of one kind of character in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Word {
    /// Letters and digits of Latin-script text, lowercased (`"o'brien"` gives `o` and `brien`).
    Latin(String),
    /// Digits only.
    Digits(String),
    /// Chinese (and other CJK) characters.
    Cjk(String),
}

/// Whether `c` is written without spaces between words (CJK ideographs, kana, hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F)
}

/// Splits `text` into runs of Latin letters and digits, digits alone, and CJK characters; anything
/// else separates.
pub fn words(text: &str) -> Vec<Word> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Latin,
        Digits,
        Cjk,
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut kind: Option<Kind> = None;
    let flush = |current: &mut String, kind: Option<Kind>, out: &mut Vec<Word>| {
        if !current.is_empty() {
            let text = std::mem::take(current);
            out.push(match kind {
                Some(Kind::Cjk) => Word::Cjk(text),
                Some(Kind::Digits) => Word::Digits(text),
                _ => Word::Latin(text),
            });
        }
    };
    for c in text.chars() {
        let next = if is_cjk(c) {
            Some(Kind::Cjk)
        } else if c.is_ascii_digit() {
            // Digits inside a word stay in it ("c000123"); on their own they are a number.
            Some(if kind == Some(Kind::Latin) { Kind::Latin } else { Kind::Digits })
        } else if c.is_alphanumeric() {
            Some(Kind::Latin)
        } else {
            None
        };
        // A number followed by letters is one word ("3m").
        let joins =
            next.is_some() && (next == kind || (kind == Some(Kind::Digits) && next == Some(Kind::Latin)));
        if !joins {
            flush(&mut current, kind, &mut out);
        }
        if next.is_some() {
            current.extend(c.to_lowercase());
        }
        kind = next;
    }
    flush(&mut current, kind, &mut out);
    out
}

/// The CJK terms of a run: every character and every pair of neighbours.
pub fn cjk_terms(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    let mut out: Vec<String> = chars.iter().map(char::to_string).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

/// The terms a CJK query run must all match: its pairs (a single character: itself).
pub fn cjk_query_terms(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() < 2 {
        return chars.iter().map(char::to_string).collect();
    }
    chars.windows(2).map(|w| w.iter().collect::<String>()).collect()
}

/// The terms a name, company or tag is indexed under.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(text) {
        match word {
            Word::Latin(w) | Word::Digits(w) => out.push(w),
            Word::Cjk(run) => out.extend(cjk_terms(&run)),
        }
    }
    out
}

/// The digits of a phone number as dialled nationally: `+86 138-0013-8000` gives `13800138000`.
pub fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("86") {
        Some(national) if phone.trim_start().starts_with('+') || digits.len() == 13 => national.to_owned(),
        _ => digits,
    }
}

/// The digits of a typed chunk that is a phone number or part of one (only digits and `+-()`),
/// as [`phone_digits`] gives them; `None` for anything else.
pub fn typed_phone(chunk: &str) -> Option<String> {
    let digits = phone_digits(chunk);
    let phone_like = !digits.is_empty() && chunk.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
    phone_like.then_some(digits)
}

/// The last 4, 5 and 6 digits of a phone (what a caller reads out), longest first.
pub fn phone_suffixes(digits: &str) -> Vec<String> {
    (4..=6).rev().filter(|n| digits.len() > *n).map(|n| digits[digits.len() - n..].to_owned()).collect()
}

/// The byte ranges of `value` that the words of `query` match (case-insensitively; digits also
/// across separators, as in a formatted phone), merged and in order: what a result highlights.
pub fn highlight(value: &str, query: &str) -> Vec<(usize, usize)> {
    let lower = value.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; highlight only when it does not.
    if lower.len() != value.len() {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    for word in words(query) {
        match word {
            Word::Latin(w) | Word::Cjk(w) => {
                let mut from = 0;
                while let Some(at) = lower[from..].find(&w) {
                    ranges.push((from + at, from + at + w.len()));
                    from += at + w.len();
                }
            }
            Word::Digits(d) => ranges.extend(digit_match(value, &d)),
        }
    }
    merge_ranges(ranges)
}

/// Byte ranges sorted, with overlapping and touching ones joined.
pub fn merge_ranges(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Where the digit string `digits` occurs in `value`, skipping separators between digits.
fn digit_match(value: &str, digits: &str) -> Vec<(usize, usize)> {
    let positions: Vec<(usize, char)> = value.char_indices().filter(|(_, c)| c.is_ascii_digit()).collect();
    let only: String = positions.iter().map(|(_, c)| *c).collect();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = only[from..].find(digits) {
        let (start, end) = (from + at, from + at + digits.len() - 1);
        out.push((positions[start].0, positions[end].0 + 1));
        from = start + digits.len();
    }
    out
}

/// What a search result shows of one customer (the SPA's view of `searchCustomers`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    pub customer: SearchCustomer,
    pub highlights: Vec<HighlightView>,
}

/// The customer of a hit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCustomer {
    pub id: String,
    pub code: String,
    pub name: String,
    pub stars: Option<i16>,
    pub lifecycle_stage: crate::customer::LifecycleStage,
}

/// Which value of a customer a search highlight shows.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SearchField {
    Name,
    Code,
    Phone,
    Email,
    ExternalId,
    Company,
    Tag,
}

/// A value with the stretches the query matched.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HighlightView {
    pub field: SearchField,
    pub parts: Vec<HighlightPartView>,
}

/// A stretch of a highlighted value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HighlightPartView {
    pub text: String,
    pub matched: bool,
}

/// Matches per star count (0: not rated yet).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StarsCount {
    pub stars: i16,
    pub count: u64,
}

/// Matches per lifecycle stage.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StageCount {
    pub stage: crate::customer::LifecycleStage,
    pub count: u64,
}

/// One answer of `searchCustomers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResultView {
    pub hits: Vec<SearchHitView>,
    pub total: u64,
    pub by_stars: Vec<StarsCount>,
    pub by_stage: Vec<StageCount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_scripts_and_keep_codes_whole() {
        assert_eq!(
            words("王小明 John O'Brien C000123 138-0013"),
            vec![
                Word::Cjk("王小明".into()),
                Word::Latin("john".into()),
                Word::Latin("o".into()),
                Word::Latin("brien".into()),
                Word::Latin("c000123".into()),
                Word::Digits("138".into()),
                Word::Digits("0013".into()),
            ]
        );
    }

    #[test]
    fn chinese_is_indexed_by_characters_and_pairs() {
        assert_eq!(index_terms("王小明"), vec!["王", "小", "明", "王小", "小明"]);
        assert_eq!(cjk_query_terms("小明"), vec!["小明"]);
        assert_eq!(cjk_query_terms("王小明"), vec!["王小", "小明"]);
        assert_eq!(cjk_query_terms("明"), vec!["明"]);
    }

    #[test]
    fn phones_lose_the_country_code_and_give_their_last_digits() {
        assert_eq!(phone_digits("+86 138-0013-8000"), "13800138000");
        assert_eq!(phone_digits("021 6555 1234"), "02165551234");
        assert_eq!(phone_suffixes("13800138000"), vec!["138000", "38000", "8000"]);
        assert!(phone_suffixes("1234").is_empty());
    }

    #[test]
    fn highlights_cover_words_and_digits_across_separators() {
        assert_eq!(highlight("John Smith", "smi"), vec![(5, 8)]);
        assert_eq!(highlight("+86 138-0013-8000", "8000"), vec![(13, 17)]);
        assert_eq!(highlight("138-0013-8000", "0013 8000"), vec![(4, 8), (9, 13)]);
        assert_eq!(highlight("王小明", "小明"), vec![(3, 9)]);
    }
}
