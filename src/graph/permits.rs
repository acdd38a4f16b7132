//! The concurrent-request permits of one mailbox (Graph allows 4 per app and
//! mailbox, whoever sends them), handed out fairly. Every caller waits in
//! its own lane (one per session's mailbox handle, one for the poller);
//! lanes take turns, one grant each, so a session that queued a hundred
//! downloads cannot starve another session's FETCH. A request may need
//! several permits: Graph runs up to four members of an unordered `$batch`
//! at once, so a batch holds as many permits as members it may run.
//! Whoever is next waits until enough permits are free; nobody overtakes,
//! so a batch is never starved by single requests.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::oneshot;

/// One mailbox's permits.
pub(crate) struct FairPermits {
    /// Graph's limit; this instance's share of it is `State::limit`.
    capacity: u32,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Permits this instance may hold at once (all of `capacity`, or its
    /// share when other instances use the mailbox too).
    limit: u32,
    used: u32,
    /// Lanes with someone waiting, in turn order (each at most once).
    turn: VecDeque<u64>,
    waiting: HashMap<u64, VecDeque<Waiter>>,
}

struct Waiter {
    weight: u32,
    tx: oneshot::Sender<Held>,
}

/// Permits held; given back when dropped.
pub(crate) struct Held {
    owner: Arc<FairPermits>,
    weight: u32,
}

/// The permits were dropped while a request waited (never while the
/// client lives).
#[derive(Debug)]
pub(crate) struct Closed;

type Grants = Vec<(oneshot::Sender<Held>, Held)>;

impl FairPermits {
    pub fn new(capacity: usize) -> Arc<FairPermits> {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX).max(1);
        Arc::new(FairPermits {
            capacity,
            state: Mutex::new(State {
                limit: capacity,
                ..State::default()
            }),
        })
    }

    /// Hold at most `share` of the permits at once (other instances use
    /// the mailbox too): at least one, at most all. Requests running keep
    /// theirs; new ones wait until the count is below the new limit.
    pub fn set_share(self: &Arc<Self>, share: f64) {
        let limit = (f64::from(self.capacity) * share.clamp(0.0, 1.0)).floor() as u32;
        let grants = {
            let mut s = self.state.lock();
            s.limit = limit.clamp(1, self.capacity);
            self.grants(&mut s)
        };
        deliver(grants);
    }

    /// (permits held now, permits this instance may hold).
    pub fn in_use(&self) -> (u32, u32) {
        let s = self.state.lock();
        (s.used, s.limit)
    }

    /// `weight` permits (at most all of them) for a request in `lane`,
    /// when its turn comes.
    pub async fn acquire(self: &Arc<Self>, lane: u64, weight: u32) -> Result<Held, Closed> {
        let (rx, grants) = {
            let mut s = self.state.lock();
            let weight = weight.clamp(1, s.limit);
            if s.turn.is_empty() && s.used + weight <= s.limit {
                s.used += weight;
                return Ok(Held {
                    owner: self.clone(),
                    weight,
                });
            }
            let (tx, rx) = oneshot::channel();
            let queue = s.waiting.entry(lane).or_default();
            let new_lane = queue.is_empty();
            queue.push_back(Waiter { weight, tx });
            if new_lane {
                s.turn.push_back(lane);
            }
            // Waiters that gave up may be holding the head of the line.
            (rx, self.grants(&mut s))
        };
        deliver(grants);
        rx.await.map_err(|_| Closed)
    }

    /// Take the grants that are due now, in turn order.
    fn grants(self: &Arc<Self>, s: &mut State) -> Grants {
        let State {
            limit,
            used,
            turn,
            waiting,
        } = s;
        let mut out = Vec::new();
        while let Some(&lane) = turn.front() {
            let Some(queue) = waiting.get_mut(&lane) else {
                turn.pop_front();
                continue;
            };
            while queue.front().is_some_and(|w| w.tx.is_closed()) {
                queue.pop_front();
            }
            let weight = match queue.front() {
                None => {
                    waiting.remove(&lane);
                    turn.pop_front();
                    continue;
                }
                // A waiter's weight fits the limit it asked under; the
                // limit may have shrunk since.
                Some(w) if *used + w.weight.min(*limit) > *limit => break,
                Some(w) => w.weight.min(*limit),
            };
            turn.pop_front();
            if let Some(w) = queue.pop_front() {
                *used += weight;
                out.push((
                    w.tx,
                    Held {
                        owner: self.clone(),
                        weight,
                    },
                ));
            }
            if queue.is_empty() {
                waiting.remove(&lane);
            } else {
                turn.push_back(lane);
            }
        }
        out
    }
}

