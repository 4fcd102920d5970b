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
}

impl Pages {
    /// Loads the templates: `dir` is the project's `templates/web/`; files missing there come
    /// from the built-in set. Every template is parsed now, so a mistake shows at start.
    pub(crate) fn load(dir: &Path) -> Result<Pages> {
        let read = |name: &str| -> Result<String> {
            let p = dir.join(name);
            if p.is_file() {
                std::fs::read_to_string(&p).map_err(|e| Error::Io { path: p, source: e })
            } else {
                Ok(BUILTIN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default())
            }
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
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        kooste_digest::add_text_filters(&mut env);
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
