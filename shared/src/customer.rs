//! The customer data hub's vocabulary: the closed sets of values profiles, identities,
//! transactions and interactions use, and the input rules the server enforces and the SPA shows
//! as you type.

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    pub enum Gender {
        Female => "female",
        Male => "male",
        Other => "other",
        Unknown => "unknown",
    }
}

stored_enum! {
    /// Where a customer stands with the business.
    pub enum LifecycleStage {
        /// Known contact, no purchase yet.
        Lead => "lead",
        /// Has shown intent (consultation, quote, cart).
        Prospect => "prospect",
        /// Made a first purchase recently.
        New => "new",
        /// Buys.
        Active => "active",
        /// Buys often and long.
        Loyal => "loyal",
        /// Activity is dropping.
        AtRisk => "at_risk",
        /// Has stopped buying.
        Churned => "churned",
        /// Bought again after being called churned.
        WonBack => "won_back",
    }
}

stored_enum! {
    /// A channel a customer reaches the business through.
    pub enum Channel {
        Web => "web",
        App => "app",
        Wechat => "wechat",
        Social => "social",
        Phone => "phone",
        Email => "email",
        Store => "store",
        Marketplace => "marketplace",
        Chat => "chat",
        Other => "other",
    }
}

stored_enum! {
    /// A channel the business may contact a customer on, with the customer's consent.
    pub enum ConsentChannel {
        Sms => "sms",
        Email => "email",
        Phone => "phone",
        Wechat => "wechat",
        AppPush => "app_push",
    }
}

stored_enum! {
    pub enum TransactionKind {
        Purchase => "purchase",
        /// Money back on an earlier purchase (`refundOf` names it).
        Refund => "refund",
    }
}

stored_enum! {
    pub enum TransactionStatus {
        Completed => "completed",
        /// A purchase whose amount was refunded in full.
        Refunded => "refunded",
        /// A purchase refunded in part.
        PartiallyRefunded => "partially_refunded",
    }
}

stored_enum! {
    pub enum PaymentMethod {
        Cash => "cash",
        Card => "card",
        Alipay => "alipay",
        WechatPay => "wechat_pay",
        UnionPay => "union_pay",
        BankTransfer => "bank_transfer",
        Points => "points",
        Other => "other",
    }
}

stored_enum! {
    pub enum InteractionKind {
        Consultation => "consultation",
        Call => "call",
        Email => "email",
        Chat => "chat",
        Visit => "visit",
        Social => "social",
    }
}

stored_enum! {
    pub enum Direction {
        /// The customer reached out.
        Inbound => "inbound",
        /// The business reached out.
        Outbound => "outbound",
    }
}

stored_enum! {
    /// The type of a workspace-defined profile field.
    pub enum CustomFieldKind {
        Text => "text",
        Number => "number",
        Date => "date",
        Boolean => "boolean",
        SingleSelect => "single_select",
        MultiSelect => "multi_select",
    }
}

stored_enum! {
    /// What the customer list is sorted by.
    pub enum CustomerSort {
        /// Newest first by default.
        Created => "created",
        Name => "name",
        LastPurchase => "last_purchase",
        TotalSpend => "total_spend",
        /// Most stars first by default; unrated customers last either way.
        Stars => "stars",
    }
}

/// Which stars the customer list shows: one level, or the customers not rated yet. Its text
/// form (`4`, `unrated`) is what the list's address carries (`/customers?stars=4`), so a link
/// from the dashboard opens the list filtered, and the filter survives a reload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StarFilter {
    Level(u8),
    Unrated,
}

impl StarFilter {
    /// Every choice the list offers, most stars first.
    pub const ALL: [Self; 6] =
        [Self::Level(5), Self::Level(4), Self::Level(3), Self::Level(2), Self::Level(1), Self::Unrated];

    /// The level of a star distribution's bar (0: unrated), as the dashboard draws them.
    pub fn of_bar(level: usize) -> Option<Self> {
        match level {
            0 => Some(Self::Unrated),
            1..=5 => u8::try_from(level).ok().map(Self::Level),
            _ => None,
        }
    }

