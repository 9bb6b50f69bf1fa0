//! Text helpers: EID markup rendering and the normal form used for search.

use unicode_normalization::UnicodeNormalization;

/// Lower-case, width-folded (NFKC), whitespace-collapsed form for matching.
pub fn search_form(s: &str) -> String {
    let folded: String = s.nfkc().flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One rendered line of an EID description.
#[derive(Clone, Debug, PartialEq)]
pub struct EidLine {
    /// Stat arrow at the start of the line: Some(true) up, Some(false) down.
    pub arrow: Option<bool>,
    pub text: String,
}

/// Splits EID markup into readable lines: `#` breaks lines, `{{Icon}}` becomes a short
/// symbol or disappears (the text names the stat anyway), colour codes are dropped.
pub fn lines_from_eid(markup: &str) -> Vec<EidLine> {
    markup
        .split('#')
        .filter_map(|raw| {
            let text = replace_icons(raw);
            let mut text = text.trim();
            let arrow = if let Some(rest) = text.strip_prefix('↑') {
                text = rest.trim_start();
                Some(true)
            } else if let Some(rest) = text.strip_prefix('↓') {
                text = rest.trim_start();
                Some(false)
            } else {
                None
            };
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty()).then_some(EidLine { arrow, text })
        })
        .collect()
}

/// The description as plain text, one line per EID line, arrows kept as ↑/↓.
pub fn plain_from_eid(markup: &str) -> String {
    lines_from_eid(markup)
        .into_iter()
        .map(|line| match line.arrow {
            Some(true) => format!("↑ {}", line.text),
            Some(false) => format!("↓ {}", line.text),
            None => line.text,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn replace_icons(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(icon_symbol(&after[..end]));
                rest = &after[end + 2..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn icon_symbol(name: &str) -> &'static str {
    match name {
        "Warning" => "⚠ ",
        "Heart" | "HealingRed" | "EmptyHeart" | "HalfHeart" => "♥ ",
        "SoulHeart" | "HalfSoulHeart" => "♡ ",
        "BlackHeart" => "♥ ",
        "Coin" => "¢ ",
        // Other icons name their stat in the text anyway; symbols are kept to those the
        // bundled and CJK fonts can draw.
        _ => " ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eid_markup_becomes_readable_lines() {
        let lines = lines_from_eid(
            "↑ {{Tears}} +0.7 Tears#{{ColorLime}}Homing{{CR}} tears#↓ {{Speed}} -0.1 Speed",
        );
        assert_eq!(
            lines,
            vec![
                EidLine {
                    arrow: Some(true),
                    text: "+0.7 Tears".into()
                },
                EidLine {
                    arrow: None,
                    text: "Homing tears".into()
                },
                EidLine {
                    arrow: Some(false),
                    text: "-0.1 Speed".into()
                },
            ]
        );
        let plain = plain_from_eid("{{Warning}} SINGLE USE {{Warning}}#Spawns 7 {{Coin}} coins");
        assert_eq!(plain, "⚠ SINGLE USE ⚠\nSpawns 7 ¢ coins");
        assert!(!plain.contains("{{") && !plain.contains('#'));
    }

    #[test]
    fn search_form_folds_case_and_width() {
        assert_eq!(search_form("ＳＡＤ  Onion"), "sad onion");
        assert_eq!(search_form("悲伤洋葱"), "悲伤洋葱");
    }
}
