//! Rendering a digest with minijinja: the built-in templates (compiled in from the
//! repository's `templates/`), a project's own `templates/` overriding them file by file,
//! and the wording of `strings.toml` in Finnish or Swedish.

use crate::model::Digest;
use crate::{Error, Result};
use kooste_core::model::Lang;
use kooste_core::project::{Bilingual, parse_toml};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Kwargs, Serde, Value};
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The file `name` in a project's template folder `dir`, if the project has one (`name`
/// is a plain relative path: no `..`, no root).
fn project_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let safe = Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let p = dir.join(name);
    (safe && p.is_file()).then_some(p)
}

/// The one template loader of the digests and the web app: the text of template `name`
/// from a project's own folder `dir` (`templates/`, `templates/web/`) when it has the file,
/// else from `builtin` (compiled in); `None` when neither has it. A file that cannot be read
/// is an error with its path.
pub fn read_template(
    dir: Option<&Path>,
    builtin: &[(&str, &str)],
    name: &str,
) -> std::result::Result<Option<String>, (PathBuf, std::io::Error)> {
    if let Some(p) = dir.and_then(|d| project_file(d, name)) {
        return std::fs::read_to_string(&p).map(Some).map_err(|e| (p, e));
    }
    Ok(builtin
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text.to_string()))
}

/// The syntax every kooste template is written in: a block tag's line break and leading
/// blanks are dropped; `keep_newline` keeps a template's last line break (the digests).
pub fn set_syntax(env: &mut Environment<'_>, keep_newline: bool) {
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(keep_newline)
        .build()
    {
        env.set_syntax(syntax);
    }
}

/// The built-in templates: (file name in `templates/`, text). `kooste init` writes them into
/// a new project, where they can be edited.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "digest.md.j2",
        include_str!("../../../templates/digest.md.j2"),
    ),
    (
        "digest.html.j2",
        include_str!("../../../templates/digest.html.j2"),
    ),
    ("digest.css", include_str!("../../../templates/digest.css")),
    (
        "matrix.svg.j2",
        include_str!("../../../templates/matrix.svg.j2"),
    ),
    (
        "bars.svg.j2",
        include_str!("../../../templates/bars.svg.j2"),
    ),
    (STRINGS, include_str!("../../../templates/strings.toml")),
    (
        "comments.html.j2",
        include_str!("../../../templates/comments.html.j2"),
    ),
    (
        "comments.md.j2",
        include_str!("../../../templates/comments.md.j2"),
    ),
];

/// The wording file.
const STRINGS: &str = "strings.toml";

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML file.
    Html,
    /// Markdown.
    Md,
}

impl Format {
    /// The template that renders this format.
    pub fn template(self) -> &'static str {
        match self {
            Format::Html => "digest.html.j2",
            Format::Md => "digest.md.j2",
        }
    }
}

/// `strings.toml`: interface wording (`[text]`) and translations of words that the project's
/// files use (`[terms]`, such as working methods), each in Finnish and Swedish.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strings {
    #[serde(default)]
    text: BTreeMap<String, Bilingual>,
    #[serde(default)]
    terms: BTreeMap<String, Bilingual>,
}

impl Strings {
    /// Overrides these strings with `other`'s, key by key; an empty Swedish text keeps the
    /// one it replaces.
    fn merge(&mut self, other: Strings) {
        for (mine, theirs) in [(&mut self.text, other.text), (&mut self.terms, other.terms)] {
            for (k, v) in theirs {
                let e = mine.entry(k).or_default();
                e.fi = v.fi;
                if !v.sv.is_empty() {
                    e.sv = v.sv;
                }
            }
        }
    }

    fn in_lang(map: &BTreeMap<String, Bilingual>, lang: Lang) -> BTreeMap<String, String> {
        map.iter()
            .map(|(k, v)| (k.clone(), v.get(lang).to_string()))
            .collect()
    }
}

/// The templates a project renders with: its own files in `templates/` where it has them,
/// the built-in ones otherwise.
#[derive(Debug, Clone)]
pub struct Templates {
    dir: Option<PathBuf>,
    strings: Strings,
}

impl Templates {
    /// Only the built-in templates.
    pub fn builtin() -> Templates {
        Templates {
            dir: None,
            strings: builtin_strings(),
        }
    }

