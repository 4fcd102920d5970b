//! Writes reproducible synthetic kooste projects of a given size for benchmarks.
//!
//! `kooste-gen --passages N --seed S -o DIR` writes a project skeleton (`kooste.toml`,
//! `participants.toml`, three regions' workshop cycles, empty `corpus/` and `templates/`)
//! and an `inbox/` of about N passages to ingest: Markdown with front matter from all three
//! voices and CSV "day of adult social work" forms (semicolons in Windows-1252 or UTF-8 with
//! a byte-order mark, commas in UTF-8), in Finnish and Swedish, with invented personal data
//! for the redactor to find and OCR-like damage in a share of the documents. The same seed
//! gives byte-identical output. Everything is invented.

mod vocab;

use anyhow::{Context, bail};
use clap::Parser;
use kooste_core::fsutil::write_atomic;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use vocab::{FI, FIRST_NAMES, Lexicon, SURNAMES, SV};

/// Write a synthetic kooste project for benchmarks.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// How many passages the inbox holds (at least; the last document may add a few).
    #[arg(long, default_value_t = 10_000)]
    passages: usize,
    /// The seed: the same seed and size give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The project directory to create (must not hold a kooste.toml yet).
    #[arg(short, long)]
    out: PathBuf,
    /// Share of documents with OCR-like damage, in percent.
    #[arg(long, default_value_t = 15)]
    ocr_percent: u64,
    /// Share of documents with invented personal data, in percent.
    #[arg(long, default_value_t = 12)]
    personal_percent: u64,
}