    /// The text form: `1` to `5`, or `unrated`.
    pub fn as_param(self) -> String {
        match self {
            Self::Level(n) => n.to_string(),
            Self::Unrated => "unrated".to_owned(),
        }
    }

    /// The filter for a text form; `None` for anything else (an old or hand-edited address).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "unrated" => Some(Self::Unrated),
            n => n.parse::<u8>().ok().filter(|n| (1..=5).contains(n)).map(Self::Level),
        }
    }
}

pub const TAG_MAX_CHARS: usize = 32;
pub const TAGS_MAX: usize = 50;
pub const TEXT_MAX_CHARS: usize = 200;
pub const NOTES_MAX_CHARS: usize = 10_000;
pub const EXTERNAL_ID_MAX_CHARS: usize = 200;
pub const CUSTOM_FIELD_KEY_MAX_CHARS: usize = 40;
pub const CUSTOM_TEXT_MAX_CHARS: usize = 1_000;
pub const PHONES_MAX: usize = 10;
pub const EMAILS_MAX: usize = 10;
pub const ITEMS_MAX: usize = 500;

/// The human-readable customer number, `C000123`: `C` and at least six digits.
pub fn customer_code(number: i64) -> String {
    format!("C{number:06}")
}

/// An optional short text (company, job title...): trimmed, empty becomes `None`.
///
/// # Errors
/// Too long or containing control characters.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.chars().count() > max {
        return Err(Invalid::TooLong { max });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::Characters);
    }
    Ok(Some(value.to_owned()))
}

/// A tag: trimmed, 1 to 32 characters, no control characters or commas.
///
/// # Errors
/// Empty, too long or with characters tags cannot hold.
pub fn tag(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.chars().count() > TAG_MAX_CHARS {
        return Err(Invalid::TooLong { max: TAG_MAX_CHARS });
    }
    if value.chars().any(|c| c.is_control() || c == ',') {
        return Err(Invalid::Characters);
    }
    Ok(value.to_owned())
}

/// A channel's id for a customer (an openid, a member number, a shop account): trimmed, 1 to 200
/// characters, no whitespace inside.
///
/// # Errors
/// Empty, too long or containing whitespace or control characters.
pub fn external_id(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.chars().count() > EXTERNAL_ID_MAX_CHARS {
        return Err(Invalid::TooLong { max: EXTERNAL_ID_MAX_CHARS });
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::Characters);
    }
    Ok(value.to_owned())
}

/// A calendar date `YYYY-MM-DD` between 1900-01-01 and `today` (a birthday, a date field).
/// Returns it in that canonical form.
///
/// # Errors
/// Not a real date in that form, or outside the range.
pub fn date(value: &str, today: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    let (year, month, day) = parse_date(value).ok_or(Invalid::Date)?;
    let canonical = format!("{year:04}-{month:02}-{day:02}");
    if year < 1900 || canonical.as_str() > today {
        return Err(Invalid::DateRange);
    }
    Ok(canonical)
}

/// `(year, month, day)` of a real calendar date written `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Option<(i32, u32, u32)> {
    let mut parts = value.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    let (year, month, day): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

/// An ISO 4217 currency code: three letters, upper-cased.
///
/// # Errors
/// Anything else.
pub fn currency(value: &str) -> Result<String, Invalid> {
    let value = value.trim().to_ascii_uppercase();
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value)
    } else {
        Err(Invalid::Currency)
    }
}

/// An amount of money in minor units (fen, cents): zero or more, below 10^15.
///
/// # Errors
/// Negative or absurdly large.
pub const fn amount(minor: i64) -> Result<i64, Invalid> {
    if minor < 0 {
        Err(Invalid::Negative)
    } else if minor >= 1_000_000_000_000_000 {
        Err(Invalid::TooLarge)
    } else {
        Ok(minor)
    }
}

