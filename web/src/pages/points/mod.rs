//! The points pages: the workspace's liability (what members hold, by month of expiry, what is
//! owed, the breakage to expect) beside the earn rule in words.

mod points_page;

pub use points_page::PointsPage;
