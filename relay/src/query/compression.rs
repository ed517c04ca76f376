//! Result streams are compressed with zstd at level 1 when the client accepts it: fast enough
//! to keep up with the database (brotli 11 or gzip 6 are not), and decoded natively by the
//! browser. Each frame is flushed on its own, so compression never holds rows back.

use std::convert::Infallible;
use std::io::Write;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;

const ZSTD_LEVEL: i32 = 1;

/// How the client wants the result stream encoded, from its `Accept-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultEncoding {
    Identity,
    Zstd,
}

impl<S: Send + Sync> FromRequestParts<S> for ResultEncoding {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let accepts_zstd = parts
            .headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("zstd"));
                // `q=0` means "not acceptable".
                let refused =
                    parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
                named && !refused
            });
        Ok(if accepts_zstd { ResultEncoding::Zstd } else { ResultEncoding::Identity })
    }
}

impl ResultEncoding {
    /// The streaming response for the frames `receiver` yields, encoded as agreed.
    pub fn response(self, content_type: &'static str, receiver: mpsc::Receiver<Bytes>) -> Response {
        let compressor = match self {
            ResultEncoding::Zstd => zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL).ok(),
            ResultEncoding::Identity => None,
        };
        let compressed = compressor.is_some();
        let body = futures::stream::unfold((receiver, compressor), |(mut receiver, mut compressor)| async move {
            match (receiver.recv().await, compressor.as_mut()) {
                (Some(chunk), None) => Some((chunk, (receiver, None))),
                (Some(chunk), Some(encoder)) => {
                    let flushed = encoder.write_all(&chunk).and_then(|()| encoder.flush());
                    // Writing into a Vec cannot fail short of memory; end the stream if it does,
                    // which the client reports as an incomplete result.
                    flushed.ok()?;
                    let out = Bytes::from(std::mem::take(encoder.get_mut()));
                    Some((out, (receiver, compressor)))
                }
                (None, Some(_)) => {
                    let tail = compressor.take()?.finish().ok()?;
                    Some((Bytes::from(tail), (receiver, None)))
                }
                (None, None) => None,
            }
        });
        let body = futures::StreamExt::map(body, Ok::<Bytes, Infallible>);
        let mut response = ([(header::CONTENT_TYPE, content_type)], Body::from_stream(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if compressed {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("zstd"));
        }
        response
    }
}
