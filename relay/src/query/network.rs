//! Streaming a query from PostgreSQL or MySQL/MariaDB: inside a read-only transaction with the
//! statement timeout set on the server, sent as one prepared statement (the extended protocol
//! and `COM_STMT_PREPARE` both refuse a second statement), and always rolled back, and any advisory or named lock released. When the
//! client leaves, the timeout passes or a cap stops the result, the relay asks the server to
//! cancel the query from a second session and closes the first.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::mysql::{MySqlDatabaseError, MySqlRow};
use sqlx::postgres::PgRow;
use sqlx::types::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sqlx::{Column, Executor, Row, Statement, TypeInfo};
use vizkraft_domain::api::query::{Cell, ResultColumn, Truncation};
use vizkraft_domain::result::BatchBuilder;
use vizkraft_domain::semantic::ColumnKind;
use vizkraft_domain::ErrorCode;

use super::batches::{database_message, end_frame, error_frame, error_kind, send_rows, timeout_frame};
use super::{bind_all, Failure, FrameSender, Param};
use crate::config::QueryLimits;
use crate::sources::network::{CancelKey, Session};
use crate::sources::{Lease, NetworkSource};

/// The server's own timeout normally ends the query; the relay's watchdog steps in this much
/// later, for a server that ignores it.
const WATCHDOG_GRACE: Duration = Duration::from_secs(2);