/// SplitMix64: small, fast, and the same on every platform, which is all reproducible
/// generation needs.
struct Rng(kooste_core::rng::Rng);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next()
    }
    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    /// True with probability `per_mille` per thousand.
    fn chance_mille(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

struct Region {
    id: &'static str,
    name: &'static str,
    name_sv: &'static str,
    /// Share of Swedish documents, in percent.
    swedish: u64,
    /// The region's extra theme.
    extra: &'static str,
    /// Year of the first workshop.
    year: u32,
}

const REGIONS: [Region; 3] = [
    Region {
        id: "rannikko",
        name: "Rannikkoseutu",
        name_sv: "Kustregionen",
        swedish: 45,
        extra: "tiedottaminen",
        year: 2017,
    },
    Region {
        id: "kuntayhtyma",
        name: "Peruspalvelukuntayhtymä",
        name_sv: "Samkommunen för basservice",
        swedish: 0,
        extra: "kotikaynnit",
        year: 2016,
    },
    Region {
        id: "kaupunki",
        name: "Kaupunki",
        name_sv: "Staden",
        swedish: 5,
        extra: "tiedottaminen",
        year: 2017,
    },
];

const THEMES: [(&str, &str, &str); 6] = [
    ("osallisuus", "Osallisuus", "Delaktighet"),
    (
        "ihanne",
        "Aikuissosiaalityön ihanne ja ydinsisältö",
        "Det vuxensociala arbetets ideal och kärninnehåll",
    ),
    (
        "kehittamisaskeleet",
        "Kehittämisaskeleet",
        "Utvecklingssteg",
    ),
    (
        "teoria",
        "Aikuissosiaalityön teoreettinen perusta",
        "Det vuxensociala arbetets teoretiska grund",
    ),
    (
        "tiedottaminen",
        "Aikuissosiaalityöstä tiedottaminen",
        "Information om vuxensocialt arbete",
    ),
    ("kotikaynnit", "Kotikäynnit", "Hembesök"),
];

/// The six workshops' themes and methods, the same in every region but for the extra theme
/// of workshop 5.
fn workshop_themes(number: u32, extra: &'static str) -> Vec<&'static str> {
    match number {
        1 => vec!["osallisuus"],
        2 => vec!["osallisuus", "ihanne"],
        3 => vec!["ihanne", "teoria"],
        4 => vec!["kehittamisaskeleet", "teoria"],
        5 => vec![extra, "kehittamisaskeleet"],
        _ => vec!["teoria", "kehittamisaskeleet"],
    }
}

/// Month and day of each workshop (two per year, six over three years).
fn workshop_date(region: &Region, number: u32) -> (u32, u32, u32) {
    let year = region.year + (number - 1) / 2;
    let (m, d) = if number % 2 == 1 { (3, 14) } else { (10, 9) };
    (year, m, d)
}

struct Person {
    name: String,
    first: String,
    pseudonym: String,
    role: &'static str,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.out.join("kooste.toml").exists() {
        bail!(
            "{}: already holds a kooste.toml; give a new directory",
            args.out.display()
        );
    }
    let mut rng = Rng(kooste_core::rng::Rng::new(args.seed));
    let people = register(&mut rng);
    write_skeleton(&args.out, &people)?;
    let stats = write_inbox(&args, &mut rng, &people)?;
    println!(
        "{}: {} passages in {} documents ({} Markdown files, {} CSV files with {} rows); \
         personal data in {} documents, OCR damage in {}",
        args.out.display(),
        stats.passages,
        stats.documents,
        stats.markdown,
        stats.csv_files,
        stats.csv_rows,
        stats.personal,
        stats.ocr
    );
    Ok(())
}

/// The invented participant register: every region's clients, workers and researchers.
fn register(rng: &mut Rng) -> Vec<Person> {
    let mut people = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (role, label, n) in [
        ("client", "Asiakas", 24),
        ("worker", "Työntekijä", 18),
        ("researcher", "Tutkija", 4),
    ] {
        for i in 1..=n {
            let (first, last) = loop {
                let f = *rng.pick(FIRST_NAMES);
                let l = *rng.pick(SURNAMES);
                if used.insert(format!("{f} {l}")) {
                    break (f, l);
                }
            };
            people.push(Person {
                name: format!("{first} {last}"),
                first: first.to_string(),
                pseudonym: format!("{label} {i}"),
                role,
            });
        }
    }
    people
}

fn write_skeleton(dir: &Path, people: &[Person]) -> anyhow::Result<()> {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        write_atomic(&p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))
    };
    for sub in ["corpus", "templates", "workshops/batteries", "inbox"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating {}", dir.join(sub).display()))?;
    }
    let mut toml = String::from(
        "# A synthetic project written by kooste-gen for benchmarks. Everything is invented.\n\
         [project]\nname = \"Synteettinen vertailuaineisto\"\nlang = \"fi\"\n",
    );
    for (id, fi, sv) in THEMES {
        let _ = write!(toml, "\n[themes.{id}]\nfi = \"{fi}\"\nsv = \"{sv}\"\n");
    }
    w("kooste.toml", &toml)?;
    let mut reg = String::from("# Invented participants of the synthetic project.\n");
    for p in people {
        let _ = write!(
            reg,
            "\n[[participant]]\nname = \"{}\"\npseudonym = \"{}\"\nrole = \"{}\"\naliases = [\"{}\"]\n",
            p.name, p.pseudonym, p.role, p.first
        );
    }
    w("participants.toml", &reg)?;
    for r in &REGIONS {
        let mut t = format!(
            "id = \"{}\"\nname = \"{}\"\nname_sv = \"{}\"\n",
            r.id, r.name, r.name_sv
        );
        for n in 1..=6 {
            let (y, m, d) = workshop_date(r, n);
            let themes = workshop_themes(n, r.extra);
            let _ = write!(
                t,
                "\n[[workshop]]\nnumber = {n}\ndate = {y}-{m:02}-{d:02}\nthemes = [{}]\n\
                 methods = [\"pienryhmät\", \"yhteiskeskustelu\"]\n",
                themes
                    .iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if n < 6 {
                let (dy, dm) = if m + 2 > 12 {
                    (y + 1, m - 10)
                } else {
                    (y, m + 2)
                };
                let _ = write!(
                    t,
                    "\n[workshop.task]\ntheme = \"{}\"\nfrom = [\"client\", \"worker\"]\n\
                     how = \"Työntekijä ja asiakas täyttävät lomakkeen yhdessä.\"\n\
                     battery = \"asp-paiva\"\ndue = {dy}-{dm:02}-{d:02}\n",
                    themes[0]
                );
            }
        }
        w(&format!("workshops/{}.toml", r.id), &t)?;
    }
    w(
        kooste_core::steps::STEPS_FILE,
        kooste_core::steps::EMPTY_STEPS_TOML,
    )?;
    w(".gitignore", ".kooste/\nparticipants.toml\nusers.toml\n")?;
    Ok(())
}

