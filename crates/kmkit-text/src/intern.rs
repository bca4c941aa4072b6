//! String interning for counting (terms stored once in one buffer, numbered
//! in order of first sight, so counting allocates per buffer growth, not per
//! term) and a column index over a fitted vocabulary.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Distinct strings numbered `0..len()` in insertion order.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    text: String,
    /// (start, end) byte range in `text` of each id.
    spans: Vec<(usize, usize)>,
    table: HashTable<u32>,
}

impl Interner {
    /// The id of `term`, added if new.
    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(term);
        let Interner { text, spans, table } = self;
        let get = |id: u32| -> &str {
            let (s, e) = spans[id as usize];
            &text[s..e]
        };
        if let Some(&id) = table.find(hash, |&id| get(id) == term) {
            return id;
        }
        let id = spans.len() as u32;
        table.insert_unique(hash, id, |&other| {
            let (s, e) = spans[other as usize];
            FxBuildHasher.hash_one(&text[s..e])
        });
        text.push_str(term);
        spans.push((text.len() - term.len(), text.len()));
        id
    }

    /// The string of `id`.
    pub(crate) fn get(&self, id: u32) -> &str {
        let (s, e) = self.spans[id as usize];
        &self.text[s..e]
    }

    /// Number of distinct strings.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }
}

/// Column lookup over a vocabulary kept elsewhere: the table stores column
/// numbers only, so the terms are not held twice.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermIndex {
    table: HashTable<u32>,
}

impl TermIndex {
    /// An index of `terms` (assumed distinct).
    pub(crate) fn new(terms: &[String]) -> Self {
        let mut table = HashTable::with_capacity(terms.len());
        for (j, t) in terms.iter().enumerate() {
            table.insert_unique(FxBuildHasher.hash_one(t.as_str()), j as u32, |&k| {
                FxBuildHasher.hash_one(terms[k as usize].as_str())
            });
        }
        TermIndex { table }
    }

    /// The column of `term` in `terms` (the list the index was built from).
    pub(crate) fn get(&self, terms: &[String], term: &str) -> Option<u32> {
        self.table
            .find(FxBuildHasher.hash_one(term), |&j| terms[j as usize] == term)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_order_of_first_sight() {
        let mut i = Interner::default();
        let ids: Vec<u32> = ["b", "a", "b", "", "ünï", "a"]
            .iter()
            .map(|t| i.intern(t))
            .collect();
        assert_eq!(ids, [0, 1, 0, 2, 3, 1]);
        assert_eq!((i.len(), i.get(3), i.get(2)), (4, "ünï", ""));
        for n in 0..5000 {
            assert_eq!(i.intern(&format!("t{n}")), 4 + n);
        }
        assert_eq!(i.intern("t4999"), 5003);
    }

    #[test]
    fn term_index_finds_columns() {
        let terms: Vec<String> = (0..3000).map(|n| format!("w{n}")).collect();
        let index = TermIndex::new(&terms);
        assert_eq!(index.get(&terms, "w0"), Some(0));
        assert_eq!(index.get(&terms, "w2999"), Some(2999));
        assert_eq!(index.get(&terms, "w3000"), None);
    }
}
