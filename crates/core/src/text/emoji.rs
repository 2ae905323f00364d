//! Telling one Unicode emoji from other text, for reactions: a member may
//! react with a single emoji (or a custom emoji's shortcode), never with
//! words. The check follows the shapes emoji take (UTS #51): a pictograph
//! with an optional presentation selector and skin tone, a flag made of two
//! regional indicators, a keycap, a subdivision flag's tag sequence, and
//! zero-width-joiner sequences of these. The pictograph ranges are the
//! blocks where emoji live; a rare symbol from those blocks that no emoji
//! font draws passes too, which is harmless for a reaction.

/// The longest emoji accepted, in characters (a family of four with skin
/// tones is 11; a subdivision flag 7).
const MAX_CHARS: usize = 16;

const ZWJ: char = '\u{200D}';
const EMOJI_PRESENTATION: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';
const CANCEL_TAG: char = '\u{E007F}';
const BLACK_FLAG: char = '\u{1F3F4}';

/// Whether `name` is exactly one emoji.
pub fn is_emoji(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    if chars.is_empty() || chars.len() > MAX_CHARS {
        return false;
    }
    if let [a, b] = chars.as_slice()
        && is_regional_indicator(*a)
        && is_regional_indicator(*b)
    {
        return true;
    }
    if let [base, rest @ ..] = chars.as_slice()
        && matches!(base, '0'..='9' | '#' | '*')
    {
        return matches!(rest, [KEYCAP] | [EMOJI_PRESENTATION, KEYCAP]);
    }
    chars.split(|c| *c == ZWJ).all(is_element)
}

/// One pictograph with what may follow it inside a joined sequence.
fn is_element(chars: &[char]) -> bool {
    let [base, rest @ ..] = chars else {
        return false;
    };
    if !is_pictograph(*base) {
        return false;
    }
    let mut rest = rest;
    if let [EMOJI_PRESENTATION, tail @ ..] = rest {
        rest = tail;
    }
    if let [tone, tail @ ..] = rest
        && is_skin_tone(*tone)
    {
        rest = tail;
    }
    if *base == BLACK_FLAG
        && let [tags @ .., CANCEL_TAG] = rest
    {
        return !tags.is_empty() && tags.iter().all(|c| ('\u{E0020}'..='\u{E007E}').contains(c));
    }
    rest.is_empty()
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// Characters that are emoji on their own (with or without U+FE0F).
fn is_pictograph(c: char) -> bool {
    if is_regional_indicator(c) {
        return false;
    }
    matches!(c as u32,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
        | 0x2194..=0x2199 | 0x21A9..=0x21AA
        | 0x231A..=0x231B | 0x2328 | 0x23CF | 0x23E9..=0x23F3 | 0x23F8..=0x23FA
        | 0x24C2 | 0x25AA..=0x25AB | 0x25B6 | 0x25C0 | 0x25FB..=0x25FE
        | 0x2600..=0x27BF
        | 0x2934..=0x2935
        | 0x2B05..=0x2B07 | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55
        | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x1F000..=0x1FAFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shape an emoji takes is one emoji.
    #[test]
    fn single_emoji_of_every_shape_pass() {
        for emoji in [
            "👍",
            "👍🏽",
            "❤️",
            "❤",
            "⭐",
            "🇯🇵",
            "1️⃣",
            "#⃣",
            "👩‍👩‍👧‍👦",
            "🧑🏿‍🤝‍🧑🏻",
            "🏳️‍🌈",
            "❤️‍🔥",
            "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            "🫶",
        ] {
            assert!(is_emoji(emoji), "{emoji:?} was refused");
        }
    }

    /// Words, digits, several emoji, stray joiners and text presentation
    /// are not one emoji.
    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "F",
            "1",
            "ok",
            "👍👍",
            "👍 ",
            "a👍",
            "🇯",
            "🇯🇵🇫🇷",
            "\u{200D}👍",
            "👍\u{200D}",
            "👍\u{200D}\u{200D}🔥",
            "👍\u{FE0E}",
            ":blobcat:",
            "🏴\u{E007F}",
            "👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍",
        ] {
            assert!(!is_emoji(text), "{text:?} passed");
        }
    }
}
