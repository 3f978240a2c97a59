//! Imports of purchases: one purchase line per row. Rows sharing an order number are one
//! purchase (its total from the amount column, or the sum of its lines when the file has none);
//! an order number already recorded (by the API, a POS, an earlier import) is skipped, so a file
//! can be imported again safely. Each purchase finds its customer by member number, phone or
//! email, and creates one when nobody matches (unless the mode is "existing customers only").
//! The purchases carry the import's id, and the customers it created are in its changeset: a
//! revert deletes both. Each customer's aggregates and stars are brought up to date once per
//! batch, as if the purchases had been pushed one by one.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde_json::{Value, json};
use starcrm_shared::customer::{self as domain, Channel, PaymentMethod, TransactionKind, TransactionStatus};
use starcrm_shared::imports::{self as rules, ImportMode, RowAction, Target};
use starcrm_shared::rating::Trigger;
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use super::file::Row;
use super::rows::{Before, Outcome, Plan, Refusal, is_about_the_row, record_change};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::identities::{self, CustomerRef, IdentityInput, ValidRef};
use crate::customers::ingest::{ItemInput, touch_activity};
use crate::customers::profile::{self, ContactInput, CustomerInput};
use crate::customers::{aggregates, service};
use crate::entities::{customer, transaction, transaction_item, workspace};
use crate::error::AppError;

/// Checks what a purchases mapping must hold.
///
/// # Errors
/// `BAD_USER_INPUT` on `mapping` or `mode`.
pub fn check_plan(seen: &[Target], mode: ImportMode) -> Result<(), AppError> {
    check_records(seen, mode, "purchase")?;
    if !seen.contains(&Target::PurchasedAt) {
        return Err(AppError::bad_input(
            "mapping",
            "map a column to purchasedAt: when each purchase was made",
        ));
    }
    if !seen.contains(&Target::Amount) && !seen.contains(&Target::UnitPrice) {
        return Err(AppError::bad_input("mapping", "map an amount or a unitPrice column: what was paid"));
    }
    if seen.contains(&Target::Refunded) && !seen.contains(&Target::Amount) {
        return Err(AppError::bad_input(
            "mapping",
            "map the purchase's amount column too: a refund is checked against what was paid",
        ));
    }
    if seen.contains(&Target::RefundedAt) && !seen.contains(&Target::Refunded) {
        return Err(AppError::bad_input(
            "mapping",
            "map the refunded amount column too: how much was refunded",
        ));
    }
    Ok(())
}

/// What a purchases or interactions mapping needs to find customers: a mode that may create
/// them or not (never "only create": each row is a record, not a customer), and a member number,
/// phone or email column.
///
/// # Errors
/// `BAD_USER_INPUT` on `mode` or `mapping`.
pub(super) fn check_records(seen: &[Target], mode: ImportMode, record: &str) -> Result<(), AppError> {
    if mode == ImportMode::CreateOnly {
        return Err(AppError::bad_input(
            "mode",
            format!(
                "a {record} file is imported with upsert (customers nobody matches are created) or update \
                 only (rows of unknown customers are skipped)"
            ),
        ));
    }
    if !seen.iter().any(Target::identifies) {
        return Err(AppError::bad_input(
            "mapping",
            format!("map a member number, phone or email column to find each {record}'s customer"),
        ));
    }
    Ok(())
}

/// A purchase row read through the mapping and checked.
#[derive(Clone, Debug)]
pub struct Line {
    pub order_no: Option<String>,
    pub occurred_at: DateTime<Utc>,
    /// The purchase's total as the row gives it.
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    pub store: Option<String>,
    pub note: Option<String>,
    pub item: Option<ItemInput>,
    pub customer: ValidRef,
    /// How much of the purchase was refunded (the same on each of its lines).
    pub refunded: Option<i64>,
    /// When (without it: when the purchase was made).
    pub refunded_at: Option<DateTime<Utc>>,
}

impl Line {
    /// What the line adds to a purchase without an amount column.
    fn total(&self) -> i64 {
        self.item.as_ref().map_or(0, |i| i.unit_price_minor.saturating_mul(i64::from(i.quantity)))
    }
}

/// The workspace's time zone and currency: how dates without an offset and amounts without a
/// currency are read.
#[derive(Clone, Debug)]
pub struct Context {
    pub tz: Tz,
    pub currency: String,
}

impl Context {
    /// # Errors
    /// Database failures.
    pub async fn load(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Self, AppError> {
        let ws = workspace::Entity::find_by_id(workspace_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound { entity: "workspace" })?;
        Ok(Self { tz: ws.timezone.parse().unwrap_or(Tz::UTC), currency: ws.currency })
    }

    pub(super) fn instant(&self, moment: rules::Moment) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(moment.year, moment.month, moment.day)?;
        let local = date.and_hms_opt(moment.hour, moment.minute, moment.second)?;
        match moment.offset_minutes {
            Some(minutes) => {
                FixedOffset::east_opt(minutes * 60)?.from_local_datetime(&local).single().map(|t| t.to_utc())
            }
            None => match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.to_utc()),
                // A time skipped by a clock change: the moment after it.
                LocalResult::None => self
                    .tz
                    .from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
                    .map(|t| t.to_utc()),
            },
        }
    }
}

/// A quantity as receipts write it: `2`, `2.0`, `2件`.
fn quantity(cell: &str) -> Option<i32> {
    let digits = cell.trim().trim_end_matches(['件', '个', '份', '瓶', '盒', '支', '双', '套']).trim();
    let whole = digits.strip_suffix(".0").or_else(|| digits.strip_suffix(".00")).unwrap_or(digits);
    whole.parse::<i32>().ok().filter(|n| (1..=1_000_000).contains(n))
}

