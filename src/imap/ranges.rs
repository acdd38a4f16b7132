//! A sequence set as sorted, disjoint, inclusive ranges. A client may write
//! as many ranges as a command line holds, repeated or overlapping
//! (`1:*,1:*,...`, `1,3,5,...`); normalised once per command in
//! O(k log k), the set is then resolved against a folder in one pass and a
//! single number is tested by binary search, so no command costs
//! (ranges × messages).

/// Sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Ranges(Vec<(u32, u32)>);

impl Ranges {
    /// From ranges in any order, each given either way round.
    pub(super) fn new(pairs: impl IntoIterator<Item = (u32, u32)>) -> Ranges {
        let mut pairs: Vec<(u32, u32)> = pairs
            .into_iter()
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        pairs.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(pairs.len().min(1024));
        for (lo, hi) in pairs {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        merged.shrink_to_fit();
        Ranges(merged)
    }

    /// Whether `n` is in one of the ranges.
    pub(super) fn contains(&self, n: u32) -> bool {
        let i = self.0.partition_point(|&(_, hi)| hi < n);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= n)
    }

    /// The ranges, ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.0.iter().copied()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_sorted_merged_and_searched() {
        let r = Ranges::new([(9, 7), (1, 1), (2, 3), (5, 5), (6, 6), (20, 30), (25, 26)]);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(1, 3), (5, 9), (20, 30)]);
        for (n, want) in [
            (0, false),
            (1, true),
            (4, false),
            (7, true),
            (19, false),
            (30, true),
            (31, false),
        ] {
            assert_eq!(r.contains(n), want, "{n}");
        }
        assert!(!Ranges::new([]).contains(1));
        let edge = Ranges::new([(u32::MAX, u32::MAX), (1, u32::MAX - 1)]);
        assert_eq!(edge.len(), 1);
        assert!(edge.contains(u32::MAX));
    }

    #[test]
    fn a_repeated_range_costs_one_range() {
        let r = Ranges::new(std::iter::repeat_n((1, 100_000), 10_000));
        assert_eq!(r.len(), 1);
    }
}
