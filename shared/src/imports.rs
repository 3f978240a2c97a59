//! Imports from CSV (customers, or purchases with their lines): what a column can become, the
//! suggestion of a target from a header as Chinese and English spreadsheets name it, how cells of
//! dates, times and payment methods are read, and the states and modes of an import.

use crate::customer::{Direction, InteractionKind, PaymentMethod};
use crate::stored_enum;

stored_enum! {
    /// What a file holds.
    pub enum ImportKind {
        /// One customer per row.
        Customers => "customers",
        /// One purchase line per row: rows sharing an order number are one purchase. The
        /// customer is found (or created) by member number, phone or email.
        Transactions => "transactions",
        /// One interaction per row (a call, a consultation, a visit...), as a call centre or a
        /// service desk exports them. The customer is found (or created) as for purchases.
        Interactions => "interactions",
    }
}

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
    /// A purchase's order (receipt) number: rows sharing one are lines of one purchase, and a
    /// purchase already recorded with it (by an earlier import or the API) is not recorded again.
    OrderNo,
    /// When the purchase was made, in the workspace's time zone unless the cell gives an offset.
    PurchasedAt,
    /// The purchase's total (the same on each of its lines); without it, the lines' sum.
    Amount,
    Currency,
    PaymentMethod,
    Store,
    ItemName,
    ItemSku,
    ItemCategory,
    Quantity,
    UnitPrice,
    /// How much of the purchase was refunded (the same on each of its lines, at most its amount):
    /// recorded as a refund of the purchase.
    Refunded,
    /// When the refund was made (without it: when the purchase was).
    RefundedAt,
    /// What kind of interaction a row is (a call, a consultation, a visit...).
    InteractionType,
    /// Who reached out: the customer (inbound, the default) or the business.
    Direction,
    /// When an interaction happened (the workspace's time zone unless the cell gives an offset).
    OccurredAt,
    Subject,
    /// The sender's id of an interaction (a call id, a ticket number): one recorded before is
    /// not recorded again.
    Reference,
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

    /// What a purchases file can fill: the purchase, its line, and how to find its customer
    /// (`name` is used only for a customer created for the purchase; `notes` is the purchase's
    /// note).
    pub const TRANSACTION: [Target; 17] = [
        Target::OrderNo,
        Target::PurchasedAt,
        Target::Amount,
        Target::Currency,
        Target::PaymentMethod,
        Target::Store,
        Target::ItemName,
        Target::ItemSku,
        Target::ItemCategory,
        Target::Quantity,
        Target::UnitPrice,
        Target::Refunded,
        Target::RefundedAt,
        Target::Notes,
        Target::MemberNo,
        Target::Phone,
        Target::Email,
    ];

    /// What an interactions file can fill (`notes` is the interaction's text; `name` only names
    /// a customer created for it).
    pub const INTERACTION: [Target; 10] = [
        Target::InteractionType,
        Target::Direction,
        Target::OccurredAt,
        Target::Subject,
        Target::Notes,
        Target::Reference,
        Target::MemberNo,
        Target::Phone,
        Target::Email,
        Target::Name,
    ];

    /// Whether a file of `kind` can fill this target (custom fields: customers only).
    pub fn fits(&self, kind: ImportKind) -> bool {
        match kind {
            ImportKind::Customers => Target::BUILT_IN.contains(self) || matches!(self, Target::Custom(_)),
            ImportKind::Transactions => Target::TRANSACTION.contains(self) || *self == Target::Name,
            ImportKind::Interactions => Target::INTERACTION.contains(self),
        }
    }

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
            Target::OrderNo => "orderNo",
            Target::PurchasedAt => "purchasedAt",
            Target::Amount => "amount",
            Target::Currency => "currency",
            Target::PaymentMethod => "paymentMethod",
            Target::Store => "store",
            Target::ItemName => "itemName",
            Target::ItemSku => "itemSku",
            Target::ItemCategory => "itemCategory",
            Target::Quantity => "quantity",
            Target::UnitPrice => "unitPrice",
            Target::Refunded => "refunded",
            Target::RefundedAt => "refundedAt",
            Target::InteractionType => "interactionType",
            Target::Direction => "direction",
            Target::OccurredAt => "occurredAt",
            Target::Subject => "subject",
            Target::Reference => "reference",
        }
    }

    pub fn parse(value: &str) -> Option<Target> {
        if let Some(key) = value.strip_prefix("custom:") {
            return (!key.is_empty()).then(|| Target::Custom(key.to_owned()));
        }
        Target::BUILT_IN
            .into_iter()
            .chain(Target::TRANSACTION)
            .chain(Target::INTERACTION)
            .find(|t| t.built_in_str() == value)
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
    (
        "notes",
        &[
            "备注",
            "说明",
            "附注",
            "内容",
            "沟通内容",
            "详情",
            "notes",
            "note",
            "remarks",
            "remark",
            "comment",
            "comments",
            "content",
            "body",
            "details",
        ],
    ),
    (
        "orderNo",
        &[
            "订单号",
            "订单编号",
            "单号",
            "小票号",
            "流水号",
            "交易单号",
            "交易号",
            "orderno",
            "orderid",
            "ordernumber",
            "order",
            "receiptno",
            "receipt",
            "invoiceno",
            "transactionid",
            "transactionno",
        ],
    ),
    (
        "purchasedAt",
        &[
            "下单时间",
            "订单时间",
            "消费时间",
            "购买时间",
            "交易时间",
            "支付时间",
            "消费日期",
            "购买日期",
            "交易日期",
            "订单日期",
            "日期",
            "时间",
            "orderdate",
            "orderedat",
            "purchasedate",
            "purchasedat",
            "purchasetime",
            "date",
            "time",
            "datetime",
            "transactiondate",
        ],
    ),
    (
        "amount",
        &[
            "消费金额",
            "订单金额",
            "实付金额",
            "实收金额",
            "支付金额",
            "总金额",
            "金额",
            "合计",
            "amount",
            "total",
            "ordertotal",
            "totalamount",
            "amountpaid",
        ],
    ),
    ("currency", &["币种", "货币", "currency"]),
    (
        "paymentMethod",
        &["支付方式", "付款方式", "支付渠道", "paymentmethod", "payment", "paidby", "paidwith"],
    ),
    (
        "store",
        &["门店", "店铺", "门店名称", "店名", "商店", "store", "shop", "storename", "branch", "outlet"],
    ),
    (
        "itemName",
        &["商品名称", "商品", "品名", "产品名称", "产品", "item", "itemname", "product", "productname"],
    ),
    ("itemSku", &["商品编码", "商品条码", "货号", "条码", "sku", "barcode", "productcode", "itemcode"]),
    ("itemCategory", &["商品类别", "商品分类", "品类", "类别", "category", "productcategory"]),
    ("quantity", &["数量", "件数", "购买数量", "quantity", "qty"]),
    ("unitPrice", &["单价", "售价", "unitprice", "price"]),
    (
        "refunded",
        &[
            "已退款",
            "退款金额",
            "退款",
            "refunded",
            "refund",
            "refundamount",
            "refundedamount",
            "amountrefunded",
        ],
    ),
    ("refundedAt", &["退款时间", "退款日期", "refundedat", "refunddate", "refundtime"]),
    (
        "interactionType",
        &[
            "互动类型",
            "沟通方式",
            "联系方式类型",
            "类型",
            "方式",
            "interactiontype",
            "type",
            "kind",
            "channeltype",
        ],
    ),
    ("direction", &["方向", "呼叫方向", "呼入呼出", "direction", "inout"]),
    (
        "occurredAt",
        &[
            "联系时间",
            "沟通时间",
            "通话时间",
            "发生时间",
            "来电时间",
            "到店时间",
            "时间",
            "日期",
            "occurredat",
            "date",
            "time",
            "datetime",
            "contactedat",
            "calltime",
        ],
    ),
    ("subject", &["主题", "事由", "标题", "摘要", "subject", "topic", "summary"]),
    (
        "reference",
        &[
            "工单号",
            "记录编号",
            "通话编号",
            "会话编号",
            "呼叫编号",
            "reference",
            "ref",
            "externalref",
            "callid",
            "ticketno",
            "ticketid",
        ],
    ),
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

/// The target a header most likely means in a file of `kind`: built-in synonyms first, then a
/// custom field whose key or label matches. `None`: leave the column out (also when the header
/// clearly means something a file of this kind cannot fill, such as a birthday in a purchases
/// file). `custom` is `(key, label)` of the workspace's fields.
pub fn suggest(header: &str, custom: &[(String, String)], kind: ImportKind) -> Option<Target> {
    let norm = normalise_header(header);
    if norm.is_empty() {
        return None;
    }
    // A word that names a target of this kind; then one that clearly names something a file of
    // this kind cannot fill (a birthday in a purchases file), which is left out.
    let exact = |fitting: bool| {
        SYNONYMS.iter().find(|(target, words)| {
            Target::parse(target).is_some_and(|t| t.fits(kind) == fitting) && words.contains(&norm.as_str())
        })
    };
    if let Some((target, _)) = exact(true) {
        return Target::parse(target);
    }
    if exact(false).is_some() {
        return None;
    }
    if let Some((key, _)) =
        custom.iter().find(|(key, label)| normalise_header(key) == norm || normalise_header(label) == norm)
    {
        return Some(Target::Custom(key.clone())).filter(|t| t.fits(kind));
    }
    // "手机号码1", "Email 2", "客户手机", "商品编码 SKU": a known word inside a longer header; the
    // longest word found wins ("商品编码" is a SKU, not an item's name for its "商品").
    let mut best: Option<(usize, &str)> = None;
    for (target, words) in SYNONYMS {
        if !Target::parse(target).is_some_and(|t| t.fits(kind)) {
            continue;
        }
        for word in *words {
            let length = word.chars().count();
            let found = length >= 2 && !word.is_ascii() && !TOO_GENERIC.contains(word) && norm.contains(word);
            if found && best.is_none_or(|(longest, _)| length > longest) {
                best = Some((length, target));
            }
        }
    }
    best.and_then(|(_, target)| Target::parse(target))
}

/// Words that name a target only on their own: "注册时间" (sign-up time) or "出生日期" is not
/// when a purchase was made.
const TOO_GENERIC: &[&str] = &["日期", "时间", "合计", "类型", "方式", "内容"];

/// What a file most likely holds, from its header row: purchases when it has an order number
/// column, or when, with nothing only a customer has (gender, birthday, address, company, tags),
/// it says when something was bought and for how much; customers otherwise (a member list often
/// carries a "消费金额" total).
pub fn guess_kind(headers: &[String]) -> ImportKind {
    let as_purchase: Vec<Option<Target>> =
        headers.iter().map(|h| suggest(h, &[], ImportKind::Transactions)).collect();
    let has = |wanted: &[Target]| as_purchase.iter().flatten().any(|t| wanted.contains(t));
    if has(&[Target::OrderNo]) {
        return ImportKind::Transactions;
    }
    let customer_only = headers
        .iter()
        .any(|h| suggest(h, &[], ImportKind::Customers).is_some_and(|t| !t.fits(ImportKind::Transactions)));
    let bought = has(&[Target::Amount, Target::UnitPrice, Target::ItemName]);
    let contacted = headers.iter().any(|h| {
        matches!(suggest(h, &[], ImportKind::Interactions), Some(Target::InteractionType | Target::Reference))
    });
    if customer_only {
        ImportKind::Customers
    } else if has(&[Target::PurchasedAt]) && bought {
        ImportKind::Transactions
    } else if contacted {
        ImportKind::Interactions
    } else {
        ImportKind::Customers
    }
}

/// Suggestions for a whole header row; a target already taken by an earlier column is not
/// suggested again (the second "phone" column is left for the user to decide).
pub fn suggest_all(headers: &[String], custom: &[(String, String)], kind: ImportKind) -> Vec<Option<Target>> {
    let mut taken: Vec<Target> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let target = suggest(h, custom, kind).filter(|t| !taken.contains(t));
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

/// A moment as a cell gives it: a date, a time of day (midnight when none) and, when the cell
/// says so (`Z`, `+08:00`), its offset from UTC in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub offset_minutes: Option<i32>,
}

/// A moment as spreadsheets and exports write it: a date as [`normalise_date`] reads it,
/// optionally followed (after a space or `T`) by `14:30`, `14:30:15` or `14:30:15.123`, and an
/// optional `Z` or `+08:00` / `+0800` offset. `None` when it is none of these.
pub fn parse_moment(cell: &str) -> Option<Moment> {
    let cell = cell.trim();
    let date = normalise_date(cell)?;
    let mut fields = date.split('-');
    let mut moment = Moment {
        year: fields.next()?.parse().ok()?,
        month: fields.next()?.parse().ok()?,
        day: fields.next()?.parse().ok()?,
        hour: 0,
        minute: 0,
        second: 0,
        offset_minutes: None,
    };
    let Some((_, time)) = cell.split_once([' ', 'T']) else { return Some(moment) };
    let mut time = time.trim();
    if time.is_empty() {
        return Some(moment);
    }
    if let Some(rest) = time.strip_suffix(['Z', 'z']) {
        moment.offset_minutes = Some(0);
        time = rest;
    } else if let Some(at) = time.rfind(['+', '-']) {
        let (rest, offset) = time.split_at(at);
        moment.offset_minutes = Some(offset_minutes(offset)?);
        time = rest.trim();
    }
    let time = time.split('.').next().unwrap_or(time);
    let number =
        |text: &str| (!text.is_empty() && text.len() <= 2).then(|| text.parse::<u32>().ok()).flatten();
    let parts: Vec<&str> = time.split(':').collect();
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        [hour, minute, second] => (number(hour)?, number(minute)?, number(second)?),
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    moment.hour = hour;
    moment.minute = minute;
    moment.second = second;
    Some(moment)
}

/// `+08:00`, `+0800` or `-05:30` in minutes east of UTC.
fn offset_minutes(offset: &str) -> Option<i32> {
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset.get(1..)?.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    (hours <= 14 && minutes <= 59).then_some(sign * (hours * 60 + minutes))
}

/// An interaction's kind as service desks and call centres name it (`电话`, `咨询`, `到店`, `在线`,
/// `Call`, `Visit`...).
pub fn parse_interaction_kind(cell: &str) -> Option<InteractionKind> {
    if let Some(kind) = InteractionKind::parse(cell.trim()) {
        return Some(kind);
    }
    Some(match normalise_header(cell).as_str() {
        "咨询" | "售前咨询" | "售后咨询" | "consultation" | "consult" | "enquiry" | "inquiry" => {
            InteractionKind::Consultation
        }
        "电话" | "通话" | "来电" | "去电" | "回访" | "电话回访" | "call" | "phone" | "phonecall" => {
            InteractionKind::Call
        }
        "邮件" | "电子邮件" | "email" | "e-mail" | "mail" => InteractionKind::Email,
        "在线" | "聊天" | "在线客服" | "微信" | "微信聊天" | "客服" | "chat" | "livechat" | "im" => {
            InteractionKind::Chat
        }
        "到店" | "拜访" | "上门" | "门店" | "visit" | "instore" | "storevisit" => {
            InteractionKind::Visit
        }
        "社交" | "微博" | "小红书" | "抖音" | "social" | "socialmedia" => InteractionKind::Social,
        _ => return None,
    })
}

/// Who reached out, as exports write it (`呼入`, `来电`, `呼出`, `回访`, `in`, `outbound`...).
pub fn parse_direction(cell: &str) -> Option<Direction> {
    if let Some(direction) = Direction::parse(cell.trim()) {
        return Some(direction);
    }
    Some(match normalise_header(cell).as_str() {
        "呼入" | "来电" | "客户发起" | "入" | "in" | "inbound" | "incoming" => Direction::Inbound,
        "呼出" | "去电" | "回访" | "主动联系" | "出" | "out" | "outbound" | "outgoing" => {
            Direction::Outbound
        }
        _ => return None,
    })
}

/// A payment method as receipts and exports name it (`现金`, `微信支付`, `支付宝`, `刷卡`, `银联`,
/// `Cash`, `WeChat Pay`...).
pub fn parse_payment_method(cell: &str) -> Option<PaymentMethod> {
    let norm = normalise_header(cell);
    if let Some(method) = PaymentMethod::parse(cell.trim()) {
        return Some(method);
    }
    Some(match norm.as_str() {
        "现金" | "cash" => PaymentMethod::Cash,
        "刷卡" | "银行卡" | "信用卡" | "借记卡" | "pos" | "card" | "creditcard" | "debitcard"
        | "bankcard" => PaymentMethod::Card,
        "支付宝" | "alipay" | "zhifubao" => PaymentMethod::Alipay,
        "微信" | "微信支付" | "wechat" | "wechatpay" | "weixin" | "weixinpay" | "wxpay" => {
            PaymentMethod::WechatPay
        }
        "银联" | "云闪付" | "unionpay" | "quickpass" => PaymentMethod::UnionPay,
        "转账" | "银行转账" | "对公转账" | "汇款" | "banktransfer" | "transfer" | "wire" => {
            PaymentMethod::BankTransfer
        }
        "积分" | "积分抵扣" | "points" => PaymentMethod::Points,
        "其他" | "其它" | "other" => PaymentMethod::Other,
        _ => return None,
    })
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
            ImportKind::Customers,
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
        let got = suggest_all(
            &s(&["\u{feff}Full Name", "E-mail", "Mobile", "Mobile", "Date of birth"]),
            &[],
            ImportKind::Customers,
        );
        assert_eq!(
            got,
            vec![Some(Target::Name), Some(Target::Email), Some(Target::Phone), None, Some(Target::Birthday)]
        );
        assert_eq!(suggest("*客户手机（必填）", &[], ImportKind::Customers), Some(Target::Phone));
    }

    #[test]
    fn purchase_headers_are_suggested_and_tell_the_kind() {
        let headers = s(&[
            "订单号",
            "下单时间",
            "会员卡号",
            "手机号码",
            "实付金额（元）",
            "支付方式",
            "门店",
            "商品名称",
            "数量",
            "单价",
            "备注",
            "生日",
            "注册时间",
        ]);
        assert_eq!(guess_kind(&headers), ImportKind::Transactions);
        assert_eq!(
            suggest_all(&headers, &[("tier".to_owned(), "门店".to_owned())], ImportKind::Transactions),
            vec![
                Some(Target::OrderNo),
                Some(Target::PurchasedAt),
                Some(Target::MemberNo),
                Some(Target::Phone),
                Some(Target::Amount),
                Some(Target::PaymentMethod),
                Some(Target::Store),
                Some(Target::ItemName),
                Some(Target::Quantity),
                Some(Target::UnitPrice),
                Some(Target::Notes),
                None,
                None,
            ]
        );
        assert_eq!(
            suggest_all(
                &s(&["Order ID", "Date", "Email", "Total", "Product", "Qty", "Price"]),
                &[],
                ImportKind::Transactions
            ),
            vec![
                Some(Target::OrderNo),
                Some(Target::PurchasedAt),
                Some(Target::Email),
                Some(Target::Amount),
                Some(Target::ItemName),
                Some(Target::Quantity),
                Some(Target::UnitPrice),
            ]
        );
        // A customers file names no purchase target, and a purchases file fills no custom field.
        assert_eq!(guess_kind(&s(&["姓名", "手机", "消费金额备注"])), ImportKind::Customers);
        assert_eq!(guess_kind(&s(&["姓名", "生日", "消费金额", "最后消费时间"])), ImportKind::Customers);
        assert_eq!(guess_kind(&s(&["phone", "date", "total"])), ImportKind::Transactions);
        assert_eq!(suggest("订单号", &[], ImportKind::Customers), None);
        // A bilingual header as exports write it: the longest known word inside decides.
        let exported = s(&[
            "订单号 Order no",
            "商品编码 SKU",
            "商品类别 Category",
            "商品名称 Item",
            "StarCRM 编号 Code",
        ]);
        assert_eq!(
            suggest_all(&exported, &[], ImportKind::Transactions),
            vec![
                Some(Target::OrderNo),
                Some(Target::ItemSku),
                Some(Target::ItemCategory),
                Some(Target::ItemName),
                None
            ]
        );
        // The export's refund columns come back as the refund and its time.
        assert_eq!(
            suggest_all(
                &s(&["金额 Amount", "已退款 Refunded", "退款时间 Refunded at", "消费时间 Purchased at"]),
                &[],
                ImportKind::Transactions
            ),
            vec![
                Some(Target::Amount),
                Some(Target::Refunded),
                Some(Target::RefundedAt),
                Some(Target::PurchasedAt)
            ]
        );
        assert!(!Target::Custom("tier".to_owned()).fits(ImportKind::Transactions));
        assert!(!Target::Birthday.fits(ImportKind::Transactions));
        assert!(Target::Name.fits(ImportKind::Transactions));
    }

    #[test]
    fn interaction_headers_and_cells_are_read() {
        assert_eq!(guess_kind(&s(&["工单号", "联系时间", "手机", "类型"])), ImportKind::Interactions);
        let headers = s(&["工单号", "联系时间", "手机", "类型", "方向", "主题", "沟通内容", "生日"]);
        assert_eq!(
            suggest_all(&headers, &[], ImportKind::Interactions),
            vec![
                Some(Target::Reference),
                Some(Target::OccurredAt),
                Some(Target::Phone),
                Some(Target::InteractionType),
                Some(Target::Direction),
                Some(Target::Subject),
                Some(Target::Notes),
                None,
            ]
        );
        // "date" means when something was bought in a purchases file, when it happened here.
        assert_eq!(suggest("Date", &[], ImportKind::Interactions), Some(Target::OccurredAt));
        assert_eq!(suggest("Date", &[], ImportKind::Transactions), Some(Target::PurchasedAt));
        assert_eq!(parse_interaction_kind("电话回访"), Some(InteractionKind::Call));
        assert_eq!(parse_interaction_kind("到店"), Some(InteractionKind::Visit));
        assert_eq!(parse_interaction_kind("Live chat"), Some(InteractionKind::Chat));
        assert_eq!(parse_interaction_kind("telepathy"), None);
        assert_eq!(parse_direction("呼出"), Some(Direction::Outbound));
        assert_eq!(parse_direction("In"), Some(Direction::Inbound));
        assert_eq!(parse_direction("sideways"), None);
    }

    #[test]
    fn moments_and_payment_methods_as_exports_write_them() {
        let at = |y, mo, d, h, mi, s, off| Moment {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            offset_minutes: off,
        };
        assert_eq!(parse_moment("2024-03-05"), Some(at(2024, 3, 5, 0, 0, 0, None)));
        assert_eq!(parse_moment("2024/3/5 14:30"), Some(at(2024, 3, 5, 14, 30, 0, None)));
        assert_eq!(parse_moment("2024年3月5日 09:05:07"), Some(at(2024, 3, 5, 9, 5, 7, None)));
        assert_eq!(parse_moment("2024-03-05T14:30:15.250Z"), Some(at(2024, 3, 5, 14, 30, 15, Some(0))));
        assert_eq!(parse_moment("2024-03-05T14:30:15+08:00"), Some(at(2024, 3, 5, 14, 30, 15, Some(480))));
        assert_eq!(parse_moment("2024-03-05 14:30 -0530"), Some(at(2024, 3, 5, 14, 30, 0, Some(-330))));
        assert_eq!(parse_moment("2024-03-05 25:00"), None);
        assert_eq!(parse_moment("2024-03-05 2pm"), None);
        assert_eq!(parse_moment("yesterday"), None);
        assert_eq!(parse_payment_method("微信支付"), Some(PaymentMethod::WechatPay));
        assert_eq!(parse_payment_method(" WeChat Pay "), Some(PaymentMethod::WechatPay));
        assert_eq!(parse_payment_method("支付宝"), Some(PaymentMethod::Alipay));
        assert_eq!(parse_payment_method("现金"), Some(PaymentMethod::Cash));
        assert_eq!(parse_payment_method("union_pay"), Some(PaymentMethod::UnionPay));
        assert_eq!(parse_payment_method("比特币"), None);
    }

    #[test]
    fn targets_round_trip() {
        for t in Target::BUILT_IN.into_iter().chain(Target::TRANSACTION).chain(Target::INTERACTION) {
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
    #[serde(default = "default_kind")]
    pub kind: ImportKind,
    /// The saved preset that mapped the file, if one fitted it.
    #[serde(default)]
    pub preset_name: Option<String>,
    #[serde(default)]
    pub encoding: String,
    #[serde(default = "default_mode")]
    pub mode: ImportMode,
    /// The channel member numbers belong to (`None` in lists that do not ask for it).
    #[serde(default)]
    pub channel: Option<crate::customer::Channel>,
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

/// A saved mapping preset as the import page lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPresetInfo {
    pub id: String,
    pub name: String,
    pub kind: ImportKind,
}

fn default_kind() -> ImportKind {
    ImportKind::Customers
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
