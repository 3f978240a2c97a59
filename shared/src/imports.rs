//! Customer imports from CSV: what a column can become, the suggestion of a target from a header
//! as Chinese and English spreadsheets name it, and the states and modes of an import.

use crate::stored_enum;

stored_enum! {
    /// Where an import stands.
    pub enum ImportStatus {
        /// The file is stored; nothing checked yet.
        Uploaded => "uploaded",
        /// The dry run is reading the file.
        Checking => "checking",
        /// The dry run finished: counts, errors and a preview are ready.
        Checked => "checked",
        /// Waiting for a runner.
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        /// Stopped by an error (`error`); the rows already committed stay and can be reverted.
        Failed => "failed",
        Reverting => "reverting",
        Reverted => "reverted",
    }
}

stored_enum! {
    /// How a row that matches an existing customer (by member number, phone or email) is treated.
    pub enum ImportMode {
        /// New customers only: a row that matches someone is skipped.
        CreateOnly => "create_only",
        /// Existing customers only: a row that matches nobody is skipped.
        UpdateOnly => "update_only",
        /// Update who matches, create who does not.
        Upsert => "upsert",
    }
}

stored_enum! {
    /// What an import did to one customer (its changeset entry).
    pub enum RowAction {
        Created => "created",
        Updated => "updated",
    }
}

/// What a column can fill. `Custom` fields are named `custom:<key>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Name,
    Phone,
    Email,
    Gender,
    Birthday,
    /// The customer's number in the source system (member card, shop account): a channel
    /// identity of the import's channel, the first thing matching looks at.
    MemberNo,
    Address,
    Company,
    JobTitle,
    Notes,
    /// Several tags in one cell, split on `,` `;` `|` `、` or `，`.
    Tags,
    Custom(String),
}

impl Target {
    /// Every built-in target, in the order a mapping screen lists them.
    pub const BUILT_IN: [Target; 11] = [
        Target::Name,
        Target::Phone,
        Target::Email,
        Target::MemberNo,
        Target::Gender,
        Target::Birthday,
        Target::Address,
        Target::Company,
        Target::JobTitle,
        Target::Tags,
        Target::Notes,
    ];

    /// The wire form: `name`, `phone`, ..., `custom:<key>`.
    pub fn as_str(&self) -> String {
        match self {
            Target::Custom(key) => format!("custom:{key}"),
            other => other.built_in_str().to_owned(),
        }
    }

    fn built_in_str(&self) -> &'static str {
        match self {
            Target::Name => "name",
            Target::Phone => "phone",
            Target::Email => "email",
            Target::Gender => "gender",
            Target::Birthday => "birthday",
            Target::MemberNo => "memberNo",
            Target::Address => "address",
            Target::Company => "company",
            Target::JobTitle => "jobTitle",
            Target::Notes => "notes",
            Target::Tags => "tags",
            Target::Custom(_) => "custom",
        }
    }

    pub fn parse(value: &str) -> Option<Target> {
        if let Some(key) = value.strip_prefix("custom:") {
            return (!key.is_empty()).then(|| Target::Custom(key.to_owned()));
        }
        Target::BUILT_IN.into_iter().find(|t| t.built_in_str() == value)
    }

    /// Whether a row can be matched to an existing customer through this column.
    pub fn identifies(&self) -> bool {
        matches!(self, Target::Phone | Target::Email | Target::MemberNo)
    }
}