/// Whether a phone or email cell was masked by an export (`138****8000`, `w***@example.com`).
pub(super) fn masked(cell: &str) -> bool {
    cell.contains("***")
}

/// The cells of a row read one by one, before the row is checked as a whole.
#[derive(Default)]
struct Cells {
    reference: CustomerRef,
    occurred: Option<DateTime<Utc>>,
    item_name: Option<String>,
    sku: Option<String>,
    category: Option<String>,
    quantity: Option<i32>,
    unit_price: Option<i64>,
    /// The currency signs or codes amounts were written with, by column.
    marks: Vec<(usize, &'static str)>,
}

/// Reads each mapped cell into `line` or `read`; a cell that cannot be read is refused.
fn read_cells(
    plan: &Plan,
    ctx: &Context,
    cells: &[String],
    line: &mut Line,
    read: &mut Cells,
) -> Result<(), Refusal> {
    for (i, column) in plan.columns.iter().enumerate() {
        let Some((target, _)) = column else { continue };
        let cell = cells.get(i).map_or("", |c| c.trim());
        if cell.is_empty() {
            continue;
        }
        let header = || Some(plan.headers[i].clone());
        let refuse = |reason: Invalid, message: &str| Refusal::new(header(), Some(reason), message);
        let text = |max: usize| {
            domain::optional_text(Some(cell), max).map_err(|r| Refusal::new(header(), Some(r), r.message()))
        };
        match target {
            Target::OrderNo => {
                line.order_no = Some(
                    domain::external_id(cell)
                        .map_err(|r| refuse(r, "is not an order number (letters, digits, - _ . : /)"))?,
                );
            }
            Target::PurchasedAt => {
                let moment = rules::parse_moment(cell).ok_or_else(|| {
                    refuse(Invalid::Date, "is not a date and time (write it as 2024-03-05 14:30)")
                })?;
                read.occurred = Some(
                    ctx.instant(moment)
                        .ok_or_else(|| refuse(Invalid::Date, "is not a date and time that exists"))?,
                );
            }
            Target::Amount | Target::UnitPrice | Target::Refunded => {
                let (minor, mark) = domain::parse_money(cell)
                    .map_err(|r| refuse(r, "is not an amount of money (write it as 1234.50)"))?;
                read.marks.extend(mark.map(|mark| (i, mark)));
                match target {
                    Target::Amount => line.amount = Some(minor),
                    Target::UnitPrice => read.unit_price = Some(minor),
                    _ => line.refunded = Some(minor),
                }
            }
            Target::RefundedAt => {
                let moment = rules::parse_moment(cell).ok_or_else(|| {
                    refuse(Invalid::Date, "is not a date and time (write it as 2024-03-05 14:30)")
                })?;
                line.refunded_at = Some(
                    ctx.instant(moment)
                        .ok_or_else(|| refuse(Invalid::Date, "is not a date and time that exists"))?,
                );
            }
            Target::Currency => {
                line.currency =
                    Some(domain::currency(cell).map_err(|r| refuse(r, "is not a currency code (CNY, USD)"))?);
            }
            Target::PaymentMethod => {
                line.payment_method = Some(rules::parse_payment_method(cell).ok_or_else(|| {
                    refuse(
                        Invalid::NotAnOption,
                        "is not a payment method (现金, 微信支付, 支付宝, 刷卡, 银联...)",
                    )
                })?);
            }
            Target::Store => line.store = text(domain::TEXT_MAX_CHARS)?,
            Target::Notes => line.note = text(2_000)?,
            Target::ItemName => read.item_name = text(domain::TEXT_MAX_CHARS)?,
            Target::ItemSku => read.sku = text(100)?,
            Target::ItemCategory => read.category = text(100)?,
            Target::Quantity => {
                read.quantity = Some(quantity(cell).ok_or_else(|| {
                    refuse(Invalid::WrongType, "is not a quantity (a whole number from 1 to 1000000)")
                })?);
            }
            Target::MemberNo => {
                read.reference.identity =
                    Some(IdentityInput { channel: plan.channel, external_id: cell.to_owned() });
            }
            // A masked value (an export made without pii:read) cannot find anyone: left out.
            Target::Phone | Target::Email if masked(cell) => {}
            Target::Phone => read.reference.phone = Some(cell.to_owned()),
            Target::Email => read.reference.email = Some(cell.to_owned()),
            Target::Name => read.reference.name = Some(cell.to_owned()),
            _ => {}
        }
    }
    Ok(())
}

/// Why a row's customer reference was refused, naming the column at fault (or, when the row
/// gives no way to find the customer, the first column that could have).
pub(super) fn customer_refusal(plan: &Plan, err: &AppError) -> Refusal {
    let target = match err {
        AppError::Invalid { field, .. } | AppError::BadUserInput { field, .. } => match field.as_str() {
            "customer.phone" => Some(Target::Phone),
            "customer.email" => Some(Target::Email),
            "customer.identity" | "customer.identity.externalId" => Some(Target::MemberNo),
            "customer.name" => Some(Target::Name),
            _ => None,
        },
        _ => None,
    };
    let column = |target: &Target| plan.header_of(target, 0);
    let mut refusal = Refusal::from_error(plan, err);
    refusal.column = target.as_ref().and_then(column);
    if target.is_none() {
        refusal.column = [Target::MemberNo, Target::Phone, Target::Email].iter().find_map(column);
        refusal.reason = Some(Invalid::Required);
        "is empty, and so are the other columns to find the customer by (member number, phone, email)"
            .clone_into(&mut refusal.message);
    }
    refusal
}

/// Reads a row of a purchases file. Refusals name the column.
///
/// # Errors
/// The first cell that cannot be read, or a row missing what a purchase needs.
pub fn parse(plan: &Plan, ctx: &Context, cells: &[String]) -> Result<Line, Refusal> {
    super::rows::extra_cells(plan, cells)?;
    let mut line = Line {
        order_no: None,
        occurred_at: DateTime::<Utc>::UNIX_EPOCH,
        amount: None,
        currency: None,
        payment_method: None,
        store: None,
        note: None,
        item: None,
        customer: ValidRef::default(),
        refunded: None,
        refunded_at: None,
    };
    let mut read = Cells::default();
    read_cells(plan, ctx, cells, &mut line, &mut read)?;
    let column = |target: &Target| plan.header_of(target, 0);
    // `$12` in a workspace that counts in yuan would be stored as ¥12: refused instead.
    let currency = line.currency.as_deref().unwrap_or(&ctx.currency);
    if let Some((i, mark)) = read.marks.iter().find(|(_, mark)| !domain::currency_fits(mark, currency)) {
        let named = if *mark == "$" { "dollars" } else { mark };
        return Err(Refusal::new(
            Some(plan.headers[*i].clone()),
            Some(Invalid::Currency),
            format!(
                "is in {named} but the purchase is recorded in {currency}: map a currency column, or \
                 convert the amounts"
            ),
        ));
    }
    line.customer = identities::validate_ref(read.reference).map_err(|err| customer_refusal(plan, &err))?;
    let at = read.occurred.ok_or_else(|| {
        Refusal::new(column(&Target::PurchasedAt), Some(Invalid::Required), "is empty: when was it bought?")
    })?;
    line.occurred_at = crate::customers::ingest::occurred(Some(at)).map_err(|_| {
        Refusal::new(
            column(&Target::PurchasedAt),
            Some(Invalid::DateRange),
            "is in the future or before 1970",
        )
    })?;
    let Cells { item_name, sku, category, quantity, unit_price, .. } = read;
    if item_name.is_some() || sku.is_some() || quantity.is_some() || unit_price.is_some() {
        let quantity = quantity.unwrap_or(1);
        let unit_price_minor = match (unit_price, line.amount) {
            (Some(price), _) => price,
            (None, Some(amount)) => amount / i64::from(quantity),
            (None, None) => 0,
        };
        let name = item_name.or_else(|| sku.clone()).or_else(|| category.clone()).ok_or_else(|| {
            Refusal::new(column(&Target::ItemName), Some(Invalid::Required), "is empty: what was bought?")
        })?;
        line.item = Some(ItemInput { sku, name, category, quantity, unit_price_minor });
    }
    if line.amount.is_none() && unit_price.is_none() {
        return Err(Refusal::new(
            column(&Target::Amount).or_else(|| column(&Target::UnitPrice)),
            Some(Invalid::Required),
            "is empty: what was paid?",
        ));
    }
    if line.amount.is_none() && line.total() >= 1_000_000_000_000_000 {
        return Err(Refusal::new(column(&Target::UnitPrice), Some(Invalid::TooLarge), "is too large"));
    }
    if let Some(refunded) = line.refunded {
        let paid = line.amount.unwrap_or_else(|| line.total());
        if refunded > paid {
            return Err(Refusal::new(
                column(&Target::Refunded),
                Some(Invalid::TooLarge),
                format!(
                    "is more than the purchase's amount ({})",
                    domain::format_money(paid, line.currency.as_deref().unwrap_or(&ctx.currency))
                ),
            ));
        }
        if line.refunded_at.is_some_and(|at| at < line.occurred_at || at > Utc::now()) {
            return Err(Refusal::new(
                column(&Target::RefundedAt),
                Some(Invalid::DateRange),
                "is before the purchase or in the future",
            ));
        }
    }
    Ok(line)
}

/// Order numbers (and interaction references) a dry run has seen in batches it already rolled
/// back: later lines of an order are checked against it and added to it, not skipped as
/// recorded before.
#[derive(Debug, Default)]
pub struct DryRunOrders {
    orders: HashMap<String, Recorded>,
    pub(super) references: HashSet<String>,
}

/// What later lines of an order are checked against.
#[derive(Clone, Debug)]
struct Recorded {
    occurred_at: DateTime<Utc>,
    amount_minor: i64,
    refunded_minor: i64,
    currency: String,
}

/// What became of a row, and the row as read (for the dry run's preview).
pub type Done = (Outcome, Option<Line>);

/// How a batch remembers the customer a reference found: its member number, phone and email.
type RefKey = (Option<(Channel, String)>, Option<String>, Option<String>);

fn ref_key(reference: &ValidRef) -> RefKey {
    (
        reference.identity.as_ref().map(|i| (i.channel, i.external_id.clone())),
        reference.phone.clone(),
        reference.email.clone(),
    )
}

/// What a batch works out in memory before it writes: the purchases of its order numbers
/// (recorded before, read in one query, or new in the batch), how many lines each has, the
/// customers its references found, and what it writes at its end in a few multi-row inserts.
#[derive(Default)]
struct Batch {
    orders: HashMap<String, transaction::Model>,
    lines: HashMap<Uuid, i32>,
    customers: HashMap<RefKey, Uuid>,
    /// Purchases (and refunds) the batch records, in row order.
    new: Vec<transaction::Model>,
    /// Where each new purchase is in `new`.
    new_at: HashMap<Uuid, usize>,
    items: Vec<transaction_item::ActiveModel>,
    /// Purchases recorded before the batch whose total grows by its lines (no amount column).
    grown: BTreeMap<Uuid, i64>,
    feed: Vec<Change>,
    /// The customers the batch bought for, with their latest purchase.
    touched: BTreeMap<Uuid, DateTime<Utc>>,
    /// Orders a dry run must remember for its later batches.
    remember: Vec<(String, Recorded)>,
}

impl Batch {
    /// The purchases already recorded with the batch's order numbers.
    async fn load(txn: &DatabaseTransaction, workspace_id: Uuid, lines: &[&Line]) -> Result<Self, AppError> {
        let numbers: BTreeSet<&String> = lines.iter().filter_map(|l| l.order_no.as_ref()).collect();
        let mut orders = HashMap::new();
        for chunk in numbers.into_iter().collect::<Vec<_>>().chunks(500) {
            for found in transaction::Entity::find()
                .filter(transaction::Column::WorkspaceId.eq(workspace_id))
                .filter(transaction::Column::ExternalRef.is_in(chunk.iter().map(|n| (*n).clone())))
                .all(txn)
                .await?
            {
                if let Some(number) = found.external_ref.clone() {
                    orders.insert(number, found);
                }
            }
        }
        Ok(Self { orders, ..Self::default() })
    }

