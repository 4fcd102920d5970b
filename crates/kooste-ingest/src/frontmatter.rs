//! YAML front matter between `---` lines: splitting it off and turning it into metadata,
//! with an error per bad field that names its line.

use kooste_core::model::{Date, DocumentMeta, Lang, Voice, is_valid_id};
use serde_norway::Value;

/// The front-matter fields a document may have.
pub(crate) const FIELDS: &[&str] = &[
    "id",
    "title",
    "voice",
    "via",
    "workshop",
    "theme",
    "battery",
    "date",
    "lang",
    "pseudonym",
    "source",
    "source_key",
    "content_key",
    "row",
    "comment_on",
];

/// Front-matter fields that hold a list.
pub(crate) const LIST_FIELDS: &[&str] = &["comment_passages"];

/// A document split into its front matter and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML text, without the `---` lines, if there was front matter.
    pub yaml: Option<&'a str>,
    /// The body.
    pub body: &'a str,
    /// The 1-based line where the body starts.
    pub body_line: usize,
}

/// Splits off front matter. Fails with `(line, message)` when it is opened but never closed.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, (usize, String)> {
    let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Ok(Split {
            yaml: None,
            body: text,
            body_line: 1,
        });
    }
    let mut pos = first_end;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len());
        let l = text[pos..end].trim_end();
        if l == "---" || l == "..." {
            return Ok(Split {
                yaml: Some(&text[first_end..pos]),
                body: &text[end..],
                body_line: line + 1,
            });
        }
        pos = end;
        line += 1;
    }
    Err((1, "the front matter opened with --- on this line is never closed; add a line with only --- after the last field".into()))
}

/// Front matter as YAML reads it: [`simple`] when it has that shape, else the YAML parser.
fn yaml_value(yaml: &str) -> Result<Value, serde_norway::Error> {
    match simple(yaml) {
        Some(m) => Ok(Value::Mapping(m)),
        None => serde_norway::from_str::<Value>(yaml),
    }
}

/// Front matter in the shape kooste writes and most people keep, read without the YAML
/// parser (which was a fifth of the time reading a corpus file took): only `key: value`
/// lines, each key once, the key a lower-case word, the value plain words (letters,
/// digits, `-`, `_`, `.`, `/` and single spaces between them) that YAML takes for a string,
/// not for null, a boolean or a number, or a whole number written plainly (`row: 12`).
/// `None` when it is not of this shape; then the YAML parser reads it. What this gives is what the parser gives (a test compares them).
fn simple(yaml: &str) -> Option<serde_norway::Mapping> {
    let mut m = serde_norway::Mapping::new();
    let mut lines = yaml.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        let (key, value) = line.split_once(": ")?;
        let key_ok = key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let value_ok = value.starts_with(|c: char| {
            c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphabetic())
        }) && !value.ends_with(' ')
            && !value.contains("  ")
            && value.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '_' | '.' | '/' | ' ')
                    || (!c.is_ascii() && c.is_alphabetic())
            });
        // A whole number as YAML writes one (a form's `row`): no sign, no leading zero.
        let number = if (value == "0" || !value.starts_with('0'))
            && value.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = value.parse::<u64>()
        {
            Some(n)
        } else {
            None
        };
        if !(key_ok
            && value_ok
            && surely_a_string(key)
            && (number.is_some() || surely_a_string(value)))
        {
            return None;
        }
        let key = Value::String(key.to_string());
        if m.contains_key(&key) {
            return None;
        }
        let value = match number {
            Some(n) => Value::Number(n.into()),
            None => Value::String(value.to_string()),
        };
        m.insert(key, value);
    }
    Some(m)
}

/// Whether YAML reads the plain scalar `v` as a string for sure: it is none of the words
/// for null and the booleans, and cannot be read as an integer (in any base, with a sign)
/// or a number with a point or exponent (or infinity or not-a-number). When in doubt, no.
fn surely_a_string(v: &str) -> bool {
    if matches!(
        v,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) {
        return false;
    }
    let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
    let unsigned = unsigned.strip_prefix(['+', '-']).unwrap_or(unsigned);
    let (digits, radix) = if let Some(d) = unsigned.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (d, 8)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (d, 2)
    } else {
        (unsigned, 10)
    };
    let digits = digits.strip_prefix(['+', '-']).unwrap_or(digits);
    let integer = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    let lower = unsigned.to_ascii_lowercase();
    let float = v.parse::<f64>().is_ok()
        || unsigned.parse::<f64>().is_ok()
        || matches!(lower.as_str(), ".inf" | ".nan" | "inf" | "infinity" | "nan");
    !(integer || float)
}