#[derive(Default)]
struct Stats {
    passages: usize,
    documents: usize,
    markdown: usize,
    csv_files: usize,
    csv_rows: usize,
    personal: usize,
    ocr: usize,
}

/// Writes the inbox: one directory per workshop (`inbox/REGION-N/`), so that each can be
/// ingested with `--workshop REGION-N`, which the CSV forms need.
fn write_inbox(args: &Args, rng: &mut Rng, people: &[Person]) -> anyhow::Result<Stats> {
    let mut stats = Stats::default();
    let mut serial = 0usize;
    while stats.passages < args.passages {
        serial += 1;
        let region = rng.pick(&REGIONS);
        let number = rng.range(1, 6) as u32;
        let ws = format!("{}-{number}", region.id);
        let lang = if rng.chance(region.swedish) {
            "sv"
        } else {
            "fi"
        };
        let lex = if lang == "sv" { &SV } else { &FI };
        let dir = args.out.join("inbox").join(&ws);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let personal = rng.chance(args.personal_percent);
        let ocr = rng.chance(args.ocr_percent);
        stats.personal += usize::from(personal);
        stats.ocr += usize::from(ocr);
        // About one file in eight is a form; a form file holds several rows (situations).
        let (name, bytes, passages, docs) = if rng.chance(12) {
            let rows = rng.range(3, 12) as usize;
            let bytes = csv_form(rng, lex, lang, rows, personal.then_some(people), ocr);
            stats.csv_files += 1;
            stats.csv_rows += rows;
            (
                format!("asp-paiva-{ws}-{serial:07}.csv"),
                bytes,
                rows * 3,
                rows,
            )
        } else {
            let (text, passages) = markdown(
                rng,
                lex,
                lang,
                region,
                number,
                personal.then_some(people),
                ocr,
            );
            stats.markdown += 1;
            let voice = text
                .lines()
                .find_map(|l| l.strip_prefix("voice: "))
                .unwrap_or("doc");
            (
                format!("{ws}-{voice}-{serial:07}.md"),
                text.into_bytes(),
                passages,
                1,
            )
        };
        // Generated data is disposable and rebuilt from the seed; an fsync per file (as
        // `write_atomic` does) would make writing a million passages take far longer.
        std::fs::write(dir.join(&name), bytes)
            .with_context(|| format!("writing {}", dir.join(&name).display()))?;
        stats.passages += passages;
        stats.documents += docs;
    }
    Ok(stats)
}

