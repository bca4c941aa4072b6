//! Id tables: each distinct id string stored once and numbered in order of
//! first appearance, so rows carry `u32`s and grouping never re-hashes strings.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Distinct strings in order of first appearance, with a hash index.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: Vec<String>,
    /// (hash, index into `ids`): the strings are not stored twice, and the
    /// kept hash makes growing the table cheap (no string is re-read).
    table: HashTable<(u64, u32)>,
    /// The id returned last: exports are usually grouped by customer or
    /// invoice, so most lookups are a repeat and skip hashing.
    last: u32,
}

/// Ids are short and not attacker-chosen keys of a long-lived service, so a
/// fast non-keyed hash is enough (the map lives for one read).
fn hash(s: &str) -> u64 {
    FxBuildHasher.hash_one(s)
}

impl Interner {
    /// An interner that already holds `ids` (assumed distinct) under their
    /// current numbers.
    pub(crate) fn from_ids(ids: Vec<String>) -> Self {
        let mut table = HashTable::with_capacity(ids.len());
        for (i, s) in ids.iter().enumerate() {
            table.insert_unique(hash(s), (hash(s), i as u32), |e| e.0);
        }
        Interner {
            ids,
            table,
            last: 0,
        }
    }

    /// The number of `s`, adding it when new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        self.intern_with(s, str::to_string)
    }

    /// [`Interner::intern`] of a string already owned (kept when new).
    pub(crate) fn intern_owned(&mut self, s: String) -> u32 {
        self.intern_with(s, |s| s)
    }

    fn intern_with<S: AsRef<str>>(&mut self, s: S, own: impl FnOnce(S) -> String) -> u32 {
        let key = s.as_ref();
        if self.ids.get(self.last as usize).is_some_and(|l| l == key) {
            return self.last;
        }
        let h = hash(key);
        let ids = &self.ids;
        let next = ids.len() as u32;
        let i = match self
            .table
            .entry(h, |&(eh, i)| eh == h && ids[i as usize] == key, |e| e.0)
        {
            hashbrown::hash_table::Entry::Occupied(e) => e.get().1,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert((h, next));
                self.ids.push(own(s));
                next
            }
        };
        self.last = i;
        i
    }

    /// The ids, in order of first appearance.
    pub(crate) fn into_ids(self) -> Vec<String> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_order_of_first_appearance() {
        let mut t = Interner::default();
        let got: Vec<u32> = ["b", "a", "b", "b", "c", "a", ""]
            .iter()
            .map(|s| t.intern(s))
            .collect();
        assert_eq!(got, vec![0, 1, 0, 0, 2, 1, 3]);
        assert_eq!(t.into_ids(), vec!["b", "a", "c", ""]);
        let mut again = Interner::from_ids(vec!["x".into(), "y".into()]);
        assert_eq!((again.intern("y"), again.intern("z")), (1, 2));
        assert_eq!(
            (
                again.intern_owned("x".into()),
                again.intern_owned("w".into())
            ),
            (0, 3)
        );
        assert_eq!(again.into_ids(), ["x", "y", "z", "w"]);
    }
}