pub async fn stream(
    source: Arc<NetworkSource>,
    mut lease: Lease,
    sql: String,
    params: Vec<Param>,
    limits: QueryLimits,
    frames: FrameSender,
) {
    let started = Instant::now();
    let cancel_key = lease.session().cancel_key();
    let outcome = tokio::select! {
        outcome = read_rows(lease.session(), &sql, &params, limits, &frames) => outcome,
        () = frames.closed() => Err(Failure::ClientGone),
        () = tokio::time::sleep(limits.statement_timeout() + WATCHDOG_GRACE) => Err(Failure::TimedOut),
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let last = match outcome {
        Ok((row_count, None)) => {
            if lease.session().reset().await.is_ok() {
                lease.release();
            }
            end_frame(row_count, None, started, limits)
        }
        Ok((row_count, Some(truncation))) => {
            // Rows the result still holds would have to be read to reuse the session.
            stop(source, lease, cancel_key);
            end_frame(row_count, Some(truncation), started, limits)
        }
        Err(Failure::ClientGone) => {
            tracing::debug!(elapsed_ms, "client went away; query cancelled");
            stop(source, lease, cancel_key);
            return;
        }
        Err(Failure::TimedOut) => {
            tracing::info!(elapsed_ms, "query stopped by the relay's watchdog");
            stop(source, lease, cancel_key);
            timeout_frame(limits)
        }
        Err(Failure::Database(e)) => {
            let code = failure_code(&e);
            tracing::debug!(elapsed_ms, kind = error_kind(&e), "query failed");
            if lease.session().reset().await.is_ok() {
                lease.release();
            }
            match code {
                ErrorCode::QueryTimeout => timeout_frame(limits),
                code => error_frame(code, &database_message(&e)),
            }
        }
    };
    let _ = frames.send(&last).await;
}

/// Cancels the session's query from a new session and closes the old one.
fn stop(source: Arc<NetworkSource>, lease: Lease, key: CancelKey) {
    drop(lease);
    tokio::spawn(async move {
        match source.open_session().await {
            Ok((mut session, _)) => {
                if let Err(e) = session.cancel(key).await {
                    tracing::warn!(kind = error_kind(&e), "cannot cancel a query");
                }
            }
            Err(failure) => tracing::warn!(kind = ?failure.kind, "cannot open a session to cancel a query"),
        }
    });
}

/// Timeouts and read-only refusals have their own codes; the rest is a failed query.
fn failure_code(e: &sqlx::Error) -> ErrorCode {
    let sqlx::Error::Database(db) = e else { return ErrorCode::QueryFailed };
    if let Some(mysql) = db.try_downcast_ref::<MySqlDatabaseError>() {
        // ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_TIMEOUT (MySQL), ER_QUERY_INTERRUPTED;
        // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION.
        return match mysql.number() {
            1969 | 3024 | 1317 => ErrorCode::QueryTimeout,
            1792 => ErrorCode::ReadOnlyViolation,
            _ => ErrorCode::QueryFailed,
        };
    }
    match db.code().as_deref() {
        Some("57014") => ErrorCode::QueryTimeout, // query_canceled: our statement_timeout
        Some("25006") => ErrorCode::ReadOnlyViolation, // read_only_sql_transaction
        _ => ErrorCode::QueryFailed,
    }
}

async fn read_rows(
    session: &mut Session,
    sql: &str,
    params: &[Param],
    limits: QueryLimits,
    frames: &FrameSender,
) -> Result<(u64, Option<Truncation>), Failure> {
    match session {
        Session::Postgres { conn, .. } => {
            // One round trip (the simple protocol takes both statements); the timeout is the
            // relay's own number, never user input.
            let begin = format!("BEGIN READ ONLY; SET LOCAL statement_timeout = {}", limits.statement_timeout_ms);
            conn.execute(begin.as_str()).await?;
            let statement = (&mut *conn).prepare(sql).await?;
            let columns = result_columns(statement.columns());
            let decoders: Vec<PgDecoder> =
                statement.columns().iter().map(|c| PgDecoder::for_type(c.type_info().name())).collect();
            let rows = bind_all(statement.query(), params).fetch(&mut *conn);
            send_rows(rows, |row, batch| decode_postgres(&decoders, row, batch), columns, limits, frames).await
        }
        Session::Mysql { conn, mariadb, .. } => {
            let timeout = if *mariadb {
                format!("SET SESSION max_statement_time = {:.3}", limits.statement_timeout_ms as f64 / 1000.0)
            } else {
                format!("SET SESSION max_execution_time = {}", limits.statement_timeout_ms)
            };
            conn.execute(timeout.as_str()).await?;
            conn.execute("START TRANSACTION READ ONLY").await?;
            let statement = (&mut *conn).prepare(sql).await?;
            let columns = result_columns(statement.columns());
            let rows = bind_all(statement.query(), params).fetch(&mut *conn);
            send_rows(rows, decode_mysql, columns, limits, frames).await
        }
    }
}

fn result_columns<C: Column>(columns: &[C]) -> Vec<ResultColumn> {
    columns
        .iter()
        .map(|c| ResultColumn { name: c.name().to_owned(), kind: ColumnKind::from_declared_type(c.type_info().name()) })
        .collect()
}

/// A value the relay cannot show (an unusual type, or bytes its type does not decode).
fn unreadable(type_name: &str) -> Cell {
    Cell::Text(format!("({})", type_name.to_lowercase()))
}

fn date_time(value: NaiveDateTime) -> Cell {
    Cell::Timestamp(value.and_utc().timestamp_micros())
}

fn date(value: NaiveDate) -> Cell {
    let days = value.signed_duration_since(NaiveDate::default()).num_days();
    i32::try_from(days).map(Cell::Date).unwrap_or_else(|_| Cell::Text(value.to_string()))
}

/// `{1,2,3}`, PostgreSQL's own notation for an array.
fn list<T: ToString>(values: &[T]) -> String {
    format!("{{{}}}", values.iter().map(T::to_string).collect::<Vec<_>>().join(","))
}

/// How a PostgreSQL column's values are read, chosen once per result from the column's type:
/// the common types straight from their binary form, the rest by [`postgres_cell`].
#[derive(Clone, Copy)]
enum PgDecoder {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    /// Days since 2000-01-01.
    Date,
    /// Microseconds since 2000-01-01.
    Timestamp,
    Numeric,
    /// Text-like types are UTF-8 on the wire and go to the batch without a copy of their own.
    Text,
    Other,
}

/// 2000-01-01, PostgreSQL's epoch, from 1970-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400_000_000;

impl PgDecoder {
    fn for_type(type_name: &str) -> PgDecoder {
        match type_name {
            "BOOL" => PgDecoder::Bool,
            "INT2" => PgDecoder::Int2,
            "INT4" => PgDecoder::Int4,
            "INT8" => PgDecoder::Int8,
            "FLOAT4" => PgDecoder::Float4,
            "FLOAT8" => PgDecoder::Float8,
            "DATE" => PgDecoder::Date,
            "TIMESTAMP" | "TIMESTAMPTZ" => PgDecoder::Timestamp,
            "NUMERIC" => PgDecoder::Numeric,
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CITEXT" => PgDecoder::Text,
            _ => PgDecoder::Other,
        }
    }

    /// The value from its binary form, or `None` to take the general path.
    fn fast(self, bytes: &[u8]) -> Option<Cell> {
        let word = |n: usize| bytes.get(..n).filter(|_| bytes.len() == n);
        Some(match self {
            PgDecoder::Bool => Cell::Bool(*word(1)?.first()? != 0),
            PgDecoder::Int2 => Cell::Int(i16::from_be_bytes(word(2)?.try_into().ok()?).into()),
            PgDecoder::Int4 => Cell::Int(i32::from_be_bytes(word(4)?.try_into().ok()?).into()),
            PgDecoder::Int8 => Cell::Int(i64::from_be_bytes(word(8)?.try_into().ok()?)),
            PgDecoder::Float4 => Cell::Float(f32::from_be_bytes(word(4)?.try_into().ok()?).into()),
            PgDecoder::Float8 => Cell::Float(f64::from_be_bytes(word(8)?.try_into().ok()?)),
            PgDecoder::Date => match i32::from_be_bytes(word(4)?.try_into().ok()?) {
                i32::MAX => Cell::Text("infinity".into()),
                i32::MIN => Cell::Text("-infinity".into()),
                days => Cell::Date(i32::try_from(i64::from(days) + PG_EPOCH_DAYS).ok()?),
            },
            PgDecoder::Timestamp => match i64::from_be_bytes(word(8)?.try_into().ok()?) {
                i64::MAX => Cell::Text("infinity".into()),
                i64::MIN => Cell::Text("-infinity".into()),
                micros => Cell::Timestamp(micros.checked_add(PG_EPOCH_MICROS)?),
            },
            PgDecoder::Numeric => numeric(bytes)?,
            PgDecoder::Text | PgDecoder::Other => return None,
        })
    }
}

fn decode_postgres(decoders: &[PgDecoder], row: &PgRow, builder: &mut BatchBuilder) -> Result<(), sqlx::Error> {
    for (i, decoder) in decoders.iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        if sqlx::ValueRef::is_null(&raw) {
            builder.push(i, Cell::Null);
            continue;
        }
        let binary = raw.format() == sqlx::postgres::PgValueFormat::Binary;
        let bytes = raw.as_bytes().ok().filter(|_| binary);
        match (decoder, bytes) {
            (PgDecoder::Text, Some(bytes)) => match std::str::from_utf8(bytes) {
                Ok(text) if !has_control_characters(text) => builder.push_str(i, text),
                _ => builder.push(i, postgres_cell(row, i)),
            },
            (decoder, Some(bytes)) => builder.push(i, decoder.fast(bytes).unwrap_or_else(|| postgres_cell(row, i))),
            (_, None) => builder.push(i, postgres_cell(row, i)),
        }
    }
    Ok(())
}

