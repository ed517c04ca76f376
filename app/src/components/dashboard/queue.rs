//! At most a few dashboard tiles query at once. A dashboard of twenty charts would otherwise
//! open twenty streams together: the relay's sessions for a source (four) would queue them
//! anyway, while the browser held every connection open. Tiles wait here instead, in the
//! order they asked, and a tile that goes away while waiting gives up its turn.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::oneshot;

/// As many as the relay's sessions per source.
pub const MAX_RUNNING_TILES: usize = 4;

#[derive(Clone)]
pub struct TileQueue(Rc<RefCell<Turns>>);

struct Turns {
    limit: usize,
    running: usize,
    waiting: VecDeque<oneshot::Sender<Turn>>,
}

/// The right to run; passed to the next waiting tile when dropped.
pub struct Turn(Option<TileQueue>);

impl Default for TileQueue {
    fn default() -> Self {
        TileQueue::with_limit(MAX_RUNNING_TILES)
    }
}

impl TileQueue {
    pub fn with_limit(limit: usize) -> Self {
        TileQueue(Rc::new(RefCell::new(Turns { limit: limit.max(1), running: 0, waiting: VecDeque::new() })))
    }

    /// Waits for a turn to run.
    pub async fn turn(&self) -> Turn {
        let waiting = {
            let mut turns = self.0.borrow_mut();
            if turns.running < turns.limit {
                turns.running += 1;
                None
            } else {
                let (give, take) = oneshot::channel();
                turns.waiting.push_back(give);
                Some(take)
            }
        };
        match waiting {
            None => Turn(Some(self.clone())),
            // The queue outlives its senders, so the channel is never cancelled; if it were,
            // running anyway is the safe side.
            Some(take) => take.await.unwrap_or(Turn(None)),
        }
    }

    /// How many tiles hold a turn now.
    #[cfg(test)]
    fn running(&self) -> usize {
        self.0.borrow().running
    }

    fn hand_on(&self) {
        loop {
            let next = self.0.borrow_mut().waiting.pop_front();
            let Some(give) = next else {
                self.0.borrow_mut().running -= 1;
                return;
            };
            match give.send(Turn(Some(self.clone()))) {
                Ok(()) => return,
                // That tile went away while waiting: the turn goes to the next one, and is
                // emptied first so that dropping it hands nothing on.
                Err(mut unwanted) => drop(unwanted.0.take()),
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(queue) = self.0.take() {
            queue.hand_on();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    #[test]
    fn no_more_than_the_limit_run_and_every_tile_gets_its_turn() {
        let mut pool = LocalPool::new();
        let queue = TileQueue::with_limit(2);
        let most = Rc::new(RefCell::new(0));
        let finished = Rc::new(RefCell::new(Vec::new()));
        let mut releases = Vec::new();
        for tile in 0..6 {
            let (release, released) = oneshot::channel::<()>();
            releases.push(release);
            let (queue, most, finished) = (queue.clone(), most.clone(), finished.clone());
            pool.spawner()
                .spawn_local(async move {
                    let _turn = queue.turn().await;
                    let now = queue.running();
                    most.replace_with(|m| (*m).max(now));
                    let _ = released.await;
                    finished.borrow_mut().push(tile);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(queue.running(), 2);
        for release in releases {
            let _ = release.send(());
            pool.run_until_stalled();
        }
        assert_eq!(*most.borrow(), 2, "never more than the limit at once");
        assert_eq!(*finished.borrow(), vec![0, 1, 2, 3, 4, 5], "in the order they asked");
        assert_eq!(queue.running(), 0);
    }

    #[test]
    fn a_tile_that_goes_away_while_waiting_gives_up_its_turn() {
        let mut pool = LocalPool::new();
        let queue = TileQueue::with_limit(1);
        let first = pool.run_until(queue.turn());
        let waiter = queue.clone();
        let abandoned = pool.spawner().spawn_local_with_handle(async move { drop(waiter.turn().await) }).unwrap();
        pool.run_until_stalled();
        // Its view closes before its turn comes.
        drop(abandoned);
        pool.run_until_stalled();
        let later = queue.clone();
        let waiting = pool.spawner().spawn_local_with_handle(async move { later.turn().await.0.is_some() }).unwrap();
        pool.run_until_stalled();
        assert_eq!(queue.running(), 1);
        drop(first);
        assert!(pool.run_until(waiting), "the next live tile gets the turn");
        assert_eq!(queue.running(), 0, "and nothing is left held");
    }
}
