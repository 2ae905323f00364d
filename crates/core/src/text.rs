//! Post text: finding `#hashtags`, `@mentions` and links in what a member
//! wrote, as spans the API renders to HTML.
//!
//! - [`emoji`]: whether a reaction's name is one Unicode emoji.
//! - [`shortcodes`]: custom emoji names and the `:name:` tokens in text.

pub mod emoji;
pub mod shortcodes;

/// A piece of post text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span<'a> {
    /// Text shown as it is (escaped).
    Plain(&'a str),
    /// `#name`, without the `#`.
    Hashtag(&'a str),
    /// `@username`, without the `@`.
    Mention(&'a str),
    /// An `http://` or `https://` link.
    Link(&'a str),
}

/// Longest hashtag name kept.
const TAG_MAX: usize = 100;

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether a marker at byte `at` starts a word (start of text or after a
/// character that cannot be part of a word or address).
fn starts_word(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '/' || c == '@' || c == '#'))
}

/// Length in bytes of the run of `accept` characters at the start of `rest`.
fn run(rest: &str, accept: fn(char) -> bool) -> usize {
    rest.char_indices()
        .find(|(_, c)| !accept(*c))
        .map_or(rest.len(), |(i, _)| i)
}

/// Schemes Mastodon links in post text (each written with `://`).
const SCHEMES: &[&str] = &[
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "gemini",
];

/// Characters a link never ends with, as Mastodon has them: ASCII
/// punctuation that closes a sentence or a quote, and Japanese quotation
/// marks. A `)` closing a `(` inside the link is kept.
const NOT_LAST: &[char] = &[
    '(', ')', '?', '!', '*', '"', '\'', '「', '」', '<', '>', ';', ':', '=', ',', '.', '$', '%',
    '[', ']', '~', '&', '|', '@',
];

/// The byte ranges of the links in `text`, in order. linkify finds where a
/// link starts and where its path ends (balanced brackets, quotes); on top
/// of that, Mastodon's rules: its schemes only, not glued to a word before
/// it, a host that ends at the first character no domain name has (so a
/// bare `https://example.com。` or `https://example.com”` stops at the
/// host), and none of [`NOT_LAST`] at the end.
fn links(text: &str) -> Vec<(usize, usize)> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(true);
    finder
        .links(text)
        .filter_map(|link| {
            let start = link.start();
            let (scheme, rest) = link.as_str().split_once("://")?;
            if !SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
                return None;
            }
            let glued = text[..start].chars().next_back().is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃')
            });
            if glued {
                return None;
            }
            let after_scheme = start + scheme.len() + 3;
            let host = rest
                .char_indices()
                .find(|(_, c)| {
                    !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '[' | ']'))
                })
                .map_or(rest.len(), |(i, _)| i);
            let mut end = if rest[host..].starts_with(['/', '?', '#']) {
                link.end()
            } else {
                after_scheme + host
            };
            // A `(` never closed is where the link stops.
            let mut open = Vec::new();
            for (i, c) in text[after_scheme..end].char_indices() {
                match c {
                    '(' => open.push(after_scheme + i),
                    ')' => {
                        open.pop();
                    }
                    _ => {}
                }
            }
            if let Some(&unclosed) = open.first() {
                end = unclosed;
            }
            while let Some(last) = text[start..end].chars().next_back() {
                let closes_a_pair = last == ')'
                    && text[start..end].matches('(').count()
                        >= text[start..end].matches(')').count();
                if closes_a_pair || !NOT_LAST.contains(&last) {
                    break;
                }
                end -= last.len_utf8();
            }
            (end > after_scheme).then_some((start, end))
        })
        .collect()
}

/// Splits text into spans. Links follow Mastodon's rules (see [`links`]);
/// hashtags need a letter (`#1` is not one); mentions name a local username.
pub fn spans(text: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (start, end) in links(text) {
        tags_and_mentions(text, from, start, &mut out);
        out.push(Span::Link(&text[start..end]));
        from = end;
    }
    tags_and_mentions(text, from, text.len(), &mut out);
    out
}

/// The spans of `text[from..to]`, which holds no link.
fn tags_and_mentions<'a>(text: &'a str, from: usize, to: usize, out: &mut Vec<Span<'a>>) {
    let mut plain_from = from;
    let mut i = from;
    while i < to {
        let rest = &text[i..to];
        let found = if rest.starts_with('#') && starts_word(text, i) {
            let len = run(&rest[1..], is_tag_char);
            let name = &rest[1..1 + len];
            (len > 0 && len <= TAG_MAX && name.chars().any(|c| !c.is_ascii_digit()))
                .then(|| (Span::Hashtag(name), 1 + len))
        } else if rest.starts_with('@') && starts_word(text, i) {
            let len = run(&rest[1..], is_name_char);
            // `@name@elsewhere` addresses another server: left as text.
            let remote = rest[1 + len..].starts_with('@');
            (len > 0 && !remote).then(|| (Span::Mention(&rest[1..1 + len]), 1 + len))
        } else {
            None
        };
        match found {
            Some((span, len)) => {
                if plain_from < i {
                    out.push(Span::Plain(&text[plain_from..i]));
                }
                out.push(span);
                i += len;
                plain_from = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_from < to {
        out.push(Span::Plain(&text[plain_from..to]));
    }
}

/// The distinct hashtags of a text, lowercased, in order of appearance.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for span in spans(text) {
        if let Span::Hashtag(name) = span {
            let name = name.to_lowercase();
            if !tags.contains(&name) {
                tags.push(name);
            }
        }
    }
    tags
}

