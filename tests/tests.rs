//! End-to-end and parity tests, one module per area.