    fn touch(&mut self, customer: Uuid, at: DateTime<Utc>) {
        let latest = self.touched.entry(customer).or_insert(at);
        *latest = Ord::max(*latest, at);
    }

    /// Writes what the batch worked out: its purchases, refunds and lines in multi-row inserts,
    /// the growth of earlier purchases, and the feed.
    async fn write(&mut self, txn: &DatabaseTransaction) -> Result<(), AppError> {
        use sea_orm::IntoActiveModel;
        let purchases: Vec<transaction::ActiveModel> =
            self.new.drain(..).map(IntoActiveModel::into_active_model).collect();
        // Purchases before refunds (a refund names its purchase), as `new` holds them.
        crate::db::insert_chunks(txn, purchases).await.map_err(|e| {
            AppError::unique_or_internal(e, "orderNo", "a purchase with this order number exists")
        })?;
        crate::db::insert_chunks(txn, std::mem::take(&mut self.items)).await?;
        for (id, added) in std::mem::take(&mut self.grown) {
            transaction::Entity::update_many()
                .col_expr(
                    transaction::Column::AmountMinor,
                    Expr::col(transaction::Column::AmountMinor).add(added),
                )
                .filter(transaction::Column::Id.eq(id))
                .exec(txn)
                .await?;
        }
        changes::record(txn, std::mem::take(&mut self.feed)).await?;
        Ok(())
    }
}

/// Imports a batch of purchase rows inside `txn`, returning what became of each, in order.
/// The rows are worked out in memory (a customer nobody matches is created under a savepoint,
/// so a refused one leaves nothing behind), then written in a few multi-row inserts; the
/// aggregates and stars of the customers the batch touched are brought up to date at its end.
/// When another writer records one of the batch's order numbers meanwhile (PostgreSQL), the
/// batch is worked out again, and that order is skipped as recorded before.
///
/// # Errors
/// Database failures that are not about a row (the batch then fails).
pub async fn import_batch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    ctx: &Context,
    import_id: Uuid,
    rows: &[Row],
    memory: Option<&mut DryRunOrders>,
) -> Result<Vec<Done>, AppError> {
    let parsed: Vec<Result<Line, Refusal>> = rows.iter().map(|row| parse(plan, ctx, &row.cells)).collect();
    let mut attempt = 0;
    loop {
        let savepoint = sea_orm::TransactionTrait::begin(txn).await?;
        let known = memory.as_deref();
        match Box::pin(work_out(&savepoint, scope, plan, ctx, import_id, rows, &parsed, known)).await {
            Ok((out, remember)) => {
                savepoint.commit().await?;
                if let Some(memory) = memory {
                    memory.orders.extend(remember);
                }
                return Ok(out);
            }
            Err(AppError::Conflict { .. }) if attempt < 2 => {
                savepoint.rollback().await?;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// One attempt at a batch: what became of each row, and the orders a dry run must remember.
#[allow(clippy::too_many_arguments, reason = "the batch and where it goes")]
async fn work_out(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    ctx: &Context,
    import_id: Uuid,
    rows: &[Row],
    parsed: &[Result<Line, Refusal>],
    memory: Option<&DryRunOrders>,
) -> Result<(Vec<Done>, Vec<(String, Recorded)>), AppError> {
    let read: Vec<&Line> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
    let mut batch = Batch::load(txn, scope.workspace_id, &read).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, parsed) in rows.iter().zip(parsed) {
        let line = match parsed {
            Ok(line) => line.clone(),
            Err(refusal) => {
                out.push((Outcome::Rejected(refusal.clone()), None));
                continue;
            }
        };
        let outcome =
            Box::pin(row_outcome(txn, scope, plan, ctx, (row.number, import_id), &line, &mut batch, memory))
                .await?;
        out.push((outcome, Some(line)));
    }
    batch.write(txn).await?;
    let ids: Vec<Uuid> = batch.touched.keys().copied().collect();
    for found in aggregates::refresh_many(txn, scope, &ids, Trigger::Transaction).await? {
        if let Some(latest) = batch.touched.get(&found.id) {
            touch_activity(txn, &found, *latest, true).await?;
        }
    }
    Ok((out, batch.remember))
}

/// Works out one row in memory: a new purchase, a line of one recorded earlier in the file, or
/// nothing. Only a customer nobody matches is written now.
#[allow(clippy::too_many_arguments, reason = "one row and where it goes")]
async fn row_outcome(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    ctx: &Context,
    (row_number, import_id): (i64, Uuid),
    line: &Line,
    batch: &mut Batch,
    memory: Option<&DryRunOrders>,
) -> Result<Outcome, AppError> {
    if let Some(order_no) = &line.order_no {
        if let Some(earlier) = batch.orders.get(order_no).cloned() {
            if earlier.import_id != Some(import_id) {
                return Ok(Outcome::Skipped("the order was recorded before"));
            }
            return add_line(txn, plan, earlier, line, batch).await;
        }
        if let Some(seen) = memory.and_then(|m| m.orders.get(order_no)) {
            // A dry run rolled the order back with an earlier batch: the line would join it,
            // unless the run would refuse or skip it.
            return Ok(match conflict(plan, line, seen) {
                Some(refusal) => Outcome::Rejected(refusal),
                None if line.item.is_none() => Outcome::Skipped("the order was recorded on an earlier row"),
                None => Outcome::Updated(Uuid::nil()),
            });
        }
    }
    let key = ref_key(&line.customer);
    let found = if let Some(id) = batch.customers.get(&key) {
        Some(*id)
    } else if let Some(id) = by_member_no(txn, scope, &line.customer).await? {
        batch.customers.insert(key, id);
        Some(id)
    } else {
        let savepoint = sea_orm::TransactionTrait::begin(txn).await?;
        match customer_of(&savepoint, scope, plan, import_id, row_number, &line.customer).await {
            Ok(found) => {
                savepoint.commit().await?;
                if let Some(id) = found {
                    batch.customers.insert(key, id);
                }
                found
            }
            Err(err) if is_about_the_row(&err) => {
                savepoint.rollback().await?;
                return Ok(Outcome::Rejected(Refusal::from_error(plan, &err)));
            }
            Err(err) => return Err(err),
        }
    };
    let Some(found) = found else { return Ok(Outcome::Skipped("no customer matches")) };
    let record = purchase(scope.workspace_id, plan, ctx, (row_number, import_id), line, found);
    batch.touch(found, record.occurred_at);
    if let Some(item) = &line.item {
        batch.items.push(item_model(scope.workspace_id, record.id, 0, item));
    }
    batch.lines.insert(record.id, i32::from(line.item.is_some()));
    batch.feed.push(Change::new(scope.workspace_id, Kind::TransactionRecorded, found).with(json!({
        "transactionId": record.id,
        "amountMinor": record.amount_minor,
        "currency": record.currency,
        "channel": record.channel,
        "occurredAt": record.occurred_at,
        "externalRef": record.external_ref,
        "importId": import_id,
    })));
    if let Some(order_no) = &line.order_no {
        if memory.is_some() {
            let seen = Recorded {
                occurred_at: record.occurred_at,
                amount_minor: record.amount_minor,
                refunded_minor: record.refunded_minor,
                currency: record.currency.clone(),
            };
            batch.remember.push((order_no.clone(), seen));
        }
        batch.orders.insert(order_no.clone(), record.clone());
    }
    let id = record.id;
    batch.new_at.insert(id, batch.new.len());
    let refunded = record.refunded_minor > 0;
    if refunded {
        let (model, change) = refund(&record, line, row_number);
        batch.new.push(record);
        batch.new.push(model);
        batch.feed.push(change);
    } else {
        batch.new.push(record);
    }
    Ok(Outcome::Created(id))
}

/// The customer a reference's member number already belongs to (merged-away: the one it was
/// merged into): found without writing anything, so without a savepoint.
async fn by_member_no(
    txn: &DatabaseTransaction,
    scope: &Scope,
    reference: &ValidRef,
) -> Result<Option<Uuid>, AppError> {
    let Some(identity) = &reference.identity else { return Ok(None) };
    match identities::owner_of(txn, scope.workspace_id, identity).await? {
        Some(owner) => Ok(Some(service::find(txn, scope, owner).await?.id)),
        None => Ok(None),
    }
}

/// The purchase a row records (not yet written).
fn purchase(
    workspace_id: Uuid,
    plan: &Plan,
    ctx: &Context,
    (row_number, import_id): (i64, Uuid),
    line: &Line,
    customer_id: Uuid,
) -> transaction::Model {
    let amount_minor = line.amount.unwrap_or_else(|| line.total());
    let refunded_minor = line.refunded.unwrap_or(0);
    let status = match refunded_minor {
        0 => TransactionStatus::Completed,
        r if r >= amount_minor => TransactionStatus::Refunded,
        _ => TransactionStatus::PartiallyRefunded,
    };
    transaction::Model {
        id: Uuid::now_v7(),
        workspace_id,
        customer_id,
        kind: TransactionKind::Purchase.as_str().to_owned(),
        status: status.as_str().to_owned(),
        channel: plan.channel.as_str().to_owned(),
        occurred_at: line.occurred_at,
        amount_minor,
        currency: line.currency.clone().unwrap_or_else(|| ctx.currency.clone()),
        refunded_minor,
        refund_of: None,
        payment_method: line.payment_method.map(|p| p.as_str().to_owned()),
        store: line.store.clone(),
        location: None,
        external_ref: line.order_no.clone(),
        note: line.note.clone(),
        import_id: Some(import_id),
        import_row: Some(row_number),
        created_at: Utc::now(),
    }
}

/// The refund a purchase row gives, as the import's too (a revert deletes it with its
/// purchase), and its change for the feed.
fn refund(purchase: &transaction::Model, line: &Line, row_number: i64) -> (transaction::Model, Change) {
    let record = transaction::Model {
        id: Uuid::now_v7(),
        kind: TransactionKind::Refund.as_str().to_owned(),
        status: TransactionStatus::Completed.as_str().to_owned(),
        occurred_at: line.refunded_at.unwrap_or(purchase.occurred_at),
        amount_minor: purchase.refunded_minor,
        refunded_minor: 0,
        refund_of: Some(purchase.id),
        external_ref: None,
        note: None,
        import_row: Some(row_number),
        created_at: Utc::now(),
        ..purchase.clone()
    };
    let change = Change::new(purchase.workspace_id, Kind::RefundRecorded, purchase.customer_id).with(json!({
        "transactionId": record.id,
        "refundOf": purchase.id,
        "amountMinor": record.amount_minor,
        "currency": record.currency,
        "occurredAt": record.occurred_at,
        "importId": purchase.import_id,
    }));
    (record, change)
}

/// Why a later line of an order cannot join the purchase its first line recorded: another
/// moment (receipt numbers that restart each day or store are not order numbers), or, with an
/// amount column, another total or refund. `None`: it joins.
fn conflict(plan: &Plan, line: &Line, order: &Recorded) -> Option<Refusal> {
    let has = |target: Target| plan.columns.iter().flatten().any(|(t, _)| *t == target);
    if line.occurred_at != order.occurred_at {
        return Some(Refusal::new(
            plan.header_of(&Target::OrderNo, 0),
            None,
            format!(
                "was used by a purchase at another time on an earlier row ({}): an order number must name \
                 one purchase",
                order.occurred_at.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    // With an amount column, each line gives the order's total; a refund column, its refund.
    for (target, given, recorded, what) in [
        (Target::Amount, line.amount.filter(|_| has(Target::Amount)), order.amount_minor, "total"),
        (Target::Refunded, line.refunded, order.refunded_minor, "refund"),
    ] {
        if let Some(given) = given
            && given != recorded
        {
            return Some(Refusal::new(
                plan.header_of(&target, 0),
                None,
                format!(
                    "differs from the order's {what} on an earlier row ({}): give each line of an order \
                     the order's {what}",
                    domain::format_money(recorded, &order.currency)
                ),
            ));
        }
    }
    None
}

/// A later line of a purchase this import recorded: the line is added after the order's
/// others, and without an amount column the total grows by it.
async fn add_line(
    txn: &DatabaseTransaction,
    plan: &Plan,
    earlier: transaction::Model,
    line: &Line,
    batch: &mut Batch,
) -> Result<Outcome, AppError> {
    let recorded = Recorded {
        occurred_at: earlier.occurred_at,
        amount_minor: earlier.amount_minor,
        refunded_minor: earlier.refunded_minor,
        currency: earlier.currency.clone(),
    };
    if let Some(refusal) = conflict(plan, line, &recorded) {
        return Ok(Outcome::Rejected(refusal));
    }
    let Some(item) = &line.item else {
        return Ok(Outcome::Skipped("the order was recorded on an earlier row"));
    };
    let position = match batch.lines.get(&earlier.id) {
        Some(count) => *count,
        // An order a run cut short before (a resumed import): its lines are counted.
        None => i32::try_from(
            transaction_item::Entity::find()
                .filter(transaction_item::Column::TransactionId.eq(earlier.id))
                .count(txn)
                .await?,
        )
        .unwrap_or(i32::MAX),
    };
    if usize::try_from(position).unwrap_or(usize::MAX) >= domain::ITEMS_MAX {
        let err = AppError::bad_input("items", format!("an order holds at most {} lines", domain::ITEMS_MAX));
        return Ok(Outcome::Rejected(Refusal::from_error(plan, &err)));
    }
    batch.items.push(item_model(earlier.workspace_id, earlier.id, position, item));
    batch.lines.insert(earlier.id, position + 1);
    batch.touch(earlier.customer_id, earlier.occurred_at);
    if !plan.columns.iter().flatten().any(|(t, _)| *t == Target::Amount) {
        let added = line.total();
        if let Some(at) = batch.new_at.get(&earlier.id) {
            batch.new[*at].amount_minor += added;
        } else {
            *batch.grown.entry(earlier.id).or_default() += added;
        }
        if let Some(order) = earlier.external_ref.as_ref().and_then(|n| batch.orders.get_mut(n)) {
            order.amount_minor += added;
        }
    }
    Ok(Outcome::Updated(earlier.id))
}

fn item_model(
    workspace_id: Uuid,
    transaction_id: Uuid,
    position: i32,
    item: &ItemInput,
) -> transaction_item::ActiveModel {
    transaction_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        transaction_id: Set(transaction_id),
        position: Set(position),
        sku: Set(item.sku.clone()),
        name: Set(item.name.clone()),
        category: Set(item.category.clone()),
        quantity: Set(item.quantity),
        unit_price_minor: Set(item.unit_price_minor),
    }
}

/// The customer a purchase is for: found by member number, phone or email (a member number new
/// to them is linked, and the link is in the changeset), or created when nobody matches and
/// the mode allows it (the creation is in the changeset). `None`: skipped.
pub(super) async fn customer_of(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    import_id: Uuid,
    row_number: i64,
    reference: &ValidRef,
) -> Result<Option<Uuid>, AppError> {
    if let Some(found) = identities::resolve(txn, scope, reference, None).await? {
        if let Some(identity) = &reference.identity
            && identities::attach(txn, scope, found.id, identity, "memberNo").await?.is_some()
        {
            let before = Before {
                identity: Some((identity.channel.as_str().to_owned(), identity.external_id.clone())),
                ..Before::default()
            };
            record_change(
                txn,
                scope,
                import_id,
                found.id,
                row_number,
                RowAction::Updated,
                Some(&before),
                found.version,
            )
            .await?;
        }
        return Ok(Some(found.id));
    }
    if plan.mode == ImportMode::UpdateOnly {
        return Ok(None);
    }
    let name = reference.name.clone().unwrap_or_else(|| {
        match (&reference.identity, &reference.phone, &reference.email) {
            (Some(identity), _, _) => identity.external_id.clone(),
            (None, Some(phone), _) => starcrm_shared::mask::phone(phone),
            (None, None, Some(email)) => email.split('@').next().unwrap_or(email).to_owned(),
            (None, None, None) => "New customer".to_owned(),
        }
    });
    let contact = |v: &Option<String>| {
        v.as_ref().map(|v| vec![ContactInput { value: v.clone(), label: None, primary: true }])
    };
    let input = CustomerInput {
        name: Some(name),
        source_channel: Some(Some(plan.channel)),
        phones: contact(&reference.phone),
        emails: contact(&reference.email),
        ..CustomerInput::default()
    };
    let valid = profile::validate(txn, scope, input, true).await?;
    let created = service::insert(txn, scope, &valid).await?;
    if let Some(identity) = &reference.identity {
        identities::link(txn, scope, created.id, identity, "memberNo").await?;
    }
    record_change(txn, scope, import_id, created.id, row_number, RowAction::Created, None, created.version)
        .await?;
    Ok(Some(created.id))
}

/// How a preview names a row's customer: the member number, else the masked phone or email.
pub(super) fn who(customer: &ValidRef) -> Option<String> {
    customer
        .identity
        .as_ref()
        .map(|i| i.external_id.clone())
        .or_else(|| customer.phone.as_deref().map(starcrm_shared::mask::phone))
        .or_else(|| customer.email.as_deref().map(starcrm_shared::mask::email))
}

/// A preview line: the purchase as it would be stored.
pub fn preview(row_number: i64, outcome: &Outcome, line: Option<&Line>, ctx: &Context) -> Value {
    let mut out = super::rows::preview_line(row_number, outcome);
    if let Some(line) = line {
        let currency = line.currency.clone().unwrap_or_else(|| ctx.currency.clone());
        out["orderNo"] = json!(line.order_no);
        out["customer"] = json!(who(&line.customer));
        out["name"] = json!(line.customer.name);
        out["purchasedAt"] =
            json!(line.occurred_at.with_timezone(&ctx.tz).format("%Y-%m-%d %H:%M").to_string());
        out["amount"] = json!(domain::format_money(line.amount.unwrap_or_else(|| line.total()), &currency));
        out["item"] = json!(line.item.as_ref().map(|i| format!("{} × {}", i.name, i.quantity)));
        out["refunded"] = json!(line.refunded.filter(|r| *r > 0).map(|r| domain::format_money(r, &currency)));
    }
    out
}

/// A revert's first step for a purchases import: deletes a batch of the purchases it recorded
/// (after `after`, in id order), with their lines, and brings their customers' aggregates and
/// stars back. A purchase refunded since is left alone and listed. Returns the last id looked
/// at (`None`: no more), how many were deleted and the refusals `(row, customer, message)`.
///
/// # Errors
/// Database failures.
pub async fn delete_batch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Option<Uuid>, i64, Vec<(i64, Uuid, String)>), AppError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut query = transaction::Entity::find()
        .filter(transaction::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(transaction::Column::ImportId.eq(import_id))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()));
    if let Some(after) = after {
        query = query.filter(transaction::Column::Id.gt(after));
    }
    let batch = query.order_by_asc(transaction::Column::Id).limit(limit).all(txn).await?;
    let Some(last) = batch.last().map(|t| t.id) else { return Ok((None, 0, Vec::new())) };
    let ids: Vec<Uuid> = batch.iter().map(|t| t.id).collect();
    // Refunds the import recorded go with their purchase; one recorded since keeps it.
    let refunds: Vec<(Uuid, Option<Uuid>, Option<Uuid>)> = transaction::Entity::find()
        .select_only()
        .column(transaction::Column::Id)
        .column(transaction::Column::RefundOf)
        .column(transaction::Column::ImportId)
        .filter(transaction::Column::RefundOf.is_in(ids))
        .into_tuple()
        .all(txn)
        .await?;
    let refunded: HashSet<Uuid> =
        refunds.iter().filter(|(_, _, by)| *by != Some(import_id)).filter_map(|(_, of, _)| *of).collect();
    let own_refunds: HashMap<Uuid, Vec<Uuid>> =
        refunds.iter().filter(|(_, _, by)| *by == Some(import_id)).fold(HashMap::new(), |mut acc, r| {
            if let Some(of) = r.1 {
                acc.entry(of).or_default().push(r.0);
            }
            acc
        });
    let mut gone_refunds = Vec::new();
    let mut refused = Vec::new();
    let mut gone = Vec::new();
    let mut customers: BTreeSet<Uuid> = BTreeSet::new();
    let mut feed = Vec::new();
    for purchase in &batch {
        let own: &[Uuid] = own_refunds.get(&purchase.id).map_or(&[], Vec::as_slice);
        if own.is_empty() && purchase.refunded_minor > 0 || refunded.contains(&purchase.id) {
            refused.push((
                purchase.import_row.unwrap_or_default(),
                purchase.customer_id,
                format!(
                    "purchase {} was refunded since the import; revert it by hand",
                    purchase.external_ref.as_deref().unwrap_or("without an order number")
                ),
            ));
            continue;
        }
        gone.push(purchase.id);
        customers.insert(purchase.customer_id);
        for refund in own {
            gone_refunds.push(*refund);
            feed.push(
                Change::new(scope.workspace_id, Kind::TransactionDeleted, purchase.customer_id)
                    .with(json!({ "transactionId": refund, "refundOf": purchase.id, "importId": import_id })),
            );
        }
        feed.push(Change::new(scope.workspace_id, Kind::TransactionDeleted, purchase.customer_id).with(
            json!({
                "transactionId": purchase.id,
                "externalRef": purchase.external_ref,
                "importId": import_id,
            }),
        ));
    }
    if !gone.is_empty() {
        transaction_item::Entity::delete_many()
            .filter(transaction_item::Column::TransactionId.is_in(gone.clone()))
            .exec(txn)
            .await?;
        if !gone_refunds.is_empty() {
            transaction::Entity::delete_many()
                .filter(transaction::Column::Id.is_in(gone_refunds))
                .exec(txn)
                .await?;
        }
        transaction::Entity::delete_many()
            .filter(transaction::Column::Id.is_in(gone.clone()))
            .exec(txn)
            .await?;
        changes::record(txn, feed).await?;
        for id in &customers {
            if customer::Entity::find_by_id(*id).one(txn).await?.is_some_and(|c| c.erased_at.is_none()) {
                aggregates::refresh(txn, scope, *id, Trigger::Transaction).await?;
            }
        }
        last_activity_again(txn, &customers).await?;
        stage_again(txn, scope, import_id, &customers).await?;
    }
    Ok((Some(last), i64::try_from(gone.len()).unwrap_or(0), refused))
}

/// After a revert deleted purchases: a customer left without any, whom a purchase had moved
/// from lead or prospect to new (as the feed tells), goes back to the stage they had, with
/// a `lifecycleChanged` of their own. A customer moved on since (loyal, at risk...) is left.
async fn stage_again(
    txn: &DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    customers: &BTreeSet<Uuid>,
) -> Result<(), AppError> {
    use crate::entities::event;
    use domain::LifecycleStage;
    use sea_orm::{QueryOrder, QuerySelect};
    let ids: Vec<Uuid> = customers.iter().copied().collect();
    let buyers: HashSet<Uuid> = transaction::Entity::find()
        .select_only()
        .column(transaction::Column::CustomerId)
        .filter(transaction::Column::CustomerId.is_in(ids.clone()))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
        .distinct()
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let active = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(ids.into_iter().filter(|id| !buyers.contains(id))))
        .filter(customer::Column::LifecycleStage.eq(LifecycleStage::New.as_str()))
        .filter(customer::Column::DeletedAt.is_null())
        .all(txn)
        .await?;
    let mut feed = Vec::new();
    for found in active {
        let last = event::Entity::find()
            .filter(event::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(event::Column::SubjectId.eq(found.id))
            .filter(event::Column::Kind.eq(Kind::LifecycleChanged.as_str()))
            .order_by_desc(event::Column::Position)
            .one(txn)
            .await?;
        let payload: Value =
            last.map_or(Value::Null, |e| serde_json::from_str(&e.payload).unwrap_or_default());
        let Some(earlier) = payload["from"].as_str().and_then(LifecycleStage::parse) else { continue };
        if payload["to"] != LifecycleStage::New.as_str()
            || !matches!(earlier, LifecycleStage::Lead | LifecycleStage::Prospect)
        {
            continue;
        }
        customer::Entity::update_many()
            .col_expr(customer::Column::LifecycleStage, Expr::value(earlier.as_str()))
            .filter(customer::Column::Id.eq(found.id))
            .exec(txn)
            .await?;
        feed.push(Change::new(scope.workspace_id, Kind::LifecycleChanged, found.id).with(json!({
            "from": LifecycleStage::New.as_str(),
            "to": earlier.as_str(),
            "importId": import_id,
        })));
    }
    changes::record(txn, feed).await?;
    Ok(())
}

/// After a revert deleted purchases or interactions: each customer's last activity is the
/// latest of what they still have (none: unset), as recording them had moved it.
///
/// # Errors
/// Database failures.
pub(super) async fn last_activity_again(
    txn: &DatabaseTransaction,
    customers: &BTreeSet<Uuid>,
) -> Result<(), AppError> {
    use crate::entities::interaction;
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Expr as E;
    let ids: Vec<Uuid> = customers.iter().copied().collect();
    // The latest purchase and the latest interaction of each, in one grouped query per table.
    let mut latest: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
    let bought: Vec<(Uuid, Option<DateTime<Utc>>)> = transaction::Entity::find()
        .select_only()
        .column(transaction::Column::CustomerId)
        .column_as(transaction::Column::OccurredAt.max(), "latest")
        .filter(transaction::Column::CustomerId.is_in(ids.clone()))
        .group_by(transaction::Column::CustomerId)
        .into_tuple()
        .all(txn)
        .await?;
    let contacted: Vec<(Uuid, Option<DateTime<Utc>>)> = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::CustomerId)
        .column_as(interaction::Column::OccurredAt.max(), "latest")
        .filter(interaction::Column::CustomerId.is_in(ids))
        .group_by(interaction::Column::CustomerId)
        .into_tuple()
        .all(txn)
        .await?;
    for (id, at) in bought.into_iter().chain(contacted) {
        if let Some(at) = at {
            let slot = latest.entry(id).or_insert(at);
            *slot = Ord::max(*slot, at);
        }
    }
    for id in customers {
        customer::Entity::update_many()
            .col_expr(customer::Column::LastActivityAt, E::value(latest.get(id).copied()))
            .filter(customer::Column::Id.eq(*id))
            .exec(txn)
            .await?;
    }
    Ok(())
}
