use async_graphql::{Context, ErrorExtensions, Object};
use starcrm_shared::ServerInfo;

use crate::error::AppError;

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// Version, database and mode of this server. Public: needs no login.
    async fn server_info(&self, ctx: &Context<'_>) -> async_graphql::Result<ServerInfo> {
        let info = ctx.data::<ServerInfo>().map_err(|_| {
            AppError::internal(anyhow::anyhow!("ServerInfo missing from schema data")).extend()
        })?;
        Ok(info.clone())
    }
}
