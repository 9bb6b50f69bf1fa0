//! Quoting what a user gave (a file name, a manifest's text) in a one-line message: whatever
//! its size, at most [`MAX_QUOTED`] characters on one line, so a 50 MB name prints a line.

use std::path::Path;

/// Characters of one quoted input.
pub const MAX_QUOTED: usize = 200;

/// `text` on one line (runs of whitespace folded to a space), cut to [`MAX_QUOTED`]
/// characters with an ellipsis.
pub fn one_line(text: &str) -> String {
    clip(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        MAX_QUOTED,
    )
}

/// A message about a file, which may quote what the file holds (a parser's message names
/// the text it choked on): one line, at most four quotes long.
pub fn message(text: &str) -> String {
    clip(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        4 * MAX_QUOTED,
    )
}

/// A path for a message, cut to [`MAX_QUOTED`] characters.
pub fn path(path: &Path) -> String {
    clip(&path.display().to_string(), MAX_QUOTED)
}

/// `text` cut to `max` characters, marked with an ellipsis where it was cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inputs_are_quoted_in_part() {
        let long = "é".repeat(50_000_000 / 2);
        let quoted = path(Path::new(&long));
        assert_eq!(quoted.chars().count(), MAX_QUOTED + 1);
        assert!(quoted.ends_with('…'));
        assert_eq!(one_line("a\n  b\tc"), "a b c");
        assert_eq!(clip("short", 200), "short");
    }
}
