//! Bulk loading with `COPY … FROM STDIN` (text format): rows are written
//! into a buffer and sent in chunks, with a progress bar per table.

use std::fmt::Write as _;

use sqlx::PgConnection;
use sqlx::postgres::PgCopyIn;

use crate::progress::Progress;

/// Bytes buffered before a chunk is sent.
const CHUNK: usize = 1 << 20;

pub struct Copy<'c> {
    sink: PgCopyIn<&'c mut PgConnection>,
    buf: String,
    row: usize,
    bar: Progress,
}

impl<'c> Copy<'c> {
    /// Starts `COPY table (columns) FROM STDIN` for about `rows` rows.
    pub async fn start(
        conn: &'c mut PgConnection,
        table: &str,
        columns: &str,
        rows: u64,
    ) -> anyhow::Result<Copy<'c>> {
        let sink = conn
            .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
            .await?;
        Ok(Copy {
            sink,
            buf: String::with_capacity(CHUNK + 4096),
            row: 0,
            bar: Progress::new(table, rows),
        })
    }

    /// Appends one field of the current row.
    pub fn field(&mut self, value: impl std::fmt::Display) -> &mut Self {
        if self.row > 0 {
            self.buf.push('\t');
        }
        let _ = write!(self.buf, "{value}");
        self.row += 1;
        self
    }

    /// Appends a NULL field.
    pub fn null(&mut self) -> &mut Self {
        self.field("\\N")
    }

    /// Ends the current row; sends the buffer when it is full.
    pub async fn end_row(&mut self) -> anyhow::Result<()> {
        self.buf.push('\n');
        self.row = 0;
        self.bar.add(1);
        if self.buf.len() >= CHUNK {
            self.sink.send(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }

    pub async fn finish(mut self) -> anyhow::Result<u64> {
        if !self.buf.is_empty() {
            self.sink.send(self.buf.as_bytes()).await?;
        }
        let rows = self.sink.finish().await?;
        self.bar.finish();
        Ok(rows)
    }
}

/// A `bytea` in COPY's text format.
pub fn bytea(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(3 + bytes.len() * 2);
    out.push_str("\\\\x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
