use starcrm_shared::{ServerInfo, ServerInfoData};

use super::{ApiError, execute};

const SERVER_INFO: &str = include_str!("../../graphql/server_info.graphql");

/// Version, database and mode of the server.
pub async fn server_info() -> Result<ServerInfo, ApiError> {
    execute::<_, ServerInfoData>(SERVER_INFO, &serde_json::json!({})).await.map(|data| data.server_info)
}
