//! Reading an uploaded file: its encoding (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
//! "Unicode text", otherwise GB18030, the superset of the GBK that Excel in China writes), its
//! delimiter (comma, semicolon, tab or bar), and its rows as they stream: no whole file in
//! memory, quoted newlines kept inside their cell. Blocking I/O: callers run it on the blocking
//! pool.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

/// How much of the file detection looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// Rows the header row and the first rows of a sniffed file show.
pub const SAMPLE_ROWS: usize = 5;

/// The delimiters tried, most common first (ties go to the earlier one).
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A text encoding an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Gb18030 => "gb18030",
        }
    }

    pub fn parse(value: &str) -> Option<Encoding> {
        [Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Gb18030]
            .into_iter()
            .find(|e| e.as_str() == value)
    }

    fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Gb18030 => encoding_rs::GB18030,
        }
    }

    /// The encoding of a file that starts with `head`. `whole`: `head` is the entire file (so
    /// a multi-byte character cut at its end is an error, not the end of the sample).
    pub fn detect(head: &[u8], whole: bool) -> Encoding {
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return Encoding::Utf8;
        }
        if head.starts_with(&[0xFF, 0xFE]) {
            return Encoding::Utf16Le;
        }
        if head.starts_with(&[0xFE, 0xFF]) {
            return Encoding::Utf16Be;
        }
        match std::str::from_utf8(head) {
            Ok(_) => Encoding::Utf8,
            // Valid up to a character the sample cut in two.
            Err(err) if !whole && err.error_len().is_none() => Encoding::Utf8,
            Err(_) => Encoding::Gb18030,
        }
    }
}

/// What detection found in a file.
#[derive(Clone, Debug)]
pub struct Sniffed {
    pub encoding: Encoding,
    pub delimiter: u8,
    pub headers: Vec<String>,
    /// The first data rows (for suggestions and the mapping screen).
    pub sample: Vec<Vec<String>>,
}

fn decoder(file: File, encoding: Encoding) -> DecodeReaderBytes<BufReader<File>, Vec<u8>> {
    DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding.codec()))
        // A BOM says more than detection; it is dropped from the text either way.
        .bom_override(true)
        .build(BufReader::with_capacity(256 * 1024, file))
}

fn reader<R: Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        // Excel leaves trailing empty cells out; a short row's missing cells are empty.
        .flexible(true)
        .from_reader(input)
}

/// Detects the encoding and delimiter of the file at `path` and reads its header row and first
/// rows.
///
/// # Errors
/// The file cannot be read, is empty, or has no header row.
pub fn sniff(path: &Path) -> io::Result<Sniffed> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)?.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let whole = std::fs::metadata(path)?.len() <= SNIFF_BYTES as u64;
    let encoding = Encoding::detect(&head, whole);
    let mut text = String::new();
    decoder(File::open(path)?, encoding).take(SNIFF_BYTES as u64).read_to_string(&mut text)?;
    if !whole {
        // The sample ends mid-row: leave the partial row out.
        if let Some(end) = text.rfind('\n') {
            text.truncate(end + 1);
        }
    }
    let delimiter = detect_delimiter(&text);
    let mut rows = reader(text.as_bytes(), delimiter).into_records();
    let headers: Vec<String> = match rows.next() {
        Some(Ok(record)) => record.iter().map(|h| h.trim().to_owned()).collect(),
        _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "the file has no header row")),
    };
    if headers.iter().all(String::is_empty) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the first row (the header) is empty"));
    }
    let sample = rows
        .filter_map(Result::ok)
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .take(SAMPLE_ROWS)
        .map(|r| r.iter().map(str::to_owned).collect())
        .collect();
    Ok(Sniffed { encoding, delimiter, headers, sample })
}

/// The delimiter that splits the first rows into the same number (more than one) of cells; the
/// one giving the most cells wins. Comma when nothing splits.
fn detect_delimiter(text: &str) -> u8 {
    let mut best = (b',', 0_usize);
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = reader(text.as_bytes(), delimiter)
            .into_records()
            .take(20)
            .filter_map(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(first) = counts.first().copied() else { continue };
        // Rows may be shorter (trailing cells left out) but never longer than the header.
        let consistent = counts.iter().all(|n| *n <= first)
            && counts.iter().filter(|n| **n == first).count() * 2 >= counts.len();
        if first > 1 && consistent && first > best.1 {
            best = (delimiter, first);
        }
    }
    best.0
}

