//! Live changes over GraphQL subscriptions (graphql-transport-ws at `/graphql/ws`): the change
//! feed, followed. A subscription reads the feed after its position whenever this process
//! records a change or hears of one from another process (PostgreSQL `NOTIFY`), and every few
//! seconds regardless, so nothing recorded is missed and a client that reconnects with the last
//! position it saw (`after`) misses nothing either.
//!
//! The credential given in `connection_init` is checked again every minute: a revoked token, a
//! deactivated account or an expired access token ends the subscriptions with `UNAUTHENTICATED`
//! (the client reconnects with a fresh token and its last position).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{Context, ErrorExtensions, ID, Subscription};
use futures_util::Stream;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use uuid::Uuid;

use super::Kind;
use super::graphql::ChangeEvent;
use crate::auth::{Auth, ContextExt, RequestMeta, Scope};
use crate::entities::{customer, event};
use crate::error::AppError;

/// Subscriptions one connection may hold at once.
pub const MAX_PER_CONNECTION: usize = 20;
/// How often a subscription reads the feed when nothing woke it (a wake-up comes with every
/// change of this process and, on PostgreSQL, of every other: this only covers a lost listener).
const POLL: Duration = Duration::from_secs(30);
/// How often the connection's credential is checked again.
const RECHECK: Duration = Duration::from_secs(60);
/// Events read per step.
const BATCH: u64 = 100;

/// What `connection_init` established for a WebSocket connection: the token (to check again)
/// and the count of its open subscriptions.
#[derive(Clone, Debug)]
pub struct Connection {
    pub token: String,
    pub meta: RequestMeta,
    open: Arc<AtomicUsize>,
}

impl Connection {
    pub fn new(token: String, meta: RequestMeta) -> Self {
        Self { token, meta, open: Arc::new(AtomicUsize::new(0)) }
    }
}

/// Holds one of the connection's subscription slots until dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a subscription follows.
struct Filter {
    kinds: Vec<&'static str>,
    customer: Option<Uuid>,
}

/// What every subscription holds: one of its connection's slots, and the connection's
/// credential, checked again every minute.
pub(crate) struct Guard {
    pub db: DatabaseConnection,
    auth: Arc<Auth>,
    connection: Connection,
    pub workspace_id: Uuid,
    permission: Permission,
    checked_at: Instant,
    _slot: Slot,
}

impl Guard {
    /// Takes a slot of the subscription's connection for a caller holding `permission`.
    ///
    /// # Errors
    /// `UNAUTHENTICATED`, `FORBIDDEN`; `BAD_USER_INPUT` when not over the WebSocket or when the
    /// connection holds its maximum of subscriptions.
    pub(crate) fn new(ctx: &Context<'_>, permission: Permission) -> async_graphql::Result<Guard> {
        let scope: &Scope = ctx.require(permission)?;
        let connection = ctx
            .data::<Connection>()
            .map_err(|_| {
                AppError::bad_input("subscription", "subscribe over the WebSocket at /graphql/ws").extend()
            })?
            .clone();
        if connection.open.fetch_add(1, Ordering::SeqCst) >= MAX_PER_CONNECTION {
            connection.open.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::bad_input(
                "subscription",
                format!("at most {MAX_PER_CONNECTION} subscriptions per connection"),
            )
            .extend());
        }
        Ok(Guard {
            db: ctx.db()?.clone(),
            auth: Arc::clone(ctx.auth()?),
            _slot: Slot(Arc::clone(&connection.open)),
            connection,
            workspace_id: scope.workspace_id,
            permission,
            checked_at: Instant::now(),
        })
    }

    /// Checks the credential again when a minute has passed since the last check.
    ///
    /// # Errors
    /// The credential no longer holds (revoked, expired, the permission taken away).
    pub(crate) async fn recheck(&mut self) -> Result<(), AppError> {
        if self.checked_at.elapsed() < RECHECK {
            return Ok(());
        }
        let scope = crate::auth::authenticate_token(
            &self.db,
            &self.auth,
            &self.connection.token,
            &self.connection.meta,
        )
        .await?;
        if scope.workspace_id != self.workspace_id || !scope.can(self.permission) {
            return Err(AppError::missing_permission(self.permission));
        }
        self.checked_at = Instant::now();
        Ok(())
    }
}

struct Follow {
    guard: Guard,
    cursor: i64,
    filter: Filter,
    buffer: VecDeque<event::Model>,
    wake: tokio::sync::watch::Receiver<u64>,
    ended: bool,
}

