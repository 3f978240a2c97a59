//! `starcrm seed --customers N --transactions M`: realistic customers and purchase histories for
//! demos and benchmarks, deterministic for a given `--seed`.
//!
//! - Names: about 85 % Chinese (surnames weighted by frequency), 15 % English; phones, emails,
//!   companies, jobs, native places, tags, consents, one or two channel identities each.
//! - Histories over the last three years with long-tail (Pareto) frequency per customer, spend
//!   levels that vary by customer, seasonal peaks (Chinese New Year, 618, Double 11, December),
//!   about 4 % refunds, and interactions.
//! - Written in batched multi-row inserts, one database transaction per chunk of customers, with
//!   the aggregates computed in memory; progress and rows per second are reported.
//!
//! Every customer draws from its own random stream (seed + customer index), so the data do not
//! depend on chunk sizes. The generator is a `SplitMix64` written here: its output never changes
//! with a dependency upgrade.

use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use starcrm_shared::customer::{
    Channel, ConsentChannel, Direction, Gender, InteractionKind, LifecycleStage, PaymentMethod,
    TransactionKind, TransactionStatus,
};
use uuid::Uuid;

use super::vocabulary as words;
use crate::customers::service::allocate_numbers;
use crate::db;
use crate::entities::{
    channel_identity, customer, customer_consent, customer_email, customer_phone, customer_tag, interaction,
    transaction, transaction_item,
};
use crate::error::AppError;

/// Customers generated and written per database transaction.
const CHUNK: u64 = 2_000;
/// Rows per multi-row INSERT (keeps every statement under SQLite's 32,766 parameters).
const BATCH: usize = 800;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub customers: u64,
    pub transactions: u64,
    pub seed: u64,
    /// The end of the generated history.
    pub now: DateTime<Utc>,
}

/// Rows written so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    pub customers: u64,
    pub transactions: u64,
    pub items: u64,
    pub interactions: u64,
    pub other_rows: u64,
    pub seconds: f64,
}

impl Report {
    pub const fn rows(&self) -> u64 {
        self.customers + self.transactions + self.items + self.interactions + self.other_rows
    }

    #[allow(clippy::cast_precision_loss, reason = "a rate for people to read")]
    pub fn rows_per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.rows() as f64 / self.seconds } else { 0.0 }
    }
}

/// `SplitMix64`: small, fast, and stable forever.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub const fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    #[allow(clippy::cast_precision_loss, reason = "53 random bits")]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    /// A standard normal value (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(f64::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A UUIDv7 stamped `at` with random bits from the stream (deterministic per seed).
fn id_at(rng: &mut Rng, at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0_u8; 10];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes()[..2]);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().unsigned_abs(), &bytes).into_uuid()
}

/// Spread of the log-normal purchase frequency: most buy a few times, a few buy very often.
const SIGMA: f64 = 1.4;
/// Share of customers who never bought (leads).
const NEVER_BOUGHT: f64 = 0.15;
/// Share of buyers who stopped buying at some point before today (the rest still buy): without
/// it every history runs to today and no customer would ever look lapsed to the purchase models.
const STOPPED: f64 = 0.4;
/// Share of customers registered twice (the same phone as an earlier customer).
const DUPLICATES: f64 = 0.01;

/// Mean of the log-normal frequency weight `exp(SIGMA * N(0, 1))`.
fn mean_weight() -> f64 {
    (SIGMA * SIGMA / 2.0).exp()
}

/// A Poisson-distributed count with mean `lambda` (normal approximation above 30).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "small positive counts")]
fn poisson(rng: &mut Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        return (lambda + lambda.sqrt() * rng.normal()).round().max(0.0) as u64;
    }
    let limit = (-lambda).exp();
    let mut product = rng.unit();
    let mut count = 0;
    while product > limit {
        product *= rng.unit();
        count += 1;
    }
    count
}

/// The phone number of customer `index` of a run (a pure function, so a later customer can be
/// given an earlier one's number to make a realistic duplicate).
fn phone_of(seed: u64, index: u64) -> String {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
    mobile(&mut rng)
}

/// How much more (or less) than usual shoppers buy on `date`.
fn season(date: NaiveDate) -> f64 {
    match (date.month(), date.day()) {
        (11, 9..=12) => 5.0,
        (6, 15..=18) => 3.0,
        (12, _) => 1.5,
        (1 | 2, _) => 1.4,
        (11, _) => 1.3,
        _ => 1.0,
    }
}

