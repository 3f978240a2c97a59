//! `DataLoader`s for a customer's child rows (phones, emails, tags, consents, identities, custom
//! values): a page of customers selecting their phones costs one query, not one per customer.
//! No caching (but for workspace currencies, which never change): each load reads the database,
//! so one request never sees stale rows of another.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::{
    channel_identity, custom_field, customer, customer_consent, customer_email, customer_field_value,
    customer_merge, customer_phone, customer_tag, follow_up, interaction, point_entry, point_lot,
    point_operation, survey_response, ticket, transaction, transaction_item, user, voucher, workspace,
};

/// A table whose rows belong to a customer.
pub trait ChildOf: EntityTrait {
    fn customer_column() -> Self::Column;
    fn customer_of(row: &Self::Model) -> Uuid;
}

macro_rules! child_of {
    ($($module:ident),+) => {$(
        impl ChildOf for $module::Entity {
            fn customer_column() -> Self::Column {
                $module::Column::CustomerId
            }
            fn customer_of(row: &Self::Model) -> Uuid {
                row.customer_id
            }
        }
    )+};
}

child_of!(
    customer_phone,
    customer_email,
    customer_tag,
    customer_consent,
    channel_identity,
    customer_field_value,
    transaction,
    interaction,
    ticket,
    follow_up,
    survey_response,
    point_lot,
    point_operation,
    point_entry,
    voucher
);

/// Merges belong to their survivor.
impl ChildOf for customer_merge::Entity {
    fn customer_column() -> Self::Column {
        customer_merge::Column::SurvivorId
    }
    fn customer_of(row: &Self::Model) -> Uuid {
        row.survivor_id
    }
}

/// A customer's child table whose rows have their own `id`.
pub trait OwnedRow: ChildOf {
    fn id_column() -> Self::Column;
}

macro_rules! owned_row {
    ($($module:ident),+) => {$(
        impl OwnedRow for $module::Entity {
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
        }
    )+};
}

owned_row!(
    customer_phone,
    customer_email,
    channel_identity,
    customer_field_value,
    transaction,
    interaction,
    ticket,
    follow_up,
    survey_response,
    point_lot,
    point_operation,
    point_entry,
    voucher
);

