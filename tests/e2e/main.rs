//! One end-to-end test binary: the real relay on a real socket, the built app, and a real
//! headless Chromium driven through chromedriver. `scripts/test` builds the app first.

mod ask;
mod support;