/// Control characters (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) other than tab and line
/// breaks, found by bytes: the C1 range is `0xC2 0x80`–`0xC2 0x9F` in UTF-8.
fn has_control_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || b == 0x7f
            || (b == 0xc2 && bytes.get(i + 1).is_some_and(|next| (0x80..=0x9f).contains(next)))
    })
}

/// Decodes by the column's PostgreSQL type; NUMERIC by hand, as sqlx needs a decimal crate.
fn postgres_cell(row: &PgRow, i: usize) -> Cell {
    let Ok(raw) = row.try_get_raw(i) else { return Cell::Null };
    if sqlx::ValueRef::is_null(&raw) {
        return Cell::Null;
    }
    let type_info = sqlx::ValueRef::type_info(&raw);
    let type_name = type_info.name();
    let decoded = match type_name {
        "BOOL" => row.try_get_unchecked::<bool, _>(i).map(Cell::Bool),
        "INT2" => row.try_get_unchecked::<i16, _>(i).map(|v| Cell::Int(v.into())),
        "INT4" => row.try_get_unchecked::<i32, _>(i).map(|v| Cell::Int(v.into())),
        "INT8" => row.try_get_unchecked::<i64, _>(i).map(Cell::Int),
        "OID" => row.try_get_unchecked::<sqlx::postgres::types::Oid, _>(i).map(|v| Cell::Int(v.0.into())),
        "FLOAT4" => row.try_get_unchecked::<f32, _>(i).map(|v| Cell::Float(v.into())),
        "FLOAT8" => row.try_get_unchecked::<f64, _>(i).map(Cell::Float),
        "NUMERIC" => return raw.as_bytes().ok().and_then(numeric).unwrap_or_else(|| unreadable(type_name)),
        "DATE" => row.try_get_unchecked::<NaiveDate, _>(i).map(date),
        "TIMESTAMP" => row.try_get_unchecked::<NaiveDateTime, _>(i).map(date_time),
        "TIMESTAMPTZ" => row.try_get_unchecked::<DateTime<Utc>, _>(i).map(|t| date_time(t.naive_utc())),
        "TIME" => row.try_get_unchecked::<NaiveTime, _>(i).map(|t| Cell::Text(t.to_string())),
        "BYTEA" => row.try_get_unchecked::<Vec<u8>, _>(i).map(|b| Cell::Text(format!("(binary, {} bytes)", b.len()))),
        "JSONB" => {
            // Version byte 1, then the JSON text (https://www.postgresql.org/docs/15/datatype-json.html).
            return raw
                .as_bytes()
                .ok()
                .and_then(|b| b.strip_prefix(&[1]))
                .and_then(|b| std::str::from_utf8(b).ok())
                .map(|s| Cell::Text(s.to_owned()))
                .unwrap_or_else(|| unreadable(type_name));
        }
        "UUID" => {
            return raw
                .as_bytes()
                .ok()
                .filter(|b| b.len() == 16)
                .map(|b| {
                    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                    Cell::Text(format!(
                        "{}-{}-{}-{}-{}",
                        &hex[..8],
                        &hex[8..12],
                        &hex[12..16],
                        &hex[16..20],
                        &hex[20..]
                    ))
                })
                .unwrap_or_else(|| unreadable(type_name));
        }
        "TEXT[]" | "VARCHAR[]" | "NAME[]" | "BPCHAR[]" => {
            row.try_get_unchecked::<Vec<String>, _>(i).map(|v| Cell::Text(format!("{{{}}}", v.join(","))))
        }
        "INT4[]" => row.try_get_unchecked::<Vec<i32>, _>(i).map(|v| Cell::Text(list(&v))),
        "INT8[]" => row.try_get_unchecked::<Vec<i64>, _>(i).map(|v| Cell::Text(list(&v))),
        "FLOAT8[]" => row.try_get_unchecked::<Vec<f64>, _>(i).map(|v| Cell::Text(list(&v))),
        // Text-like types (and enums, whose binary form is their label) are UTF-8 on the wire;
        // other binary forms (intervals, addresses, other arrays) are not shown as text.
        _ => {
            return raw
                .as_str()
                .ok()
                .filter(|s| !has_control_characters(s))
                .map(|s| Cell::Text(s.to_owned()))
                .unwrap_or_else(|| unreadable(type_name))
        }
    };
    decoded.unwrap_or_else(|_| unreadable(type_name))
}

