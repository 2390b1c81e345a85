//! Value vocabularies: crmsim's typed values ⇄ a dialect's wire words.

use super::fields::Vocab;

/// The wire words of one vocabulary, per typed value (by its index in the type's `ALL`): the
/// first word is written, every word is read.
#[derive(Debug)]
pub(crate) struct VocabTable {
    pub(crate) words: Vec<Vec<String>>,
}

impl VocabTable {
    /// crmsim's own words, the default of every vocabulary a dialect does not list.
    pub(crate) fn identity(vocab: Vocab) -> VocabTable {
        VocabTable {
            words: vocab
                .values()
                .iter()
                .map(|v| vec![(*v).to_owned()])
                .collect(),
        }
    }

    /// The word written for value `index`.
    pub(crate) fn word(&self, index: usize) -> &str {
        self.words
            .get(index)
            .and_then(|w| w.first())
            .map_or("", String::as_str)
    }

    /// The value a received word stands for.
    pub(crate) fn lookup(&self, word: &str) -> Option<usize> {
        self.words
            .iter()
            .position(|ws| ws.iter().any(|w| w == word))
    }

    /// Every word, for error messages and schema enumerations.
    pub(crate) fn all_words(&self) -> Vec<&str> {
        self.words.iter().flatten().map(String::as_str).collect()
    }

    pub(crate) fn expected(&self) -> String {
        format!("one of {}", self.all_words().join(", "))
    }
}