/// What the corpus needs to know of a stored document without reading it whole.
#[derive(Debug, Default)]
pub(crate) struct Peek {
    pub(crate) id: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) source_key: Option<String>,
    pub(crate) content_key: Option<String>,
}

/// Reads only `id` and the source facts from front matter, whatever else it holds, so that
/// the corpus can be mapped even when some of its files are invalid.
pub(crate) fn peek(yaml: Option<&str>) -> Peek {
    let Some(Ok(Value::Mapping(m))) = yaml.map(yaml_value) else {
        return Peek::default();
    };
    let get = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Peek {
        id: get("id"),
        source: get("source"),
        source_key: get("source_key"),
        content_key: get("content_key"),
    }
}

/// The file line of `key:` in front matter `yaml` (which starts on line 2), if it is there.
pub(crate) fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 2)
}

/// Metadata that may come from the command line instead of the front matter.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// `--voice`.
    pub voice: Option<Voice>,
    /// `--workshop`.
    pub workshop: Option<String>,
    /// `--theme`.
    pub theme: Option<String>,
    /// `--date`.
    pub date: Option<Date>,
    /// `--lang`.
    pub lang: Option<Lang>,
}

/// Parses front matter into metadata. `id` is used when the front matter has none.
/// Errors are `(line, message)` with lines of the whole file.
pub(crate) fn parse_meta(
    yaml: Option<&str>,
    id: &str,
    defaults: &Defaults,
) -> Result<DocumentMeta, Vec<(usize, String)>> {
    let mut errors = Vec::new();
    let mut fields = serde_norway::Mapping::new();
    // When the YAML itself is broken, every field looks missing: report only the YAML error.
    let mut yaml_failed = false;
    if let Some(yaml) = yaml.filter(|y| !y.trim().is_empty()) {
        match yaml_value(yaml) {
            Ok(Value::Mapping(m)) => fields = m,
            Ok(Value::Null) => {}
            Ok(_) => errors.push((
                2,
                "the front matter must be lines of `field: value`".to_string(),
            )),
            Err(e) => {
                yaml_failed = true;
                let line = e.location().map(|l| l.line() + 1).unwrap_or(2);
                errors.push((line, format!("the front matter is not valid YAML ({e}); write each field as `field: value`")));
            }
        }
    }
    let yaml = yaml.unwrap_or("");
    let line_of = |key: &str| key_line(yaml, key).unwrap_or(2);
    let mut text = |key: &str, errors: &mut Vec<(usize, String)>| -> Option<String> {
        match fields.remove(key)? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
            _ => {
                errors.push((
                    line_of(key),
                    format!("`{key}` must be a single value, not a list or a table"),
                ));
                None
            }
        }
    };
    let raw: Vec<(&str, Option<String>)> =
        FIELDS.iter().map(|k| (*k, text(k, &mut errors))).collect();
    // A comment's passages: a list of passage ids.
    let mut comment_passages = Vec::new();
    match fields.remove("comment_passages") {
        None | Some(Value::Null) => {}
        Some(Value::Sequence(items)) => {
            for item in items {
                match item {
                    Value::String(s) if kooste_core::model::is_passage_id(s.trim()) => {
                        comment_passages.push(s.trim().to_string());
                    }
                    _ => errors.push((
                        line_of("comment_passages"),
                        "`comment_passages` must list passage ids like doc-1#2".to_string(),
                    )),
                }
            }
        }
        Some(_) => errors.push((
            line_of("comment_passages"),
            "`comment_passages` must be a list of passage ids, one `- doc-1#2` per line"
                .to_string(),
        )),
    }
    for (k, _) in fields.iter() {
        let name = k
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{k:?}"));
        errors.push((
            line_of(&name),
            format!(
                "unknown field `{name}`; the fields are {}",
                // The source facts are kooste's own; a person never writes them.
                FIELDS
                    .iter()
                    .chain(LIST_FIELDS)
                    .filter(|f| !f.ends_with("_key"))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let get = |k: &str| {
        raw.iter()
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.clone())
    };
    fn typed<T: std::str::FromStr<Err = String>>(
        v: Option<String>,
        line: usize,
        errors: &mut Vec<(usize, String)>,
    ) -> Option<T> {
        v.and_then(|s| s.parse::<T>().map_err(|e| errors.push((line, e))).ok())
    }
    let voice = typed::<Voice>(get("voice"), line_of("voice"), &mut errors);
    let via = typed::<Voice>(get("via"), line_of("via"), &mut errors);
    let date = typed::<Date>(get("date"), line_of("date"), &mut errors);
    let lang = typed::<Lang>(get("lang"), line_of("lang"), &mut errors);
    let row = get("row").and_then(|r| {
        r.parse::<usize>()
            .map_err(|_| {
                errors.push((line_of("row"), format!("`row` must be a number, not '{r}'")))
            })
            .ok()
    });
    // The source facts are kooste's own keyed fingerprints: 32 hexadecimal digits.
    let mut fingerprint = |key: &str| -> Option<String> {
        let v = get(key)?;
        if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(v)
        } else {
            errors.push((
                line_of(key),
                format!("`{key}` is kooste's own fingerprint of where the document came from, and this one is not; remove the line"),
            ));
            None
        }
    };
    let source_key = fingerprint("source_key");
    let content_key = fingerprint("content_key");
    let id = get("id").unwrap_or_else(|| id.to_string());
    if !is_valid_id(&id) {
        errors.push((
            line_of("id"),
            format!("id '{id}' may only hold letters a-z, digits, '.', '_' and '-'"),
        ));
    }
    let mut merge = |key: &str,
                     from_file: Option<String>,
                     flag: Option<String>|
     -> Option<String> {
        match (from_file, flag) {
            (Some(f), Some(c)) if f != c => {
                errors.push((line_of(key), format!("the front matter says {key} '{f}' but --{key} {c} was given; remove one of them")));
                Some(f)
            }
            (f, c) => f.or(c),
        }
    };
    let voice_s = merge(
        "voice",
        voice.map(|v| v.to_string()),
        defaults.voice.map(|v| v.to_string()),
    );
    let workshop = merge("workshop", get("workshop"), defaults.workshop.clone());
    let theme = merge("theme", get("theme"), defaults.theme.clone());
    let date_s = merge(
        "date",
        date.map(|d| d.to_string()),
        defaults.date.map(|d| d.to_string()),
    );
    let lang_s = merge(
        "lang",
        lang.map(|l| l.to_string()),
        defaults.lang.map(|l| l.to_string()),
    );
    let voice = voice_s.and_then(|v| v.parse().ok());
    if voice.is_none() && !yaml_failed && !errors.iter().any(|(l, _)| *l == line_of("voice")) {
        errors.push((1, format!("no voice: add `voice: client|worker|researcher` to the front matter or give --voice ({})", Voice::valid_values())));
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(errors);
    }
    Ok(DocumentMeta {
        id,
        title: get("title"),
        voice: voice.expect("checked above"),
        via,
        workshop,
        theme,
        battery: get("battery"),
        date: date_s.and_then(|d| d.parse().ok()),
        lang: lang_s.and_then(|l| l.parse().ok()),
        pseudonym: get("pseudonym"),
        source: get("source"),
        source_key,
        content_key,
        row,
        comment_on: get("comment_on"),
        comment_passages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Front matter read without the YAML parser is what the parser reads: on kooste's own
    /// front matter, and on generated lines of keys and tricky values (numbers in every
    /// base and spelling, null and boolean words, dates, quotes, indicators, comments,
    /// spacing, repeated keys), whenever the short path takes them.
    #[test]
    fn simple_front_matter_is_what_yaml_reads() {
        let row = "id: rannikko-3-lomake-12\nvoice: client\nrow: 12\nbattery: asp-paiva\n";
        let m = simple(row).expect("a form row's front matter is simple");
        assert_eq!(
            serde_norway::from_str::<Value>(row).unwrap(),
            Value::Mapping(m)
        );
        let own = "id: kaupunki-2-tutkija-0013888\nvoice: researcher\nworkshop: kaupunki-2\ntheme: osallisuus\ndate: 2017-11-18\nlang: fi\nsource: inbox/kaupunki-2/kaupunki-2-tutkija-0013888.md\nsource_key: 52a7b46bf18d673a8a3d630a5970cc53\ncontent_key: d3e7a0f5e7a5761efb7bc55d0d2c1d2a\n";
        let m = simple(own).expect("kooste's own front matter is simple");
        assert_eq!(
            serde_norway::from_str::<Value>(own).unwrap(),
            Value::Mapping(m)
        );
        const KEYS: &[&str] = &[
            "id", "voice", "lang", "date", "title", "x1", "null", "true", "on", "inf", "Key",
            "a_b", "äiti",
        ];
        const VALUES: &[&str] = &[
            "fi",
            "sv",
            "client",
            "2017-11-18",
            "2017-11-18T10:00",
            "12:30",
            "0x1F",
            "0x",
            "0xZZ",
            "0o17",
            "0b101",
            "+1",
            "-1",
            "+-1",
            "1",
            "0",
            "00",
            "0123",
            "1_000",
            "1e5",
            "1E5",
            "e5",
            "1.5",
            ".5",
            "1.",
            "-.5",
            "+.inf",
            "-.INF",
            ".NaN",
            "inf",
            "Infinity",
            "nan",
            "NaN",
            "null",
            "Null",
            "~",
            "true",
            "TRUE",
            "False",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "kaupunki-2-tutkija-0013888",
            "a b",
            "a  b",
            "äiti",
            "Kotikäynti ja luottamus",
            "a:b",
            "a: b",
            "a #c",
            "a#c",
            "x/y",
            "-x",
            "- x",
            "@x",
            "'q'",
            "\"q\"",
            "[a]",
            "{a}",
            "a,b",
            "*a",
            "&a",
            "!a",
            "|",
            "> x",
            "%x",
            "`x`",
            "",
            " lead",
            "trail ",
            "-",
            "+",
            ".",
            "_x",
            "x_",
            "ä-ö",
            "123456789012345678901234567890123456789012",
            "99999999999999999999",
            "-99999999999999999999",
            "0x7fffffffffffffffffffffffffffffffff",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut simple_ones = 0;
        for _ in 0..20_000 {
            let mut yaml = String::new();
            for _ in 0..(next() % 5) {
                let key = KEYS[(next() % KEYS.len() as u64) as usize];
                let value = VALUES[(next() % VALUES.len() as u64) as usize];
                let sep = match next() % 10 {
                    0 => ":",
                    1 => ":  ",
                    _ => ": ",
                };
                yaml.push_str(&format!("{key}{sep}{value}\n"));
                if next() % 20 == 0 {
                    yaml.push_str(if next() % 2 == 0 { "\n" } else { "# note\n" });
                }
            }
            if let Some(m) = simple(&yaml) {
                simple_ones += 1;
                let parsed = serde_norway::from_str::<Value>(&yaml);
                let expected = if yaml.is_empty() {
                    // The caller never parses empty front matter.
                    continue;
                } else {
                    parsed.ok()
                };
                assert_eq!(expected, Some(Value::Mapping(m)), "{yaml:?}");
            }
        }
        assert!(simple_ones > 2_000, "{simple_ones}");
    }

    #[test]
    fn splits_and_reports_unclosed() {
        let s = split_front_matter("---\nvoice: client\n---\nText\n").unwrap();
        assert_eq!(s.yaml, Some("voice: client\n"));
        assert_eq!((s.body, s.body_line), ("Text\n", 4));
        assert_eq!(split_front_matter("Just text").unwrap().yaml, None);
        assert_eq!(
            split_front_matter("---\nvoice: client\nText\n")
                .unwrap_err()
                .0,
            1
        );
    }

    #[test]
    fn bad_fields_name_their_line() {
        let errs = parse_meta(
            Some("theme: x\nvoice: manager\nvoise: client\ndate: 14.3.2018\n"),
            "a",
            &Defaults::default(),
        )
        .unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![3, 4, 5], "{errs:?}");
        assert!(errs[0].1.starts_with("unknown voice 'manager'"));
    }

    #[test]
    fn finnish_voice_and_defaults() {
        let d = Defaults {
            workshop: Some("r-1".into()),
            ..Default::default()
        };
        let m = parse_meta(Some("voice: työntekijä\nvia: asiakas\n"), "x", &d).unwrap();
        assert_eq!(
            (m.voice, m.via, m.workshop.as_deref()),
            (Voice::Worker, Some(Voice::Client), Some("r-1"))
        );
    }
}
