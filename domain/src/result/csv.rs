//! A result as CSV (RFC 4180), produced in pieces so that a large export is never one giant
//! string: the browser turns the pieces into a file without joining them.

use super::ResultData;
use crate::api::query::{Cell, ResultColumn};

/// Rows per piece: large enough to keep the piece count small, small enough to stay a few MB.
pub const ROWS_PER_PIECE: usize = 20_000;

/// Quotes a field when it holds a separator, a quote or a line break; doubles inner quotes.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

fn push_row<'a>(out: &mut String, fields: impl Iterator<Item = std::borrow::Cow<'a, str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, &field);
    }
    out.push_str("\r\n");
}

/// The header line (column names), then every row, in pieces of [`ROWS_PER_PIECE`] rows.
/// NULL is an empty field.
pub fn csv_pieces<'a>(columns: &'a [ResultColumn], data: &'a ResultData) -> impl Iterator<Item = String> + 'a {
    let mut header = String::new();
    push_row(&mut header, columns.iter().map(|c| std::borrow::Cow::Borrowed(c.name.as_str())));
    let pieces = (0..data.len()).step_by(ROWS_PER_PIECE).map(move |start| {
        let mut piece = String::new();
        for row in start..(start + ROWS_PER_PIECE).min(data.len()) {
            push_row(
                &mut piece,
                (0..columns.len()).map(|c| match data.cell(row, c) {
                    Cell::Null => std::borrow::Cow::Borrowed(""),
                    cell => std::borrow::Cow::Owned(cell.to_string()),
                }),
            );
        }
        piece
    });
    std::iter::once(header).chain(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::BatchBuilder;
    use crate::semantic::ColumnKind;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let columns = vec![
            ResultColumn { name: "name".into(), kind: ColumnKind::Text },
            ResultColumn { name: "n, total".into(), kind: ColumnKind::Integer },
        ];
        let mut builder = BatchBuilder::new(2);
        builder.push_row([Cell::Text("plain".into()), Cell::Int(1)]);
        builder.push_row([Cell::Text("say \"hi\", then\nleave".into()), Cell::Null]);
        builder.push_row([Cell::Date(0), Cell::Float(2.5)]);
        let mut data = ResultData::default();
        data.push(builder.take());
        let csv: String = csv_pieces(&columns, &data).collect();
        assert_eq!(csv, "name,\"n, total\"\r\nplain,1\r\n\"say \"\"hi\"\", then\nleave\",\r\n1970-01-01,2.5\r\n");
    }

    #[test]
    fn large_results_come_in_bounded_pieces() {
        let columns = vec![ResultColumn { name: "n".into(), kind: ColumnKind::Integer }];
        let mut data = ResultData::default();
        let mut builder = BatchBuilder::new(1);
        for i in 0..(ROWS_PER_PIECE * 2 + 5) {
            builder.push_row([Cell::Int(i as i64)]);
        }
        data.push(builder.take());
        let pieces: Vec<String> = csv_pieces(&columns, &data).collect();
        assert_eq!(pieces.len(), 4, "the header and three pieces");
        assert_eq!(pieces[3].lines().count(), 5);
        assert!(pieces[1].starts_with("0\r\n1\r\n"));
    }
}
