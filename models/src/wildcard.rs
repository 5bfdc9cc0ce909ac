//! The one `*` wildcard matcher: attribute filters of discovery (TS-0004 §7.3.3.14)
//! and `acor` entries of access control policies use it, so neither can be made slow
//! by what a client or a policy author writes.

/// Whether `text` matches `pattern`, where `*` stands for any run of characters
/// (possibly empty) and every other character for itself.
///
/// Linear in the lengths of both: the pieces between stars are found left to right,
/// each at its first occurrence after the previous one (taking the earliest place
/// never loses a match, as the next `*` absorbs whatever lies between), with the
/// standard library's substring search, which is linear (two-way). A backtracking
/// matcher, or the usual "retry the last star one character further" scan, costs
/// pattern × text on `*aaaa…b` against a long run of `a` (4 s for a 16,000-character
/// pattern on one 300 KB value, issue 25).
pub fn matches(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split('*');
    let head = pieces.next().unwrap_or_default();
    let Some(tail) = pieces.next_back() else {
        // No star: the whole text, literally.
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(head) else {
        return false;
    };
    for piece in pieces.filter(|p| !p.is_empty()) {
        let Some(at) = rest.find(piece) else {
            return false;
        };
        rest = rest.get(at + piece.len()..).unwrap_or_default();
    }
    rest.ends_with(tail)
}

#[cfg(test)]
mod tests {
    use super::matches;
    use std::time::{Duration, Instant};

    #[test]
    fn stars_match_any_run_and_everything_else_itself() {
        for (pattern, text) in [
            ("cnt*", "cnt123"),
            ("*", ""),
            ("**", ""),
            ("*", "anything"),
            ("a*c*e", "abcde"),
            ("exact", "exact"),
            ("C*b*c", "Cxxbyybc"),
            ("*abc", "ababc"),
            ("ab*ba", "aba ba"),
            ("a*a", "aa"),
            ("*ä*", "bäb"),
            ("", ""),
        ] {
            assert!(matches(pattern, text), "{pattern} ~ {text}");
        }
        for (pattern, text) in [
            ("a*c", "abd"),
            ("exact", "exactly"),
            ("exact", "exac"),
            ("C*d", "Cabc"),
            ("a*a", "a"),
            ("ab*ba", "aba"),
            ("*x*", "abc"),
            ("", "a"),
        ] {
            assert!(!matches(pattern, text), "{pattern} !~ {text}");
        }
    }

    #[test]
    fn pathological_patterns_on_long_values_finish_quickly() {
        let text = "a".repeat(300_000);
        let started = Instant::now();
        for pattern in [
            format!("*{}b", "a".repeat(16_000)),
            format!("{}b", "*a".repeat(8_000)),
            format!("{}b", "a*".repeat(8_000)),
        ] {
            assert!(!matches(&pattern, &text));
        }
        assert!(matches(&format!("*{}", "a".repeat(16_000)), &text));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
