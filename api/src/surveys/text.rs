//! Comments into terms: Chinese runs segmented into words by jieba (its dictionary and HMM for
//! words it does not know), Latin runs lower-cased and stemmed with the Snowball English stemmer,
//! function words of both languages left out, so "快递太慢了" gives 快递 / 太慢 and "Deliveries
//! were late" gives deliveri / late.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};

/// Loading the dictionary takes a few hundred milliseconds: once per process, on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Chinese function words and fillers that say nothing about what a comment is about.
const ZH_STOP: &[&str] = &[
    "我们",
    "你们",
    "他们",
    "她们",
    "它们",
    "自己",
    "这个",
    "那个",
    "这些",
    "那些",
    "这样",
    "那样",
    "一个",
    "一下",
    "一些",
    "一点",
    "但是",
    "可是",
    "因为",
    "所以",
    "如果",
    "虽然",
    "而且",
    "然后",
    "还是",
    "就是",
    "只是",
    "已经",
    "什么",
    "怎么",
    "为什么",
    "这么",
    "那么",
    "可以",
    "还有",
    "以及",
    "或者",
    "不过",
    "其实",
    "非常",
    "比较",
    "有点",
    "真的",
    "觉得",
    "感觉",
    "时候",
    "现在",
    "之后",
    "之前",
    "的话",
    "一直",
    "每次",
    "还会",
    "一次",
    "两次",
    "到现在",
    "直接",
];

/// English function words (the common short list: articles, pronouns, auxiliaries,
/// prepositions, conjunctions).
const EN_STOP: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
    "even", "for", "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here",
    "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more",
    "most", "my", "myself", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over",
    "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "us", "very",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your", "yours", "really", "still", "it's", "i'm", "i've", "don't", "didn't", "won't",
];

/// At most this many characters of one text are read (a comment, not a book).
pub const MAX_CHARS: usize = 5_000;

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The terms of `text`, in order, repeats kept (callers count them).
pub fn terms(text: &str) -> Vec<String> {
    words(text).into_iter().map(|(term, _)| term).collect()
}

/// The terms of `text` with the word each came from (`deliveri` from `delivery`; a Chinese word
/// is its own term), in order, repeats kept.
pub fn words(text: &str) -> Vec<(String, String)> {
    let text: String = text.chars().take(MAX_CHARS).collect();
    let mut out = Vec::new();
    let mut run = String::new();
    let mut han_run = false;
    let flush = |run: &mut String, han: bool, out: &mut Vec<(String, String)>| {
        if run.is_empty() {
            return;
        }
        if han {
            chinese(run, out);
        } else {
            latin(run, out);
        }
        run.clear();
    };
    for c in text.chars() {
        let han = is_han(c);
        if han != han_run {
            flush(&mut run, han_run, &mut out);
            han_run = han;
        }
        run.push(c);
    }
    flush(&mut run, han_run, &mut out);
    out
}

fn chinese(run: &str, out: &mut Vec<(String, String)>) {
    for token in JIEBA.cut(run, true) {
        let word = token.word;
        // One character alone (了, 的, 很) rarely says what a comment is about.
        if word.chars().count() >= 2 && !ZH_STOP.contains(&word) {
            out.push((word.to_owned(), word.to_owned()));
        }
    }
}

fn latin(run: &str, out: &mut Vec<(String, String)>) {
    let lower = run.to_lowercase();
    for word in lower.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let word = word.trim_matches('\'');
        if word.chars().count() < 2 || word.chars().all(|c| c.is_ascii_digit()) || EN_STOP.contains(&word) {
            continue;
        }
        out.push((STEMMER.stem(word).into_owned(), word.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use starcrm_shared::terms::{self, Counts};

    use super::*;

    fn corpus(texts: &[&str]) -> Counts {
        let all: Vec<String> = texts.iter().flat_map(|t| terms(t)).collect();
        terms::count(all.iter().map(String::as_str))
    }

    #[test]
    fn chinese_is_segmented_into_words_without_function_words() {
        let got = terms("快递太慢了，等了三天还没到！但是茶叶的品质很好。");
        assert!(got.contains(&"快递".to_owned()), "{got:?}");
        assert!(got.contains(&"茶叶".to_owned()) && got.contains(&"品质".to_owned()), "{got:?}");
        assert!(!got.iter().any(|t| t == "但是" || t == "了" || t == "的"), "{got:?}");
    }

    #[test]
    fn english_is_lower_cased_stemmed_and_stripped_of_stop_words() {
        let got = terms("The deliveries were LATE again, and the box was broken. 2 stars.");
        assert_eq!(got, ["deliveri", "late", "box", "broken", "star"], "{got:?}");
    }

    #[test]
    fn mixed_text_gives_both_and_nothing_gives_nothing() {
        let got = terms("客服态度好 great service");
        assert!(got.contains(&"客服".to_owned()) && got.contains(&"servic".to_owned()), "{got:?}");
        assert!(terms("").is_empty() && terms("！？。, ...").is_empty());
        assert!(terms(&"很".repeat(100_000)).is_empty(), "long input is cut, and single characters dropped");
    }

    #[test]
    fn detractors_talk_about_delivery_and_promoters_about_taste() {
        let detractors = [
            "快递太慢了，等了一个星期",
            "物流太慢，包装也破损了",
            "快递慢，客服也不回复",
            "等了五天快递还没到",
            "包装破损，茶叶洒了一地",
            "Delivery was slow and the package arrived damaged",
            "Late delivery again, nobody answered my emails",
        ]
        .repeat(3);
        let promoters = [
            "茶叶很香，口感很好，会回购",
            "口感醇厚，品质稳定",
            "茶叶新鲜，味道很好",
            "客服热情，茶叶口感好",
            "Great taste and fresh leaves",
            "Lovely taste, will buy again",
        ]
        .repeat(3);
        let (d, p) = (corpus(&detractors), corpus(&promoters));
        let mut all = d.clone();
        terms::add(&mut all, &p);
        let scores = terms::distinguishing(&d, &p, &all, terms::DEFAULT_PRIOR_WORDS / 10.0, 2);
        let top: Vec<&str> = scores.iter().take(4).map(|s| s.term.as_str()).collect();
        assert!(top.contains(&"快递") && top.contains(&"包装"), "{top:?} of {scores:#?}");
        assert!(scores[0].term == "快递" && scores[0].is_significant(), "{scores:#?}");
        assert!(
            !scores.iter().any(|s| s.term == "茶叶" && s.is_significant()),
            "said by both sides: {scores:#?}"
        );
        let bottom: Vec<&str> = scores.iter().rev().take(4).map(|s| s.term.as_str()).collect();
        assert!(bottom.contains(&"口感") && bottom.contains(&"tast"), "{bottom:?} of {scores:#?}");
    }
}
