//! Outbound messages to customers (survey invitations now, campaigns later). `email` sends over
//! the business's SMTP server; the business-delivered channels (SMS, WeChat, app push) and the
//! per-recipient outbox come with the surveys that use them.

pub mod email;