/// A custom field's key: lower-case ASCII letters, digits and `_`, starting with a letter.
///
/// # Errors
/// Empty, too long, or other characters.
pub fn custom_field_key(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.len() > CUSTOM_FIELD_KEY_MAX_CHARS {
        return Err(Invalid::TooLong { max: CUSTOM_FIELD_KEY_MAX_CHARS });
    }
    let starts_with_letter = value.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !starts_with_letter
        || !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(Invalid::Characters);
    }
    Ok(value.to_owned())
}

/// The value of a custom field, typed by its definition.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomValue {
    Text(String),
    Number(f64),
    /// `YYYY-MM-DD`.
    Date(String),
    Boolean(bool),
    SingleSelect(String),
    MultiSelect(Vec<String>),
}

/// Checks a raw custom-field value (as JSON) against its definition and returns it typed.
/// `options` are the allowed choices of select fields.
///
/// # Errors
/// A value of the wrong type, a choice not among the options, a bad date or an over-long text.
pub fn custom_value(
    kind: CustomFieldKind,
    options: &[String],
    raw: &serde_json::Value,
    today: &str,
) -> Result<CustomValue, Invalid> {
    use serde_json::Value;
    let choice = |s: &str| {
        if options.iter().any(|o| o == s) { Ok(s.to_owned()) } else { Err(Invalid::NotAnOption) }
    };
    match (kind, raw) {
        (CustomFieldKind::Text, Value::String(s)) => {
            optional_text(Some(s), CUSTOM_TEXT_MAX_CHARS)?.map(CustomValue::Text).ok_or(Invalid::Required)
        }
        (CustomFieldKind::Number, Value::Number(n)) => {
            n.as_f64().filter(|f| f.is_finite()).map(CustomValue::Number).ok_or(Invalid::WrongType)
        }
        (CustomFieldKind::Date, Value::String(s)) => date(s, today).map(CustomValue::Date),
        (CustomFieldKind::Boolean, Value::Bool(b)) => Ok(CustomValue::Boolean(*b)),
        (CustomFieldKind::SingleSelect, Value::String(s)) => choice(s.trim()).map(CustomValue::SingleSelect),
        (CustomFieldKind::MultiSelect, Value::Array(items)) => {
            let mut chosen = Vec::with_capacity(items.len());
            for item in items {
                let Value::String(s) = item else { return Err(Invalid::WrongType) };
                let value = choice(s.trim())?;
                if !chosen.contains(&value) {
                    chosen.push(value);
                }
            }
            Ok(CustomValue::MultiSelect(chosen))
        }
        _ => Err(Invalid::WrongType),
    }
}

/// An amount of money as the API returns it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyValue {
    pub amount_minor: i64,
    pub currency: String,
}

/// `12,345`: a whole number with thousands separators (no sign).
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// `¥1,234.50`, `$12.00`, `1,234.50 EUR`: minor units as two decimals with thousands separators.
pub fn format_money(amount_minor: i64, currency: &str) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    let (units, cents) = (abs / 100, abs % 100);
    let grouped = group_thousands(units);
    match currency_symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{grouped}.{cents:02}"),
        None => format!("{sign}{grouped}.{cents:02} {currency}"),
    }
}

/// The sign written before amounts of `currency` (`¥`, `$`); `None` for currencies written
/// by their code after the amount.
pub fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "CNY" => Some("¥"),
        "USD" => Some("$"),
        _ => None,
    }
}

/// Money as people write it (`1234.5`, `1,234.50`, `¥88`, `12,50`) in minor units: at most
/// two decimals. A currency sign or code around it is allowed and ignored; see [`parse_money`]
/// to learn which currency it named.
///
/// # Errors
/// Empty, not a number, negative, more than two decimals, or absurdly large.
pub fn parse_amount(value: &str) -> Result<i64, Invalid> {
    parse_money(value).map(|(minor, _)| minor)
}