/// Hand out grants outside the lock: a waiter that gave up meanwhile gives
/// its permits straight back (which may grant the next).
fn deliver(grants: Grants) {
    for (tx, held) in grants {
        if let Err(held) = tx.send(held) {
            drop(held);
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let grants = {
            let mut s = self.owner.state.lock();
            s.used -= self.weight;
            self.owner.grants(&mut s)
        };
        deliver(grants);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn never_more_than_the_capacity_and_a_batch_holds_several() {
        let p = FairPermits::new(4);
        let batch = p.acquire(1, 9).await.unwrap();
        assert_eq!(batch.weight, 4, "a batch takes at most all four");
        assert_eq!(p.in_use().0, 4);
        let waiting = tokio::spawn({
            let p = p.clone();
            async move { p.acquire(2, 1).await.map(|h| h.weight) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "nothing left while the batch runs");
        drop(batch);
        assert_eq!(waiting.await.unwrap().unwrap(), 1);
        assert_eq!(p.in_use().0, 0);
    }

    #[tokio::test]
    async fn a_share_of_the_permits_holds_and_grows_back() {
        let p = FairPermits::new(4);
        let running: Vec<Held> = vec![
            p.acquire(1, 1).await.unwrap(),
            p.acquire(1, 1).await.unwrap(),
        ];
        // Three instances use the mailbox: this one may hold one.
        p.set_share(1.0 / 3.0);
        let waiting = tokio::spawn({
            let p = p.clone();
            async move { p.acquire(2, 4).await.map(|h| h.weight) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "two running, over the share of one");
        drop(running);
        assert_eq!(waiting.await.unwrap().unwrap(), 1, "a batch gets the share");
        // Alone again: all four.
        p.set_share(1.0);
        let batch = p.acquire(3, 4).await.unwrap();
        assert_eq!(batch.weight, 4);
        // Never less than one, however many share.
        drop(batch);
        p.set_share(0.01);
        assert_eq!(p.acquire(4, 2).await.unwrap().weight, 1);
    }

    #[tokio::test]
    async fn lanes_take_turns() {
        let p = FairPermits::new(1);
        let first = p.acquire(0, 1).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Lane 1 queues five requests before lane 2 queues one.
        for (lane, n) in [(1u64, 5), (2, 1)] {
            for i in 0..n {
                let (p, order) = (p.clone(), order.clone());
                tasks.push(tokio::spawn(async move {
                    let held = p.acquire(lane, 1).await.unwrap();
                    order.lock().push((lane, i));
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    drop(held);
                }));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().clone();
        assert_eq!(order[0], (1, 0));
        assert_eq!(order[1], (2, 0), "lane 2 is served second: {order:?}");
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_block_the_line() {
        let p = FairPermits::new(2);
        let a = p.acquire(0, 2).await.unwrap();
        let gave_up = tokio::time::timeout(Duration::from_millis(10), p.acquire(1, 2)).await;
        assert!(gave_up.is_err());
        drop(a);
        let b = tokio::time::timeout(Duration::from_millis(100), p.acquire(2, 2))
            .await
            .expect("served")
            .unwrap();
        assert_eq!(b.weight, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_contention_the_capacity_holds() {
        let p = FairPermits::new(4);
        let in_flight = Arc::new(AtomicU32::new(0));
        let most = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..200u64)
            .map(|i| {
                let (p, in_flight, most) = (p.clone(), in_flight.clone(), most.clone());
                tokio::spawn(async move {
                    let weight = if i % 7 == 0 { 3 } else { 1 };
                    let held = p.acquire(i % 5, weight).await.unwrap();
                    let now = in_flight.fetch_add(weight, Ordering::SeqCst) + weight;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    in_flight.fetch_sub(weight, Ordering::SeqCst);
                    drop(held);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 4);
        assert_eq!(p.in_use().0, 0);
    }
}