/// Points the rows of `E` with these ids at `customer_id`.
///
/// # Errors
/// Database failures.
pub async fn move_rows<E: OwnedRow>(
    conn: &impl sea_orm::ConnectionTrait,
    ids: &[Uuid],
    customer_id: Uuid,
) -> Result<(), sea_orm::DbErr> {
    if !ids.is_empty() {
        E::update_many()
            .col_expr(E::customer_column(), sea_orm::sea_query::Expr::value(customer_id))
            .filter(E::id_column().is_in(ids.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Replaces every row of `E` of `customer_id` with `rows`.
///
/// # Errors
/// Database failures.
pub async fn replace_rows<E, A>(
    conn: &impl sea_orm::ConnectionTrait,
    customer_id: Uuid,
    rows: Vec<A>,
) -> Result<(), sea_orm::DbErr>
where
    E: ChildOf,
    A: sea_orm::ActiveModelTrait<Entity = E>,
{
    E::delete_many().filter(E::customer_column().eq(customer_id)).exec(conn).await?;
    if !rows.is_empty() {
        E::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Loads the rows of `E` for many customers at once.
pub struct ByCustomer<E> {
    db: DatabaseConnection,
    entity: PhantomData<fn() -> E>,
}

impl<E> Loader<Uuid> for ByCustomer<E>
where
    E: ChildOf + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = Vec<E::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = E::find().filter(E::customer_column().is_in(keys.iter().copied())).all(&self.db).await?;
        let mut out: HashMap<Uuid, Vec<E::Model>> = HashMap::with_capacity(keys.len());
        for row in rows {
            out.entry(E::customer_of(&row)).or_default().push(row);
        }
        Ok(out)
    }
}

/// A batching loader of `E` rows by customer id.
pub type ChildLoader<E> = DataLoader<ByCustomer<E>>;

/// Makes the loader for `E` (one per schema; it batches, it does not cache).
pub fn loader<E>(db: &DatabaseConnection) -> ChildLoader<E>
where
    E: ChildOf + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    batching(ByCustomer { db: db.clone(), entity: PhantomData })
}

/// How long a loader waits for more keys before it queries. The fields of one page ask within
/// the same poll, so a short wait batches them as well as the default millisecond does.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_micros(200);

fn batching<L: Loader<Uuid>>(loader: L) -> DataLoader<L> {
    DataLoader::new(loader, tokio::spawn).delay(BATCH_WINDOW)
}

/// Loads workspace currencies. A workspace's currency is fixed when it is created (every amount
/// is stored in it), so this loader keeps what it read for the life of the process: a page of
/// customers costs no query for it after the first.
pub struct Currencies {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Currencies {
    type Value = String;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, String>, Self::Error> {
        let rows = workspace::Entity::find()
            .filter(workspace::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|w| (w.id, w.currency)).collect())
    }
}

pub type CurrencyLoader = DataLoader<Currencies, async_graphql::dataloader::HashMapCache>;

/// Loads staff accounts by id (owners of customers, agents of interactions).
pub struct Users {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Users {
    type Value = user::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, Self::Error> {
        let rows =
            user::Entity::find().filter(user::Column::Id.is_in(keys.iter().copied())).all(&self.db).await?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub type UserLoader = DataLoader<Users>;

/// Loads customers by id as stored (the customer of each ticket on a queue page).
pub struct Customers {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Customers {
    type Value = customer::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, customer::Model>, Self::Error> {
        let rows = customer::Entity::find()
            .filter(customer::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

pub type CustomerLoader = DataLoader<Customers>;

/// Loads the lines of transactions by transaction id, in order.
pub struct Items {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Items {
    type Value = Vec<transaction_item::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = transaction_item::Entity::find()
            .filter(transaction_item::Column::TransactionId.is_in(keys.iter().copied()))
            .order_by_asc(transaction_item::Column::Position)
            .all(&self.db)
            .await?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::with_capacity(keys.len());
        for row in rows {
            out.entry(row.transaction_id).or_default().push(row);
        }
        Ok(out)
    }
}

pub type ItemLoader = DataLoader<Items>;

/// Loads a workspace's active custom field definitions, in display order.
pub struct Definitions {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Definitions {
    type Value = Vec<custom_field::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = custom_field::Entity::find()
            .filter(custom_field::Column::WorkspaceId.is_in(keys.iter().copied()))
            .filter(custom_field::Column::ArchivedAt.is_null())
            .order_by_asc(custom_field::Column::Position)
            .order_by_asc(custom_field::Column::Id)
            .all(&self.db)
            .await?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::with_capacity(keys.len());
        for row in rows {
            out.entry(row.workspace_id).or_default().push(row);
        }
        Ok(out)
    }
}

pub type DefinitionLoader = DataLoader<Definitions>;

/// Loads customers' workspace and code number by id (what a merge record names), merged-away
/// customers included.
pub struct Numbers {
    db: DatabaseConnection,
}

impl Loader<Uuid> for Numbers {
    type Value = (Uuid, i64);
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use sea_orm::QuerySelect;
        let rows: Vec<(Uuid, Uuid, i64)> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::WorkspaceId)
            .column(customer::Column::Number)
            .filter(customer::Column::Id.is_in(keys.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|(id, workspace, number)| (id, (workspace, number))).collect())
    }
}

pub type NumberLoader = DataLoader<Numbers>;

/// Every customer child loader, registered in the schema's data.
pub fn register<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
    db: &DatabaseConnection,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    builder
        .data(loader::<customer_phone::Entity>(db))
        .data(loader::<customer_email::Entity>(db))
        .data(loader::<customer_tag::Entity>(db))
        .data(loader::<customer_consent::Entity>(db))
        .data(loader::<channel_identity::Entity>(db))
        .data(loader::<customer_field_value::Entity>(db))
        .data(loader::<customer_merge::Entity>(db))
        .data(
            DataLoader::with_cache(
                Currencies { db: db.clone() },
                tokio::spawn,
                async_graphql::dataloader::HashMapCache::default(),
            )
            .delay(BATCH_WINDOW),
        )
        .data(batching(Users { db: db.clone() }))
        .data(batching(Customers { db: db.clone() }))
        .data(batching(Items { db: db.clone() }))
        .data(batching(Definitions { db: db.clone() }))
        .data(batching(Numbers { db: db.clone() }))
}