/// Signs and words that name a currency around an amount, longest first. `$` alone names no
/// currency in particular (see [`currency_fits`]).
const CURRENCY_MARKS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("NT$", "TWD"),
    ("S$", "SGD"),
    ("A$", "AUD"),
    ("C$", "CAD"),
    ("RMB", "CNY"),
    ("人民币", "CNY"),
    ("美元", "USD"),
    ("港币", "HKD"),
    ("欧元", "EUR"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("元", "CNY"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("$", "$"),
];

/// Whether an amount marked with `mark` (from [`parse_money`]) may be stored in `currency`:
/// the same code, or a bare `$` and any dollar.
pub fn currency_fits(mark: &str, currency: &str) -> bool {
    mark == currency || mark == "$" && ["USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD"].contains(&currency)
}

/// Strips one currency mark (a sign, a word or an ISO code) from the start or the end.
fn strip_currency(text: &str) -> (&str, Option<&'static str>) {
    let text = text.trim();
    for (mark, code) in CURRENCY_MARKS {
        if let Some(rest) = text.strip_prefix(mark).or_else(|| text.strip_suffix(mark)) {
            return (rest.trim(), Some(code));
        }
    }
    // An ISO code: `88.00 USD`, `EUR 12`.
    for (code, rest) in [
        (text.get(..3), text.get(3..)),
        (text.get(text.len().saturating_sub(3)..), text.get(..text.len().saturating_sub(3))),
    ] {
        if let (Some(code), Some(rest)) = (code, rest)
            && let Some(known) = ISO_CODES.iter().find(|c| **c == code)
        {
            return (rest.trim(), Some(known));
        }
    }
    (text, None)
}

/// The ISO codes [`strip_currency`] recognises written out.
const ISO_CODES: &[&str] =
    &["CNY", "USD", "EUR", "GBP", "HKD", "JPY", "TWD", "SGD", "AUD", "CAD", "NZD", "KRW"];

/// Money as people write it, in minor units, with the currency its sign or code names:
/// `¥1,234.50`, `88元`, `RMB 88`, `US$12`, `1.234,50 EUR`. A single comma followed by one or
/// two digits is a decimal comma (`12,50`); otherwise commas and, beside a decimal comma, dots
/// group thousands.
///
/// # Errors
/// Empty, not a number, negative, more than two decimals, or absurdly large.
pub fn parse_money(value: &str) -> Result<(i64, Option<&'static str>), Invalid> {
    let (text, mark) = strip_currency(value);
    let text = text.replace('，', ",");
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::Required);
    }
    if text.starts_with('-') {
        return Err(Invalid::Negative);
    }
    let last_comma = text.rfind(',');
    let decimal_comma = match (last_comma, text.rfind('.')) {
        (Some(comma), Some(dot)) => comma > dot,
        (Some(comma), None) => text.matches(',').count() == 1 && (1..=2).contains(&(text.len() - comma - 1)),
        _ => false,
    };
    let plain: String = if decimal_comma {
        text.chars().filter(|c| *c != '.').map(|c| if c == ',' { '.' } else { c }).collect()
    } else if text.contains(',') {
        text.chars().filter(|c| *c != ',').collect()
    } else {
        text.to_owned()
    };
    let (units, cents) = plain.split_once('.').unwrap_or((&plain, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() && cents.is_empty() || !digits(units) || !digits(cents) {
        return Err(Invalid::WrongType);
    }
    // A number, but finer than the currency's cents: say so rather than "wrong type".
    if cents.len() > 2 {
        return Err(Invalid::Decimals { max: 2 });
    }
    if units.len() > 13 {
        return Err(Invalid::TooLarge);
    }
    let units: i64 = if units.is_empty() { 0 } else { units.parse().map_err(|_| Invalid::WrongType)? };
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| Invalid::WrongType)?;
    Ok((amount(units * 100 + cents)?, mark))
}

/// A phone or email as listed (masked unless revealed).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContactValue {
    pub value: String,
    pub primary: bool,
}

