//! The EMAILID and THREADID search keys (RFC 8474 §6) of SEARCH, SORT and
//! THREAD: `objectid` left a
//! placeholder keyword where each key stood; here each is replaced by the
//! UIDs of the messages of the view that carry the id, before the criteria
//! are compiled, so NOT, OR and parentheses around the key keep their
//! meaning and the search itself needs nothing new.

use imap_types::core::{Atom, Vec1};
use imap_types::search::SearchKey;
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use super::backend::OpenFolder;
use super::objectid::{PLACEHOLDER, message_id_text};
use super::searchres::Criteria;
use super::state::Selected;
use crate::mailbox::MailError;

/// `criteria` with every placeholder replaced; unchanged without any.
pub(super) async fn resolve<F: OpenFolder>(
    selected: &Selected<F>,
    criteria: Criteria,
) -> Result<Criteria, MailError> {
    if criteria.ids.is_empty() {
        return Ok(criteria);
    }
    let uids: Vec<u32> = selected.view.iter().map(|e| e.uid).collect();
    let ids = selected.folder.message_ids(&uids).await?;
    let matches: Vec<Vec<u32>> = criteria
        .ids
        .iter()
        .map(|key| {
            ids.iter()
                .filter(|(_, ids)| message_id_text(ids, key.thread).as_deref() == Some(&key.id))
                .map(|(uid, _)| *uid)
                .collect()
        })
        .collect();
    let keys: Vec<SearchKey<'static>> = criteria
        .keys
        .into_inner()
        .into_iter()
        .map(|key| replace(key, &matches))
        .collect();
    Ok(Criteria {
        keys: Vec1::try_from(keys).unwrap_or_else(|_| Vec1::from(SearchKey::All)),
        dollar: criteria.dollar,
        ids: Vec::new(),
    })
}

/// The key with its placeholders replaced by `UID` sets.
fn replace(key: SearchKey<'static>, matches: &[Vec<u32>]) -> SearchKey<'static> {
    match key {
        SearchKey::Keyword(atom) => match placeholder(&atom) {
            Some(i) => uid_key(matches.get(i).map(Vec::as_slice).unwrap_or_default()),
            None => SearchKey::Keyword(atom),
        },
        SearchKey::Not(inner) => SearchKey::Not(Box::new(replace(*inner, matches))),
        SearchKey::Or(a, b) => SearchKey::Or(
            Box::new(replace(*a, matches)),
            Box::new(replace(*b, matches)),
        ),
        SearchKey::And(keys) => {
            let keys: Vec<SearchKey<'static>> = keys
                .into_inner()
                .into_iter()
                .map(|k| replace(k, matches))
                .collect();
            match Vec1::try_from(keys) {
                Ok(keys) => SearchKey::And(keys),
                Err(_) => SearchKey::All,
            }
        }
        other => other,
    }
}

/// The number of a placeholder keyword.
fn placeholder(atom: &Atom<'_>) -> Option<usize> {
    let text = atom.inner();
    let prefix = text.get(..PLACEHOLDER.len())?;
    if !prefix.eq_ignore_ascii_case(PLACEHOLDER) {
        return None;
    }
    text[PLACEHOLDER.len()..].parse().ok()
}

/// A key matching exactly the messages with these UIDs (none: nothing).
fn uid_key(uids: &[u32]) -> SearchKey<'static> {
    let sequences: Vec<Sequence> = uids
        .iter()
        .filter_map(|&uid| uid.try_into().ok())
        .map(|uid| Sequence::Single(SeqOrUid::Value(uid)))
        .collect();
    match Vec1::try_from(sequences) {
        Ok(sequences) => SearchKey::Uid(SequenceSet(sequences)),
        Err(_) => SearchKey::Not(Box::new(SearchKey::All)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyword(s: &str) -> SearchKey<'static> {
        SearchKey::Keyword(Atom::try_from(s.to_string()).unwrap())
    }

    #[test]
    fn placeholders_become_uid_sets_wherever_they_stand() {
        let matches = vec![vec![3, 7], vec![]];
        let key = SearchKey::Or(
            Box::new(keyword("$graphgate-objectid-0")),
            Box::new(SearchKey::Not(Box::new(keyword("$graphgate-objectid-1")))),
        );
        let want = SearchKey::Or(
            Box::new(SearchKey::Uid(SequenceSet::try_from("3,7").unwrap())),
            Box::new(SearchKey::Not(Box::new(SearchKey::Not(Box::new(
                SearchKey::All,
            ))))),
        );
        assert_eq!(replace(key, &matches), want);
        // Other keywords are left alone.
        assert_eq!(replace(keyword("$Junk"), &matches), keyword("$Junk"));
        assert_eq!(
            placeholder(&Atom::try_from("$graphgate-objectid-12").unwrap()),
            Some(12)
        );
    }
}
