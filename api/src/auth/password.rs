//! Password hashing: argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool so it never stalls the async runtime, with a cap on how many run at once (each
//! takes 19 MiB, so a login flood must not take the memory with it).

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Concurrent hashes at most (about 4 x 19 MiB).
static SLOTS: Semaphore = Semaphore::const_new(4);

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A hash of a random password, verified against when the email is unknown, so that unknown
/// emails and wrong passwords take the same time.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).ok()?;
    argon2().ok()?.hash_password(&random).ok().map(|h| h.to_string())
});

/// The PHC string of `password` (argon2id, random salt).
///
/// # Errors
/// Only internal failures.
pub async fn hash(password: String) -> Result<String, AppError> {
    let _slot = SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        argon2()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches `stored`. With no stored hash (unknown account) it still does the
/// work of a verification and answers `false`.
///
/// # Errors
/// Only internal failures.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let _slot = SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let Some(phc) = stored.or_else(|| DUMMY_HASH.clone()) else { return Ok(false) };
        let parsed =
            PasswordHash::new(&phc).map_err(|e| AppError::internal(anyhow::anyhow!("stored hash: {e}")))?;
        let matches = argon2()?.verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(AppError::internal)?
}

/// A random password people can type: 16 letters and digits in four groups from an alphabet
/// without look-alikes (`kq7m-x2pt-9wzd-h4rn`, about 79 bits).
///
/// # Errors
/// The operating system's random source failed.
pub fn generate_temporary() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("random source failed: {e}")))?;
    let chars: Vec<char> =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

#[cfg(test)]
mod tests {
    use super::{hash, verify};

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let phc = hash("correct horse battery".to_owned()).await.expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery".to_owned(), Some(phc.clone())).await.expect("verify"));
        assert!(!verify("wrong horse battery".to_owned(), Some(phc)).await.expect("verify"));
        assert!(!verify("anything at all".to_owned(), None).await.expect("verify"));
    }
}
