//! Whitespace-separated logs (CDNOW): lines split into fields on runs of
//! ASCII whitespace, exactly as `str::lines` + `str::split_ascii_whitespace`
//! would, but in one pass over the bytes with no allocation per line; and
//! large texts cut at line ends so threads can parse the pieces side by side.

/// `s.trim()`, without the Unicode scan when both ends are visible ASCII
/// (nearly every field of an export).
pub(crate) fn trim(s: &str) -> &str {
    let visible = |b: &u8| (b'!'..=b'~').contains(b);
    let b = s.as_bytes();
    if b.first().is_some_and(visible) && b.last().is_some_and(visible) {
        s
    } else {
        s.trim()
    }
}

/// The first line of `text` with a field.
pub(crate) struct FirstRecord<'t> {
    /// Its 1-based line number.
    pub line: u64,
    /// Its fields.
    pub fields: Vec<&'t str>,
    /// The text after it (from the start of the next line).
    pub rest: &'t str,
    /// Lines without fields before it.
    pub empty_before: usize,
}

/// Finds the first line with a field (the header, or the first data row).
pub(crate) fn first_record(text: &str) -> Option<FirstRecord<'_>> {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        offset += line.len();
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if !fields.is_empty() {
            return Some(FirstRecord {
                line: i as u64 + 1,
                fields,
                rest: &text[offset..],
                empty_before: i,
            });
        }
    }
    None
}

/// What [`for_each_line`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineCounts {
    /// Lines, as `str::lines` counts them.
    pub lines: u64,
    /// Lines without any field.
    pub empty: usize,
}

/// Calls `visit(line number, fields)` for every line of `text` that has a
/// field, numbering lines from `first`.
pub(crate) fn for_each_line(
    text: &str,
    first: u64,
    mut visit: impl FnMut(u64, &[&str]),
) -> LineCounts {
    const NONE: usize = usize::MAX;
    let bytes = text.as_bytes();
    let mut fields: Vec<&str> = Vec::with_capacity(8);
    let mut empty = 0;
    let mut line = first;
    // Start of the field being read, NONE between fields. Fields start after
    // an ASCII byte (or at 0) and end at one, so every slice is on a char
    // boundary.
    let mut start = NONE;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            if start != NONE {
                fields.push(&text[start..i]);
                start = NONE;
            }
            if b == b'\n' {
                if fields.is_empty() {
                    empty += 1;
                } else {
                    visit(line, &fields);
                    fields.clear();
                }
                line += 1;
            }
        } else if start == NONE {
            start = i;
        }
    }
    // A last line without '\n' is a line too; the empty tail after a final
    // '\n' is not (as `str::lines`).
    if bytes.last().is_some_and(|&b| b != b'\n') {
        if start != NONE {
            fields.push(&text[start..]);
        }
        if fields.is_empty() {
            empty += 1;
        } else {
            visit(line, &fields);
        }
        line += 1;
    }
    LineCounts {
        lines: line - first,
        empty,
    }
}

/// Cuts `text` into at most `n` pieces of about equal size, each but the
/// last ending just after a '\n', so no line is split.
pub(crate) fn pieces(text: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(n);
    let mut rest = text;
    for k in (1..=n).rev() {
        if rest.is_empty() {
            break;
        }
        if k == 1 {
            out.push(rest);
            break;
        }
        let target = rest.len() / k;
        match rest.as_bytes()[target..].iter().position(|&b| b == b'\n') {
            Some(j) => {
                let (head, tail) = rest.split_at(target + j + 1);
                out.push(head);
                rest = tail;
            }
            None => {
                out.push(rest);
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `str::lines` + `split_ascii_whitespace` give.
    fn reference(text: &str) -> (Vec<(u64, Vec<String>)>, usize, u64) {
        let mut rows = Vec::new();
        let mut empty = 0;
        let mut n = 0;
        for (i, l) in text.lines().enumerate() {
            n += 1;
            let f: Vec<String> = l.split_ascii_whitespace().map(String::from).collect();
            if f.is_empty() {
                empty += 1;
            } else {
                rows.push((i as u64 + 1, f));
            }
        }
        (rows, empty, n)
    }

    #[test]
    fn splits_as_lines_and_split_ascii_whitespace() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            " a  b\t c \r\n\n  \nd\x0ce\n   ",
            "x y\n\n",
            "\u{a0}é b\n\u{3000}\n",
        ] {
            let mut rows = Vec::new();
            let c = for_each_line(text, 1, |l, f| {
                rows.push((l, f.iter().map(|s| s.to_string()).collect()))
            });
            let (want, empty, lines) = reference(text);
            assert_eq!((rows, c.empty, c.lines), (want, empty, lines), "{text:?}");
        }
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a\t",
            "a\u{a0}",
            "\u{3000}b",
            "\x0bc",
            "d\x7f",
            "x y",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn pieces_end_at_line_ends_and_cover_the_text() {
        let text = "aa\nbbbb\nc\n\ndddddd\ne";
        for n in 1..8 {
            let p = pieces(text, n);
            assert!(p.len() <= n);
            assert_eq!(p.concat(), text);
            for piece in &p[..p.len() - 1] {
                assert!(piece.ends_with('\n'), "{p:?}");
            }
        }
        let first = first_record("\n \n h1 h2\nx\n").unwrap();
        assert_eq!(
            (first.line, first.fields, first.rest, first.empty_before),
            (3, vec!["h1", "h2"], "x\n", 2)
        );
        assert!(first_record(" \n\t\n").is_none());
    }
}
