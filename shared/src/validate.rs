//! Input rules shared by the server (which enforces them) and the SPA (which shows them as you
//! type). Each check returns the normalised value or the reason it is refused.

use serde::{Deserialize, Serialize};

/// Why a value was refused. The server sends the code in `extensions.reason`; the SPA shows a
/// translated message for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Invalid {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    Email,
    Phone,
    /// On the list of passwords attackers try first.
    CommonPassword,
    /// Contains the account's email name.
    PasswordContainsEmail,
    /// Characters that have no place in the value (control characters).
    Characters,
    /// Not a calendar date written `YYYY-MM-DD`.
    Date,
    /// A date before 1900 or in the future.
    DateRange,
    /// Not an ISO 4217 currency code.
    Currency,
    Negative,
    TooLarge,
    /// Not one of the choices the field allows.
    NotAnOption,
    /// A value of the wrong type for the field (text for a number...).
    WrongType,
    /// Appears twice where it may appear once.
    Duplicate,
    /// A number with more decimals than the field keeps (money: two).
    Decimals {
        max: usize,
    },
    /// A number below the least the field allows.
    TooSmall {
        min: usize,
    },
}

impl Invalid {
    /// Machine-readable reason, e.g. `TOO_SHORT`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::TooShort { .. } => "TOO_SHORT",
            Self::TooLong { .. } => "TOO_LONG",
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::CommonPassword => "COMMON_PASSWORD",
            Self::PasswordContainsEmail => "PASSWORD_CONTAINS_EMAIL",
            Self::Characters => "CHARACTERS",
            Self::Date => "DATE",
            Self::DateRange => "DATE_RANGE",
            Self::Currency => "CURRENCY",
            Self::Negative => "NEGATIVE",
            Self::TooLarge => "TOO_LARGE",
            Self::NotAnOption => "NOT_AN_OPTION",
            Self::WrongType => "WRONG_TYPE",
            Self::Duplicate => "DUPLICATE",
            Self::Decimals { .. } => "DECIMALS",
            Self::TooSmall { .. } => "TOO_SMALL",
        }
    }

    /// The number a reason is about (a length, a count of decimals), sent beside its code.
    pub const fn limit(self) -> Option<usize> {
        match self {
            Self::TooShort { min: limit }
            | Self::TooLong { max: limit }
            | Self::Decimals { max: limit }
            | Self::TooSmall { min: limit } => Some(limit),
            _ => None,
        }
    }

    /// The reason back from its code and (for lengths) limit, as an API error carries them.
    pub fn from_code(code: &str, limit: Option<usize>) -> Option<Self> {
        Some(match code {
            "REQUIRED" => Self::Required,
            "TOO_SHORT" => Self::TooShort { min: limit? },
            "TOO_LONG" => Self::TooLong { max: limit? },
            "EMAIL" => Self::Email,
            "PHONE" => Self::Phone,
            "COMMON_PASSWORD" => Self::CommonPassword,
            "PASSWORD_CONTAINS_EMAIL" => Self::PasswordContainsEmail,
            "CHARACTERS" => Self::Characters,
            "DATE" => Self::Date,
            "DATE_RANGE" => Self::DateRange,
            "CURRENCY" => Self::Currency,
            "NEGATIVE" => Self::Negative,
            "TOO_LARGE" => Self::TooLarge,
            "NOT_AN_OPTION" => Self::NotAnOption,
            "WRONG_TYPE" => Self::WrongType,
            "DUPLICATE" => Self::Duplicate,
            "DECIMALS" => Self::Decimals { max: limit? },
            "TOO_SMALL" => Self::TooSmall { min: limit? },
            _ => return None,
        })
    }

    /// The English message the API sends (clients translate by `code`).
    pub fn message(self) -> String {
        match self {
            Self::Required => "is required".to_owned(),
            Self::TooShort { min } => format!("must be at least {min} characters"),
            Self::TooLong { max } => format!("must be at most {max} characters"),
            Self::Email => "is not a valid email address".to_owned(),
            Self::Phone => {
                "is not a valid phone number (a Chinese mobile number or +country number)".to_owned()
            }
            Self::CommonPassword => {
                "is too common; choose one that is not on lists of leaked passwords".to_owned()
            }
            Self::PasswordContainsEmail => "must not contain your email name".to_owned(),
            Self::Characters => "contains characters that are not allowed".to_owned(),
            Self::Date => "is not a date written YYYY-MM-DD".to_owned(),
            Self::DateRange => "must be between 1900-01-01 and today".to_owned(),
            Self::Currency => "is not a three-letter ISO 4217 currency code".to_owned(),
            Self::Negative => "must not be negative".to_owned(),
            Self::TooLarge => "is too large".to_owned(),
            Self::NotAnOption => "is not one of the field's options".to_owned(),
            Self::WrongType => "has the wrong type for this field".to_owned(),
            Self::Duplicate => "appears more than once".to_owned(),
            Self::Decimals { max } => format!("must have at most {max} decimals"),
            Self::TooSmall { min } => format!("must be at least {min}"),
        }
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Long passphrases are welcome; the cap bounds the hashing work one request can cause.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;

/// Trims and lower-cases an email address and checks its shape.
///
/// # Errors
/// Empty, too long or not shaped like `name@domain.tld`.
pub fn email(value: &str) -> Result<String, Invalid> {
    let value = value.trim().to_lowercase();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.chars().count() > EMAIL_MAX_CHARS {
        return Err(Invalid::TooLong { max: EMAIL_MAX_CHARS });
    }
    let Some((local, domain)) = value.rsplit_once('@') else { return Err(Invalid::Email) };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | '"' | ',' | ';'));
    if domain_ok && local_ok { Ok(value) } else { Err(Invalid::Email) }
}

