//! Masking of personal data for callers who may not see it in full (`pii:read`).

/// `+8613812345678` or `13812345678` -> `138****5678`; other numbers keep their first three and
/// last four digits (`+44 20 7946 0958` -> `+442*****0958`); short ones are hidden whole.
pub fn phone(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let international = value.trim_start().starts_with('+');
    let national = match digits.strip_prefix("86") {
        Some(rest) if international && rest.len() == 11 => rest,
        _ => digits.as_str(),
    };
    if national.len() == 11 && national.starts_with('1') && (!international || digits.starts_with("86")) {
        return keep_ends(national, 3, 4);
    }
    let masked = keep_ends(&digits, 3, 4);
    if international { format!("+{masked}") } else { masked }
}

/// An email address: the first character of the name and the domain stay
/// (`li.lei@example.com` -> `l*****@example.com`).
pub fn email(value: &str) -> String {
    match value.split_once('@') {
        Some((name, domain)) => {
            let first: String = name.chars().take(1).collect();
            format!("{first}*****@{domain}")
        }
        None => "*".repeat(value.chars().count().max(4)),
    }
}

/// An identity document number: first four and last four characters kept
/// (`110101199003077777` -> `1101**********7777`).
pub fn id_number(value: &str) -> String {
    keep_ends(value.trim(), 4, 4)
}

/// A birthday `YYYY-MM-DD`: the year (which gives the age away) is hidden, month and day stay for
/// greetings (`1990-03-07` -> `****-03-07`).
pub fn birthday(value: &str) -> String {
    match value.split_once('-') {
        Some((year, rest)) if year.len() == 4 => format!("****-{rest}"),
        _ => "*".repeat(value.chars().count().max(4)),
    }
}

fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(4));
    }
    let middle = chars.len() - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(middle));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{birthday, email, id_number, phone};

    #[test]
    fn emails_keep_the_first_letter_and_the_domain() {
        assert_eq!(email("li.lei@example.com"), "l*****@example.com");
        assert_eq!(email("王芳@例子.中国"), "王*****@例子.中国");
        assert_eq!(email("broken"), "******");
    }

    #[test]
    fn chinese_mobiles_show_the_familiar_form() {
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("+86 138 1234 5678"), "138****5678");
        assert_eq!(phone("+8613812345678"), "138****5678");
    }

    #[test]
    fn other_numbers_keep_only_their_ends() {
        assert_eq!(phone("+44 20 7946 0958"), "+442*****0958");
        assert_eq!(phone("0571-88889999"), "057*****9999");
        assert_eq!(phone("12345"), "*****");
        assert_eq!(id_number("110101199003077777"), "1101**********7777");
        assert_eq!(birthday("1990-03-07"), "****-03-07");
        assert_eq!(birthday("garbage"), "*******");
    }
}
