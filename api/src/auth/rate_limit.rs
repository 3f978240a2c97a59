//! Rate limits. Request limits per API token and per session are token buckets in memory (with
//! several replicas each enforces its own share; they are generous enough for that). Sign-in
//! limits count *failures* in the database, so every server process enforces the same limit and a
//! correct password is never refused because of successful sign-ins.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bucket per key: holds up to `capacity` tokens, refills at `capacity` per `period`.
pub struct RateLimiter {
    capacity: f64,
    refill_per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(capacity: u32, period: Duration) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self {
            capacity,
            refill_per_second: capacity / period.as_secs_f64(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`.
    ///
    /// # Errors
    /// The bucket is empty: the number of seconds until a token is back.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() > 100_000 {
            // Forget keys whose buckets have refilled: they are as good as new.
            let full_after = Duration::from_secs_f64(self.capacity / self.refill_per_second);
            buckets.retain(|_, b| now.duration_since(b.updated) < full_after);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: self.capacity, updated: now });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.refill_per_second).min(self.capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let wait = ((1.0 - bucket.tokens) / self.refill_per_second).ceil() as u64;
            Err(wait.max(1))
        }
    }
}

/// The request limits the server enforces (settings).
pub struct RateLimits {
    pub per_api_token: RateLimiter,
    pub per_session: RateLimiter,
}

impl RateLimits {
    pub fn new(api_token_per_minute: u32, session_per_minute: u32) -> Self {
        Self {
            per_api_token: RateLimiter::new(api_token_per_minute, Duration::from_secs(60)),
            per_session: RateLimiter::new(session_per_minute, Duration::from_secs(60)),
        }
    }
}

/// At most `max` failures per key within `window`; then refused until the oldest of them is
/// older than the window.
#[derive(Clone, Copy, Debug)]
pub struct FailureLimit {
    pub max: u64,
    pub window: chrono::Duration,
}

/// Wrong passwords for one account (by email): 5 in 5 minutes.
pub const LOGIN_PER_ACCOUNT: FailureLimit = FailureLimit { max: 5, window: chrono::Duration::minutes(5) };
/// Wrong passwords from one client address (an office behind one NAT signs in from one address):
/// 100 in 5 minutes.
pub const LOGIN_PER_ADDRESS: FailureLimit = FailureLimit { max: 100, window: chrono::Duration::minutes(5) };
/// Wrong current passwords in `changePassword`, per user: 5 in 5 minutes. Counted apart from
/// sign-in, so a session that guesses cannot lock the account's owner out of signing in.
pub const CURRENT_PASSWORD_CHECKS: FailureLimit =
    FailureLimit { max: 5, window: chrono::Duration::minutes(5) };

/// Failed sign-ins, counted in `login_failures`.
pub mod failures {
    use chrono::Utc;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
        QueryOrder, QuerySelect, Set,
    };

    use super::FailureLimit;
    use crate::entities::login_failure;
    use crate::error::AppError;

    /// `RATE_LIMITED` (with the seconds until the next try) when `key` has used up `limit`.
    ///
    /// # Errors
    /// `RATE_LIMITED`; database failures.
    pub async fn check(db: &DatabaseConnection, key: &str, limit: FailureLimit) -> Result<(), AppError> {
        let now = Utc::now();
        let recent: Vec<chrono::DateTime<Utc>> = login_failure::Entity::find()
            .select_only()
            .column(login_failure::Column::At)
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::At.gt(now - limit.window))
            .order_by_desc(login_failure::Column::At)
            .limit(limit.max)
            .into_tuple()
            .all(db)
            .await?;
        match recent.last() {
            Some(oldest) if recent.len() as u64 >= limit.max => {
                let wait = (*oldest + limit.window - now).num_seconds().max(1);
                Err(AppError::RateLimited { retry_after_seconds: wait.unsigned_abs() })
            }
            _ => Ok(()),
        }
    }

    /// Counts one failure against each of `keys`, and forgets failures older than any window.
    ///
    /// # Errors
    /// Database failures.
    pub async fn record(db: &DatabaseConnection, keys: &[String]) -> Result<(), AppError> {
        let now = Utc::now();
        let txn = crate::db::begin_write(db).await?;
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::At.lt(now - chrono::Duration::hours(1)))
            .exec(&txn)
            .await?;
        for key in keys {
            login_failure::ActiveModel { key: Set(key.clone()), at: Set(now), ..Default::default() }
                .insert(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Forgets `key`'s failures (the account signed in with the right password).
    ///
    /// # Errors
    /// Database failures.
    pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<(), AppError> {
        login_failure::Entity::delete_many().filter(login_failure::Column::Key.eq(key)).exec(conn).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RateLimiter;

    #[test]
    fn a_bucket_empties_then_says_when_to_retry() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(limiter.check("k"), Ok(()));
        }
        assert_eq!(limiter.check("k"), Err(20), "one token back every 20 s");
        assert_eq!(limiter.check("other"), Ok(()), "keys are independent");
    }
}
