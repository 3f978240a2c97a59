//! Opaque secrets (refresh tokens, API tokens): random, recognisable by their prefix, stored only
//! as a SHA-256 hash. (A fast hash is right here: the secrets carry 256 bits of randomness, so
//! there is nothing to brute-force, unlike passwords.)

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Refresh tokens start with this.
pub const REFRESH_PREFIX: &str = "scrt_";
/// API tokens start with this, so secret scanners and people recognise them.
pub const API_TOKEN_PREFIX: &str = "scrm_";
/// How much of an API token is shown in lists: the prefix and 8 characters.
pub const API_TOKEN_VISIBLE: usize = API_TOKEN_PREFIX.len() + 8;

/// `prefix` followed by 32 random bytes in URL-safe base64.
///
/// # Errors
/// The operating system's random source failed.
pub fn generate(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("random source failed: {e}")))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// Lower-case hex SHA-256 of `secret`: what the database stores and looks up.
pub fn hash(secret: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(secret.as_bytes()).iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

#[cfg(test)]
mod tests {
    use super::{API_TOKEN_PREFIX, generate, hash};

    #[test]
    fn tokens_are_random_prefixed_and_hashed_stably() {
        let a = generate(API_TOKEN_PREFIX).expect("random");
        let b = generate(API_TOKEN_PREFIX).expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with("scrm_") && a.len() == 5 + 43, "{a}");
        assert_eq!(hash(&a), hash(&a));
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