/// PostgreSQL's binary NUMERIC: ndigits, weight, sign, dscale (all 16-bit), then base-10000
/// digits (https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/numeric.c,
/// `numeric_send`). Charts need numbers, so it becomes a float.
fn numeric(bytes: &[u8]) -> Option<Cell> {
    let word = |at: usize| bytes.get(at..at + 2).map(|b| i16::from_be_bytes([b[0], b[1]]));
    let (ndigits, weight, sign) = (word(0)?, word(2)?, word(4)? as u16);
    match sign {
        0xC000 => return Some(Cell::Text("NaN".into())),
        0xD000 => return Some(Cell::Float(f64::INFINITY)),
        0xF000 => return Some(Cell::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    let mut value = 0f64;
    for d in 0..usize::try_from(ndigits).ok()? {
        let digit = f64::from(word(8 + 2 * d)?);
        value += digit * 10_000f64.powi(i32::from(weight) - d as i32);
    }
    Some(Cell::Float(if sign == 0x4000 { -value } else { value }))
}

fn decode_mysql(row: &MySqlRow, builder: &mut BatchBuilder) -> Result<(), sqlx::Error> {
    for i in 0..row.len() {
        builder.push(i, mysql_cell(row, i));
    }
    Ok(())
}

/// Decodes by the column's MySQL type; DECIMAL arrives as text and becomes a float.
fn mysql_cell(row: &MySqlRow, i: usize) -> Cell {
    let Ok(raw) = row.try_get_raw(i) else { return Cell::Null };
    if sqlx::ValueRef::is_null(&raw) {
        return Cell::Null;
    }
    let type_info = sqlx::ValueRef::type_info(&raw);
    let type_name = type_info.name();
    let decoded = match type_name {
        "BOOLEAN" => row.try_get_unchecked::<bool, _>(i).map(Cell::Bool),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            row.try_get_unchecked::<i64, _>(i).map(Cell::Int)
        }
        name if name.ends_with(" UNSIGNED") => {
            row.try_get_unchecked::<u64, _>(i).map(|v| i64::try_from(v).map(Cell::Int).unwrap_or(Cell::Float(v as f64)))
        }
        "FLOAT" => row.try_get_unchecked::<f32, _>(i).map(|v| Cell::Float(v.into())),
        "DOUBLE" => row.try_get_unchecked::<f64, _>(i).map(Cell::Float),
        "DECIMAL" => {
            row.try_get_unchecked::<String, _>(i).map(|s| s.parse::<f64>().map(Cell::Float).unwrap_or(Cell::Text(s)))
        }
        "DATE" => row.try_get_unchecked::<NaiveDate, _>(i).map(date),
        "DATETIME" | "TIMESTAMP" => row.try_get_unchecked::<NaiveDateTime, _>(i).map(date_time),
        "TIME" => row.try_get_unchecked::<NaiveTime, _>(i).map(|t| Cell::Text(t.to_string())),
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" | "BIT" | "GEOMETRY" => {
            row.try_get_unchecked::<Vec<u8>, _>(i).map(|b| Cell::Text(format!("(binary, {} bytes)", b.len())))
        }
        _ => row.try_get_unchecked::<String, _>(i).map(Cell::Text),
    };
    decoded.unwrap_or_else(|_| unreadable(type_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(ndigits: i16, weight: i16, sign: u16, digits: &[i16]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [ndigits, weight, sign as i16, 2] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        for d in digits {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn control_characters_are_found_by_bytes_as_by_chars() {
        for text in ["plain", "tab\there", "line\nbreak", "bell\u{7}", "del\u{7f}", "c1\u{85}", "é and ü", "\u{a0}nbsp"]
        {
            let by_chars = text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
            assert_eq!(has_control_characters(text), by_chars, "{text:?}");
        }
    }

    #[test]
    fn binary_dates_and_timestamps_count_from_1970() {
        assert_eq!(PgDecoder::Date.fast(&0i32.to_be_bytes()), Some(Cell::Date(10_957)));
        assert_eq!(PgDecoder::Timestamp.fast(&0i64.to_be_bytes()), Some(Cell::Timestamp(946_684_800_000_000)));
        assert_eq!(PgDecoder::Timestamp.fast(&i64::MAX.to_be_bytes()), Some(Cell::Text("infinity".into())));
        assert_eq!(PgDecoder::Int4.fast(&[0, 0, 1]), None, "a short value takes the general path");
        assert_eq!(PgDecoder::Int2.fast(&(-2i16).to_be_bytes()), Some(Cell::Int(-2)));
    }

    #[test]
    fn postgres_numerics_become_floats() {
        // 120.50 = 120 + 5000/10000; -310.20; 1234567.89 = 123, 4567, 8900 with weight 1.
        assert_eq!(numeric(&numeric_bytes(2, 0, 0, &[120, 5000])), Some(Cell::Float(120.5)));
        assert_eq!(numeric(&numeric_bytes(2, 0, 0x4000, &[310, 2000])), Some(Cell::Float(-310.2)));
        assert_eq!(numeric(&numeric_bytes(3, 1, 0, &[123, 4567, 8900])), Some(Cell::Float(1_234_567.89)));
        assert_eq!(numeric(&numeric_bytes(0, 0, 0, &[])), Some(Cell::Float(0.0)));
        assert_eq!(numeric(&numeric_bytes(0, 0, 0xC000, &[])), Some(Cell::Text("NaN".into())));
        assert_eq!(numeric(&[0, 2]), None);
    }
}
