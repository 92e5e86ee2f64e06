//! Seeded fault injection for testing the daemon's recovery (`--fault SPEC`).
//!
//! A spec is a comma-separated list of `KIND[=VALUE][@RATE | #N]`:
//!
//! | kind | what happens to a reply |
//! |---|---|
//! | `drop` | it is not sent |
//! | `corrupt` | one byte inside the frame is flipped (the host sees a CRC error) |
//! | `delay=MS` | it is sent MS milliseconds late |
//! | `busy` | the card answers NACK ERR_BUSY instead of handling the request |
//! | `close` | the connection is closed instead of replying |
//! | `stall` | half the reply is sent, then nothing for 5 s |
//!
//! `@0.25` applies it to each request with probability 0.25 (seeded, reproducible); `#3` applies
//! it once, to the third request. Without either it applies to every request.

/// What to do to one request/reply exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Drop,
    Corrupt,
    Delay(u64),
    Busy,
    Close,
    Stall,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    Always,
    Rate(f64),
    Once(u64),
}

/// The parsed `--fault` rules and the seeded generator.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    rules: Vec<(Fault, When)>,
    rng: u64,
    requests: u64,
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self {
            rules: Vec::new(),
            rng: 1,
            requests: 0,
        }
    }

    /// Parse a spec; errors name the bad part and the fix.
    pub fn parse(spec: &str, seed: u64) -> Result<Self, String> {
        let mut rules = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (body, when) = if let Some((b, r)) = part.split_once('@') {
                let rate: f64 = r
                    .parse()
                    .map_err(|_| format!("fault {part:?}: rate {r:?} is not a number (e.g. drop@0.1)"))?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!("fault {part:?}: rate must be 0 to 1"));
                }
                (b, When::Rate(rate))
            } else if let Some((b, n)) = part.split_once('#') {
                let n: u64 = n
                    .parse()
                    .map_err(|_| format!("fault {part:?}: {n:?} is not a request number (e.g. close#3)"))?;
                (b, When::Once(n))
            } else {
                (part, When::Always)
            };
            let (kind, value) = body.split_once('=').map_or((body, None), |(k, v)| (k, Some(v)));
            let fault = match (kind, value) {
                ("drop", None) => Fault::Drop,
                ("corrupt", None) => Fault::Corrupt,
                ("busy", None) => Fault::Busy,
                ("close", None) => Fault::Close,
                ("stall", None) => Fault::Stall,
                ("delay", Some(v)) => Fault::Delay(
                    v.parse()
                        .map_err(|_| format!("fault {part:?}: delay needs milliseconds (delay=500)"))?,
                ),
                ("delay", None) => {
                    return Err(format!("fault {part:?}: delay needs milliseconds (delay=500)"));
                }
                _ => {
                    return Err(format!(
                        "unknown fault {part:?} (use drop, corrupt, delay=MS, busy, close, stall with @RATE or #N)"
                    ));
                }
            };
            rules.push((fault, when));
        }
        Ok(Self {
            rules,
            rng: seed.max(1),
            requests: 0,
        })
    }

    fn next_f64(&mut self) -> f64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for the next request, if any.
    pub fn next_fault(&mut self) -> Option<Fault> {
        self.requests += 1;
        let n = self.requests;
        let mut chosen = None;
        for i in 0..self.rules.len() {
            let (f, w) = self.rules[i];
            let hit = match w {
                When::Always => true,
                When::Once(k) => k == n,
                When::Rate(r) => self.next_f64() < r,
            };
            if hit && chosen.is_none() {
                chosen = Some(f);
            }
        }
        chosen
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_is_reproducible() {
        let mut a = FaultPlan::parse("drop@0.5, close#3", 7).unwrap();
        let mut b = FaultPlan::parse("drop@0.5, close#3", 7).unwrap();
        let sa: Vec<_> = (0..20).map(|_| a.next_fault()).collect();
        let sb: Vec<_> = (0..20).map(|_| b.next_fault()).collect();
        assert_eq!(sa, sb);
        assert!(sa.contains(&Some(Fault::Drop)));
        assert!(sa.iter().any(Option::is_none));
        let mut once = FaultPlan::parse("busy#2", 1).unwrap();
        assert_eq!(
            [once.next_fault(), once.next_fault(), once.next_fault()],
            [None, Some(Fault::Busy), None]
        );
        assert_eq!(
            FaultPlan::parse("delay=250", 1).unwrap().next_fault(),
            Some(Fault::Delay(250))
        );
        assert!(FaultPlan::parse("explode", 1).unwrap_err().contains("unknown fault"));
        assert!(FaultPlan::parse("drop@2", 1).unwrap_err().contains("0 to 1"));
    }
}
