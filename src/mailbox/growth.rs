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

/// `work(4n)` time over `work(n)` time: the lowest of up to three
/// measurements, taken again only while the figure is above the bound (a
/// burst of load on a shared machine inflates one; quadratic work stays
/// near 16 in all of them).
pub(crate) fn growth(n: usize, mut work: impl FnMut(usize)) -> f64 {
    // Once unmeasured, so caches and the allocator are warm for both.
    work(n);
    let mut lowest = f64::INFINITY;
    for _ in 0..3 {
        let small = best(n, &mut work);
        let large = best(4 * n, &mut work);
        lowest = lowest.min(large.as_secs_f64() / small.as_secs_f64().max(1e-9));
        if lowest < NOT_QUADRATIC {
            break;
        }
    }
    lowest
}

/// The bound tests hold growth to: above n log n's ~4.5 with room for a
/// loaded machine (10-11x was seen for linear work at load 14 on 2 cores),
/// below quadratic's 16.
pub(crate) const NOT_QUADRATIC: f64 = 12.0;
