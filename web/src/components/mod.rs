//! Reusable pieces of UI.

pub mod app_shell;
pub mod error_view;
pub mod icon;
pub mod language_switcher;
