//! Post text: finding `#hashtags`, `@mentions` and links in what a member
//! wrote, as spans the API renders to HTML.

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

/// Splits text into spans. Hashtags need a letter (`#1` is not one);
/// mentions name a local username; links run to the next whitespace, less
/// trailing punctuation.
pub fn spans(text: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
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
        } else if (rest.starts_with("https://") || rest.starts_with("http://"))
            && starts_word(text, i)
        {
            let mut len = run(rest, |c| {
                !c.is_whitespace() && c != '<' && c != '>' && c != '"'
            });
            while len > 0 && rest[..len].ends_with(['.', ',', '!', '?', ')', ':', ';', '\'']) {
                len -= 1;
            }
            (len > "https://".len()).then(|| (Span::Link(&rest[..len]), len))
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
    if plain_from < text.len() {
        out.push(Span::Plain(&text[plain_from..]));
    }
    out
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
}