impl Follow {
    /// The next event, an error that ends the subscription, or the end.
    async fn next(&mut self) -> Option<async_graphql::Result<ChangeEvent>> {
        if self.ended {
            return None;
        }
        loop {
            if let Some(row) = self.buffer.pop_front() {
                return Some(Ok(ChangeEvent::from(row)));
            }
            if let Err(err) = self.guard.recheck().await {
                return Some(self.end(&err));
            }
            match self.read().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(err) => return Some(self.end(&err)),
            }
            tokio::select! {
                changed = self.wake.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    // The writer notifies just before it commits.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    fn end(&mut self, err: &AppError) -> async_graphql::Result<ChangeEvent> {
        self.ended = true;
        Err(err.extend())
    }

    /// Reads what was recorded after the cursor; whether there was anything.
    async fn read(&mut self) -> Result<bool, AppError> {
        let mut query = event::Entity::find()
            .filter(event::Column::WorkspaceId.eq(self.guard.workspace_id))
            .filter(event::Column::Position.gt(self.cursor))
            .order_by_asc(event::Column::Position)
            .limit(BATCH);
        if !self.filter.kinds.is_empty() {
            query = query.filter(event::Column::Kind.is_in(self.filter.kinds.clone()));
        }
        if let Some(customer) = self.filter.customer {
            query = query.filter(event::Column::SubjectId.eq(customer));
        }
        let rows = query.all(&self.guard.db).await?;
        let Some(last) = rows.last().map(|r| r.position) else { return Ok(false) };
        self.cursor = last;
        self.buffer.extend(rows);
        Ok(true)
    }
}

/// Starts following the feed for the subscription in `ctx`.
async fn follow(
    ctx: &Context<'_>,
    after: Option<i64>,
    kinds: Vec<&'static str>,
    customer: Option<Uuid>,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChangeEvent>> + use<>> {
    let guard = Guard::new(ctx, Permission::CustomersRead)?;
    let cursor = match after {
        Some(after) if after < 0 => return Err(AppError::bad_input("after", "must be 0 or more").extend()),
        Some(after) => after,
        // From now on.
        None => event::Entity::find()
            .select_only()
            .column_as(event::Column::Position.max(), "max")
            .filter(event::Column::WorkspaceId.eq(guard.workspace_id))
            .into_tuple::<Option<i64>>()
            .one(&guard.db)
            .await?
            .flatten()
            .unwrap_or(0),
    };
    let state = Follow {
        guard,
        cursor,
        filter: Filter { kinds, customer },
        buffer: VecDeque::new(),
        wake: super::subscribe(),
        ended: false,
    };
    Ok(futures_util::stream::unfold(state, |mut state| async move {
        state.next().await.map(|item| (item, state))
    }))
}

fn parse_kinds(kinds: Option<Vec<String>>) -> async_graphql::Result<Vec<&'static str>> {
    kinds
        .unwrap_or_default()
        .iter()
        .map(|k| {
            Kind::parse(k)
                .map(Kind::as_str)
                .ok_or_else(|| AppError::bad_input("kinds", format!("unknown kind {k:?}")).extend())
        })
        .collect()
}

#[derive(Default)]
pub struct ChangesSubscription;

#[Subscription]
impl ChangesSubscription {
    /// The workspace's changes as they are recorded, in feed order (see `changes`). From
    /// position `after` when given (reconnect with the last position seen: nothing is missed),
    /// else from now. `kinds` narrows to some kinds. Needs `customers:read`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<i64>,
        kinds: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChangeEvent>> + use<>> {
        follow(ctx, after, parse_kinds(kinds)?, None).await
    }

    /// Star changes as they happen, of the whole workspace or of one customer. Needs
    /// `customers:read`.
    async fn stars_changed(
        &self,
        ctx: &Context<'_>,
        customer_id: Option<ID>,
        after: Option<i64>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChangeEvent>> + use<>> {
        let customer = match customer_id {
            Some(id) => Some(own_customer(ctx, &id).await?),
            None => None,
        };
        follow(ctx, after, vec![Kind::StarsChanged.as_str()], customer).await
    }

    /// Everything that happens to one customer (profile, purchases, interactions, stars,
    /// stage, merges), as it happens: what a customer page listens to. Needs `customers:read`.
    async fn customer_changed(
        &self,
        ctx: &Context<'_>,
        id: ID,
        after: Option<i64>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChangeEvent>> + use<>> {
        let customer = own_customer(ctx, &id).await?;
        follow(ctx, after, Vec::new(), Some(customer)).await
    }
}

/// The id of a customer of the caller's workspace, or `NOT_FOUND`.
async fn own_customer(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Uuid> {
    let scope = ctx.require(Permission::CustomersRead)?;
    let id = crate::users::graphql::parse_id(id, "id")?;
    let found = customer::Entity::find_by_id(id)
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .one(ctx.db()?)
        .await?;
    found.map(|c| c.id).ok_or_else(|| AppError::NotFound { entity: "customer" }.extend())
}
