//! The exports as Excel workbooks (`format: XLSX`): the same rows as the CSV, written a row at a
//! time in `rust_xlsxwriter`'s constant-memory mode to a temporary file, which is then sent
//! (and deleted). Amount and count columns are numbers Excel can sum; every other cell is text,
//! which Excel never runs as a formula (so the CSV's quote before `=` `+` `-` `@` is dropped).

use std::pin::pin;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use rust_xlsxwriter::{Format, Workbook};
use tokio::io::AsyncReadExt;

use crate::error::AppError;

/// Excel's last row, counting the header.
const MAX_ROWS: u32 = 1_048_576;

/// How an export is written.
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with a BOM, so Excel shows Chinese right; any size.
    #[default]
    Csv,
    /// An Excel workbook with numbers as numbers; at most 1,048,575 rows.
    Xlsx,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    /// The format a link's parameters name (links made before formats existed: CSV).
    pub fn of(params: &serde_json::Value) -> Self {
        if params["format"] == "xlsx" { Self::Xlsx } else { Self::Csv }
    }
}

/// A cell as the CSV wrote it, without the quote that kept Excel from running it.
fn text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Writes `headers` and then every page of rows into a workbook (columns flagged `numeric`
/// as numbers when they read as one) and answers with it as a download named `name`.
///
/// # Errors
/// A page failing to load; more rows than a sheet holds (`BAD_USER_INPUT` on `format`).
pub async fn response<S>(
    name: &str,
    headers: &[String],
    numeric: &[bool],
    pages: S,
) -> Result<Response, AppError>
where
    S: Stream<Item = Result<Vec<Vec<String>>, AppError>>,
{
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(AppError::internal)?;
    sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    for (col, title) in (0_u16..).zip(headers) {
        sheet.write_string_with_format(0, col, title, &bold).map_err(AppError::internal)?;
        sheet.set_column_width(col, 16).map_err(AppError::internal)?;
    }
    let mut row = 1_u32;
    let mut pages = pin!(pages);
    while let Some(page) = pages.next().await {
        for cells in page? {
            if row >= MAX_ROWS {
                return Err(AppError::bad_input(
                    "format",
                    "an Excel sheet holds at most 1,048,575 rows: export CSV, or choose fewer rows",
                ));
            }
            for ((col, cell), numeric) in (0_u16..).zip(&cells).zip(numeric) {
                match cell.parse::<f64>() {
                    Ok(number) if *numeric => sheet.write_number(row, col, number),
                    _ if cell.is_empty() => continue,
                    _ => sheet.write_string(row, col, text(cell)),
                }
                .map_err(AppError::internal)?;
            }
            row += 1;
        }
    }
    let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    let path = file.path().to_owned();
    // Zipping the sheet is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || workbook.save(&path))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let reader = tokio::fs::File::open(file.path()).await.map_err(AppError::internal)?;
    // The temporary file lives as long as the stream that sends it.
    let body = futures_util::stream::unfold(Some((reader, file)), |state| async move {
        let (mut reader, file) = state?;
        let mut buffer = vec![0; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(buffer), Some((reader, file))))
            }
            Err(err) => Some((Err(err), None)),
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quote_that_kept_excel_from_running_a_cell_is_dropped() {
        assert_eq!(text("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(text("'-12"), "-12");
        assert_eq!(text("'quoted'"), "'quoted'");
        assert_eq!(text("plain"), "plain");
    }
}
