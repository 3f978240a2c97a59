//! Telling members their points are about to expire: the message the business writes (in its
//! own words and language, on the channel it chooses) and its variables. The server sends one
//! per member and expiry date, `warnDays` before, through the messaging module; the change feed
//! carries a `pointsExpiring` event for each whether or not a message is configured.

use serde::{Deserialize, Serialize};

use crate::surveys::MessageChannel;

/// The message members get before their points expire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "ExpiryWarningInput"))]
#[serde(rename_all = "camelCase")]
pub struct ExpiryWarning {
    pub channel: MessageChannel,
    /// The email's subject (other channels have none).
    pub subject: String,
    /// `{name}`, `{points}` (expiring), `{date}` (their last day) and `{balance}` are filled in.
    pub body: String,
}

/// The variables a warning may use.
pub const VARIABLES: [&str; 4] = ["name", "points", "date", "balance"];

/// What a warning is filled with.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub name: &'a str,
    pub points: i64,
    /// The last day the points can be spent, as the member reads it (`2026-12-31`).
    pub date: &'a str,
    pub balance: i64,
}

impl ExpiryWarning {
    /// The standard wording in `language` (`zh-CN`, else English).
    pub fn standard(channel: MessageChannel, language: &str) -> Self {
        if language.starts_with("zh") {
            Self {
                channel,
                subject: "您的积分即将到期".to_owned(),
                body:
                    "{name}，您好：您有 {points} 积分将于 {date} 到期（当前共 {balance} 积分），请及时使用。"
                        .to_owned(),
            }
        } else {
            Self {
                channel,
                subject: "Your points are about to expire".to_owned(),
                body: "Hello {name}, {points} of your points expire after {date} (you have {balance} in all). Use them before then.".to_owned(),
            }
        }
    }

    /// Checks the message; the error names the field (`subject`, `body`) and says why.
    ///
    /// # Errors
    /// An email without a subject, an empty body, an unknown or unclosed variable, a text too
    /// long.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.channel == MessageChannel::Email && self.subject.trim().is_empty() {
            return Err(("subject", "an email needs a subject".to_owned()));
        }
        if self.body.trim().is_empty() {
            return Err(("body", "write the message".to_owned()));
        }
        for (field, text) in [("subject", &self.subject), ("body", &self.body)] {
            crate::surveys::check_text(text, &VARIABLES).map_err(|why| (field, why))?;
        }
        Ok(())
    }

    /// The subject and body with the variables filled in.
    pub fn render(&self, facts: Facts<'_>) -> (String, String) {
        let fill = |text: &str| {
            text.replace("{name}", facts.name)
                .replace("{points}", &facts.points.to_string())
                .replace("{date}", facts.date)
                .replace("{balance}", &facts.balance.to_string())
        };
        (fill(&self.subject), fill(&self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_variables_and_refuses_unknown_ones() {
        let warning = ExpiryWarning::standard(MessageChannel::Sms, "zh-CN");
        assert_eq!(warning.check(), Ok(()));
        let (_, body) =
            warning.render(Facts { name: "林晓雨", points: 120, date: "2026-12-31", balance: 300 });
        assert_eq!(body, "林晓雨，您好：您有 120 积分将于 2026-12-31 到期（当前共 300 积分），请及时使用。");
        let english = ExpiryWarning::standard(MessageChannel::Email, "en");
        assert_eq!(english.check(), Ok(()));
        let bad = ExpiryWarning { body: "{points} expire {soon}".to_owned(), ..english.clone() };
        assert_eq!(bad.check().map_err(|(f, _)| f), Err("body"));
        let open = ExpiryWarning { subject: "Points {date".to_owned(), ..english.clone() };
        assert_eq!(open.check().map_err(|(f, _)| f), Err("subject"));
        let no_subject = ExpiryWarning { subject: " ".to_owned(), ..english.clone() };
        assert_eq!(no_subject.check().map_err(|(f, _)| f), Err("subject"));
        let sms = ExpiryWarning { channel: MessageChannel::Sms, subject: String::new(), ..english };
        assert_eq!(sms.check(), Ok(()), "only email needs a subject");
    }
}
