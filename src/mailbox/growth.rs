//! For tests that would show quadratic work: how much longer a piece of
//! work takes on four times the input, measured in the same run (never an
//! absolute time). Linear work gives about 4, n log n a little more,
//! quadratic work about 16.

use std::time::{Duration, Instant};

/// The best of several timings of `work(size)`, so that a busy machine
/// (other tests, other builds) inflates the figure as little as possible.
fn best(size: usize, work: &mut impl FnMut(usize)) -> Duration {
    (0..7)
        .map(|_| {
            let started = Instant::now();
            work(size);
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// `work(4n)` time over `work(n)` time.
pub(crate) fn growth(n: usize, mut work: impl FnMut(usize)) -> f64 {
    // Once unmeasured, so caches and the allocator are warm for both.
    work(n);
    let small = best(n, &mut work);
    let large = best(4 * n, &mut work);
    large.as_secs_f64() / small.as_secs_f64().max(1e-9)
}

/// The bound tests hold growth to: above n log n's ~4.5 with room for a
/// loaded machine (10-11x was seen for linear work at load 14 on 2 cores),
/// below quadratic's 16.
pub(crate) const NOT_QUADRATIC: f64 = 12.0;