/// The first http(s) link of a text: the one a link preview shows.
pub fn first_web_link(text: &str) -> Option<&str> {
    links(text)
        .into_iter()
        .map(|(start, end)| &text[start..end])
        .find(|link| {
            let lower = link.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        })
}

/// The distinct usernames mentioned, lowercased, in order of appearance.
pub fn mentions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for span in spans(text) {
        if let Span::Mention(name) = span {
            let name = name.to_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::Span::*;
    use super::*;

    /// Tags, mentions and links are found where a reader would see them.
    #[test]
    fn finds_tags_mentions_and_links() {
        let text = "Fit check #OOTD with @anna_b! see https://shop.example/a?b=1. #1 a#b x@y.z";
        assert_eq!(
            spans(text),
            vec![
                Plain("Fit check "),
                Hashtag("OOTD"),
                Plain(" with "),
                Mention("anna_b"),
                Plain("! see "),
                Link("https://shop.example/a?b=1"),
                Plain(". #1 a#b x@y.z"),
            ]
        );
        assert_eq!(hashtags("#Denim #denim #café"), vec!["denim", "café"]);
        assert_eq!(mentions("@Anna @anna @bob@other.example"), vec!["anna"]);
    }

    /// Text without markers is one plain span; multi-byte text is not split.
    #[test]
    fn plain_text_stays_whole() {
        assert_eq!(spans("héllo wörld"), vec![Plain("héllo wörld")]);
        assert_eq!(spans(""), Vec::<Span>::new());
        assert_eq!(spans("#"), vec![Plain("#")]);
    }

    /// Links end where Mastodon ends them: balanced parentheses stay,
    /// sentence punctuation and quotes around the link do not, a bare host
    /// stops before CJK punctuation, and other schemes are plain text.
    #[test]
    fn links_end_where_mastodon_ends_them() {
        let cases: &[(&str, Option<&str>)] = &[
            // Parentheses.
            (
                "see https://en.wikipedia.org/wiki/Link_(Zelda) now",
                Some("https://en.wikipedia.org/wiki/Link_(Zelda)"),
            ),
            ("(see https://example.com/a)", Some("https://example.com/a")),
            (
                "https://example.com/a_(b)_c",
                Some("https://example.com/a_(b)_c"),
            ),
            (
                "https://example.com/foo)bar",
                Some("https://example.com/foo"),
            ),
            ("https://example.com/a(b", Some("https://example.com/a")),
            // Trailing dots, commas and other sentence punctuation.
            ("https://example.com/a.", Some("https://example.com/a")),
            ("https://example.com/a,", Some("https://example.com/a")),
            ("https://example.com/a!", Some("https://example.com/a")),
            ("https://example.com/a?", Some("https://example.com/a")),
            ("https://example.com/a:", Some("https://example.com/a")),
            ("https://example.com/a;", Some("https://example.com/a")),
            ("https://example.com/...", Some("https://example.com/")),
            ("https://example.com...", Some("https://example.com")),
            ("https://example.com/a=", Some("https://example.com/a")),
            (
                "https://example.com/?q=a&b=c#frag.",
                Some("https://example.com/?q=a&b=c#frag"),
            ),
            // Quotes.
            ("\"https://example.com/a\"", Some("https://example.com/a")),
            ("'https://example.com/a'", Some("https://example.com/a")),
            ("“https://example.com”", Some("https://example.com")),
            // A curly quote after a path is part of it for Mastodon too.
            ("“https://example.com/a”", Some("https://example.com/a”")),
            // CJK punctuation.
            ("「https://example.com/a」", Some("https://example.com/a")),
            ("https://example.com。次", Some("https://example.com")),
            (
                "リンクhttps://example.com/a。次",
                Some("https://example.com/a。次"),
            ),
            (
                "https://ja.wikipedia.org/wiki/日本",
                Some("https://ja.wikipedia.org/wiki/日本"),
            ),
            // What comes before the scheme.
            ("x:https://example.com", Some("https://example.com")),
            ("xhttps://example.com", None),
            // Schemes Mastodon does not link.
            ("javascript:alert(1)", None),
            ("ftp://x.org", None),
            ("gemini://x.org/a", Some("gemini://x.org/a")),
        ];
        for (text, expected) in cases {
            let found: Vec<&str> = spans(text)
                .into_iter()
                .filter_map(|s| match s {
                    Link(link) => Some(link),
                    _ => None,
                })
                .collect();
            assert_eq!(
                found,
                expected.iter().copied().collect::<Vec<_>>(),
                "in {text:?}"
            );
        }
    }

    /// A `#` or `@` inside a link belongs to the link.
    #[test]
    fn tags_inside_links_stay_links() {
        assert_eq!(
            spans("look https://shop.example/p#denim @ana"),
            vec![
                Plain("look "),
                Link("https://shop.example/p#denim"),
                Plain(" "),
                Mention("ana"),
            ]
        );
    }
}
