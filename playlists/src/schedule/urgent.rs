//! The urgent layer's rotation (urgent or emergency notices taking turns, newest first): the
//! rotation's [`super::advance`] with one rule more. A notice the board has not shown yet in this
//! takeover does not wait for its turn, which would move away from it as each newer notice sorts
//! first (with 9 rotating every 2 s a 10th waited up to 18 s, issue #32): it shows at the next page
//! change of a notice already shown, then takes its place in the rotation, which goes on from
//! where it was.

use jiff::Timestamp;

use super::{Content, ContentKey, Cursor, Scheduler, Showing, advance, dwell, next_start, showing_at};

impl Scheduler {
    /// What the urgent layer shows at `now`, from its notices `list` (newest first).
    pub(super) fn urgent_advance(
        &mut self,
        list: &[Content],
        now: Timestamp,
        pages: &dyn Fn(&Content) -> u32,
    ) -> Option<Showing> {
        self.urgent_shown.retain(|k| list.iter().any(|c| &c.key == k));
        let current = (self.urgent.key.as_ref()).and_then(|k| list.iter().position(|c| &c.key == k));
        let unseen = (0..list.len()).any(|j| Some(j) != current && !self.urgent_shown.contains(&list[j].key));
        if unseen {
            self.urgent_new_since.get_or_insert(now);
        } else {
            self.urgent_new_since = None;
        }
        let (Some(i), Some(started)) = (current, self.urgent.started) else {
            return advance(&mut self.urgent, list, now, pages);
        };
        if started > now {
            return advance(&mut self.urgent, list, now, pages);
        }
        let d = dwell(&list[i]);
        let n = pages(&list[i]).max(1);
        let end = started + d * i32::try_from(n).unwrap_or(i32::MAX);
        let change = if now >= end {
            // Its time is up.
            Some(end)
        } else {
            // A notice shown before gives way at its next page change to one not yet shown.
            let page = now.duration_since(started).as_nanos() / d.as_nanos().max(1);
            let page_start = started + d * i32::try_from(page).unwrap_or(i32::MAX);
            let since = self
                .urgent_new_since
                .filter(|_| self.urgent_shown.contains(&list[i].key));
            since.filter(|s| page >= 1 && page_start >= *s).map(|_| page_start)
        };
        let Some(at) = change else {
            return Some(showing_at(list[i].clone(), started, now, pages));
        };
        let next = self.after(list, i);
        let start = next_start(at, now);
        self.urgent = Cursor {
            key: Some(list[next].key.clone()),
            index: next,
            started: Some(start),
        };
        Some(showing_at(list[next].clone(), start, now, pages))
    }

    /// The notice after `list[i]`, which has had its turn: one not yet shown (the first after it,
    /// remembering where the rotation was), else where the rotation was, else the next.
    fn after(&mut self, list: &[Content], i: usize) -> usize {
        self.urgent_shown.insert(list[i].key.clone());
        let n = list.len();
        let next = (i + 1) % n;
        let unseen = (1..=n)
            .map(|o| (i + o) % n)
            .find(|&j| !self.urgent_shown.contains(&list[j].key));
        match unseen {
            Some(j) => {
                if j != next && self.urgent_resume.is_none() {
                    self.urgent_resume = Some(list[next].key.clone());
                }
                j
            }
            None => (self.urgent_resume.take())
                .and_then(|k: ContentKey| list.iter().position(|c| c.key == k))
                .unwrap_or(next),
        }
    }

    /// The takeover ended: the next one starts afresh.
    pub(super) fn end_takeover(&mut self) {
        self.urgent = Cursor::default();
        self.urgent_shown.clear();
        self.urgent_resume = None;
        self.urgent_new_since = None;
    }
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use crate::{Announcement, Calendar, ContentKey, Inputs, Playlist, Priority, Scheduler};

    /// A rotation of one item, every page of everything a second.
    fn playlist() -> Playlist {
        crate::parse(
            "[defaults]\ndwell_s = 1\n\n[[item]]\nid = \"welcome\"\ntext = \"夷陵区欢迎您\"\n",
            "test",
        )
        .expect("the test playlist")
    }

    fn notice(k: usize, priority: Priority, issued: Timestamp) -> Announcement {
        Announcement {
            id: format!("n{k}"),
            revision: 1,
            priority,
            title: String::new(),
            body: format!("第{k}条"),
            valid_from: None,
            valid_until: Some(issued + SignedDuration::from_hours(1)),
            issued_at: issued,
            font_size: None,
            color: None,
            effect: None,
            severity: None,
        }
    }

