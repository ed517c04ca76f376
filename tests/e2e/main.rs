//! One end-to-end test binary: the real relay on a real socket, the built app, and a real
//! headless Chromium driven through chromedriver. `scripts/test` builds the app first.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod ask;
mod canary;
mod charts;
mod dashboards;
mod exports;
mod large_result;
mod pwa;
mod security_headers;
mod sources;
mod support;