    /// The templates of a project's `templates/` directory, falling back to the built-in
    /// ones file by file. A project's `strings.toml` overrides the built-in wording key by key.
    pub fn load(dir: &Path) -> Result<Templates> {
        let mut strings = builtin_strings();
        let path = dir.join(STRINGS);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
                path: path.clone(),
                source: e,
            })?;
            let own: Strings = parse_toml(&text, &path).map_err(|e| match e {
                kooste_core::Error::Config {
                    path,
                    line,
                    message,
                } => Error::Template {
                    path: path.display().to_string(),
                    line,
                    message,
                },
                other => Error::Template {
                    path: path.display().to_string(),
                    line: 0,
                    message: other.to_string(),
                },
            })?;
            strings.merge(own);
        }
        Ok(Templates {
            dir: Some(dir.to_path_buf()),
            strings,
        })
    }

    /// Where a template comes from: the project's file, if it has one.
    pub fn project_file(&self, name: &str) -> Option<PathBuf> {
        project_file(self.dir.as_deref()?, name)
    }

    /// The wording of the digests in `lang`: key to text.
    pub fn text(&self, lang: Lang) -> BTreeMap<String, String> {
        Strings::in_lang(&self.strings.text, lang)
    }

    /// Renders `digest` in `format`, in the digest's language.
    pub fn render(&self, digest: &Digest, format: Format) -> Result<String> {
        self.render_web(digest, format, Value::from(()), None)
    }

    /// Renders `digest` for the web app's own view of it: `web` is what only the app has
    /// (the comment forms' CSRF token, the comments made so far; see
    /// `templates/comments.html.j2`), none in a file; `app_link` is the address of the
    /// digest's page in the app (`https://kooste.example/digest/rannikko-4`), so that the
    /// digest links back to it.
    pub fn render_web(
        &self,
        digest: &Digest,
        format: Format,
        web: Value,
        app_link: Option<&str>,
    ) -> Result<String> {
        let env = self.environment(digest.lang);
        let run = || -> std::result::Result<String, minijinja::Error> {
            let t = env.get_template(format.template())?;
            t.render(minijinja::context! {
                digest => Value::from(Serde(digest)),
                t => Value::from(Serde(self.text(digest.lang))),
                lang => digest.lang.as_str(),
                web => web.clone(),
                app_link => app_link,
            })
        };
        run().map_err(|e| self.error(&e))
    }

    fn environment(&self, lang: Lang) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            let name = name.strip_suffix(".j2").unwrap_or(name);
            match name.rsplit('.').next() {
                Some("html" | "htm" | "svg" | "xml") => AutoEscape::Html,
                _ => AutoEscape::None,
            }
        });
        set_syntax(&mut env, true);
        let dir = self.dir.clone();
        env.set_loader(move |name| {
            read_template(dir.as_deref(), BUILTIN, name).map_err(|(p, e)| {
                minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", p.display()),
                )
            })
        });
        let terms = Strings::in_lang(&self.strings.terms, lang);
        env.add_filter("term", move |word: String| -> String {
            terms
                .get(&word)
                .or_else(|| terms.get(&word.to_lowercase()))
                .filter(|t| !t.is_empty())
                .cloned()
                .unwrap_or(word)
        });
        add_text_filters(&mut env);
        env.add_filter("md", md_escape);
        env
    }

    fn error(&self, e: &minijinja::Error) -> Error {
        // The innermost error with a template name says where the mistake is.
        let mut at: &minijinja::Error = e;
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cur {
            if let Some(m) = c.downcast_ref::<minijinja::Error>()
                && m.name().is_some()
            {
                at = m;
            }
            cur = c.source();
        }
        let name = at.name().unwrap_or("?").to_string();
        let (path, builtin) = match self.project_file(&name) {
            Some(p) => (p.display().to_string(), false),
            None => (format!("templates/{name}"), true),
        };
        let mut message = match at.detail() {
            Some(d) => format!("{}: {d}", at.kind()),
            None => at.kind().to_string(),
        };
        if builtin {
            message.push_str(" (in the built-in template)");
        }
        Error::Template {
            path,
            line: at.line().unwrap_or(0),
            message,
        }
    }
}

fn builtin_strings() -> Strings {
    // The built-in file is checked by a test; should it ever be broken, render with no
    // wording rather than fail, and the templates say which key is missing.
    let text = BUILTIN
        .iter()
        .find(|(n, _)| *n == STRINGS)
        .map(|(_, t)| *t)
        .unwrap_or_default();
    toml::from_str(text).unwrap_or_default()
}

/// Adds the filters every kooste template uses for wording: `fill` and `date` (below).
/// The web app's pages use them too.
pub fn add_text_filters(env: &mut Environment<'_>) {
    env.add_filter("fill", fill);
    env.add_filter("date", local_date);
}

