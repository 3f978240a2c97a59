//! `POST /api/imports?fileName=...`: the file of a new import, streamed to the data dir as it
//! arrives (the body is never held in memory), then sniffed and registered. Answers `201` with
//! `{ "id": ... }`; the import is then read and driven through GraphQL (`import(id)`,
//! `checkImport`, `startImport`). Errors come in the GraphQL error shape with a code.
//!
//! `GET /api/downloads/<link>`: a file behind a download link (see `downloads`).

use std::net::SocketAddr;

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use starcrm_shared::imports::ImportKind;
use starcrm_shared::{ErrorCode, Permission};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::{MAX_FILE_BYTES, Phase, dir, discard, path_of};
use crate::auth::{self, RequestMeta};
use crate::downloads::{self, Kind};
use crate::error::AppError;
use crate::graphql::{reject, reject_error};
use crate::http::request_id::RequestId;
use crate::state::AppState;

/// Content types an upload may have. None is a "simple" type a cross-site form could send.
const ACCEPTED: [&str; 4] =
    ["text/csv", "application/csv", "application/octet-stream", "application/vnd.ms-excel"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadQuery {
    file_name: Option<String>,
    /// `customers` or `transactions` (either case); absent: guessed from the header row.
    kind: Option<String>,
}

fn status_of(err: &AppError) -> StatusCode {
    match err.code() {
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// `POST /api/imports`.
pub async fn upload(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !ACCEPTED.contains(&content_type.as_str()) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the file as the request body with content-type: text/csv",
            &request_id,
        );
    }
    let meta = RequestMeta::from_request(
        &headers,
        peer.map(|Extension(ConnectInfo(a))| a),
        &request_id,
        &state.settings,
    );
    let scope = match auth::authenticate(&state.db, &state.auth, &headers, &meta).await {
        Ok(Some(scope)) => scope,
        Ok(None) => return reject_error(StatusCode::UNAUTHORIZED, &AppError::Unauthenticated, &request_id),
        Err(err) => return reject_error(StatusCode::UNAUTHORIZED, &err, &request_id),
    };
    if let Err(err) = scope.require(Permission::DataImport) {
        return reject_error(StatusCode::FORBIDDEN, &err, &request_id);
    }
    let kind = match query.kind.as_deref().map(|k| ImportKind::parse(&k.to_ascii_lowercase())) {
        None => None,
        Some(Some(kind)) => Some(kind),
        Some(None) => {
            return reject_error(
                StatusCode::BAD_REQUEST,
                &AppError::bad_input("kind", "is neither customers nor transactions"),
                &request_id,
            );
        }
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES) {
        return too_large(&request_id);
    }
    let id = Uuid::now_v7();
    let data_dir = state.settings.data_dir.clone();
    let written = match store(&data_dir, id, body).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            discard(&data_dir, id).await;
            return too_large(&request_id);
        }
        Err(err) => {
            discard(&data_dir, id).await;
            tracing::warn!(error = %err, "upload failed");
            return reject_error(
                StatusCode::BAD_REQUEST,
                &AppError::bad_input("file", format!("the upload did not complete: {err}")),
                &request_id,
            );
        }
    };
    if written == 0 {
        discard(&data_dir, id).await;
        return reject_error(StatusCode::BAD_REQUEST, &AppError::bad_input("file", "is empty"), &request_id);
    }
    let name = query.file_name.unwrap_or_else(|| "import.csv".to_owned());
    match super::register(&state.db, &data_dir, &scope, id, &name, written, kind).await {
        Ok(created) => (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({ "id": created.id, "status": "UPLOADED", "bytes": written })),
        )
            .into_response(),
        Err(err) => reject_error(status_of(&err), &err, &request_id),
    }
}

fn too_large(request_id: &RequestId) -> Response {
    reject_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &AppError::bad_input("file", format!("is larger than {} GB", MAX_FILE_BYTES >> 30)),
        request_id,
    )
}

/// Streams the body into the import's file; `None` when it grew past the limit.
async fn store(data_dir: &std::path::Path, id: Uuid, body: Body) -> std::io::Result<Option<u64>> {
    tokio::fs::create_dir_all(dir(data_dir)).await?;
    let file = tokio::fs::File::create(path_of(data_dir, id)).await?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut stream = body.into_data_stream();
    let mut written: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(std::io::Error::other)?;
        written += chunk.len() as u64;
        if written > MAX_FILE_BYTES {
            return Ok(None);
        }
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    out.into_inner().sync_all().await?;
    Ok(Some(written))
}

/// `GET /api/downloads/<link>`.
pub async fn download(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    UrlPath(secret): UrlPath<String>,
) -> Response {
    let (link, kind) = match downloads::open(&state.db, &secret).await {
        Ok(found) => found,
        Err(err) => return reject_error(status_of(&err), &err, &request_id),
    };
    let result = match kind {
        Kind::ImportErrors => import_errors(&state, &link).await,
        Kind::Customers => crate::exports::download(&state, &link).await,
        Kind::Transactions => crate::exports::transactions::download(&state.db, &link).await,
    };
    match result {
        Ok(response) => response,
        Err(err) => reject_error(status_of(&err), &err, &request_id),
    }
}

/// A CSV download: UTF-8 with a BOM so Excel opens Chinese text right, never cached.
pub fn csv_response(file_name: &str, body: Body) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect();
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// One CSV line of `cells`.
pub fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(cells);
    writer.into_inner().unwrap_or_default()
}

/// The rows a phase refused: the file's header and each row's cells, then the row number,
/// column and reason.
async fn import_errors(
    state: &AppState,
    link: &crate::entities::download_link::Model,
) -> Result<Response, AppError> {
    let import_id = downloads::param_id(link, "importId").ok_or(AppError::NotFound { entity: "download" })?;
    let phase = match serde_json::from_str::<serde_json::Value>(&link.params)
        .ok()
        .and_then(|p| p.get("phase").and_then(|v| v.as_str()).map(str::to_owned))
        .as_deref()
    {
        Some("run") => Phase::Run,
        Some("revert") => Phase::Revert,
        _ => Phase::Check,
    };
    let scope = auth::Scope::system(link.workspace_id);
    let found = super::get(&state.db, &scope, import_id).await?;
    let mut header = super::headers_of(&found);
    header.extend(["行号 Row".to_owned(), "列 Column".to_owned(), "错误 Error".to_owned()]);
    let db = state.db.clone();
    let width = super::headers_of(&found).len();
    let mut first = b"\xEF\xBB\xBF".to_vec();
    first.extend(csv_line(&header));
    let stream = futures_util::stream::unfold(Some(0_i64), move |after| {
        let db = db.clone();
        async move {
            let after = after?;
            match super::errors(&db, import_id, phase, 1_000, after).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map_or(after, |r| r.row_number);
                    let mut out = Vec::new();
                    for row in rows {
                        let mut cells: Vec<String> = serde_json::from_str(&row.cells).unwrap_or_default();
                        cells.resize(width.max(cells.len()), String::new());
                        cells.extend([
                            row.row_number.to_string(),
                            row.column.unwrap_or_default(),
                            row.message,
                        ]);
                        out.extend(csv_line(&cells));
                    }
                    Some((Ok::<_, std::io::Error>(out), Some(last)))
                }
                Err(err) => Some((Err(std::io::Error::other(err.to_string())), None)),
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(first) }).chain(stream);
    let stem = found.file_name.trim_end_matches(".csv").to_owned();
    Ok(csv_response(&format!("{stem}-errors.csv"), Body::from_stream(body)))
}
