//! How customer search reads text, shared by both index backends and the SPA: the terms a name,
//! company or tag is indexed under (Latin words lowercased; Chinese as single characters and
//! overlapping pairs, so any part of a name matches without a dictionary that knows the name), the
//! digits of a phone and its last 4-6 digits, how a typed query is normalised ([`parse_query`]:
//! separators, phones typed in pieces, pinyin phrases), and where a query matches a shown value
//! (for highlights). Both backends read queries only through [`parse_query`], so they agree on
//! what was typed by construction.

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

/// The digits of a phone number as dialled nationally: the country code 86 goes whether written
/// `+86`, `0086` (the international prefix) or as the first two of 13 digits, so
/// `+86 138-0013-8000`, `0086 138 0013 8000` and `8613800138000` all give `13800138000`.
pub fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    // No national number starts with 00: it is always the international prefix.
    if let Some(national) = digits.strip_prefix("0086") {
        return national.to_owned();
    }
    match digits.strip_prefix("86") {
        Some(national) if phone.trim_start().starts_with('+') || digits.len() == 13 => national.to_owned(),
        _ => digits,
    }
}

/// Whether a typed piece is (part of) a phone number: digits, possibly with `+-().`.
fn phone_like(piece: &str) -> bool {
    piece.chars().any(|c| c.is_ascii_digit())
        && piece.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c))
}

/// Whether `c` separates the pieces of a query: white space, list punctuation (`,;!?|"`), and
/// CJK and general punctuation (`，`, `、`, `。`, `“`...), which Chinese input methods type
/// without a space after it.
fn separates(c: char) -> bool {
    c.is_whitespace() || ",;!?|\"".contains(c) || matches!(c as u32, 0x2000..=0x206F | 0x3000..=0x303F)
}

/// Full-width ASCII (`，`, `１３８`, `（`) as the ASCII it stands for; other characters as they are.
fn half_width(c: char) -> char {
    match c as u32 {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A typed query, normalised once for both index backends and the highlights.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Every part must match.
    pub parts: Vec<QueryPart>,
    /// Runs of two or more single Latin words typed apart, joined in order, `ü` as `v`
    /// (`wang xiao ming` -> `wangxiaoming`): a pinyin phrase, which ranks a name spelling these
    /// syllables in this order above names that merely contain them.
    pub phrases: Vec<String>,
}

/// One part of a typed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryPart {
    /// A phone number or part of one: `digits` national (pieces of digits typed apart,
    /// `138 1234 5678` or `(138) 1234-5678`, joined; the country code dropped), `typed` the pieces
    /// joined as typed (a numeric order id such as `2305-1234` is matched as an identifier).
    Phone { digits: String, typed: String },
    /// A piece typed between separators, lowercased: matched whole or by prefix against
    /// identifiers (code, email, channel ids), and word by word against names, company, tags and
    /// pinyin.
    Text(String),
}

impl ParsedQuery {
    /// Whether nothing searchable was typed.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The words of the text parts, and each phone part as one number.
    pub fn words(&self) -> Vec<Word> {
        self.parts
            .iter()
            .flat_map(|part| match part {
                QueryPart::Phone { digits, .. } => vec![Word::Digits(digits.clone())],
                QueryPart::Text(text) => words(text),
            })
            .collect()
    }
}

/// Reads what staff typed: pieces split at white space and punctuation (full-width too),
/// pieces with no letter or digit dropped (a stray `-`, `/` or emoji), neighbouring pieces of a
/// phone number joined with the country code dropped, and runs of single words kept as pinyin
/// phrases.
pub fn parse_query(text: &str) -> ParsedQuery {
    let normal: String = text.chars().map(half_width).collect();
    let pieces = normal.split(separates).filter(|p| p.chars().any(char::is_alphanumeric));
    let mut parts: Vec<QueryPart> = Vec::new();
    // Digits typed in groups, joined until a piece of another kind comes.
    let mut number = String::new();
    let flush = |number: &mut String, parts: &mut Vec<QueryPart>| {
        let typed = std::mem::take(number);
        let digits = phone_digits(&typed);
        // A country code alone (`+86`) leaves nothing to look for.
        if !digits.is_empty() {
            parts.push(QueryPart::Phone { digits, typed });
        }
    };
    for piece in pieces {
        if phone_like(piece) {
            number.push_str(piece);
        } else {
            flush(&mut number, &mut parts);
            parts.push(QueryPart::Text(piece.to_lowercase()));
        }
    }
    flush(&mut number, &mut parts);
    let phrases = pinyin_phrases(&parts);
    ParsedQuery { parts, phrases }
}

/// Runs of two or more text parts that are each one pinyin-like word, joined.
fn pinyin_phrases(parts: &[QueryPart]) -> Vec<String> {
    let mut phrases = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut end_run = |run: &mut Vec<String>| {
        if run.len() >= 2 {
            phrases.push(run.concat());
        }
        run.clear();
    };
    for part in parts {
        let single = match part {
            QueryPart::Text(text) => match words(text).as_slice() {
                [Word::Latin(w)] if w == text => pinyin_spelling(w),
                _ => None,
            },
            QueryPart::Phone { .. } => None,
        };
        match single {
            Some(w) => run.push(w),
            None => end_run(&mut run),
        }
    }
    end_run(&mut run);
    phrases
}

