//! Relay-style connections with keyset pagination on UUIDv7 ids (time-ordered): cursors are
//! opaque to clients, and a page never skips or repeats rows when others are inserted.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{ErrorExtensions, OutputType};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::limits::MAX_PAGE_SIZE;
use crate::error::AppError;

/// Fields every connection carries besides its edges.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many items match, across all pages.
    pub total_count: u64,
}

/// A validated page request.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub first: u32,
    pub after: Option<Uuid>,
}

impl PageRequest {
    /// # Errors
    /// `BAD_USER_INPUT` for `first` outside 1..=`MAX_PAGE_SIZE` or a cursor this server did not
    /// make.
    pub fn new(first: Option<i32>, after: Option<&str>) -> async_graphql::Result<Self> {
        let first = first.unwrap_or(50);
        let max = i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX);
        if !(1..=max).contains(&first) {
            return Err(
                AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE_SIZE}")).extend()
            );
        }
        let after = after
            .map(|cursor| {
                decode_cursor(cursor)
                    .ok_or_else(|| AppError::bad_input("after", "is not a valid cursor").extend())
            })
            .transpose()?;
        Ok(Self { first: first.unsigned_abs(), after })
    }
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// A cursor made of a row's sort key (any serializable value), opaque to clients.
pub fn encode_key_cursor<K: serde::Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// The sort key in a cursor [`encode_key_cursor`] made.
///
/// # Errors
/// `BAD_USER_INPUT` on `after` for anything this server did not make.
pub fn decode_key_cursor<K: serde::de::DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::bad_input("after", "is not a valid cursor"))
}

/// A page of rows read with `limit first + 1` (the extra row tells whether there is a next page).
pub struct Slice<T> {
    pub rows: Vec<(Uuid, T)>,
    pub has_next: bool,
    pub total: u64,
}

impl<T> Slice<T> {
    pub fn from_rows(rows: &mut Vec<T>, first: u32, total: u64, id: impl Fn(&T) -> Uuid) -> Self {
        let first = first as usize;
        let has_next = rows.len() > first;
        rows.truncate(first);
        Self { rows: rows.drain(..).map(|row| (id(&row), row)).collect(), has_next, total }
    }

    /// The GraphQL connection, mapping each row to its API type.
    pub fn into_connection<N: OutputType>(
        self,
        map: impl Fn(T) -> N,
    ) -> Connection<String, N, ConnectionFields> {
        let mut connection = Connection::with_additional_fields(
            false,
            self.has_next,
            ConnectionFields { total_count: self.total },
        );
        connection
            .edges
            .extend(self.rows.into_iter().map(|(id, row)| Edge::new(encode_cursor(id), map(row))));
        connection
    }
}
