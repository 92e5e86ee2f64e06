//! Telling another client with the board's client id from other losses of the broker link.

use std::time::Duration;

use super::link::Loss;

/// Closes of an established connection by the broker within this window are counted.
const CLOSES_WINDOW: Duration = Duration::from_secs(60);

/// This many in the window: most likely another client with the same id.
const CLOSES_SUSPECT: usize = 3;

/// Tells a session takeover from other losses. MQTT 5 brokers that follow the standard (EMQX,
/// HiveMQ, mosquitto from 2.0.15) say so with DISCONNECT 0x8E. MQTT 3.1.1 has no way to say it,
/// and older brokers just close the socket; two clients sharing an id then have their accepted
/// connections closed by the broker again and again, which a network fault (a reset, a timeout)
/// or one broker restart does not look like. So a run of orderly closes of accepted connections
/// is taken as the same sign, named as a suspicion. Sans-IO: it is given the times.
#[derive(Debug, Default)]
pub(super) struct TakeoverWatch {
    connected: bool,
    pub(super) closes: std::collections::VecDeque<tokio::time::Instant>,
}

/// What to do after a loss.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum AfterLoss {
    /// An ordinary loss: reconnect with backoff.
    Retry,
    /// Another client has (`certain`), or most likely has, the board's client id: say so, pause.
    TakenOver { certain: bool },
}

impl TakeoverWatch {
    pub(super) fn connected(&mut self) {
        self.connected = true;
    }

    pub(super) fn lost(&mut self, now: tokio::time::Instant, why: Loss) -> AfterLoss {
        let was_connected = std::mem::take(&mut self.connected);
        match why {
            Loss::TakenOver => return AfterLoss::TakenOver { certain: true },
            Loss::ClosedByBroker if was_connected => self.closes.push_back(now),
            _ => {}
        }
        while self
            .closes
            .front()
            .is_some_and(|t| now.duration_since(*t) > CLOSES_WINDOW)
        {
            self.closes.pop_front();
        }
        if why == Loss::ClosedByBroker && self.closes.len() >= CLOSES_SUSPECT {
            AfterLoss::TakenOver { certain: false }
        } else {
            AfterLoss::Retry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[test]
    fn a_run_of_closes_by_the_broker_is_a_suspected_takeover() {
        let mut w = TakeoverWatch::default();
        let mut t = Instant::now();
        for _ in 0..2 {
            w.connected();
            t += Duration::from_secs(10);
            assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        }
        // Failed attempts and network faults neither add nor clear the evidence.
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        w.connected();
        assert_eq!(w.lost(t, Loss::Other), AfterLoss::Retry);
        w.connected();
        t += Duration::from_secs(10);
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::TakenOver { certain: false });
        // Closes older than the window are forgotten: a broker restarted now and then is not it.
        w.connected();
        t += Duration::from_secs(3600);
        assert_eq!(w.lost(t, Loss::ClosedByBroker), AfterLoss::Retry);
        assert_eq!(w.closes.len(), 1);
    }

    #[test]
    fn the_brokers_own_word_is_certain_at_once() {
        let mut w = TakeoverWatch::default();
        w.connected();
        assert_eq!(
            w.lost(Instant::now(), Loss::TakenOver),
            AfterLoss::TakenOver { certain: true }
        );
    }
}
