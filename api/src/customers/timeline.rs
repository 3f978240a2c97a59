//! A customer's timeline: transactions, interactions (done follow-ups among them) and, for
//! callers on the service desk, the tickets they may see, merged newest first, paged by
//! `(occurredAt, id)` keys so each source is read with one indexed query per page. Later
//! features (star changes, surveys) add their sources here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::{interaction, ticket, transaction};
use crate::error::AppError;
use crate::service_desk::teams::Reach;

/// One entry of the timeline.
#[derive(Clone, Debug)]
pub enum Entry {
    Transaction(transaction::Model),
    Interaction(interaction::Model),
    /// At its opening.
    Ticket(ticket::Model),
}

impl Entry {
    pub const fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Transaction(t) => t.occurred_at,
            Self::Interaction(i) => i.occurred_at,
            Self::Ticket(t) => t.created_at,
        }
    }

    pub const fn id(&self) -> Uuid {
        match self {
            Self::Transaction(t) => t.id,
            Self::Interaction(i) => i.id,
            Self::Ticket(t) => t.id,
        }
    }

    /// The cursor that starts the page after this entry.
    pub fn cursor(&self) -> String {
        let mut bytes = self.at().timestamp_micros().to_be_bytes().to_vec();
        bytes.extend_from_slice(self.id().as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// Decodes a timeline cursor.
///
/// # Errors
/// `BAD_USER_INPUT` on `after` for anything this server did not make.
pub fn decode_cursor(value: &str) -> Result<(DateTime<Utc>, Uuid), AppError> {
    let bad = || AppError::bad_input("after", "is not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| bad())?;
    if bytes.len() != 24 {
        return Err(bad());
    }
    let micros = i64::from_be_bytes(bytes[..8].try_into().map_err(|_| bad())?);
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
    let id = Uuid::from_slice(&bytes[8..]).map_err(|_| bad())?;
    Ok((at, id))
}

/// A page of the timeline of `customer_id`, newest first; with the tickets `tickets` reaches
/// (none: no tickets, for callers off the service desk).
///
/// # Errors
/// Database failures.
pub async fn page(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    first: u32,
    after: Option<(DateTime<Utc>, Uuid)>,
    tickets: Option<&Reach>,
) -> Result<(Vec<Entry>, bool), AppError> {
    let limit = u64::from(first) + 1;
    let transactions = transactions(conn, customer_id, limit, after).await?;
    let interactions = interactions(conn, customer_id, limit, after).await?;
    let opened = match tickets {
        Some(reach) => {
            ticket::Entity::find()
                .filter(ticket::Column::CustomerId.eq(customer_id))
                .filter(reach.condition())
                .filter(before(ticket::Column::CreatedAt, ticket::Column::Id, after))
                .order_by_desc(ticket::Column::CreatedAt)
                .order_by_desc(ticket::Column::Id)
                .limit(limit)
                .all(conn)
                .await?
        }
        None => Vec::new(),
    };
    let mut entries: Vec<Entry> = transactions
        .into_iter()
        .map(Entry::Transaction)
        .chain(interactions.into_iter().map(Entry::Interaction))
        .chain(opened.into_iter().map(Entry::Ticket))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse((e.at(), e.id())));
    let has_next = entries.len() > first as usize;
    entries.truncate(first as usize);
    Ok((entries, has_next))
}

/// Up to `limit` transactions of a customer before `after`, newest first.
///
/// # Errors
/// Database failures.
pub async fn transactions(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<transaction::Model>, AppError> {
    Ok(transaction::Entity::find()
        .filter(transaction::Column::CustomerId.eq(customer_id))
        .filter(before(transaction::Column::OccurredAt, transaction::Column::Id, after))
        .order_by_desc(transaction::Column::OccurredAt)
        .order_by_desc(transaction::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Up to `limit` interactions of a customer before `after`, newest first.
///
/// # Errors
/// Database failures.
pub async fn interactions(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<interaction::Model>, AppError> {
    Ok(interaction::Entity::find()
        .filter(interaction::Column::CustomerId.eq(customer_id))
        .filter(before(interaction::Column::OccurredAt, interaction::Column::Id, after))
        .order_by_desc(interaction::Column::OccurredAt)
        .order_by_desc(interaction::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Rows strictly before `(at, id)` in newest-first order.
fn before<C: ColumnTrait>(at_col: C, id_col: C, after: Option<(DateTime<Utc>, Uuid)>) -> Condition {
    match after {
        None => Condition::all(),
        Some((at, id)) => {
            Condition::any().add(at_col.lt(at)).add(Condition::all().add(at_col.eq(at)).add(id_col.lt(id)))
        }
    }
}
