//! Support crate for the end-to-end test binary.