/// A word as pinyin is looked up (`ü` typed as `v`, as on every pinyin keyboard); `None` when it
/// cannot be pinyin (anything but the letters a-z and ü).
pub fn pinyin_spelling(word: &str) -> Option<String> {
    let spelled = word.replace('ü', "v");
    (!spelled.is_empty() && spelled.chars().all(|c| c.is_ascii_lowercase())).then_some(spelled)
}

/// The spellings pinyin with `ü` is indexed under: `lü` as `lv` (keyboards) and `lu` (what
/// people write without the dots); other pinyin as it is.
pub fn pinyin_variants(pinyin: &str) -> Vec<String> {
    if pinyin.contains('ü') {
        vec![pinyin.replace('ü', "v"), pinyin.replace('ü', "u")]
    } else {
        vec![pinyin.to_owned()]
    }
}

/// The last 4, 5 and 6 digits of a phone (what a caller reads out), longest first.
pub fn phone_suffixes(digits: &str) -> Vec<String> {
    (4..=6).rev().filter(|n| digits.len() > *n).map(|n| digits[digits.len() - n..].to_owned()).collect()
}

/// The byte ranges of `value` that the words of `query` match (case-insensitively; digits also
/// across separators, as in a formatted phone), merged and in order: what a result highlights.
pub fn highlight(value: &str, query: &ParsedQuery) -> Vec<(usize, usize)> {
    let lower = value.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; highlight only when it does not.
    if lower.len() != value.len() {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    for word in query.words() {
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
        let at = |value: &str, query: &str| highlight(value, &parse_query(query));
        assert_eq!(at("John Smith", "smi"), vec![(5, 8)]);
        assert_eq!(at("+86 138-0013-8000", "8000"), vec![(13, 17)]);
        assert_eq!(at("138-0013-8000", "0013 8000"), vec![(4, 13)]);
        assert_eq!(at("王小明", "小明"), vec![(3, 9)]);
        assert_eq!(at("+86 138-0013-8000", "0086 138 0013 8000"), vec![(4, 17)]);
    }

    /// The parts of a query as `phone:DIGITS` and `text:PIECE`.
    fn parts(query: &str) -> Vec<String> {
        parse_query(query)
            .parts
            .into_iter()
            .map(|p| match p {
                QueryPart::Phone { digits, .. } => format!("phone:{digits}"),
                QueryPart::Text(text) => format!("text:{text}"),
            })
            .collect()
    }

    #[test]
    fn phones_typed_in_pieces_are_joined_without_the_country_code() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "+86 138 1234 5678",
            "0086 138-1234-5678",
            "(138) 1234 5678",
            "86 138 1234 5678",
            "+86-138.1234.5678",
            "１３８ １２３４ ５６７８",
        ] {
            assert_eq!(parts(typed), ["phone:13812345678"], "{typed:?}");
        }
        assert_eq!(parts("56 78"), ["phone:5678"]);
        assert!(parts("+86").is_empty());
        assert_eq!(phone_digits("0086 138 1234 5678"), "13812345678");
        assert_eq!(phone_digits("8613812345678"), "13812345678");
        assert_eq!(
            parts("王小明 138 1234 5678 C000123"),
            ["text:王小明", "phone:13812345678", "text:c000123"]
        );
        assert_eq!(
            parse_query("2305-1234").parts,
            [QueryPart::Phone { digits: "23051234".into(), typed: "2305-1234".into() }]
        );
    }

    #[test]
    fn stray_pieces_are_dropped_and_full_width_punctuation_separates() {
        assert_eq!(parts("Mary Smith -"), ["text:mary", "text:smith"]);
        assert_eq!(parts("王小明 /"), ["text:王小明"]);
        assert_eq!(parts("王小明 😀"), ["text:王小明"]);
        assert!(parts("😀 — · …").is_empty());
        assert!(parse_query(" - / ").is_empty());
        assert_eq!(parts("王小明，13812345678"), ["text:王小明", "phone:13812345678"]);
        assert_eq!(parts("王小明、李雷。"), ["text:王小明", "text:李雷"]);
        assert_eq!(parts("wang,xiaoming"), ["text:wang", "text:xiaoming"]);
        // Identifiers keep their inner punctuation.
        assert_eq!(
            parts("li.lei@example.com wx_1a2b TM-88231"),
            ["text:li.lei@example.com", "text:wx_1a2b", "text:tm-88231"]
        );
    }

    #[test]
    fn single_words_typed_apart_make_a_pinyin_phrase() {
        assert_eq!(parse_query("wang xiao ming").phrases, vec!["wangxiaoming"]);
        assert_eq!(parse_query("Lü Xiao").phrases, vec!["lvxiao"]);
        assert_eq!(parse_query("wang 138 1234 li na").phrases, vec!["lina"]);
        assert!(parse_query("wangxiaoming").phrases.is_empty());
        assert!(parse_query("王 小明").phrases.is_empty());
        assert!(parse_query("o'brien smith").phrases.is_empty());
    }

    #[test]
    fn u_umlaut_is_spelled_v_and_u() {
        assert_eq!(pinyin_variants("lüxiaohong"), vec!["lvxiaohong", "luxiaohong"]);
        assert_eq!(pinyin_variants("nüshi"), vec!["nvshi", "nushi"]);
        assert_eq!(pinyin_variants("wang"), vec!["wang"]);
        assert_eq!(pinyin_spelling("lü").as_deref(), Some("lv"));
        assert_eq!(pinyin_spelling("lv").as_deref(), Some("lv"));
        assert_eq!(pinyin_spelling("c000123"), None);
    }
}