    fn id_of(key: &ContentKey) -> String {
        match key {
            ContentKey::Item { id } | ContentKey::Announcement { id, .. } => id.clone(),
        }
    }

    /// The board's loop on a virtual clock: step at `now`, then at each `next_change` until
    /// `until`; what showed when (each change once).
    fn run(
        s: &mut Scheduler,
        pl: &Playlist,
        anns: &[Announcement],
        from: Timestamp,
        until: Timestamp,
    ) -> Vec<(Timestamp, String)> {
        let cal = Calendar::builtin();
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
        let inp = Inputs {
            playlist: pl,
            calendar: &cal,
            tz: &tz,
            announcements: anns,
            clock_trusted: true,
        };
        let mut shown: Vec<(Timestamp, String)> = Vec::new();
        let mut now = from;
        while now < until {
            // Every notice is two pages of a second: it shows 2 s, its page changes each second.
            let plan = s.step(&inp, now, &|_| 2);
            let on = plan.showing.as_ref().map(|sh| (sh.since, id_of(&sh.content.key)));
            if let Some(on) = on
                && shown.last() != Some(&on)
            {
                shown.push(on);
            }
            assert!(plan.next_change > now, "the scheduler must move on");
            now = plan.next_change;
        }
        shown
    }

    #[test]
    fn a_new_notice_shows_at_the_next_page_change_then_joins_the_rotation() {
        let pl = playlist();
        let t0: Timestamp = "2026-12-07T02:00:00Z".parse().expect("time");
        for priority in [Priority::Urgent, Priority::Emergency] {
            let nine: Vec<Announcement> = (0..9)
                .map(|k| notice(k, priority, t0 + SignedDuration::from_secs(k as i64)))
                .collect();
            // Nine rotate for a while; then the tenth is accepted at 40 moments spread over a
            // whole turn of the nine (18 s), off the page changes.
            let mut warm = Scheduler::new();
            let start = t0 + SignedDuration::from_secs(10);
            run(&mut warm, &pl, &nine, start, start + SignedDuration::from_secs(60));
            for trial in 0..40 {
                let mut s = warm.clone();
                let offset = SignedDuration::from_millis(450 * trial + 130);
                let before = start + SignedDuration::from_secs(60);
                let accepted = before + offset;
                run(&mut s, &pl, &nine, before, accepted);
                let mut ten = nine.clone();
                ten.push(notice(9, priority, accepted));
                let shown = run(&mut s, &pl, &ten, accepted, accepted + SignedDuration::from_secs(60));
                let first = shown.iter().position(|(_, id)| id == "n9").expect("n9 shows");
                let waited = shown[first].0.duration_since(accepted);
                assert!(
                    waited <= SignedDuration::from_secs(1),
                    "{priority:?}, trial {trial}: the new notice waited {waited:?} ({shown:?})"
                );
                // Then the rotation goes on: the next ten turns show each of the ten once.
                let mut next: Vec<&str> = shown[first + 1..first + 11].iter().map(|(_, id)| id.as_str()).collect();
                next.sort_unstable();
                let all: Vec<String> = (0..10).map(|k| format!("n{k}")).collect();
                assert_eq!(next, all, "{priority:?}, trial {trial}: {shown:?}");
            }
        }
    }

    #[test]
    fn a_takeover_starts_with_the_newest_and_each_shows_in_turn() {
        // Nothing is cut when all are new: each notice shows whole, newest first.
        let pl = playlist();
        let t0: Timestamp = "2026-12-07T02:00:00Z".parse().expect("time");
        let three: Vec<Announcement> = (0..3)
            .map(|k| notice(k, Priority::Urgent, t0 + SignedDuration::from_secs(k as i64)))
            .collect();
        let mut s = Scheduler::new();
        let start = t0 + SignedDuration::from_secs(5);
        let shown = run(&mut s, &pl, &three, start, start + SignedDuration::from_secs(12));
        let ids: Vec<&str> = shown.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(ids, ["n2", "n1", "n0", "n2", "n1", "n0"]);
        let gaps: Vec<i64> = shown
            .windows(2)
            .map(|w| w[1].0.duration_since(w[0].0).as_secs())
            .collect();
        assert_eq!(gaps, [2, 2, 2, 2, 2], "every notice shows its two pages");
    }
}
