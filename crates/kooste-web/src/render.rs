//! The pages' templates: the built-in ones compiled in from the repository's `templates/web/`,
//! a project's own `templates/web/` overriding them file by file (read once, at start), and
//! the wording of `strings.toml` in Finnish and Swedish, overridable key by key.

use crate::{Error, Result};
use kooste_core::model::Lang;
use kooste_core::project::{Bilingual, parse_toml};
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in templates: (file name in `templates/web/`, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "present.html.j2",
        include_str!("../../../templates/web/present.html.j2"),
    ),
    (
        "steps.html.j2",
        include_str!("../../../templates/web/steps.html.j2"),
    ),
    (
        "task.html.j2",
        include_str!("../../../templates/web/task.html.j2"),
    ),
    (
        "base.html.j2",
        include_str!("../../../templates/web/base.html.j2"),
    ),
    (
        "macros.html.j2",
        include_str!("../../../templates/web/macros.html.j2"),
    ),
    (
        "login.html.j2",
        include_str!("../../../templates/web/login.html.j2"),
    ),
    (
        "home.html.j2",
        include_str!("../../../templates/web/home.html.j2"),
    ),
    (
        "form.html.j2",
        include_str!("../../../templates/web/form.html.j2"),
    ),
    (
        "preview.html.j2",
        include_str!("../../../templates/web/preview.html.j2"),
    ),
    (
        "saved.html.j2",
        include_str!("../../../templates/web/saved.html.j2"),
    ),
    (
        "search.html.j2",
        include_str!("../../../templates/web/search.html.j2"),
    ),
    (
        "document.html.j2",
        include_str!("../../../templates/web/document.html.j2"),
    ),
    (
        "passage.html.j2",
        include_str!("../../../templates/web/passage.html.j2"),
    ),
    (
        "review.html.j2",
        include_str!("../../../templates/web/review.html.j2"),
    ),
    (
        "digest.html.j2",
        include_str!("../../../templates/web/digest.html.j2"),
    ),
    (
        "findings.html.j2",
        include_str!("../../../templates/web/findings.html.j2"),
    ),
    (
        "message.html.j2",
        include_str!("../../../templates/web/message.html.j2"),
    ),
    ("web.css", include_str!("../../../templates/web/web.css")),
    ("web.js", include_str!("../../../templates/web/web.js")),
    (STRINGS, include_str!("../../../templates/web/strings.toml")),
];

const STRINGS: &str = "strings.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strings {
    #[serde(default)]
    text: BTreeMap<String, Bilingual>,
}

/// The templates and wording the app renders with.
#[derive(Debug)]
pub(crate) struct Pages {
    env: Environment<'static>,
    fi: BTreeMap<String, String>,
    sv: BTreeMap<String, String>,
    css: String,
    js: String,
}

/// A page's template context: its view model over what every page gets (`App::base`).
pub(crate) fn with_view(base: crate::app::Layout, view: &impl serde::Serialize) -> Value {
    minijinja::context! {
        ..Value::from(minijinja::value::Serde(view)),
        ..Value::from(minijinja::value::Serde(base))
    }
}

impl Pages {
    /// Loads the templates: `dir` is the project's `templates/web/`; files missing there come
    /// from the built-in set. Every template is parsed now, so a mistake shows at start.
    pub(crate) fn load(dir: &Path) -> Result<Pages> {
        let read = |name: &str| -> Result<String> {
            kooste_digest::read_template(Some(dir), BUILTIN, name)
                .map(Option::unwrap_or_default)
                .map_err(|(path, source)| Error::Io(kooste_core::FileError::new(path, source)))
        };
        let mut strings: Strings = toml::from_str(
            BUILTIN
                .iter()
                .find(|(n, _)| *n == STRINGS)
                .map_or("", |(_, t)| t),
        )
        .map_err(|e| Error::Template(format!("templates/web/{STRINGS} (built in): {e}")))?;
        let own = dir.join(STRINGS);
        if own.is_file() {
            let text = read(STRINGS)?;
            let theirs: Strings = parse_toml(&text, &own)?;
            for (k, v) in theirs.text {
                let e = strings.text.entry(k).or_default();
                e.fi = v.fi;
                if !v.sv.is_empty() {
                    e.sv = v.sv;
                }
            }
        }
        let in_lang = |lang: Lang| {
            strings
                .text
                .iter()
                .map(|(k, v)| (k.clone(), v.get(lang).to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        kooste_digest::set_syntax(&mut env, false);
        kooste_digest::add_text_filters(&mut env);
        env.add_filter("plural", plural_filter);
        for (name, _) in BUILTIN.iter().filter(|(n, _)| n.ends_with(".j2")) {
            let text = read(name)?;
            let shown = if dir.join(name).is_file() {
                dir.join(name).display().to_string()
            } else {
                format!("templates/web/{name} (built in)")
            };
            env.add_template_owned(name.to_string(), text)
                .map_err(|e| Error::Template(format!("{shown}:{}: {e}", e.line().unwrap_or(0))))?;
        }
        Ok(Pages {
            env,
            fi: in_lang(Lang::Fi),
            sv: in_lang(Lang::Sv),
            css: read("web.css")?,
            js: read("web.js")?,
        })
    }

    /// The wording in a language.
    pub(crate) fn text(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Fi => &self.fi,
            Lang::Sv => &self.sv,
        }
    }

    /// One text in a language, or its key when the wording lacks it.
    pub(crate) fn word(&self, lang: Lang, key: &str) -> String {
        self.text(lang)
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// The style sheet.
    pub(crate) fn css(&self) -> &str {
        &self.css
    }

    /// The script of small enhancements (pages work without it).
    pub(crate) fn js(&self) -> &str {
        &self.js
    }

    /// Renders a page.
    pub(crate) fn render(&self, name: &str, ctx: Value) -> Result<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| {
                let mut msg = format!("templates/web/{name}: {e}");
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(&format!(": {s}"));
                    src = s.source();
                }
                Error::Template(msg)
            })
    }
}

