//! SEARCHRES (RFC 5182): the result a `SEARCH RETURN (SAVE)` keeps for the
//! session, and `$`, which names it. The result is kept as UIDs in the
//! selected folder's state (`Selected::saved`), so it is reset when the
//! session leaves or changes folder, an expunged message drops out of it
//! without bookkeeping, and `$` in a command that takes message numbers
//! means the same messages by their current numbers.

use imap_types::core::Vec1;
use imap_types::search::SearchKey;
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use super::objectid::SearchId;
use super::ranges::Ranges;
use super::search_return::MARKER;
use super::state::Selected;
use super::view::BadSequence;

/// The messages a FETCH, STORE, COPY, MOVE or UID EXPUNGE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A sequence set the client wrote.
    Set(SequenceSet),
    /// `$`: the saved search result.
    Saved,
}

impl Target {
    /// `set` as decoded; `dollar` says the command's `$` became `MARKER`.
    pub(super) fn new(set: SequenceSet, dollar: bool) -> Target {
        if dollar && is_marker(&set) {
            Target::Saved
        } else {
            Target::Set(set)
        }
    }
}

/// The criteria of a SEARCH, SORT or THREAD, with whether a `$` among them
/// became `MARKER`, and the RFC 8474 keys behind placeholder keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Criteria {
    pub keys: Vec1<SearchKey<'static>>,
    pub dollar: bool,
    /// EMAILID and THREADID keys, by the number of their placeholder.
    pub ids: Vec<SearchId>,
}

/// Whether `set` is the placeholder `search_return` put for `$`.
pub(super) fn is_marker(set: &SequenceSet) -> bool {
    let [Sequence::Range(SeqOrUid::Value(a), SeqOrUid::Value(b))] = set.0.as_ref() else {
        return false;
    };
    format!("{a}:{b}") == MARKER
}

/// The saved UIDs as a sequence set (`None` when there are none).
fn as_set(saved: &Ranges) -> Option<SequenceSet> {
    let ranges: Vec<Sequence> = saved
        .iter()
        .filter_map(|(lo, hi)| {
            let lo = SeqOrUid::try_from(lo).ok()?;
            let hi = SeqOrUid::try_from(hi).ok()?;
            Some(Sequence::Range(lo, hi))
        })
        .collect();
    Vec1::try_from(ranges).ok().map(SequenceSet)
}

impl<F> Selected<F> {
    /// The messages `target` names, as indexes in ascending order (see
    /// `MailboxView::resolve`). `$` names the saved messages still here,
    /// by UID whatever `uid` says; an empty result names none.
    pub(super) fn resolve(&self, target: &Target, uid: bool) -> Result<Vec<usize>, BadSequence> {
        match target {
            Target::Set(set) => self.view.resolve(set, uid),
            Target::Saved => match as_set(&self.saved) {
                Some(set) => self.view.resolve(&set, true),
                None => Ok(Vec::new()),
            },
        }
    }

    /// Keep `uids` (any order) as the result `$` names.
    pub(super) fn save(&mut self, uids: impl IntoIterator<Item = u32>) {
        self.saved = Ranges::new(uids.into_iter().map(|u| (u, u)));
    }

    /// The criteria with each `$` replaced by the saved UIDs (`NOT ALL`
    /// when none are saved), ready for `search_eval::compile`.
    pub(super) fn criteria_keys(&self, criteria: &Criteria) -> Vec1<SearchKey<'static>> {
        if !criteria.dollar {
            return criteria.keys.clone();
        }
        let saved = match as_set(&self.saved) {
            Some(set) => SearchKey::Uid(set),
            None => SearchKey::Not(Box::new(SearchKey::All)),
        };
        let keys: Vec<SearchKey<'static>> = criteria
            .keys
            .as_ref()
            .iter()
            .map(|k| substitute(k, &saved))
            .collect();
        Vec1::try_from(keys).unwrap_or_else(|_| criteria.keys.clone())
    }
}

/// `key` with every `$` placeholder (as a set or after UID) replaced by `saved`.
fn substitute(key: &SearchKey<'static>, saved: &SearchKey<'static>) -> SearchKey<'static> {
    match key {
        SearchKey::SequenceSet(set) | SearchKey::Uid(set) if is_marker(set) => saved.clone(),
        SearchKey::And(keys) => {
            let all: Vec<SearchKey<'static>> =
                keys.as_ref().iter().map(|k| substitute(k, saved)).collect();
            Vec1::try_from(all).map_or_else(|_| key.clone(), SearchKey::And)
        }
        SearchKey::Or(a, b) => SearchKey::Or(
            Box::new(substitute(a, saved)),
            Box::new(substitute(b, saved)),
        ),
        SearchKey::Not(k) => SearchKey::Not(Box::new(substitute(k, saved))),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> SequenceSet {
        SequenceSet::try_from(text).unwrap()
    }

    #[test]
    fn the_marker_is_told_apart_only_when_a_dollar_was_written() {
        assert!(is_marker(&set(MARKER)));
        assert_eq!(Target::new(set(MARKER), true), Target::Saved);
        assert_eq!(Target::new(set(MARKER), false), Target::Set(set(MARKER)));
        assert!(!is_marker(&set("4294967294:4294967295")));
        assert!(!is_marker(&set("1:*")));
        assert_eq!(Target::new(set("1:3"), true), Target::Set(set("1:3")));
    }

    #[test]
    fn saved_uids_become_one_range_per_run() {
        let r = Ranges::new([(5, 5), (1, 1), (2, 2), (9, 9)]);
        assert_eq!(as_set(&r), Some(set("1:2,5:5,9:9")));
        assert_eq!(as_set(&Ranges::default()), None);
    }

    #[test]
    fn dollar_is_replaced_inside_or_and_not() {
        let saved = SearchKey::Uid(set("3:4"));
        let key = SearchKey::Or(
            Box::new(SearchKey::SequenceSet(set(MARKER))),
            Box::new(SearchKey::Not(Box::new(SearchKey::Uid(set(MARKER))))),
        );
        let want = SearchKey::Or(
            Box::new(saved.clone()),
            Box::new(SearchKey::Not(Box::new(saved.clone()))),
        );
        assert_eq!(substitute(&key, &saved), want);
        assert_eq!(
            substitute(&SearchKey::SequenceSet(set("1")), &saved),
            SearchKey::SequenceSet(set("1"))
        );
    }
}
