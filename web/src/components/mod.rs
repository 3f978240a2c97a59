//! Reusable pieces of UI.

pub mod app_shell;
pub mod chart;
pub mod confirm;
pub mod copy_box;
pub mod dialog;
pub mod error_view;
pub mod field;
pub mod global_search;
pub mod icon;
pub mod language_switcher;
pub mod list_footer;
pub mod notification_bell;
pub mod protected;