/// A person's or thing's display name: trimmed, 1 to `max` characters, no control characters.
///
/// # Errors
/// Empty, too long, or containing control characters.
pub fn name(value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.chars().count() > max {
        return Err(Invalid::TooLong { max });
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::Characters);
    }
    Ok(value.to_owned())
}

/// Checks a new password: 10 to 128 characters, not a commonly used one, not built on the
/// account's email name. (Length matters more than character classes, per NIST SP 800-63B.)
///
/// # Errors
/// The first rule the password breaks.
pub fn password(value: &str, account_email: Option<&str>) -> Result<(), Invalid> {
    let chars = value.chars().count();
    if chars == 0 {
        return Err(Invalid::Required);
    }
    if chars < PASSWORD_MIN_CHARS {
        return Err(Invalid::TooShort { min: PASSWORD_MIN_CHARS });
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Invalid::TooLong { max: PASSWORD_MAX_CHARS });
    }
    let lower = value.to_lowercase();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 || COMMON_PASSWORDS.contains(&lower.as_str()) || is_run(&lower) {
        return Err(Invalid::CommonPassword);
    }
    if let Some(local) = account_email.and_then(|e| e.split('@').next()).map(str::to_lowercase)
        && local.chars().count() >= 4
        && lower.contains(&local)
    {
        return Err(Invalid::PasswordContainsEmail);
    }
    Ok(())
}

/// A phone number in stored form: Chinese mobiles (with or without `+86`, spaces or dashes) become
/// `+86` and 11 digits; other numbers must be international (`+` and 8 to 15 digits, E.164).
///
/// # Errors
/// Anything else.
pub fn phone(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::Required);
    }
    if !trimmed.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')) {
        return Err(Invalid::Phone);
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = trimmed.starts_with('+');
    let chinese_mobile =
        |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
    match (international, digits.strip_prefix("86")) {
        (false, _) if chinese_mobile(&digits) => Ok(format!("+86{digits}")),
        (true, Some(rest)) if chinese_mobile(rest) => Ok(format!("+{digits}")),
        (true, _) if (8..=15).contains(&digits.len()) && !digits.starts_with('0') => Ok(format!("+{digits}")),
        _ => Err(Invalid::Phone),
    }
}

