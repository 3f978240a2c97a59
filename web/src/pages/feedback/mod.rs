//! Feedback: survey results (NPS and CSAT with their margins, by star level, channel, agent and
//! store, the monthly trend, what unhappy customers talk about) and the answers behind them.

mod answers;
mod results_page;

pub use answers::AnswerList;
pub use results_page::FeedbackPage;