/// One sentence: an opener, a clause of the given kind, a tail.
fn sentence(rng: &mut Rng, lex: &Lexicon, clauses: &[&str]) -> String {
    let opener = *rng.pick(lex.openers);
    let clause = *rng.pick(clauses);
    let tail = *rng.pick(lex.tails);
    let mut s = format!("{opener}{clause}{tail}");
    if rng.chance(10) {
        let _ = write!(
            s,
            " {}.{}.{}",
            rng.range(1, 28),
            rng.range(1, 12),
            rng.range(2015, 2019)
        );
    }
    if rng.chance(6) {
        let _ = write!(s, " ({} €)", rng.range(2, 300) * 10);
    }
    s.push('.');
    capitalise(&s)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A paragraph of one to four sentences in a voice.
fn paragraph(rng: &mut Rng, lex: &Lexicon, voice: &str) -> String {
    let n = rng.range(1, 4);
    let mut out = Vec::new();
    for _ in 0..n {
        let s = match voice {
            "client" => {
                let kind = *rng.pick(&[lex.situations, lex.situations, lex.help, lex.actors]);
                sentence(rng, lex, kind)
            }
            "worker" => {
                let kind = *rng.pick(&[lex.actions, lex.actions, lex.situations, lex.actors]);
                sentence(rng, lex, kind)
            }
            _ => {
                if rng.chance(15) {
                    rng.pick(lex.questions).to_string()
                } else {
                    format!("{}.", rng.pick(lex.research))
                }
            }
        };
        out.push(s);
    }
    out.join(" ")
}

/// A sentence with invented personal data of someone in the register, or of nobody in it.
fn personal_sentence(rng: &mut Rng, lex: &Lexicon, people: &[Person]) -> String {
    let p = rng.pick(people);
    let (full, first) = (p.name.clone(), p.first.clone());
    let email = format!(
        "{}.{}@example.fi",
        ascii(&first),
        ascii(&full[first.len() + 1..])
    );
    let firstgen = if first.ends_with(|c: char| "aeiouyäö".contains(c)) {
        format!("{first}n")
    } else {
        format!("{first}in")
    };
    rng.pick(lex.personal)
        .replace("{full}", &full)
        .replace("{firstgen}", &firstgen)
        .replace("{first}", &first)
        .replace("{hetu}", &hetu(rng))
        .replace("{phone}", &phone(rng))
        .replace("{email}", &email)
}

fn ascii(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'ä' | 'å' => 'a',
            'ö' => 'o',
            c => c,
        })
        .collect()
}

/// An invented personal identity code with a valid check character.
fn hetu(rng: &mut Rng) -> String {
    let year = rng.range(1940, 2005);
    let (month, day) = (rng.range(1, 12), rng.range(1, 28));
    let individual = rng.range(2, 899);
    let sign = if year >= 2000 { 'A' } else { '-' };
    let n = day * 10_000_000 + month * 100_000 + (year % 100) * 1000 + individual;
    let check = b"0123456789ABCDEFHJKLMNPRSTUVWXY"[(n % 31) as usize] as char;
    format!(
        "{day:02}{month:02}{:02}{sign}{individual:03}{check}",
        year % 100
    )
}

fn phone(rng: &mut Rng) -> String {
    let a = rng.range(100, 999);
    let b = rng.range(1000, 9999);
    match rng.range(0, 2) {
        0 => format!("040 {a} {b}"),
        1 => format!("+358 50 {a} {b}"),
        _ => format!("045-{a}{b}"),
    }
}

/// OCR-like damage: lost diacritics, confused letters, words split by a stray space or a
/// hyphenation remnant.
fn ocr_noise(rng: &mut Rng, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut word_len = 0;
    for (i, &c) in chars.iter().enumerate() {
        let next_is_letter = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        if c.is_alphabetic() {
            word_len += 1;
        } else {
            word_len = 0;
        }
        let damaged = match c {
            'ä' if rng.chance(25) => 'a',
            'ö' if rng.chance(25) => 'o',
            'å' if rng.chance(25) => 'a',
            'l' if rng.chance_mille(40) => '1',
            'i' if rng.chance_mille(30) => 'l',
            'e' if rng.chance_mille(20) => 'c',
            'm' if rng.chance_mille(30) => {
                out.push('r');
                'n'
            }
            c => c,
        };
        out.push(damaged);
        if word_len >= 4 && next_is_letter && rng.chance_mille(8) {
            out.push_str(if rng.chance(50) { " " } else { "- " });
            word_len = 0;
        }
    }
    out
}