/// A customer as the customer list shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub lifecycle_stage: LifecycleStage,
    pub stars: Option<i16>,
    pub source_channel: Option<Channel>,
    pub tags: Vec<String>,
    pub order_count: i32,
    pub last_purchase_at: Option<String>,
    pub total_spend: MoneyValue,
    pub phones: Vec<ContactValue>,
    pub created_at: String,
    pub deleted: bool,
}

/// A user as a customer page names them (the dedicated rep, an agent).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserName {
    pub id: String,
    pub name: String,
}

/// Consent to be contacted on one channel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub channel: ConsentChannel,
    pub granted: bool,
    pub source: Option<String>,
    pub changed_at: String,
}

/// A (channel, external id) pair of a customer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub id: String,
    pub channel: Channel,
    pub external_id: String,
    pub created_at: String,
}

/// A custom field's value on a customer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldValueView {
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    pub value: serde_json::Value,
}

/// A custom field a workspace defined.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldDefinition {
    pub id: String,
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    pub options: Vec<String>,
}

/// A merge into a customer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeView {
    pub id: String,
    pub merged_id: String,
    pub merged_code: String,
    pub created_at: String,
    pub undone_at: Option<String>,
}

/// A customer as their page shows them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetail {
    pub id: String,
    pub code: String,
    pub name: String,
    pub gender: Gender,
    pub birthday: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub education: Option<String>,
    pub native_place: Option<String>,
    pub owner: Option<UserName>,
    pub lifecycle_stage: LifecycleStage,
    pub source_channel: Option<Channel>,
    pub first_seen_at: String,
    pub last_activity_at: Option<String>,
    pub notes: Option<String>,
    pub stars: Option<i16>,
    /// The workspace's name for the star level (金卡...), if it gave one.
    #[serde(default)]
    pub tier_name: Option<String>,
    pub total_spend: MoneyValue,
    pub order_count: i32,
    pub first_purchase_at: Option<String>,
    pub last_purchase_at: Option<String>,
    pub category_count: i32,
    pub phones: Vec<ContactValue>,
    pub emails: Vec<ContactValue>,
    pub tags: Vec<String>,
    pub consents: Vec<ConsentView>,
    pub identities: Vec<IdentityView>,
    pub custom_fields: Vec<FieldValueView>,
    pub merges: Vec<MergeView>,
    pub deleted: bool,
    pub erased: bool,
    pub version: i32,
    pub created_at: String,
    pub updated_at: String,
}

/// A line of a purchase.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub sku: Option<String>,
    pub name: String,
    pub category: Option<String>,
    pub quantity: i32,
    pub unit_price: MoneyValue,
}

/// A purchase or refund.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    pub id: String,
    pub kind: TransactionKind,
    pub status: TransactionStatus,
    pub channel: Channel,
    pub occurred_at: String,
    pub amount: MoneyValue,
    pub refunded: MoneyValue,
    pub payment_method: Option<PaymentMethod>,
    pub store: Option<String>,
    pub external_ref: Option<String>,
    pub note: Option<String>,
    pub items: Vec<ItemView>,
}

/// A consultation, call, email, chat, visit or social contact.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionView {
    pub id: String,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub channel: Option<Channel>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub agent: Option<UserName>,
    pub occurred_at: String,
}

/// One entry of a customer's timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "__typename")]
pub enum TimelineItem {
    Transaction(TransactionView),
    Interaction(InteractionView),
    /// A ticket at its opening (shown to the service desk).
    Ticket(crate::service_desk::TicketEntryView),
}

impl TimelineItem {
    pub fn id(&self) -> &str {
        match self {
            Self::Transaction(t) => &t.id,
            Self::Interaction(i) => &i.id,
            Self::Ticket(t) => &t.id,
        }
    }
}

stored_enum! {
    /// Why a customer looks like a duplicate.
    pub enum DuplicateReason {
        SamePhone => "same_phone",
        SameEmail => "same_email",
        SameNameAndBirthday => "same_name_and_birthday",
    }
}

