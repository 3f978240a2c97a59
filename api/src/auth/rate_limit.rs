//! Token-bucket rate limits, kept in memory per server process (with several replicas, each
//! enforces its own share; the limits are generous enough for that).

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

/// The limits the server enforces. Login limits are fixed (README); request limits are settings.
pub struct RateLimits {
    /// Sign-in attempts per account: 5, then one a minute.
    pub login_per_email: RateLimiter,
    /// Sign-in attempts per client address (an office behind one NAT): 100, then one every 3 s.
    pub login_per_ip: RateLimiter,
    pub per_api_token: RateLimiter,
    pub per_session: RateLimiter,
}

impl RateLimits {
    pub fn new(api_token_per_minute: u32, session_per_minute: u32) -> Self {
        Self {
            login_per_email: RateLimiter::new(5, Duration::from_secs(5 * 60)),
            login_per_ip: RateLimiter::new(100, Duration::from_secs(5 * 60)),
            per_api_token: RateLimiter::new(api_token_per_minute, Duration::from_secs(60)),
            per_session: RateLimiter::new(session_per_minute, Duration::from_secs(60)),
        }
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