/// Generates the plan into `workspace_id`, calling `progress` after each chunk.
///
/// # Errors
/// Database failures (the chunk in progress is rolled back; earlier chunks stay).
pub async fn generate(
    conn: &DatabaseConnection,
    workspace_id: Uuid,
    plan: Plan,
    mut progress: impl FnMut(&Report),
) -> Result<Report, AppError> {
    let started = Instant::now();
    let mut report = Report::default();
    #[allow(clippy::cast_precision_loss, reason = "ratios")]
    let per_buyer = plan.transactions as f64 / ((plan.customers.max(1) as f64) * (1.0 - NEVER_BOUGHT));
    let mut done = 0;
    while done < plan.customers {
        let count = CHUNK.min(plan.customers - done);
        let txn = db::begin_write(conn).await?;
        let first_number =
            allocate_numbers(&txn, workspace_id, i64::try_from(count).unwrap_or(i64::MAX)).await?;
        let mut rows = Rows::default();
        for offset in 0..count {
            let index = done + offset;
            let number = first_number + i64::try_from(offset).unwrap_or(0);
            let mut rng = Rng::new(plan.seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
            person(&mut rng, workspace_id, (index, number), per_buyer, &plan, &mut rows);
        }
        let ids: Vec<Uuid> = rows.customers.iter().filter_map(|c| c.id.clone().take()).collect();
        rows.write(&txn, &mut report).await?;
        crate::search::outbox::enqueue(&txn, workspace_id, &ids).await?;
        txn.commit().await?;
        done += count;
        report.seconds = started.elapsed().as_secs_f64();
        progress(&report);
    }
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Fresh statistics, so the planner knows the tables just grew.
        conn.execute_unprepared("ANALYZE").await?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Rows of one chunk, waiting to be inserted.
#[derive(Default)]
struct Rows {
    customers: Vec<customer::ActiveModel>,
    phones: Vec<customer_phone::ActiveModel>,
    emails: Vec<customer_email::ActiveModel>,
    tags: Vec<customer_tag::ActiveModel>,
    consents: Vec<customer_consent::ActiveModel>,
    identities: Vec<channel_identity::ActiveModel>,
    transactions: Vec<transaction::ActiveModel>,
    items: Vec<transaction_item::ActiveModel>,
    interactions: Vec<interaction::ActiveModel>,
}

async fn insert<E, A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<u64, AppError>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E>,
{
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        E::insert_many(batch).exec_without_returning(conn).await?;
    }
    Ok(total)
}

impl Rows {
    async fn write(self, conn: &impl ConnectionTrait, report: &mut Report) -> Result<(), AppError> {
        report.customers += insert(conn, self.customers).await?;
        report.other_rows += insert(conn, self.phones).await?;
        report.other_rows += insert(conn, self.emails).await?;
        report.other_rows += insert(conn, self.tags).await?;
        report.other_rows += insert(conn, self.consents).await?;
        report.other_rows += insert(conn, self.identities).await?;
        report.transactions += insert(conn, self.transactions).await?;
        report.items += insert(conn, self.items).await?;
        report.interactions += insert(conn, self.interactions).await?;
        Ok(())
    }
}

fn chinese_name(rng: &mut Rng) -> String {
    let total: u32 = words::SURNAMES.iter().map(|(_, w)| w).sum();
    let mut pick = u32::try_from(rng.below(u64::from(total))).unwrap_or(0);
    let mut surname = words::SURNAMES[0].0;
    for (name, weight) in words::SURNAMES {
        if pick < *weight {
            surname = name;
            break;
        }
        pick -= weight;
    }
    let mut name = surname.to_owned();
    for _ in 0..if rng.chance(0.7) { 2 } else { 1 } {
        let given: &&str = rng.pick(words::GIVEN);
        name.push_str(given);
    }
    name
}

fn mobile(rng: &mut Rng) -> String {
    let second = [3, 5, 7, 8, 9][usize::try_from(rng.below(5)).unwrap_or(0)];
    format!("+861{second}{:09}", rng.below(1_000_000_000))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[usize::try_from(n % 36).unwrap_or(0)]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// One customer with their history.
#[allow(clippy::too_many_lines, reason = "one person, field by field")]
fn person(
    rng: &mut Rng,
    workspace_id: Uuid,
    (index, number): (u64, i64),
    per_buyer: f64,
    plan: &Plan,
    rows: &mut Rows,
) {
    let english = rng.chance(0.15);
    let name = if english {
        format!("{} {}", rng.pick(words::FIRST_NAMES), rng.pick(words::LAST_NAMES))
    } else {
        chinese_name(rng)
    };
    let gender = if rng.chance(0.52) { Gender::Female } else { Gender::Male };
    let tenure_days = i64::try_from(rng.below(3 * 365)).unwrap_or(0) + 1;
    let first_seen = plan.now
        - Duration::days(tenure_days)
        - Duration::minutes(i64::try_from(rng.below(1_440)).unwrap_or(0));
    // Ids sort like the customers' first visits. They come from their own stream, mixed with
    // the workspace and the customer number, so reruns with one seed never collide.
    let (high, low) = workspace_id.as_u64_pair();
    let mut ids = Rng::new(
        rng.next_u64() ^ high ^ low.rotate_left(17) ^ number.unsigned_abs().wrapping_mul(0x9E37_79B9),
    );
    let id = id_at(&mut ids, first_seen);
    let home = *rng.pick(&[
        Channel::Wechat,
        Channel::Wechat,
        Channel::App,
        Channel::Web,
        Channel::Store,
        Channel::Marketplace,
    ]);

    // Contact points, identities, tags, consents.
    if rng.chance(0.9) {
        rows.phones.push(customer_phone::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            customer_id: Set(id),
            phone: Set(if index > 0 && rng.chance(DUPLICATES) {
                phone_of(plan.seed, index - 1 - rng.below(index.min(50)))
            } else {
                phone_of(plan.seed, index)
            }),
            label: Set(None),
            is_primary: Set(true),
        });
    }
    if rng.chance(0.5) {
        let handle = if english {
            name.to_lowercase().replace(' ', ".")
        } else {
            (*rng.pick(words::HANDLES)).to_owned()
        };
        rows.emails.push(customer_email::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            customer_id: Set(id),
            email: Set(format!("{handle}{number}@{}", rng.pick(words::MAIL_DOMAINS))),
            label: Set(None),
            is_primary: Set(true),
        });
    }
    let mut channels = vec![home];
    if rng.chance(0.35) {
        let other = *rng.pick(&[Channel::App, Channel::Store, Channel::Web, Channel::Wechat]);
        if other != home {
            channels.push(other);
        }
    }
    for channel in &channels {
        let external = match channel {
            Channel::Wechat => format!("o{}{}", base36(rng.next_u64()), base36(number.unsigned_abs())),
            Channel::Store => format!("CARD{number:08}"),
            _ => format!("{}-{}", channel.as_str(), base36(number.unsigned_abs() * 7919 + rng.below(7919))),
        };
        rows.identities.push(channel_identity::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            customer_id: Set(id),
            channel: Set(channel.as_str().to_owned()),
            external_id: Set(external),
            created_at: Set(first_seen),
        });
    }
    let mut tags: Vec<&str> = Vec::new();
    for _ in 0..rng.below(3) {
        let tag = *rng.pick(words::TAGS);
        if !tags.contains(&tag) {
            tags.push(tag);
            rows.tags.push(customer_tag::ActiveModel {
                workspace_id: Set(workspace_id),
                customer_id: Set(id),
                tag: Set(tag.to_owned()),
            });
        }
    }
    for channel in [ConsentChannel::Sms, ConsentChannel::Wechat, ConsentChannel::Email] {
        if rng.chance(0.7) {
            rows.consents.push(customer_consent::ActiveModel {
                workspace_id: Set(workspace_id),
                customer_id: Set(id),
                channel: Set(channel.as_str().to_owned()),
                granted: Set(rng.chance(0.75)),
                source: Set(Some("import".to_owned())),
                changed_at: Set(first_seen),
            });
        }
    }

    // Purchase history.
    let buyer = !rng.chance(NEVER_BOUGHT);
    let weight = (SIGMA * rng.normal()).exp();
    let lambda = per_buyer * weight / mean_weight();
    let count = if buyer { 1 + poisson(rng, (lambda - 1.0).max(0.0)) } else { 0 };
    let spend_level = (0.6 * rng.normal()).exp();
    let mut total = 0_i64;
    let mut orders = 0;
    let mut first_purchase: Option<DateTime<Utc>> = None;
    let mut last_purchase: Option<DateTime<Utc>> = None;
    let mut categories: Vec<&str> = Vec::new();
    let span = (plan.now - first_seen).num_minutes().max(1);
    // Whether and when this buyer stopped, from a generator of their own so the draws of every
    // other field stay as they were.
    let mut own = Rng::new(plan.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss, reason = "minutes of a few years")]
    let buying_span =
        if own.chance(STOPPED) { ((span as f64) * (0.1 + 0.9 * own.unit())) as i64 } else { span }.max(1);
    // What this buyer comes back for.
    let favourite = *own.pick(words::CATALOGUE);
    for k in 0..count {
        let at = loop {
            let at = first_seen
                + Duration::minutes(i64::try_from(rng.below(buying_span.unsigned_abs())).unwrap_or(0));
            if rng.unit() * 5.0 < season(at.date_naive()) && (9..23).contains(&at.hour()) || rng.chance(0.02)
            {
                break at;
            }
        };
        let tx_id = id_at(&mut ids, at);
        let lines = 1 + rng.below(3);
        let mut amount = 0_i64;
        let mut tx_categories: Vec<&str> = Vec::new();
        let mut first_sku = "";
        for position in 0..lines {
            let mut picked = *rng.pick(words::CATALOGUE);
            // Half the orders start with the buyer's favourite or its companion, and a later line
            // is often the first one's companion (tea with a cup, pu'er with a teapot): decided by
            // the buyer's own generator so every other draw stays as it was.
            if position == 0 {
                if own.chance(0.5) {
                    picked = if own.chance(0.5) {
                        favourite
                    } else {
                        words::companion(favourite.0).unwrap_or(favourite)
                    };
                }
                first_sku = picked.0;
            } else if own.chance(0.5) {
                picked = words::companion(first_sku).unwrap_or(picked);
            }
            let (sku, item, category, price) = picked;
            let quantity = if rng.chance(0.8) { 1 } else { 2 };
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss, reason = "prices in fen")]
            let unit = ((price as f64) * spend_level.clamp(0.3, 4.0) / 10.0).round() as i64 * 10;
            amount += unit * quantity;
            tx_categories.push(category);
            rows.items.push(transaction_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace_id),
                transaction_id: Set(tx_id),
                position: Set(i32::try_from(position).unwrap_or(0)),
                sku: Set(Some(sku.to_owned())),
                name: Set(item.to_owned()),
                category: Set(Some(category.to_owned())),
                quantity: Set(i32::try_from(quantity).unwrap_or(1)),
                unit_price_minor: Set(unit),
            });
        }
        let refund = rng.unit();
        let (status, refunded) = if refund < 0.03 {
            (TransactionStatus::Refunded, amount)
        } else if refund < 0.04 {
            (TransactionStatus::PartiallyRefunded, amount / 2)
        } else {
            (TransactionStatus::Completed, 0)
        };
        let channel = if rng.chance(0.7) { home } else { *rng.pick(&channels) };
        let payment = match rng.below(20) {
            0..=8 => PaymentMethod::WechatPay,
            9..=15 => PaymentMethod::Alipay,
            16 | 17 => PaymentMethod::Card,
            18 => PaymentMethod::UnionPay,
            _ => PaymentMethod::Cash,
        };
        let store = (channel == Channel::Store).then(|| (*rng.pick(words::STORES)).to_owned());
        let reference = format!("S{}-{number}-{k}", plan.seed);
        rows.transactions.push(transaction::ActiveModel {
            id: Set(tx_id),
            workspace_id: Set(workspace_id),
            customer_id: Set(id),
            kind: Set(TransactionKind::Purchase.as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            channel: Set(channel.as_str().to_owned()),
            occurred_at: Set(at),
            amount_minor: Set(amount),
            currency: Set("CNY".to_owned()),
            refunded_minor: Set(refunded),
            refund_of: Set(None),
            payment_method: Set(Some(payment.as_str().to_owned())),
            store: Set(store.clone()),
            location: Set(None),
            external_ref: Set(Some(reference.clone())),
            note: Set(None),
            import_id: Set(None),
            import_row: Set(None),
            created_at: Set(at),
        });
        if refunded > 0 {
            let refund_at = (at + Duration::days(3)).min(plan.now);
            rows.transactions.push(transaction::ActiveModel {
                id: Set(id_at(&mut ids, refund_at)),
                workspace_id: Set(workspace_id),
                customer_id: Set(id),
                kind: Set(TransactionKind::Refund.as_str().to_owned()),
                status: Set(TransactionStatus::Completed.as_str().to_owned()),
                channel: Set(channel.as_str().to_owned()),
                occurred_at: Set(refund_at),
                amount_minor: Set(refunded),
                currency: Set("CNY".to_owned()),
                refunded_minor: Set(0),
                refund_of: Set(Some(tx_id)),
                payment_method: Set(Some(payment.as_str().to_owned())),
                store: Set(store),
                location: Set(None),
                external_ref: Set(Some(format!("{reference}-R"))),
                note: Set(None),
                import_id: Set(None),
                import_row: Set(None),
                created_at: Set(at),
            });
        }
        total += amount - refunded;
        if status != TransactionStatus::Refunded {
            orders += 1;
            first_purchase = Some(first_purchase.map_or(at, |f| f.min(at)));
            last_purchase = Some(last_purchase.map_or(at, |l| l.max(at)));
            for category in tx_categories {
                if !categories.contains(&category) {
                    categories.push(category);
                }
            }
        }
    }

    // Interactions.
    let mut last_activity = last_purchase;
    for _ in 0..(if rng.chance(0.4) { 1 + rng.below(3) } else { 0 }) {
        let at = first_seen + Duration::minutes(i64::try_from(rng.below(span.unsigned_abs())).unwrap_or(0));
        let kind = *rng.pick(&[
            InteractionKind::Consultation,
            InteractionKind::Call,
            InteractionKind::Chat,
            InteractionKind::Visit,
        ]);
        rows.interactions.push(interaction::ActiveModel {
            id: Set(id_at(&mut ids, at)),
            workspace_id: Set(workspace_id),
            customer_id: Set(id),
            kind: Set(kind.as_str().to_owned()),
            direction: Set(if rng.chance(0.6) { Direction::Inbound } else { Direction::Outbound }
                .as_str()
                .to_owned()),
            channel: Set(Some(home.as_str().to_owned())),
            subject: Set(Some((*rng.pick(words::INTERACTION_SUBJECTS)).to_owned())),
            body: Set(None),
            agent_id: Set(None),
            occurred_at: Set(at),
            external_ref: Set(None),
            import_id: Set(None),
            import_row: Set(None),
            created_at: Set(at),
        });
        last_activity = Some(last_activity.map_or(at, |l| l.max(at)));
    }

    let days_since = last_purchase.map(|l| (plan.now - l).num_days());
    let stage = match (orders, days_since) {
        (0, _) if rng.chance(0.3) => LifecycleStage::Prospect,
        (0, _) => LifecycleStage::Lead,
        (_, Some(d)) if d > 365 => LifecycleStage::Churned,
        (_, Some(d)) if d > 180 => LifecycleStage::AtRisk,
        (n, _) if n >= 10 => LifecycleStage::Loyal,
        _ => LifecycleStage::Active,
    };
    let birthday = NaiveDate::from_ymd_opt(
        1955 + i32::try_from(rng.below(50)).unwrap_or(0),
        1 + u32::try_from(rng.below(12)).unwrap_or(0),
        1 + u32::try_from(rng.below(28)).unwrap_or(0),
    );
    rows.customers.push(customer::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        number: Set(number),
        name: Set(name),
        gender: Set(gender.as_str().to_owned()),
        birthday: Set(birthday.filter(|_| rng.chance(0.6))),
        id_number: Set(None),
        address: Set(None),
        company: Set(rng.chance(0.4).then(|| (*rng.pick(words::COMPANIES)).to_owned())),
        job_title: Set(rng.chance(0.5).then(|| (*rng.pick(words::JOBS)).to_owned())),
        education: Set(rng.chance(0.3).then(|| (*rng.pick(words::EDUCATION)).to_owned())),
        native_place: Set(rng.chance(0.3).then(|| (*rng.pick(words::PLACES)).to_owned())),
        owner_id: Set(None),
        lifecycle_stage: Set(stage.as_str().to_owned()),
        source_channel: Set(Some(home.as_str().to_owned())),
        first_seen_at: Set(first_seen),
        last_activity_at: Set(last_activity),
        notes: Set(None),
        stars: Set(None),
        total_spend_minor: Set(total),
        order_count: Set(orders),
        first_purchase_at: Set(first_purchase),
        last_purchase_at: Set(last_purchase),
        category_count: Set(i32::try_from(categories.len()).unwrap_or(0)),
        version: Set(1),
        deleted_at: Set(None),
        erased_at: Set(None),
        merged_into: Set(None),
        created_at: Set(first_seen),
        updated_at: Set(first_seen),
        // Rated by the star engine's run after seeding.
        ..Default::default()
    });
}
