//! State the whole app shares, as typed contexts.

pub mod loaded;
pub mod session;
