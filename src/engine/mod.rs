//! Generic discrete-event core: integer simulated time, an event queue ordered by
//! `(time, insertion sequence)`, and the run loop. It knows nothing of chat.

mod queue;
mod time;

pub use queue::EventQueue;
pub use time::{SimTime, Spans};

/// A model driven by the engine: it handles one event at a time and may schedule more.
pub trait Process {
    /// The model's event type; keep it small, it is copied through the queue.
    type Event: Copy;

    /// Handles `event`, which fires at `queue.now()`.
    fn handle(&mut self, event: Self::Event, queue: &mut EventQueue<Self::Event>);

    /// True once the model needs no further events (checked after every event).
    fn finished(&self, now: SimTime) -> bool;

    /// Checked every [`AUDIT_EVERY`] events: false stops the run (a model over its
    /// memory budget). Models without a budget keep the default.
    fn audit(&mut self, _queue: &EventQueue<Self::Event>) -> bool {
        true
    }
}

/// Events between two [`Process::audit`] calls: rare enough to cost nothing per event,
/// often enough that little can grow in between (a few thousand records at most).
pub const AUDIT_EVERY: u64 = 4096;

/// Runs `process` until it reports finished, its audit fails or the queue is empty;
/// returns the events handled.
pub fn run<P: Process>(process: &mut P, queue: &mut EventQueue<P::Event>) -> u64 {
    let mut handled = 0;
    while let Some(event) = queue.pop() {
        process.handle(event, queue);
        handled += 1;
        if process.finished(queue.now()) {
            break;
        }
        if handled % AUDIT_EVERY == 0 && !process.audit(queue) {
            break;
        }
    }
    handled
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Countdown {
        left: u32,
        seen: Vec<(SimTime, u32)>,
    }

    impl Process for Countdown {
        type Event = u32;
        fn handle(&mut self, event: u32, queue: &mut EventQueue<u32>) {
            self.seen.push((queue.now(), event));
            self.left -= 1;
            if self.left > 0 {
                queue.schedule_in(SimTime::from_micros(10), event + 1);
            }
        }
        fn finished(&self, _now: SimTime) -> bool {
            self.left == 0
        }
    }

    #[test]
    fn run_stops_when_process_finishes() {
        let mut queue = EventQueue::new();
        queue.schedule(SimTime::from_micros(5), 0);
        let mut process = Countdown {
            left: 3,
            seen: Vec::new(),
        };
        assert_eq!(run(&mut process, &mut queue), 3);
        let times: Vec<u64> = process.seen.iter().map(|(t, _)| t.as_micros()).collect();
        assert_eq!(times, vec![5, 15, 25]);
    }
}
