//! Outbound messages to customers (survey invitations, points expiry warnings, campaigns later).
//! `deliver` hands one to its channel (`email` sends over the business's SMTP server); `outbox`
//! queues and sends those that are not survey invitations; `settings` holds the server with the
//! business's own sender for SMS, WeChat and app push (signed webhooks), the links' public
//! address and the contact budget.

pub mod deliver;
pub mod email;
pub mod outbox;
pub mod settings;
