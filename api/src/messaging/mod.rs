//! Outbound messages to customers (survey invitations now, campaigns later). `email` sends over
//! the business's SMTP server; `settings` holds it with the business's own sender for SMS, WeChat
//! and app push (signed webhooks), the links' public address and the contact budget.

pub mod email;
pub mod settings;
