//! The result stream on the wire (`application/vnd.vizkraft.result.v1`): a sequence of frames,
//! each `kind: u8`, `length: u32 LE`, then `length` bytes. Columns, end and error frames carry
//! JSON; batch frames carry columns as little-endian typed arrays, which decode with a copy
//! instead of a parse. Compression is the transport's (`Content-Encoding: zstd`).
//!
//! A batch: `rows: u32`, `columns: u16`, then per column `type: u8`, `has_nulls: u8`, the null
//! bitmap (`ceil(rows / 8)` bytes, bit set = null) when `has_nulls`, and the values:
//! bool 1 byte, int/float/timestamp 8 bytes, date 4 bytes each; text as `bytes: u32`, one
//! `u32` end offset per row, then the UTF-8 bytes.

use super::batch::{Batch, Column, TextValues, Values};
use crate::api::query::{ResultColumn, ResultEnd, ResultFrame};
use crate::ApiError;

const COLUMNS: u8 = 1;
const BATCH: u8 = 2;
const END: u8 = 3;
const ERROR: u8 = 4;

const BOOL: u8 = 1;
const INT: u8 = 2;
const FLOAT: u8 = 3;
const TIMESTAMP: u8 = 4;
const DATE: u8 = 5;
const TEXT: u8 = 6;

/// Frame header: kind and length.
const HEADER: usize = 5;
/// Largest frame a decoder accepts; the relay's batches stay far below.
pub const MAX_FRAME_BYTES: usize = 256 << 20;

