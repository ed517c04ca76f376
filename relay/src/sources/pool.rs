//! A small pool of read-only sessions per network source. sqlx's own pool would keep the
//! password in its connect options for the pool's lifetime; this one asks the vault each time
//! it opens a session, so the password exists in clear only while connecting.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::network::Session;

/// An idle session is closed after this long unused.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// A session idle longer than this is pinged before reuse, in case the server closed it.
pub const PING_AFTER: Duration = Duration::from_secs(10);

pub struct SessionPool {
    idle: Mutex<Vec<(Session, Instant)>>,
    permits: Arc<Semaphore>,
}

impl SessionPool {
    /// A pool of at most `max_sessions` sessions, with a task that closes idle ones.
    pub fn new(max_sessions: usize) -> Arc<SessionPool> {
        let pool =
            Arc::new(SessionPool { idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(max_sessions)) });
        let weak = Arc::downgrade(&pool);
        tokio::spawn(close_idle_sessions(weak));
        pool
    }

    /// Waits for a free slot; the slot is held until the lease is dropped.
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.ok()
    }

    /// The most recently used idle session, with how long it was idle.
    pub fn take_idle(&self) -> Option<(Session, Duration)> {
        let mut idle = self.idle.lock().ok()?;
        idle.retain(|(_, since)| since.elapsed() < IDLE_TIMEOUT);
        idle.pop().map(|(session, since)| (session, since.elapsed()))
    }

    fn close_expired(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(_, since)| since.elapsed() < IDLE_TIMEOUT);
        }
    }

    fn put_back(&self, session: Session) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push((session, Instant::now()));
        }
    }

    /// Closes every idle session (after the source's settings changed or it was removed).
    pub fn clear(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

async fn close_idle_sessions(pool: Weak<SessionPool>) {
    let mut tick = tokio::time::interval(IDLE_TIMEOUT / 5);
    loop {
        tick.tick().await;
        let Some(pool) = pool.upgrade() else { return };
        pool.close_expired();
    }
}

/// A session lent to one query. Dropping it closes the session; only `release`, called after
/// a clean rollback, returns it to the pool.
pub struct Lease {
    session: Session,
    pool: Arc<SessionPool>,
    _slot: OwnedSemaphorePermit,
}

impl Lease {
    pub fn new(session: Session, pool: Arc<SessionPool>, slot: OwnedSemaphorePermit) -> Lease {
        Lease { session, pool, _slot: slot }
    }

    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    pub fn release(self) {
        let Lease { session, pool, _slot } = self;
        pool.put_back(session);
    }
}