fn markdown(
    rng: &mut Rng,
    lex: &Lexicon,
    lang: &str,
    region: &Region,
    number: u32,
    people: Option<&[Person]>,
    ocr: bool,
) -> (String, usize) {
    let roll = rng.range(0, 99);
    let voice = if roll < 42 {
        "client"
    } else if roll < 84 {
        "worker"
    } else {
        "researcher"
    };
    // Voices are written in English, Finnish or Swedish, as people do.
    let written = match (voice, rng.range(0, 2), lang) {
        ("client", 0, _) => "client",
        ("client", _, "sv") => "klient",
        ("client", _, _) => "asiakas",
        ("worker", 0, _) => "worker",
        ("worker", _, "sv") => "arbetstagare",
        ("worker", _, _) => "työntekijä",
        (_, 0, _) => "researcher",
        (_, _, "sv") => "forskare",
        _ => "tutkija",
    };
    let themes = workshop_themes(number, region.extra);
    let theme = *rng.pick(&themes);
    let (y, m, d) = workshop_date(region, number);
    let (m, d) = (m + rng.range(0, 1) as u32, d + rng.range(0, 14) as u32);
    let mut front = format!(
        "---\nvoice: {written}\nworkshop: {}-{number}\ntheme: {theme}\ndate: {y}-{m:02}-{d:02}\nlang: {lang}\n",
        region.id
    );
    if voice == "client" && rng.chance(35) {
        front.push_str("via: worker\n");
    }
    front.push_str("---\n");
    let paragraphs = rng.range(2, 8) as usize;
    let mut body = Vec::new();
    let as_list = voice == "worker" && rng.chance(30);
    for _ in 0..paragraphs {
        let p = paragraph(rng, lex, voice);
        body.push(if as_list { format!("- {p}") } else { p });
    }
    if let Some(people) = people {
        let i = rng.range(0, body.len() as u64 - 1) as usize;
        let s = personal_sentence(rng, lex, people);
        body[i] = format!("{} {s}", body[i]);
    }
    let sep = if as_list { "\n" } else { "\n\n" };
    let mut text = body.join(sep);
    if ocr {
        text = ocr_noise(rng, &text);
    }
    (format!("{front}{text}\n"), paragraphs)
}

/// A CSV form of the asp-paiva battery in one of the three ways spreadsheets save it.
fn csv_form(
    rng: &mut Rng,
    lex: &Lexicon,
    lang: &str,
    rows: usize,
    people: Option<&[Person]>,
    ocr: bool,
) -> Vec<u8> {
    // Finnish Excel: semicolons, Windows-1252 or UTF-8 with a BOM; Swedish forms here come
    // from another program, with commas.
    let variant = if lang == "sv" { 2 } else { rng.range(0, 1) };
    let delim = if variant == 2 { ',' } else { ';' };
    let field = |s: &str| {
        if s.contains([delim, '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut text = lex
        .form_headers
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(&delim.to_string());
    text.push_str("\r\n");
    let personal_row = rng.range(0, rows as u64 - 1) as usize;
    for r in 0..rows {
        let mut answers = [
            sentence(rng, lex, lex.situations),
            sentence(rng, lex, lex.help),
            sentence(rng, lex, lex.actions),
        ];
        if let Some(people) = people
            && r == personal_row
        {
            let s = personal_sentence(rng, lex, people);
            answers[2] = format!("{} {s}", answers[2]);
        }
        if ocr {
            for a in &mut answers {
                *a = ocr_noise(rng, a);
            }
        }
        let line = answers
            .iter()
            .map(|a| field(a))
            .collect::<Vec<_>>()
            .join(&delim.to_string());
        text.push_str(&line);
        text.push_str("\r\n");
    }
    match variant {
        0 => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
            bytes.into_owned()
        }
        _ => {
            let mut b = if variant == 1 {
                vec![0xef, 0xbb, 0xbf]
            } else {
                Vec::new()
            };
            b.extend_from_slice(text.as_bytes());
            b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hetu_check_character_is_valid() {
        let mut rng = Rng(kooste_core::rng::Rng::new(7));
        for _ in 0..1000 {
            let h = hetu(&mut rng);
            let digits: u64 = format!("{}{}", &h[..6], &h[7..10]).parse().unwrap();
            let check = b"0123456789ABCDEFHJKLMNPRSTUVWXY"[(digits % 31) as usize] as char;
            assert_eq!(h.chars().last(), Some(check), "{h}");
        }
    }

    #[test]
    fn same_seed_same_text() {
        let a = paragraph(&mut Rng(kooste_core::rng::Rng::new(3)), &FI, "client");
        let b = paragraph(&mut Rng(kooste_core::rng::Rng::new(3)), &FI, "client");
        assert_eq!(a, b);
    }
}