/// `0123456789`, `abcdefghij` and their reverses: one step apart throughout.
fn is_run(value: &str) -> bool {
    let codes: Vec<u32> = value.chars().map(u32::from).collect();
    let steps: Vec<i64> = codes.windows(2).map(|w| i64::from(w[1]) - i64::from(w[0])).collect();
    steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

/// Passwords of 10 or more characters that top leaked-password lists (global and Chinese).
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0987654321",
    "1234567891",
    "12345678910",
    "123456789a",
    "a123456789",
    "123456789q",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "q1w2e3r4t5",
    "1qaz2wsx3edc",
    "qazwsxedc123",
    "1qazxsw23edc",
    "zaq12wsxcde3",
    "zxcvbnm123",
    "asdfghjkl1",
    "asdfghjkl123",
    "password12",
    "password123",
    "password1234",
    "password1!",
    "passw0rd123",
    "p@ssw0rd123",
    "p@ssword123",
    "iloveyou12",
    "iloveyou123",
    "abc1234567",
    "abcd123456",
    "abc123456789",
    "aa123456789",
    "aaa123456789",
    "woaini1314",
    "woaini520",
    "woaini5201314",
    "5201314520",
    "5201314woaini",
    "1314520520",
    "1314521521",
    "wodemima123",
    "mima123456",
    "zhang123456",
    "wang123456",
    "li123456789",
    "chen123456",
    "liu123456789",
    "admin12345",
    "admin123456",
    "administrator",
    "welcome123",
    "welcome1234",
    "letmein123",
    "changeme123",
    "starcrm123",
    "starcrm1234",
    "starcrm12345",
    "football12",
    "baseball12",
    "sunshine12",
    "princess12",
    "dragon1234",
    "monkey1234",
    "master1234",
    "superman12",
    "trustno1234",
    "11223344556",
    "1122334455",
    "147258369a",
    "1472583690",
    "3141592653",
    "qweasdzxc123",
    "qweasdzxc1",
    "asdasdasd1",
    "zxczxczxc1",
];

#[cfg(test)]
mod tests {
    use super::{Invalid, email, name, password};

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Li.Lei@Example.COM ").as_deref(), Ok("li.lei@example.com"));
        assert_eq!(email("王芳@例子.中国").as_deref(), Ok("王芳@例子.中国"));
        assert_eq!(email(""), Err(Invalid::Required));
        for bad in ["no-at-sign", "a@b", "a@.com", "a@com.", "a b@c.com", "@c.com", "a@b..com", "a@b_c.com"] {
            assert_eq!(email(bad), Err(Invalid::Email), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_and_must_not_be_common() {
        assert_eq!(password("correct horse battery", None), Ok(()));
        assert_eq!(password("星级客户管理平台密码好", None), Ok(()), "counts characters, not bytes");
        assert_eq!(password("short", None), Err(Invalid::TooShort { min: 10 }));
        assert_eq!(password("", None), Err(Invalid::Required));
        assert_eq!(password(&"x".repeat(129), None), Err(Invalid::TooLong { max: 128 }));
        for common in [
            "1234567890",
            "Password123",
            "woaini1314",
            "aaaaaaaaaaaa",
            "abababababab",
            "abcdefghijk",
            "9876543210",
        ] {
            assert_eq!(password(common, None), Err(Invalid::CommonPassword), "{common}");
        }
        assert_eq!(
            password("zhangwei-secret", Some("zhangwei@shop.cn")),
            Err(Invalid::PasswordContainsEmail)
        );
        assert_eq!(
            password("tall mountain path", Some("li@shop.cn")),
            Ok(()),
            "short email names are ignored"
        );
    }

    #[test]
    fn phones_are_stored_in_international_form() {
        use super::phone;
        assert_eq!(phone("138 1234 5678").as_deref(), Ok("+8613812345678"));
        assert_eq!(phone("+86-138-1234-5678").as_deref(), Ok("+8613812345678"));
        assert_eq!(phone("+44 20 7946 0958").as_deref(), Ok("+442079460958"));
        for bad in ["12345678901", "0571 8888 9999", "+1 23", "138-1234-567a", "phone"] {
            assert_eq!(phone(bad), Err(Invalid::Phone), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  王小明 ", 100).as_deref(), Ok("王小明"));
        assert_eq!(name(" ", 100), Err(Invalid::Required));
        assert_eq!(name(&"长".repeat(101), 100), Err(Invalid::TooLong { max: 100 }));
        assert_eq!(name("a\u{0}b", 100), Err(Invalid::Characters));
    }
}