/// Header words, normalised (see [`normalise_header`]), that suggest each target.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "姓名",
            "名字",
            "客户姓名",
            "客户名称",
            "会员姓名",
            "顾客姓名",
            "联系人",
            "name",
            "fullname",
            "customername",
            "customer",
            "contactname",
            "membername",
        ],
    ),
    (
        "phone",
        &[
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系电话",
            "联系方式",
            "移动电话",
            "phone",
            "mobile",
            "mobilephone",
            "cellphone",
            "cell",
            "tel",
            "telephone",
            "phonenumber",
            "mobileno",
            "phoneno",
        ],
    ),
    (
        "email",
        &["邮箱", "电子邮箱", "电子邮件", "邮件", "邮箱地址", "email", "e-mail", "emailaddress", "mail"],
    ),
    (
        "memberNo",
        &[
            "会员号",
            "会员编号",
            "会员卡号",
            "会员id",
            "卡号",
            "客户编号",
            "客户id",
            "客户号",
            "memberno",
            "membernumber",
            "memberid",
            "membershipno",
            "cardno",
            "cardnumber",
            "customerid",
            "customerno",
            "customernumber",
            "externalid",
            "id",
        ],
    ),
    ("gender", &["性别", "gender", "sex"]),
    ("birthday", &["生日", "出生日期", "出生年月日", "birthday", "birthdate", "dateofbirth", "dob"]),
    (
        "address",
        &["地址", "联系地址", "收货地址", "住址", "通讯地址", "address", "streetaddress", "shippingaddress"],
    ),
    (
        "company",
        &[
            "公司",
            "单位",
            "公司名称",
            "工作单位",
            "企业",
            "company",
            "organisation",
            "organization",
            "employer",
        ],
    ),
    ("jobTitle", &["职位", "职务", "岗位", "头衔", "jobtitle", "title", "position", "role"]),
    ("tags", &["标签", "客户标签", "分组", "tags", "tag", "labels", "groups"]),
    ("notes", &["备注", "说明", "附注", "notes", "note", "remarks", "remark", "comment", "comments"]),
];

/// A header as the matcher compares it: lower case, without spaces, `_`, `-`, `.`, `:`,
/// brackets and their contents (`手机（必填）`, `Phone (mobile)`), or a leading `*` of
/// "required" markers.
pub fn normalise_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0_u32;
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ' ' | '\u{3000}' | '_' | '-' | '.' | ':' | '：' | '*' | '#' => {}
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The target a header most likely means: built-in synonyms first, then a custom field whose key
/// or label matches. `None`: leave the column out. `custom` is `(key, label)` of the workspace's
/// fields.
pub fn suggest(header: &str, custom: &[(String, String)]) -> Option<Target> {
    let norm = normalise_header(header);
    if norm.is_empty() {
        return None;
    }
    if let Some((target, _)) = SYNONYMS.iter().find(|(_, words)| words.contains(&norm.as_str())) {
        return Target::parse(target);
    }
    if let Some((key, _)) =
        custom.iter().find(|(key, label)| normalise_header(key) == norm || normalise_header(label) == norm)
    {
        return Some(Target::Custom(key.clone()));
    }
    // "手机号码1", "Email 2", "客户手机": a known word inside a longer header.
    SYNONYMS
        .iter()
        .find(|(_, words)| words.iter().any(|w| w.chars().count() >= 2 && !w.is_ascii() && norm.contains(w)))
        .and_then(|(target, _)| Target::parse(target))
}

/// Suggestions for a whole header row; a target already taken by an earlier column is not
/// suggested again (the second "phone" column is left for the user to decide).
pub fn suggest_all(headers: &[String], custom: &[(String, String)]) -> Vec<Option<Target>> {
    let mut taken: Vec<Target> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let target = suggest(h, custom).filter(|t| !taken.contains(t));
            if let Some(t) = &target {
                taken.push(t.clone());
            }
            target
        })
        .collect()
}