/// Why a byte stream is not a result stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed result stream: {0}")]
pub struct WireError(&'static str);

/// Appends `frame`, encoded, to `out`.
pub fn encode_frame(frame: &ResultFrame, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    let kind = match frame {
        ResultFrame::Columns { columns } => {
            json_into(columns, out);
            COLUMNS
        }
        ResultFrame::Batch { batch } => {
            encode_batch(batch, out);
            BATCH
        }
        ResultFrame::End(end) => {
            json_into(end, out);
            END
        }
        ResultFrame::Error { error } => {
            json_into(error, out);
            ERROR
        }
    };
    let length = (out.len() - start - HEADER) as u32;
    out[start] = kind;
    out[start + 1..start + HEADER].copy_from_slice(&length.to_le_bytes());
}

fn json_into<T: serde::Serialize>(value: &T, out: &mut Vec<u8>) {
    // Serialising these plain structs into a Vec cannot fail; an empty payload would be
    // reported by the decoder rather than panic here.
    let _ = serde_json::to_writer(&mut *out, value);
}

fn encode_batch(batch: &Batch, out: &mut Vec<u8>) {
    out.extend_from_slice(&(batch.row_count as u32).to_le_bytes());
    out.extend_from_slice(&(batch.columns.len() as u16).to_le_bytes());
    let bitmap_len = batch.row_count.div_ceil(8);
    for column in &batch.columns {
        let has_nulls = column.has_nulls();
        out.push(type_tag(&column.values));
        out.push(u8::from(has_nulls));
        if has_nulls {
            let mut bitmap = column.nulls.clone();
            bitmap.resize(bitmap_len, 0);
            out.extend_from_slice(&bitmap);
        }
        match &column.values {
            Values::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
            Values::Int(v) | Values::Timestamp(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::Float(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::Date(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Values::Text(t) => {
                out.extend_from_slice(&(t.text.len() as u32).to_le_bytes());
                t.ends.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
                out.extend_from_slice(t.text.as_bytes());
            }
        }
    }
}

fn type_tag(values: &Values) -> u8 {
    match values {
        Values::Bool(_) => BOOL,
        Values::Int(_) => INT,
        Values::Float(_) => FLOAT,
        Values::Timestamp(_) => TIMESTAMP,
        Values::Date(_) => DATE,
        Values::Text(_) => TEXT,
    }
}

/// Turns a byte stream, in chunks cut anywhere, back into frames.
#[derive(Default)]
pub struct FrameDecoder {
    pending: Vec<u8>,
}

impl FrameDecoder {
    /// Decodes every frame completed by `chunk`, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<ResultFrame>, WireError> {
        let mut frames = Vec::new();
        let mut rest: &[u8] = if self.pending.is_empty() {
            chunk
        } else {
            self.pending.extend_from_slice(chunk);
            &self.pending
        };
        let mut consumed = 0;
        while let Some((frame, used)) = next_frame(rest)? {
            frames.push(frame);
            rest = rest.get(used..).unwrap_or_default();
            consumed += used;
        }
        if self.pending.is_empty() {
            self.pending.extend_from_slice(chunk.get(consumed..).unwrap_or_default());
        } else {
            self.pending.drain(..consumed);
        }
        Ok(frames)
    }

    /// Whether bytes of an unfinished frame are left, once the stream has closed.
    pub fn has_partial_frame(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Decodes the whole of `bytes`, which must end on a frame boundary.
pub fn decode_all(bytes: &[u8]) -> Result<Vec<ResultFrame>, WireError> {
    let mut decoder = FrameDecoder::default();
    let frames = decoder.push(bytes)?;
    if decoder.has_partial_frame() {
        return Err(WireError("the stream ends inside a frame"));
    }
    Ok(frames)
}

/// The first frame of `bytes` and the bytes it used, or `None` when it is not complete yet.
fn next_frame(bytes: &[u8]) -> Result<Option<(ResultFrame, usize)>, WireError> {
    let Some(header) = bytes.get(..HEADER) else { return Ok(None) };
    let length = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(WireError("a frame is larger than allowed"));
    }
    let Some(payload) = bytes.get(HEADER..HEADER + length) else { return Ok(None) };
    let json_error = |_| WireError("a frame's JSON does not parse");
    let frame = match header[0] {
        COLUMNS => {
            ResultFrame::Columns { columns: serde_json::from_slice::<Vec<ResultColumn>>(payload).map_err(json_error)? }
        }
        BATCH => ResultFrame::Batch { batch: decode_batch(payload)? },
        END => ResultFrame::End(serde_json::from_slice::<ResultEnd>(payload).map_err(json_error)?),
        ERROR => ResultFrame::Error { error: serde_json::from_slice::<ApiError>(payload).map_err(json_error)? },
        _ => return Err(WireError("unknown frame kind")),
    };
    Ok(Some((frame, HEADER + length)))
}

/// Reads fixed-size pieces off the front of a payload.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.0.len() {
            return Err(WireError("a batch is shorter than its header says"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn array<const N: usize, T>(&mut self, count: usize, from: fn([u8; N]) -> T) -> Result<Vec<T>, WireError> {
        let bytes = self.take(count.checked_mul(N).ok_or(WireError("a batch is too large"))?)?;
        Ok(bytes
            .chunks_exact(N)
            .map(|chunk| {
                let mut word = [0u8; N];
                word.copy_from_slice(chunk);
                from(word)
            })
            .collect())
    }
}

fn decode_batch(payload: &[u8]) -> Result<Batch, WireError> {
    let mut reader = Reader(payload);
    let row_count = reader.u32()? as usize;
    let column_count = reader.u16()? as usize;
    let mut columns = Vec::with_capacity(column_count);
    for _ in 0..column_count {
        let tag = reader.u8()?;
        let nulls = match reader.u8()? {
            0 => Vec::new(),
            _ => reader.take(row_count.div_ceil(8))?.to_vec(),
        };
        let values = match tag {
            BOOL => Values::Bool(reader.take(row_count)?.iter().map(|&b| b != 0).collect()),
            INT => Values::Int(reader.array(row_count, i64::from_le_bytes)?),
            FLOAT => Values::Float(reader.array(row_count, f64::from_le_bytes)?),
            TIMESTAMP => Values::Timestamp(reader.array(row_count, i64::from_le_bytes)?),
            DATE => Values::Date(reader.array(row_count, i32::from_le_bytes)?),
            TEXT => {
                let text_len = reader.u32()? as usize;
                let ends = reader.array(row_count, u32::from_le_bytes)?;
                let text =
                    std::str::from_utf8(reader.take(text_len)?).map_err(|_| WireError("text is not UTF-8"))?.to_owned();
                let mut start = 0;
                for &end in &ends {
                    let end = end as usize;
                    if end < start || !text.is_char_boundary(end) {
                        return Err(WireError("a text offset is out of order or splits a character"));
                    }
                    start = end;
                }
                if start != text.len() {
                    return Err(WireError("text offsets do not cover the text"));
                }
                Values::Text(TextValues { ends, text })
            }
            _ => return Err(WireError("unknown column type")),
        };
        columns.push(Column { values, nulls });
    }
    if !reader.0.is_empty() {
        return Err(WireError("a batch has trailing bytes"));
    }
    Ok(Batch { row_count, columns })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::api::query::{Cell, Truncation};
    use crate::result::batch::BatchBuilder;
    use crate::semantic::ColumnKind;
    use crate::ErrorCode;

    fn sample_stream() -> Vec<ResultFrame> {
        let mut builder = BatchBuilder::new(6);
        builder.push_row([
            Cell::Int(-1),
            Cell::Float(2.5),
            Cell::Text("Zürich 🚲".into()),
            Cell::Bool(true),
            Cell::Timestamp(1_700_000_000_123_456),
            Cell::Date(-1),
        ]);
        builder.push_row([Cell::Null, Cell::Null, Cell::Text(String::new()), Cell::Null, Cell::Null, Cell::Null]);
        for i in 0..10 {
            builder.push_row([
                Cell::Int(i),
                Cell::Float(f64::NAN),
                Cell::Null,
                Cell::Bool(false),
                Cell::Null,
                Cell::Date(i as i32),
            ]);
        }
        vec![
            ResultFrame::Columns { columns: vec![ResultColumn { name: "n".into(), kind: ColumnKind::Integer }; 6] },
            ResultFrame::Batch { batch: builder.take() },
            ResultFrame::End(ResultEnd {
                row_count: 12,
                elapsed_ms: 3,
                truncated: Some(Truncation::RowCap),
                row_cap: 12,
                timeout_ms: 1000,
            }),
            ResultFrame::Error { error: ApiError::new(ErrorCode::QueryFailed, "no") },
        ]
    }

    fn encode(frames: &[ResultFrame]) -> Vec<u8> {
        let mut bytes = Vec::new();
        frames.iter().for_each(|f| encode_frame(f, &mut bytes));
        bytes
    }

    /// NaN is not equal to itself, so compare frames by their encoding.
    fn same(a: &[ResultFrame], b: &[ResultFrame]) -> bool {
        encode(a) == encode(b)
    }

    #[test]
    fn frames_round_trip_whatever_the_chunking() {
        let frames = sample_stream();
        let bytes = encode(&frames);
        assert!(same(&decode_all(&bytes).unwrap(), &frames));
        for chunk_size in [1, 2, 3, 7, 64, bytes.len()] {
            let mut decoder = FrameDecoder::default();
            let mut decoded = Vec::new();
            for chunk in bytes.chunks(chunk_size) {
                decoded.extend(decoder.push(chunk).unwrap());
            }
            assert!(!decoder.has_partial_frame());
            assert!(same(&decoded, &frames), "chunks of {chunk_size}");
        }
    }

    #[test]
    fn decoded_batches_keep_values_and_nulls() {
        let frames = decode_all(&encode(&sample_stream())).unwrap();
        let ResultFrame::Batch { batch } = &frames[1] else { panic!("expected a batch") };
        assert_eq!(batch.row_count, 12);
        assert_eq!(batch.columns[2].cell(0), Cell::Text("Zürich 🚲".into()));
        assert_eq!(batch.columns[2].cell(1), Cell::Text(String::new()));
        assert_eq!(batch.columns[2].cell(2), Cell::Null);
        assert_eq!(batch.columns[0].cell(1), Cell::Null);
        assert_eq!(batch.columns[0].cell(11), Cell::Int(9));
        assert_eq!(batch.columns[4].cell(0), Cell::Timestamp(1_700_000_000_123_456));
        assert_eq!(batch.columns[5].cell(0), Cell::Date(-1));
    }

    #[test]
    fn malformed_streams_are_errors_not_panics() {
        let bytes = encode(&sample_stream());
        // Every truncation either waits for more bytes or fails cleanly.
        for cut in 0..bytes.len() {
            let mut decoder = FrameDecoder::default();
            let _ = decoder.push(&bytes[..cut]);
        }
        // Every single-byte corruption decodes to something or fails cleanly.
        for at in 0..bytes.len() {
            for value in [0u8, 0x7f, 0xff] {
                let mut corrupt = bytes.clone();
                corrupt[at] = value;
                let _ = decode_all(&corrupt);
            }
        }
        assert!(decode_all(&[9, 0, 0, 0, 0]).is_err(), "unknown kind");
        assert!(decode_all(&[2, 0xff, 0xff, 0xff, 0xff]).is_err(), "oversized frame");
        assert!(decode_all(&bytes[..bytes.len() - 1]).is_err(), "cut short");
    }

    #[test]
    fn text_offsets_that_split_a_character_are_refused() {
        let mut builder = BatchBuilder::new(1);
        builder.push_row([Cell::Text("é".into())]);
        let mut bytes = Vec::new();
        encode_frame(&ResultFrame::Batch { batch: builder.take() }, &mut bytes);
        // The single end offset (2) sits after rows, columns, type, has_nulls and text length.
        let offset_at = HEADER + 4 + 2 + 2 + 4;
        bytes[offset_at] = 1;
        assert!(decode_all(&bytes).is_err());
    }
}