/// A count in a text of two forms, `"{n} kohta|{n} kohtaa"`: the first for one, the second
/// for any other number (Finnish and Swedish both have these two), with `{n}` written as
/// Finnish and Swedish write numbers (a no-break space between thousands from 10 000 on).
/// A text without `|` has one form for every number.
pub(crate) fn plural(text: &str, n: i64) -> String {
    let (one, other) = text.split_once('|').unwrap_or((text, text));
    let form = if n == 1 { one } else { other };
    form.replace("{n}", &number(n))
}

/// A whole number as Finnish and Swedish write it: `9999`, `10 000` (no-break spaces).
pub(crate) fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let grouped = if digits.len() > 4 {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('\u{a0}');
            }
            out.push(c);
        }
        out
    } else {
        digits
    };
    if n < 0 {
        format!("\u{2212}{grouped}")
    } else {
        grouped
    }
}

/// `{{ t.passages_n | plural(n) }}`: the form of a text for the count `n` ([`plural`]).
fn plural_filter(text: String, n: i64) -> String {
    plural(&text, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_in_both_languages_and_every_key_used_exists() {
        let text = BUILTIN.iter().find(|(n, _)| *n == STRINGS).unwrap().1;
        let s: Strings = toml::from_str(text).expect("templates/web/strings.toml is valid");
        for (k, v) in &s.text {
            assert!(!v.fi.trim().is_empty(), "{k}: no Finnish");
            assert!(!v.sv.trim().is_empty(), "{k}: no Swedish");
        }
        let re_key = |t: &str| -> Vec<String> {
            let mut out = Vec::new();
            let mut rest = t;
            while let Some(i) = rest.find("t.") {
                let before = rest[..i].chars().last();
                rest = &rest[i + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !key.is_empty() {
                    out.push(key);
                }
            }
            out
        };
        for (name, t) in BUILTIN.iter().filter(|(n, _)| n.ends_with(".j2")) {
            for k in re_key(t) {
                assert!(
                    s.text.contains_key(&k),
                    "{name} uses t.{k}, which strings.toml lacks"
                );
            }
        }
        // Keys made up in code.
        for k in crate::pages::KEYS_USED_IN_CODE {
            assert!(
                s.text.contains_key(*k),
                "the code uses {k}, which strings.toml lacks"
            );
        }
    }

    /// Every count the pages print, rendered for 0, 1 and 2 in Finnish and Swedish: the
    /// texts with two forms, and the ones whose noun does not change with the number.
    #[test]
    fn every_count_reads_right_for_zero_one_and_two() {
        let dir = tempfile::tempdir().unwrap();
        let pages = Pages::load(dir.path()).unwrap();
        // Texts where `{n}` stands without a noun that would change with it, and the waits,
        // whose forms the code picks (`wait_second` / `wait_seconds`).
        const NO_PLURAL: &[&str] = &[
            "review_skipped_count",
            "situation",
            "row_answer",
            "answer_count",
            "wait_second",
            "wait_seconds",
            "wait_minute",
            "wait_minutes",
        ];
        let mut out = String::new();
        for (key, fi) in pages.text(Lang::Fi) {
            let sv = &pages.text(Lang::Sv)[key];
            if !fi.contains("{n}") && !fi.contains('|') {
                continue;
            }
            if NO_PLURAL.contains(&key.as_str()) {
                assert!(!fi.contains('|') && !sv.contains('|'), "{key}");
                continue;
            }
            assert!(
                fi.contains('|'),
                "{key}: a count needs its forms for one and for others (\"… {{n}} kohta|… {{n}} kohtaa\")"
            );
            for (lang, text) in [("fi", fi), ("sv", sv)] {
                for n in [0, 1, 2] {
                    out.push_str(&format!("{key} {lang} {n}: {}\n", plural(text, n)));
                }
            }
        }
        // Through the template filter too, as the pages use it.
        let mut env = Environment::new();
        env.add_filter("plural", plural_filter);
        for n in [0, 1, 2, 12345] {
            let t = env
                .render_str(
                    "{{ t | plural(n) }}",
                    minijinja::context! { t => "{n} kohta|{n} kohtaa", n => n },
                )
                .unwrap();
            out.push_str(&format!("filter {n}: {t}\n"));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn builtin_templates_parse() {
        let dir = tempfile::tempdir().unwrap();
        Pages::load(dir.path()).unwrap();
    }

    #[test]
    fn a_project_overrides_a_template_and_a_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web.css"), "body{}").unwrap();
        std::fs::write(
            dir.path().join(STRINGS),
            "[text]\nsign_in = { fi = \"Sisään\" }\n",
        )
        .unwrap();
        let p = Pages::load(dir.path()).unwrap();
        assert_eq!(p.css(), "body{}");
        assert_eq!(p.word(Lang::Fi, "sign_in"), "Sisään");
        assert_ne!(p.word(Lang::Sv, "sign_in"), "Sisään");
    }
}