/// Splits a tags cell.
pub fn split_tags(cell: &str) -> Vec<String> {
    cell.split([',', ';', '|', '、', '，', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A gender as spreadsheets write it: `男`/`女`, `M`/`F`, `male`/`female`...
pub fn parse_gender(cell: &str) -> Option<crate::customer::Gender> {
    use crate::customer::Gender;
    match cell.trim().to_lowercase().as_str() {
        "男" | "男性" | "m" | "male" | "man" | "先生" => Some(Gender::Male),
        "女" | "女性" | "f" | "female" | "woman" | "女士" => Some(Gender::Female),
        "其他" | "other" | "o" | "x" => Some(Gender::Other),
        "" | "未知" | "unknown" | "u" | "保密" => Some(Gender::Unknown),
        _ => None,
    }
}

/// A date as spreadsheets write it (`1990-05-17`, `1990/5/17`, `1990.5.17`, `1990年5月17日`,
/// `19900517`), as `YYYY-MM-DD`; `None` when it is none of these.
pub fn normalise_date(cell: &str) -> Option<String> {
    let cell = cell.trim();
    // Excel writes date-times when a cell was formatted so: keep the date.
    let cell = cell.split([' ', 'T']).next().unwrap_or(cell);
    let digits: Vec<&str> = cell.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
    let (y, m, d) = match digits.as_slice() {
        [y, m, d] => (*y, *m, *d),
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (&one[..4], &one[4..6], &one[6..])
        }
        _ => return None,
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1000..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn chinese_and_english_headers_are_suggested() {
        let custom = vec![("vip_level".to_owned(), "会员等级".to_owned())];
        let got = suggest_all(
            &s(&[
                "姓名",
                "手机号码",
                "邮箱",
                "生日",
                "会员号",
                "性别",
                "会员等级",
                "消费金额",
                "Address (home)",
            ]),
            &custom,
        );
        assert_eq!(
            got,
            vec![
                Some(Target::Name),
                Some(Target::Phone),
                Some(Target::Email),
                Some(Target::Birthday),
                Some(Target::MemberNo),
                Some(Target::Gender),
                Some(Target::Custom("vip_level".to_owned())),
                None,
                Some(Target::Address),
            ]
        );
        let got = suggest_all(&s(&["\u{feff}Full Name", "E-mail", "Mobile", "Mobile", "Date of birth"]), &[]);
        assert_eq!(
            got,
            vec![Some(Target::Name), Some(Target::Email), Some(Target::Phone), None, Some(Target::Birthday)]
        );
        assert_eq!(suggest("*客户手机（必填）", &[]), Some(Target::Phone));
    }

    #[test]
    fn targets_round_trip() {
        for t in Target::BUILT_IN {
            assert_eq!(Target::parse(&t.as_str()), Some(t));
        }
        assert_eq!(Target::parse("custom:tier"), Some(Target::Custom("tier".to_owned())));
        assert_eq!(Target::parse("custom:"), None);
        assert_eq!(Target::parse("revenue"), None);
    }

    #[test]
    fn spreadsheet_dates_and_genders_are_read() {
        assert_eq!(normalise_date("1990/5/7").as_deref(), Some("1990-05-07"));
        assert_eq!(normalise_date("1990年5月17日").as_deref(), Some("1990-05-17"));
        assert_eq!(normalise_date("19900517").as_deref(), Some("1990-05-17"));
        assert_eq!(normalise_date("1990-05-17 00:00:00").as_deref(), Some("1990-05-17"));
        assert_eq!(normalise_date("17/05/90"), None);
        assert_eq!(normalise_date("1990-13-01"), None);
        assert_eq!(parse_gender("女"), Some(crate::customer::Gender::Female));
        assert_eq!(parse_gender("M"), Some(crate::customer::Gender::Male));
        assert_eq!(parse_gender("maybe"), None);
        assert_eq!(split_tags("VIP、老客户, 北京;;"), vec!["VIP", "老客户", "北京"]);
    }
}

/// A column of an uploaded file as the SPA shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportColumnInfo {
    pub index: i32,
    pub header: String,
    pub target: Option<String>,
    pub keep: bool,
    pub suggested: Option<String>,
    pub sample: Vec<String>,
}

/// A refused row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowErrorInfo {
    pub row: i64,
    pub column: Option<String>,
    pub message: String,
    /// The rule the value broke, when one did (worded by the reader's language).
    #[serde(default)]
    pub reason: Option<crate::validate::Invalid>,
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// An import as the SPA shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportInfo {
    pub id: String,
    pub file_name: String,
    pub status: ImportStatus,
    #[serde(default)]
    pub encoding: String,
    #[serde(default = "default_mode")]
    pub mode: ImportMode,
    #[serde(default)]
    pub checked: bool,
    pub total_rows: i64,
    #[serde(default)]
    pub processed_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub rejected: i64,
    pub revert_refused: i64,
    #[serde(default)]
    pub rows_per_second: Option<f64>,
    #[serde(default)]
    pub eta_seconds: Option<i64>,
    #[serde(default)]
    pub error: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub revertible_until: Option<String>,
    #[serde(default)]
    pub columns: Vec<ImportColumnInfo>,
    /// The dry run's first rows as they would be stored.
    #[serde(default)]
    pub preview: Option<serde_json::Value>,
    #[serde(default)]
    pub errors: Vec<ImportRowErrorInfo>,
    #[serde(default)]
    pub run_errors: Vec<ImportRowErrorInfo>,
    #[serde(default)]
    pub revert_errors: Vec<ImportRowErrorInfo>,
}

fn default_mode() -> ImportMode {
    ImportMode::Upsert
}

impl ImportStatus {
    /// Whether a pass is under way (the page follows it live).
    pub fn in_progress(self) -> bool {
        matches!(self, Self::Checking | Self::Queued | Self::Running | Self::Reverting)
    }
}
