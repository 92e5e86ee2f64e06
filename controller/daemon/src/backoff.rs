//! Exponential backoff with random jitter: the one retry policy of the daemon (MQTT reconnects,
//! a message the disk would not take, the card link, a card's transient refusals).
//!
//! Each delay is half the current step plus a random part of up to the other half ("equal
//! jitter"), so a hundred boards that lost their broker at the same moment do not all come back
//! in the same millisecond. The randomness comes from the operating system, not the clock.

use std::time::Duration;

/// A backoff from `base`, doubling up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Self { base, max, step: base }
    }

    /// The delay before the next attempt; the step doubles for the one after.
    pub fn next_delay(&mut self) -> Duration {
        let half = self.step / 2;
        let delay = half + random_below(self.step.saturating_sub(half));
        self.step = (self.step * 2).min(self.max);
        delay
    }

    /// Back to `base`, after a success.
    pub fn reset(&mut self) {
        self.step = self.base;
    }

    /// A new cap for the steps from now on.
    pub fn set_max(&mut self, max: Duration) {
        self.max = max;
    }
}

/// A uniformly random duration in `0..=limit` (millisecond resolution).
fn random_below(limit: Duration) -> Duration {
    let mut b = [0u8; 8];
    // Without randomness from the system the jitter is zero: the delay stays correct.
    let r = getrandom::fill(&mut b).map_or(0, |()| u64::from_le_bytes(b));
    let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(r % ms.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_with_jitter_in_the_upper_half_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(200), Duration::from_secs(2));
        let mut seen = std::collections::BTreeSet::new();
        for step in [200u64, 400, 800, 1600, 2000, 2000] {
            let d = b.next_delay().as_millis() as u64;
            assert!((step / 2..=step).contains(&d), "{d} ms for a {step} ms step");
            seen.insert(d);
        }
        assert!(seen.len() > 1);
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(200));
        // Jitter really varies: 50 delays of a 1 s step are not all the same.
        let many: std::collections::BTreeSet<_> = (0..50)
            .map(|_| Backoff::new(Duration::from_secs(1), Duration::from_secs(1)).next_delay())
            .collect();
        assert!(many.len() > 10, "{many:?}");
    }
}