/// A file's data rows as they stream, numbered as a spreadsheet shows them (the header is row 1;
/// an empty line is not counted, a row of empty cells is).
pub struct Rows {
    records: csv::StringRecordsIntoIter<DecodeReaderBytes<BufReader<File>, Vec<u8>>>,
    /// The spreadsheet number of the last row read.
    row: i64,
}

/// One data row.
#[derive(Clone, Debug)]
pub struct Row {
    pub number: i64,
    pub cells: Vec<String>,
}

impl Rows {
    /// Opens the file past its header row.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn open(path: &Path, encoding: Encoding, delimiter: u8) -> io::Result<Rows> {
        let mut records = reader(decoder(File::open(path)?, encoding), delimiter).into_records();
        // The header row.
        records.next().transpose().map_err(io::Error::other)?;
        Ok(Rows { records, row: 1 })
    }

    /// Up to `limit` rows; fewer only at the end of the file. Blank rows are passed over.
    ///
    /// # Errors
    /// A row that cannot be read (the error names its number).
    pub fn next_batch(&mut self, limit: usize) -> io::Result<Vec<Row>> {
        let mut out = Vec::with_capacity(limit);
        while out.len() < limit {
            let Some(record) = self.records.next() else { break };
            self.row += 1;
            let record = record.map_err(|err| {
                io::Error::new(io::ErrorKind::InvalidData, format!("row {} cannot be read: {err}", self.row))
            })?;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            out.push(Row { number: self.row, cells: record.iter().map(str::to_owned).collect() });
        }
        Ok(out)
    }

    /// Reads past the rows up to spreadsheet row `number` (a resumed run's starting point).
    ///
    /// # Errors
    /// As [`Rows::next_batch`].
    pub fn skip_to(&mut self, number: i64) -> io::Result<()> {
        while self.row < number {
            match self.records.next() {
                Some(record) => {
                    self.row += 1;
                    record.map_err(io::Error::other)?;
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Counts the data rows left (a full pass; for the progress total).
    ///
    /// # Errors
    /// As [`Rows::next_batch`].
    pub fn count(mut self) -> io::Result<i64> {
        let mut n = 0;
        loop {
            let batch = self.next_batch(10_000)?;
            if batch.is_empty() {
                return Ok(n);
            }
            n += i64::try_from(batch.len()).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    #[test]
    fn gbk_utf8_bom_and_utf16_files_read_the_same() {
        let text = "姓名,手机\n王小明,13800138000\n\"李 \"\"四\"\"\n二\",13900139000\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.replace(',', "\t").encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        for (bytes, encoding, delimiter) in [
            (gbk.to_vec(), Encoding::Gb18030, b','),
            (bom, Encoding::Utf8, b','),
            (text.as_bytes().to_vec(), Encoding::Utf8, b','),
            (utf16, Encoding::Utf16Le, b'\t'),
        ] {
            let f = file(&bytes);
            let sniffed = sniff(f.path()).expect("sniff");
            assert_eq!((sniffed.encoding, sniffed.delimiter), (encoding, delimiter));
            assert_eq!(sniffed.headers, vec!["姓名", "手机"]);
            let mut rows = Rows::open(f.path(), sniffed.encoding, sniffed.delimiter).expect("open");
            let batch = rows.next_batch(10).expect("rows");
            assert_eq!(batch.len(), 2);
            assert_eq!(batch[1].cells[0], "李 \"四\"\n二");
            assert_eq!(batch[1].number, 3);
        }
    }

    #[test]
    fn semicolons_and_tabs_are_detected() {
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("name\nAnn\n"), b',');
    }

    #[test]
    fn a_resumed_read_starts_after_the_committed_rows() {
        // A blank line is no row (rows are numbered as read: the header 1, A 2, B 3...).
        let f = file(b"name\nA\n\nB\nC\nD\n");
        let mut rows = Rows::open(f.path(), Encoding::Utf8, b',').expect("open");
        rows.skip_to(3).expect("skip");
        let rest: Vec<String> =
            rows.next_batch(10).expect("rows").into_iter().map(|r| r.cells[0].clone()).collect();
        assert_eq!(rest, vec!["C", "D"]);
        assert_eq!(Rows::open(f.path(), Encoding::Utf8, b',').expect("open").count().expect("count"), 4);
    }
}