/// `{{ t.key | fill(name=value) }}`: replaces `{name}` in a text.
fn fill(text: String, kwargs: Kwargs) -> std::result::Result<String, minijinja::Error> {
    let mut out = text;
    for k in kwargs.args().map(str::to_string).collect::<Vec<_>>() {
        let v: Value = kwargs.get(&k)?;
        out = out.replace(&format!("{{{k}}}"), &v.to_string());
    }
    kwargs.assert_all_used()?;
    Ok(out)
}

/// Escapes a document's text (an answer, a title, a pseudonym) for the Markdown digest, as
/// one line of running text or a table cell ([`kooste_core::markdown::escape_flat`]).
pub fn md_escape(text: String) -> String {
    kooste_core::markdown::escape_flat(&text)
}

/// `2018-03-01` → `1.3.2018`, the way dates are written in Finnish and Swedish.
fn local_date(value: String) -> String {
    value
        .parse::<kooste_core::model::Date>()
        .map_or(value, |d| d.local())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_core::model::{Dimension, Voice};
    use kooste_core::steps::{Kind, Status};

    #[test]
    fn every_string_is_in_both_languages() {
        let text = BUILTIN.iter().find(|(n, _)| *n == STRINGS).unwrap().1;
        let s: Strings = toml::from_str(text).expect("templates/strings.toml is valid");
        for (k, v) in s.text.iter().chain(&s.terms) {
            assert!(!v.fi.trim().is_empty(), "{k}: no Finnish");
            assert!(!v.sv.trim().is_empty(), "{k}: no Swedish");
        }
        let mut needed: Vec<String> = Vec::new();
        for v in Voice::ALL {
            needed.push(format!("voice_{v}"));
            needed.push(format!("voices_{v}"));
        }
        for d in Dimension::ALL {
            needed.push(format!("dim_{d}"));
        }
        for kind in [
            "bad_file",
            "unknown_passage",
            "unknown_finding",
            "not_member",
        ] {
            needed.push(format!("curation_{kind}"));
        }
        for st in Status::ALL {
            needed.push(format!("status_{}", st.as_str().replace('-', "_")));
        }
        for k in Kind::ALL {
            needed.push(format!("kind_{k}"));
        }
        for k in needed {
            assert!(s.text.contains_key(&k), "strings.toml lacks {k}");
        }
    }

    #[test]
    fn filters() {
        assert_eq!(local_date("2018-03-01".into()), "1.3.2018");
        assert_eq!(local_date("2018-12-24".into()), "24.12.2018");
        assert_eq!(md_escape("a*b | c_d".into()), "a\\*b \\| c_d");
        assert_eq!(
            md_escape("[x](javascript:alert(1))".into()),
            "\\[x](javascript:alert(1))"
        );
        assert_eq!(
            md_escape("- eka\r# toka\r\n3. kolmas".into()),
            "\\- eka \\# toka 3. kolmas"
        );
        assert_eq!(md_escape("1. eka".into()), "1\\. eka");
    }

    /// Whatever a text holds, the escaped text is one paragraph of plain text to a Markdown
    /// reader (with the extensions GitHub and editors use), its words as written.
    #[test]
    fn escaped_text_builds_no_markup() {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let texts = [
            "[x](javascript:alert(1))",
            "![kuva](http://evil.example/k.png) <script>alert(1)</script> <b>x</b>",
            "eka\r## Mitä sosiaalityöntekijä teki tässä?\r\rX",
            "rivi\n===\nja\n---\n> lainaus\n- lista\n+ lista\n1) lista\n```\nkoodi",
            "*em* _em_ **vahva** ~~yli~~ `koodi` &amp; &#x3C; <http://evil.example> a|b",
            "[ref]: http://evil.example\n[ref]\n    sisennetty\n\t\tsarkain",
            "puhelin [puhelin] ja [a [b](javascript:1) [c][d] [e][] [f]: g [h](i",
            "\\[x\\](javascript:1) \\\\[y](javascript:2)",
            "| a | b |\n|---|---|\n| c | d |",
            "- [ ] tehtävä\u{2028}# otsikko\u{2029}[^1]",
        ];
        let opts = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES;
        for t in texts {
            let md = md_escape(t.to_string());
            let mut plain = String::new();
            for e in Parser::new_ext(&md, opts) {
                match e {
                    Event::Start(Tag::Paragraph) | Event::End(_) => {}
                    Event::Text(s) => plain.push_str(&s),
                    other => panic!("{other:?} from {t:?} as {md:?}"),
                }
            }
            let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(words(&plain), words(t), "{t:?} as {md:?}");
        }
    }
}