/// What a duplicate candidate brings to a merge.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateView {
    pub customer: DuplicateCustomer,
    pub reasons: Vec<DuplicateReason>,
}

/// The parts of a customer a merge preview compares.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateCustomer {
    pub id: String,
    pub code: String,
    pub name: String,
    pub version: i32,
    pub created_at: String,
    pub order_count: i32,
    pub total_spend: MoneyValue,
    pub phones: Vec<ContactValue>,
    pub emails: Vec<ContactValue>,
    pub tags: Vec<String>,
    pub identities: Vec<IdentityView>,
    pub interaction_count: Count,
}

/// `{ totalCount }` of a connection asked for its size only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(*channel));
        }
        assert_eq!(LifecycleStage::parse("at_risk"), Some(LifecycleStage::AtRisk));
        assert_eq!(PaymentMethod::parse("bitcoin"), None);
        assert_eq!(serde_json::to_string(&ConsentChannel::AppPush).ok().as_deref(), Some("\"APP_PUSH\""));
    }

    #[test]
    fn money_reads_like_money() {
        assert_eq!(format_money(123_450, "CNY"), "¥1,234.50");
        assert_eq!(format_money(5, "USD"), "$0.05");
        assert_eq!(format_money(-100_000_000, "CNY"), "-¥1,000,000.00");
        assert_eq!(format_money(99_900, "EUR"), "999.00 EUR");
    }

    #[test]
    fn codes_are_zero_padded() {
        assert_eq!(customer_code(123), "C000123");
        assert_eq!(customer_code(1_234_567), "C1234567");
    }

    #[test]
    fn dates_must_be_real_and_not_in_the_future() {
        let today = "2026-11-23";
        assert_eq!(date("1990-03-07", today).as_deref(), Ok("1990-03-07"));
        assert_eq!(date("2024-02-29", today).as_deref(), Ok("2024-02-29"));
        assert_eq!(date("2023-02-29", today), Err(Invalid::Date));
        assert_eq!(date("1990-13-01", today), Err(Invalid::Date));
        assert_eq!(date("1990/03/07", today), Err(Invalid::Date));
        assert_eq!(date("90-03-07", today), Err(Invalid::Date));
        assert_eq!(date("2026-11-24", today), Err(Invalid::DateRange));
        assert_eq!(date("1899-12-31", today), Err(Invalid::DateRange));
        assert_eq!(date(" ", today), Err(Invalid::Required));
    }

    #[test]
    fn money_and_currency() {
        assert_eq!(currency(" cny"), Ok("CNY".to_owned()));
        assert_eq!(currency("RMB1"), Err(Invalid::Currency));
        assert_eq!(amount(0), Ok(0));
        assert_eq!(amount(-1), Err(Invalid::Negative));
        assert_eq!(amount(i64::MAX), Err(Invalid::TooLarge));
    }

    #[test]
    fn amounts_as_people_write_them() {
        assert_eq!(parse_amount("1234.5"), Ok(123_450));
        assert_eq!(parse_amount("12.345"), Err(Invalid::Decimals { max: 2 }));
        assert_eq!(parse_amount("12.3a"), Err(Invalid::WrongType));
        assert_eq!(parse_amount(" ¥1,234.56 "), Ok(123_456));
        assert_eq!(parse_amount("88"), Ok(8_800));
        assert_eq!(parse_amount(".5"), Ok(50));
        assert_eq!(parse_amount("0"), Ok(0));
        assert_eq!(parse_amount(""), Err(Invalid::Required));
        assert_eq!(parse_amount("-3"), Err(Invalid::Negative));
        assert_eq!(parse_amount("1.234"), Err(Invalid::Decimals { max: 2 }));
        assert_eq!(parse_amount("12a"), Err(Invalid::WrongType));
        assert_eq!(parse_amount("."), Err(Invalid::WrongType));
        assert_eq!(parse_amount("99999999999999"), Err(Invalid::TooLarge));
        // A decimal comma, and dots grouping thousands beside one.
        assert_eq!(parse_amount("12,50"), Ok(1_250));
        assert_eq!(parse_amount("12,5"), Ok(1_250));
        assert_eq!(parse_amount("1,234"), Ok(123_400));
        assert_eq!(parse_amount("1,234,567"), Ok(123_456_700));
        assert_eq!(parse_amount("1.234,50"), Ok(123_450));
        assert_eq!(parse_amount("１2，50"), Err(Invalid::WrongType));
    }

    #[test]
    fn money_names_its_currency() {
        assert_eq!(parse_money("¥88"), Ok((8_800, Some("CNY"))));
        assert_eq!(parse_money("88元"), Ok((8_800, Some("CNY"))));
        assert_eq!(parse_money("RMB 88"), Ok((8_800, Some("CNY"))));
        assert_eq!(parse_money("88.00 CNY"), Ok((8_800, Some("CNY"))));
        assert_eq!(parse_money("US$12"), Ok((1_200, Some("USD"))));
        assert_eq!(parse_money("$12"), Ok((1_200, Some("$"))));
        assert_eq!(parse_money("€12,50"), Ok((1_250, Some("EUR"))));
        assert_eq!(parse_money("1.234,50 EUR"), Ok((123_450, Some("EUR"))));
        assert_eq!(parse_money("12"), Ok((1_200, None)));
        assert_eq!(parse_money("12 XYZ"), Err(Invalid::WrongType));
        assert!(currency_fits("$", "HKD"));
        assert!(currency_fits("CNY", "CNY"));
        assert!(!currency_fits("$", "CNY"));
        assert!(!currency_fits("USD", "CNY"));
    }

    #[test]
    fn tags_ids_and_keys() {
        assert_eq!(tag("  VIP ").as_deref(), Ok("VIP"));
        assert_eq!(tag("a,b"), Err(Invalid::Characters));
        assert_eq!(tag(&"长".repeat(33)), Err(Invalid::TooLong { max: 32 }));
        assert_eq!(external_id(" oAbC_123 ").as_deref(), Ok("oAbC_123"));
        assert_eq!(external_id("has space"), Err(Invalid::Characters));
        assert_eq!(custom_field_key("favourite_sport").as_deref(), Ok("favourite_sport"));
        assert_eq!(custom_field_key("1st"), Err(Invalid::Characters));
        assert_eq!(custom_field_key("Hobby"), Err(Invalid::Characters));
        assert_eq!(optional_text(Some("  "), 10), Ok(None));
        assert_eq!(optional_text(Some("x".repeat(11).as_str()), 10), Err(Invalid::TooLong { max: 10 }));
    }

    #[test]
    fn custom_values_are_typed_by_their_definition() {
        let today = "2026-11-23";
        let sports = ["badminton".to_owned(), "swimming".to_owned()];
        let check = |kind, raw| custom_value(kind, &sports, &raw, today);
        assert_eq!(check(CustomFieldKind::Number, json!(3.5)), Ok(CustomValue::Number(3.5)));
        assert_eq!(check(CustomFieldKind::Number, json!("3")), Err(Invalid::WrongType));
        assert_eq!(check(CustomFieldKind::Boolean, json!(true)), Ok(CustomValue::Boolean(true)));
        assert_eq!(check(CustomFieldKind::Date, json!("2026-02-30")), Err(Invalid::Date));
        assert_eq!(
            check(CustomFieldKind::SingleSelect, json!("swimming")),
            Ok(CustomValue::SingleSelect("swimming".to_owned()))
        );
        assert_eq!(check(CustomFieldKind::SingleSelect, json!("golf")), Err(Invalid::NotAnOption));
        assert_eq!(
            check(CustomFieldKind::MultiSelect, json!(["swimming", "badminton", "swimming"])),
            Ok(CustomValue::MultiSelect(vec!["swimming".to_owned(), "badminton".to_owned()]))
        );
        assert_eq!(check(CustomFieldKind::Text, json!("  ")), Err(Invalid::Required));
    }
}
