//! Digests of the example project (a copy of the repository's project files in a temporary
//! directory), of made-up rounds, and the templates' errors and overrides.
//!
//! The passages' CAIMeR labels come from [`labels`], a fixed stand-in for the proposer, so
//! that the snapshots change only when the digest does.

use kooste_core::model::{Dimension, Document, Lang, Passage, Voice};
use kooste_core::project::Project;
use kooste_core::record::{Labels, PassageRecord};
use kooste_core::steps::{Status, StepsList};
use kooste_digest::{Digest, Error, Format, Grouping, Input, Round, Templates, assemble};
use kooste_ingest::{Corpus, Redactor};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The example project's files, copied so that nothing a test does touches the repository
/// and nothing another process does to the repository changes a test.
struct Example {
    _tmp: tempfile::TempDir,
    project: Project,
}

impl Example {
    fn new() -> Example {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("rannikko");
        for f in ["kooste.toml", "participants.toml", "development-steps.toml"] {
            std::fs::create_dir_all(&root).unwrap();
            std::fs::copy(repo().join(f), root.join(f)).unwrap();
        }
        for d in ["workshops", "corpus", "templates"] {
            copy_dir(&repo().join(d), &root.join(d));
        }
        let project = Project::load(&root).unwrap();
        Example { _tmp: tmp, project }
    }

    /// Every passage record, in corpus order, and the documents' metadata.
    fn material(&self) -> Vec<PassageRecord> {
        let p = &self.project;
        let redactor = Redactor::new(&p.participants().unwrap());
        let (corpus, problems) = Corpus::open(p).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let (docs, problems) = corpus.read_all(p, &redactor);
        assert!(problems.is_empty(), "{problems:?}");
        let mut records = Vec::new();
        for r in docs {
            let d: &Document = &r.document;
            records.extend(kooste_core::record::records(p, d, labels));
        }
        // The order of SearchIndex::records.
        records.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.passage.as_str()).cmp(&(
                b.file.as_str(),
                b.line,
                b.passage.as_str(),
            ))
        });
        records
    }

    fn digest(&self, workshop: &str, lang: Lang) -> Digest {
        let records = self.material();
        let round = Round::of(&self.project, workshop).unwrap();
        let steps = StepsList::load(&self.project).unwrap();
        let round_records: Vec<PassageRecord> = records
            .into_iter()
            .filter(|r| r.workshop.as_deref() == Some(round.previous.as_str()))
            .collect();
        self.assemble(workshop, &round_records, &steps, lang)
    }

    /// The digest presented at `workshop` of these records, with the project's thesaurus
    /// and curation.
    fn assemble(
        &self,
        workshop: &str,
        records: &[PassageRecord],
        steps: &StepsList,
        lang: Lang,
    ) -> Digest {
        let round = Round::of(&self.project, workshop).unwrap();
        let grouping = Grouping::load(&self.project.root, workshop).unwrap();
        assemble(
            &Input {
                project: &self.project,
                round: &round,
                records,
                steps,
                grouping: &grouping,
            },
            lang,
        )
        .unwrap()
    }

    fn render(&self, workshop: &str, lang: Lang, format: Format) -> String {
        Templates::builtin()
            .render(&self.digest(workshop, lang), format)
            .unwrap()
    }
}

/// A stand-in for the CAIMeR proposer and the researchers' decisions: a form answer's
/// labels are its question's hints, confirmed (as if a researcher had decided them, so that
/// the digests show confirmed and proposed labels side by side), else cue words (folded
/// prefixes) from the domain's examples of each dimension, proposed.
fn labels(p: &Passage) -> Labels {
    if !p.hints.is_empty() {
        return Labels {
            proposed: Vec::new(),
            confirmed: Some(p.hints.clone()),
        };
    }
    const CUES: &[(Dimension, &[&str])] = &[
        (
            Dimension::Context,
            &[
                "asun",
                "velka",
                "velo",
                "laki",
                "lais",
                "kela",
                "resurs",
                "organisaat",
                "tyottom",
                "haato",
                "jono",
                "bostad",
                "skuld",
                "fpa",
                "lagen",
                "ensam",
                "yksinai",
                "asiakasmaar",
                "vrakning",
            ],
        ),
        (
            Dimension::Actors,
            &[
                "vertais",
                "sosiaaliohjaaj",
                "kehittajaasiak",
                "vaihtuv",
                "socialhandled",
                "arbetstagarna",
                "utvecklarklient",
            ],
        ),
        (
            Dimension::Interventions,
            &[
                "kotikayn",
                "ohjas",
                "neuvon",
                "paatok",
                "paatos",
                "hembesok",
                "beslut",
                "verkostopalaver",
                "takaisinsoit",
                "saate",
                "soitin",
                "ringde",
            ],
        ),
        (
            Dimension::Mechanisms,
            &[
                "luotta", "kuul", "tillit", "uskoi", "toivo", "motivaat", "kuunte", "lyssna",
                "hord", "sedda", "rauhoit",
            ],
        ),
        (
            Dimension::Results,
            &[
                "paasin",
                "muuttui",
                "klarar",
                "velkajarjestel",
                "vahemman",
                "harvemmin",
                "lyckats",
                "onnistu",
            ],
        ),
    ];
    let text = kooste_text::analyze::fold(&p.text);
    let proposed = CUES
        .iter()
        .filter(|(_, cues)| {
            text.split(|c: char| !c.is_alphanumeric())
                .any(|w| cues.iter().any(|c| w.starts_with(c)))
        })
        .map(|(d, _)| (*d, 0.6))
        .collect();
    Labels {
        proposed,
        confirmed: None,
    }
}

#[test]
fn the_example_digests_in_markdown() {
    let ex = Example::new();
    for w in ["rannikko-2", "rannikko-3", "rannikko-4"] {
        let md = ex.render(w, Lang::Fi, Format::Md);
        insta::assert_snapshot!(format!("md_{w}"), md);
    }
}

#[test]
fn the_swedish_digest_is_in_swedish() {
    let ex = Example::new();
    let md = ex.render("rannikko-3", Lang::Sv, Format::Md);
    insta::assert_snapshot!("md_rannikko-3_sv", md);
    // Every heading and label of the interface is Swedish (the quotes keep their language).
    let parts: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        parts,
        [
            "## 1. Verkstaden",
            "## 2. Vad vi frågade och vem",
            "## 3. Vad vi fick in",
            "## 4. Iakttagelser",
            "## 5. Forskningskunskap",
            "## 6. Utvecklingsbehov och utvecklingssteg",
            "## 7. Härnäst",
            "## Bilaga: iakttagelsernas övriga avsnitt",
        ]
    );
    // Findings are headed by their matter's Swedish name, or by a phrase of a passage.
    let headings: BTreeSet<&str> = md.lines().filter(|l| l.starts_with("#### ")).collect();
    let thesaurus = kooste_digest::matters::Thesaurus::builtin().unwrap();
    assert!(
        headings.contains("#### Relationen till arbetstagaren"),
        "{headings:?}"
    );
    for m in thesaurus.matters() {
        let fi = format!("#### {}", m.name.fi);
        assert!(!headings.contains(fi.as_str()), "{fi} in {headings:?}");
    }
    for finnish in [
        "moniääninen",
        "katkelmaa",
        "**Keneltä:**",
        "Kehittämistarpeet\n",
        "(suomeksi)",
    ] {
        assert!(
            !md.contains(finnish),
            "Finnish wording '{finnish}' in:\n{md}"
        );
    }
    for swedish in [
        "# Sammanställning till verkstad 3",
        "Iakttagelser",
        "Forskningskunskap",
        "Utvecklingsbehov",
        "Klienter",
        "fiskskålsdiskussion",
        "(på finska)",
    ] {
        assert!(md.contains(swedish), "no '{swedish}' in:\n{md}");
    }
}

#[test]
fn an_empty_period_says_so_in_both_languages() {
    let ex = Example::new();
    // Nothing in the corpus belongs to the round of rannikko-5.
    let d = ex.digest("rannikko-6", Lang::Fi);
    assert!(d.empty);
    assert!(d.themes.is_empty() && d.research.is_empty());
    let fi = Templates::builtin().render(&d, Format::Md).unwrap();
    assert!(
        fi.contains("Edellisen työpajan jälkeen ei ole tullut aineistoa."),
        "{fi}"
    );
    assert!(!fi.contains("### 4.1"), "{fi}");
    assert!(fi.contains("Tämä on syklin viimeinen työpaja"), "{fi}");
    let sv = ex.render("rannikko-6", Lang::Sv, Format::Md);
    assert!(
        sv.contains("Efter förra verkstaden har inget material kommit in."),
        "{sv}"
    );
    assert!(sv.contains("cykelns sista verkstad"), "{sv}");
    let html = ex.render("rannikko-6", Lang::Sv, Format::Html);
    assert!(html.contains("inget material kommit in"));
    assert!(!html.contains("<svg"), "no picture without material");
}

#[test]
fn the_first_workshop_and_an_unknown_one_have_no_round() {
    let ex = Example::new();
    let e = Round::of(&ex.project, "rannikko-1").unwrap_err();
    assert!(matches!(e, Error::FirstWorkshop { .. }));
    assert_eq!(
        e.to_string(),
        "rannikko-1 is the first workshop of Rannikkoseutu: no round came before it, so there is no digest to present there; the material of its round is digested for rannikko-2: kooste digest rannikko-2"
    );
    let e = Round::of(&ex.project, "rannikko-9").unwrap_err();
    assert!(matches!(e, Error::UnknownWorkshop { .. }));
    assert!(e.to_string().contains("rannikko-1, rannikko-2"), "{e}");
    assert_eq!(
        Round::of(&ex.project, "rannikko-3").unwrap().previous,
        "rannikko-2"
    );
}

fn record(n: usize, voice: Voice, text: &str, dims: &[Dimension]) -> PassageRecord {
    PassageRecord {
        passage: format!("d{n}#1"),
        doc: format!("d{n}"),
        text: text.to_string(),
        voice,
        document_voice: voice,
        via: None,
        lang: Lang::Fi,
        workshop: Some("rannikko-2".into()),
        region: Some("rannikko".into()),
        theme: Some("ihanne".into()),
        battery: None,
        date: None,
        question: None,
        question_text: None,
        title: None,
        pseudonym: None,
        file: format!("corpus/rannikko-2/d{n}.md"),
        line: 1,
        labels: Labels {
            proposed: dims.iter().map(|d| (*d, 0.7)).collect(),
            confirmed: None,
        },
        comment_on: None,
        comment_passages: Vec::new(),
    }
}

#[test]
fn passages_about_one_matter_become_a_finding_and_multi_voiced_ones_come_first() {
    let ex = Example::new();
    use Dimension::*;
    use Voice::*;
    let mut records = vec![
        record(
            1,
            Client,
            "Velkojen takia en uskaltanut avata kirjeitä.",
            &[Context],
        ),
        record(
            2,
            Client,
            "Puhelinjonossa ei päässyt läpi, ja jonottaminen vei voimat.",
            &[Context],
        ),
        record(
            3,
            Worker,
            "Asiakkaat kertovat, että sosiaalitoimiston puhelinaika on liian lyhyt.",
            &[Context, Results],
        ),
        record(
            4,
            Client,
            "Ajanvaraus on vaikeaa, ja läpi pääsee harvoin.",
            &[Context],
        ),
        record(5, Worker, "Tehtiin kotikäynti.", &[]),
    ];
    // Who wrote what: a pseudonym, and a client's document written down by a worker.
    records[0].pseudonym = Some("Asiakas A".into());
    records[1].via = Some(Worker);
    records[2].pseudonym = Some("Työntekijä C".into());
    let d = ex.assemble("rannikko-3", &records, &StepsList::default(), Lang::Fi);
    assert_eq!(d.themes.len(), 1);
    let theme = &d.themes[0];
    assert_eq!(
        theme.theme.label,
        "Aikuissosiaalityön ihanne ja ydinsisältö"
    );
    let headings: Vec<&str> = theme
        .findings
        .iter()
        .map(|f| f.heading.text.as_str())
        .collect();
    assert_eq!(
        headings,
        [
            "Palveluihin pääsy ja palvelujärjestelmä",
            "Raha, velat ja etuudet",
            "Kotikäynnit"
        ]
    );
    assert_eq!(theme.multi_voiced, 1);
    // The multi-voiced finding first, though its first passage comes later in the corpus.
    let first = &theme.findings[0];
    assert!(first.multi_voiced);
    assert_eq!(first.voices, [Client, Worker]);
    assert_eq!(first.count, 3);
    // One quote per voice, the rest one step away; every passage exactly once.
    assert_eq!(first.quotes.len(), 2);
    assert_eq!(first.rest.len(), 1);
    let mut ids: Vec<&str> = first
        .quotes
        .iter()
        .chain(&first.rest)
        .map(|q| q.passage.as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, ["d2#1", "d3#1", "d4#1"]);
    let dims: Vec<(Dimension, usize)> = first
        .dimensions
        .iter()
        .map(|d| (d.dimension, d.count))
        .collect();
    assert_eq!(dims, [(Context, 3), (Results, 1)]);
    assert_eq!(d.appendix, 1);
    assert!(!theme.findings[1].multi_voiced);
    assert_eq!(theme.findings[1].voices, [Client]);
    // Attribution: voice and pseudonym, and who relayed a client's words.
    let quote = |id: &str| {
        first
            .quotes
            .iter()
            .chain(&first.rest)
            .find(|q| q.passage == id)
            .unwrap()
    };
    assert_eq!(quote("d2#1").via, Some(Worker));
    assert_eq!(quote("d3#1").pseudonym.as_deref(), Some("Työntekijä C"));
    // The picture counts a passage in each of its dimensions.
    let client = &d.matrix.rows[0];
    assert_eq!(client.cells[0].count, 3);
    assert_eq!(client.cells[0].level, 4);
    assert_eq!(d.matrix.rows[1].cells[4].count, 1);
    assert_eq!(d.matrix.unclassified, 1);
    assert_eq!(d.received.voices[0].documents, 3);
    assert_eq!(d.received.voices[0].relayed, 1);
    // Rendered: the multi-voiced mark in words, in both formats.
    let md = Templates::builtin().render(&d, Format::Md).unwrap();
    assert!(
        md.contains(
            "_**moniääninen** · Asiakkaat, Työntekijät · 3 katkelmaa · Konteksti 3, Tulokset 1_"
        ),
        "{md}"
    );
    assert!(md.contains("_Vielä yksi katkelma liitteessä._"), "{md}");
    assert!(md.contains("— _Työntekijä C, työntekijä_"), "{md}");
    let html = Templates::builtin().render(&d, Format::Html).unwrap();
    assert!(
        html.contains("<span class=\"badge\">moniääninen</span>"),
        "{html}"
    );
    assert!(html.contains("<section id=\"appendix\""), "{html}");
}

/// Issue 23: the digest said researchers make the final call, yet did not say which labels
/// a researcher had confirmed.
#[test]
fn confirmed_and_proposed_labels_are_marked_apart_and_counted() {
    let ex = Example::new();
    let d = ex.digest("rannikko-3", Lang::Fi);
    let quotes: Vec<&kooste_digest::Quote> = d
        .themes
        .iter()
        .flat_map(|t| t.findings.iter().chain(&t.single))
        .flat_map(|f| f.quotes.iter().chain(&f.rest))
        .collect();
    use kooste_digest::LabelStatus;
    let confirmed = quotes
        .iter()
        .filter(|q| q.labels == LabelStatus::Confirmed)
        .count();
    let proposed = quotes
        .iter()
        .filter(|q| q.labels == LabelStatus::Proposed)
        .count();
    assert!(confirmed > 0 && proposed > 0, "{confirmed} {proposed}");
    assert_eq!(d.received.confirmed, 6);
    assert_eq!(d.received.proposed, 54);
    let html = Templates::builtin().render(&d, Format::Html).unwrap();
    assert_eq!(
        html.matches("<span class=\"label-status confirmed\">✓ vahvistettu</span>")
            .count(),
        confirmed
    );
    assert_eq!(
        html.matches("<span class=\"label-status proposed\">◇ ehdotus</span>")
            .count(),
        proposed
    );
    assert!(html.contains("<p class=\"legend\">Merkinnät: ✓ vahvistettu = "));
    assert!(
        html.replace("&#x2f;", "/")
            .contains("Tutkija on vahvistanut ulottuvuudet 6 / 109 katkelmassa; 54 katkelmaa")
    );
    // On paper the marker is its text and its border, not a colour.
    assert!(html.contains(".label-status.proposed { border-style: dashed;"));
    let md = Templates::builtin().render(&d, Format::Md).unwrap();
    assert_eq!(md.matches("· **✓ vahvistettu**\n").count(), confirmed);
    assert_eq!(md.matches("· ◇ ehdotus\n").count(), proposed);
    let sv = ex.render("rannikko-3", Lang::Sv, Format::Html);
    assert!(sv.contains("<span class=\"label-status confirmed\">✓ bekräftad</span>"));
    assert!(sv.contains("<span class=\"label-status proposed\">◇ förslag</span>"));
}

#[test]
fn the_html_digest_is_one_self_contained_file() {
    let ex = Example::new();
    for (lang, attr) in [
        (Lang::Fi, "<html lang=\"fi\">"),
        (Lang::Sv, "<html lang=\"sv\">"),
    ] {
        let html = ex.render("rannikko-3", lang, Format::Html);
        assert!(html.starts_with("<!doctype html>"), "{}", &html[..200]);
        assert!(html.contains(attr));
        for needed in [
            "<style>",
            "@page",
            "size: A4",
            "break-before: page",
            "<section id=\"appendix\"",
            "<svg class=\"heatmap\" role=\"img\"",
            "<title id=\"matrix-title\">",
            "<svg class=\"bars\" role=\"img\"",
            "<h1>",
            "<h2>4. ",
        ] {
            assert!(html.contains(needed), "no {needed}");
        }
        for banned in [
            "http:", "https:", "<script", "<link", "<img", "@import", "url(",
        ] {
            assert!(!html.contains(banned), "{banned} in the HTML digest");
        }
    }
    // Quotes are escaped, not read as markup.
    let ex = Example::new();
    let mut d = ex.digest("rannikko-3", Lang::Fi);
    d.themes[0].findings[0].quotes[0].text = "<b>x</b> & y".into();
    let html = Templates::builtin().render(&d, Format::Html).unwrap();
    assert!(
        html.contains("&lt;b&gt;x&lt;&#x2f;b&gt; &amp; y")
            || html.contains("&lt;b&gt;x&lt;/b&gt; &amp; y")
    );
}

#[test]
fn the_steps_list_shows_what_changed_since_the_previous_workshop() {
    let ex = Example::new();
    let list = StepsList::load(&ex.project).unwrap();
    assert!(list.entries.len() >= 10);
    // Presented at rannikko-5: what happened over the summer of 2018.
    let d = ex.digest("rannikko-5", Lang::Fi);
    let s = &d.steps;
    let step = s
        .steps
        .iter()
        .find(|e| e.id == "takaisinsoittolupaus")
        .unwrap();
    assert!(step.new && step.changed);
    assert_eq!(step.status, Status::InTrial);
    let dates: Vec<String> = step.notes.iter().map(|n| n.date.to_string()).collect();
    assert_eq!(dates, ["2018-06-04", "2018-09-20"]);
    let need = s.needs.iter().find(|e| e.id == "yhteydenotto").unwrap();
    assert!(!need.new && need.changed);
    assert_eq!(need.status, Status::Agreed);
    assert_eq!(need.status_was, None, "agreed at rannikko-4 itself");
    // Later notes (the decisions of rannikko-5 itself) are not in its digest.
    let forum = s.steps.iter().find(|e| e.id == "foorumi").unwrap();
    assert_eq!(forum.status, Status::InTrial);
    assert!(!forum.changed);
    // Presented at rannikko-3: only what had been raised by then.
    let d = ex.digest("rannikko-3", Lang::Fi);
    assert!(d.steps.steps.iter().all(|e| e.id != "takaisinsoittolupaus"));
    assert!(
        d.steps
            .needs
            .iter()
            .any(|e| e.id == "ruotsinkielinen-palvelu" && !e.new)
    );
}

fn templates_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let t = Templates::load(dir.path());
    (dir, t.unwrap())
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let ex = Example::new();
    let d = ex.digest("rannikko-3", Lang::Fi);
    // A syntax error.
    let (dir, t) = templates_with(&[(
        "digest.md.j2",
        "# {{ t.title }}\n\n{% if digest.empty %}\nno end\n",
    )]);
    let e = t.render(&d, Format::Md).unwrap_err().to_string();
    let file = dir.path().join("digest.md.j2").display().to_string();
    assert!(e.starts_with(&format!("{file}:")), "{e}");
    assert!(e.contains("syntax error"), "{e}");
    // A misspelt name, found when rendering.
    let (dir, t) = templates_with(&[("digest.md.j2", "# Kooste\n\n{{ digest.workshop.datum }}\n")]);
    let e = t.render(&d, Format::Md).unwrap_err();
    let Error::Template {
        path,
        line,
        message,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(path, &dir.path().join("digest.md.j2").display().to_string());
    assert_eq!(*line, 3);
    assert!(message.contains("undefined"), "{message}");
    // In an included template, the included file is named.
    let (dir, t) = templates_with(&[("matrix.svg.j2", "<svg>\n{{ nothing.here }}\n</svg>\n")]);
    let e = t.render(&d, Format::Html).unwrap_err();
    let Error::Template { path, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        path,
        &dir.path().join("matrix.svg.j2").display().to_string()
    );
    assert_eq!(*line, 2);
    // The strings file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("strings.toml"),
        "[text]\ntitle = { fi = \"x\" }\nbad = { fi = \"y\", en = \"z\" }\n",
    )
    .unwrap();
    let e = Templates::load(dir.path()).unwrap_err().to_string();
    let file = dir.path().join("strings.toml").display().to_string();
    assert!(
        e.starts_with(&format!("{file}:3: unknown field `en`")),
        "{e}"
    );
}

#[test]
fn a_project_overrides_templates_file_by_file() {
    let ex = Example::new();
    let d = ex.digest("rannikko-3", Lang::Fi);
    let (_dir, t) = templates_with(&[(
        "strings.toml",
        "[text]\ntitle = { fi = \"Työpajan {number} kooste\" }\n",
    )]);
    let md = t.render(&d, Format::Md).unwrap();
    assert!(md.starts_with("# Työpajan 3 kooste\n"), "{md}");
    // A Swedish text the project left out comes from the built-in file.
    let mut sv = d.clone();
    sv.lang = Lang::Sv;
    let md = t.render(&sv, Format::Md).unwrap();
    assert!(
        md.starts_with("# Sammanställning till verkstad 3\n"),
        "{md}"
    );
    assert!(md.contains("## 4. Iakttagelser"));
    // Replacing one template leaves the others built in.
    let (_dir, t) = templates_with(&[("digest.css", "body { color: black; }")]);
    let html = t.render(&d, Format::Html).unwrap();
    assert!(html.contains("body { color: black; }"));
    assert!(!html.contains("@page"));
    assert!(html.contains("<svg class=\"heatmap\""));
}

/// A curation of the example's rannikko-3 digest, as a researcher would write it: a renamed
/// finding with summaries, a merge, a split with its own heading, and pinned quotes.
const CURATION: &str = r#"# Curated at the planning meeting.
[[finding]]
theme = "ihanne"
id = "suhde"
heading = "Luottamus ja pysyvä työntekijä"
heading_sv = "Tillit och en arbetstagare som stannar"
summary = "Kaikki kolme ääntä sanovat, että muutos alkaa luottamuksesta."
summary_sv = "Alla tre röster säger att förändring börjar med tillit."
pinned = ["rannikko-2-klient-04#1", "rannikko-2-tutkija-02#5"]

[[finding]]
theme = "ihanne"
id = "terveys"
merged = ["perhe"]

[[finding]]
theme = "ihanne"
id = "odottaminen"
heading = "Tapaamisen odottaminen"
passages = ["rannikko-2-asiakas-01#7", "rannikko-2-asiakas-03#4"]
"#;

fn curated(ex: &Example, text: &str) {
    let dir = ex.project.root.join("findings");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rannikko-3.toml"), text).unwrap();
}

fn finding<'d>(d: &'d Digest, id: &str) -> &'d kooste_digest::Finding {
    d.themes
        .iter()
        .flat_map(|t| t.findings.iter().chain(&t.single))
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn passages_of(f: &kooste_digest::Finding) -> Vec<&str> {
    let mut v: Vec<&str> = f.passages().map(|q| q.passage.as_str()).collect();
    v.sort();
    v
}

#[test]
fn a_curated_digest_in_finnish_and_swedish() {
    let ex = Example::new();
    let proposed = ex.digest("rannikko-3", Lang::Fi);
    let family: Vec<String> = passages_of(finding(&proposed, "perhe"))
        .into_iter()
        .map(String::from)
        .collect();
    assert!(!family.is_empty());
    curated(&ex, CURATION);
    let d = ex.digest("rannikko-3", Lang::Fi);
    assert!(d.curation.is_empty(), "{:?}", d.curation);
    let suhde = finding(&d, "suhde");
    assert!(suhde.curated);
    assert_eq!(suhde.heading.text, "Luottamus ja pysyvä työntekijä");
    let shown: Vec<&str> = suhde.quotes.iter().map(|q| q.passage.as_str()).collect();
    assert_eq!(
        shown[..2],
        ["rannikko-2-klient-04#1", "rannikko-2-tutkija-02#5"]
    );
    // The merged finding is gone and its passages are in the other one.
    assert!(
        d.themes[0].findings.iter().all(|f| f.id != "perhe"),
        "perhe was merged"
    );
    let health = passages_of(finding(&d, "terveys"));
    assert!(
        family.iter().all(|p| health.contains(&p.as_str())),
        "{health:?}"
    );
    let split = finding(&d, "odottaminen");
    assert_eq!(
        passages_of(split),
        ["rannikko-2-asiakas-01#7", "rannikko-2-asiakas-03#4"]
    );
    // Each passage is in exactly one finding: curation moves, it never copies.
    let mut all: Vec<&str> = d
        .themes
        .iter()
        .flat_map(|t| t.findings.iter().chain(&t.single))
        .flat_map(passages_of)
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
    let fi = Templates::builtin().render(&d, Format::Md).unwrap();
    let start = fi.find("## 4.").unwrap();
    let end = fi.find("## 5.").unwrap();
    insta::assert_snapshot!("md_rannikko-3_curated_findings", &fi[start..end]);
    let sv = ex.render("rannikko-3", Lang::Sv, Format::Md);
    assert!(
        sv.contains("#### Tillit och en arbetstagare som stannar\n"),
        "{sv}"
    );
    assert!(sv.contains("Alla tre röster säger att förändring börjar med tillit."));
    // A heading written only in Finnish is shown in the Swedish digest, marked as Finnish.
    assert!(
        sv.contains("#### Tapaamisen odottaminen (på finska)\n"),
        "{sv}"
    );
    let start = sv.find("## 4.").unwrap();
    let end = sv.find("## 5.").unwrap();
    insta::assert_snapshot!("md_rannikko-3_curated_findings_sv", &sv[start..end]);
}

#[test]
fn curation_keeps_its_place_when_new_material_arrives() {
    let ex = Example::new();
    curated(&ex, CURATION);
    let mut records: Vec<PassageRecord> = ex
        .material()
        .into_iter()
        .filter(|r| r.workshop.as_deref() == Some("rannikko-2"))
        .collect();
    // Two late passages: one about the relationship with the worker (renamed and pinned),
    // one about a family matter (merged into health).
    let mut late = |n: usize, voice: Voice, text: &str| {
        let mut r = record(n, voice, text, &[]);
        r.theme = Some("ihanne".into());
        records.push(r);
    };
    late(
        901,
        Voice::Client,
        "Luottamus syntyi, koska sama työntekijä pysyi koko vuoden.",
    );
    late(
        902,
        Voice::Worker,
        "Lapset ja läheiset olivat mukana tapaamisessa.",
    );
    let d = ex.assemble("rannikko-3", &records, &StepsList::default(), Lang::Fi);
    let suhde = finding(&d, "suhde");
    assert_eq!(suhde.heading.text, "Luottamus ja pysyvä työntekijä");
    assert!(
        passages_of(suhde).contains(&"d901#1"),
        "{:?}",
        passages_of(suhde)
    );
    // Pins still lead.
    assert_eq!(suhde.quotes[0].passage, "rannikko-2-klient-04#1");
    assert!(passages_of(finding(&d, "terveys")).contains(&"d902#1"));
    assert!(d.curation.is_empty());
}

#[test]
fn a_bad_curation_file_is_named_with_its_line_and_the_digest_still_renders() {
    let ex = Example::new();
    // Not TOML: the whole file is set aside, the findings are shown as proposed.
    curated(
        &ex,
        "[[finding]]\ntheme = \"ihanne\"\nid = \"suhde\"\nheading = \"Avoin\n",
    );
    let d = ex.digest("rannikko-3", Lang::Fi);
    assert_eq!(d.curation.len(), 1);
    let p = d.curation[0].to_string();
    assert!(p.starts_with("findings/rannikko-3.toml:4: "), "{p}");
    assert_eq!(finding(&d, "suhde").heading.text, "Suhde työntekijään");
    let md = Templates::builtin().render(&d, Format::Md).unwrap();
    assert!(
        md.contains("Löydösten muokkaustiedostossa on virhe."),
        "{md}"
    );
    assert!(
        md.contains("- findings/rannikko-3.toml:4: tiedostoa ei voitu lukea"),
        "{md}"
    );
    // An unknown passage and an unknown finding: named by line; the rest still holds.
    curated(
        &ex,
        "[[finding]]\ntheme = \"ihanne\"\nid = \"suhde\"\nheading = \"Luottamus\"\npassages = [\n  \"ei-ole#1\",\n]\n\n[[finding]]\ntheme = \"ihanne\"\nid = \"terveys\"\nmerged = [\"ei-tata\"]\npinned = [\"rannikko-2-tutkija-02#5\"]\n",
    );
    let d = ex.digest("rannikko-3", Lang::Sv);
    let problems: Vec<String> = d.curation.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "findings/rannikko-3.toml:6: passage 'ei-ole#1' is not in this theme of the digest's round; it was left out of the curation",
            "findings/rannikko-3.toml:12: finding 'ei-tata' is not in this theme of the digest; that part of the curation was left out",
            "findings/rannikko-3.toml:13: passage 'rannikko-2-tutkija-02#5' is pinned but is not in the finding; pin one of the finding's own passages",
        ]
    );
    assert_eq!(finding(&d, "suhde").heading.text, "Luottamus");
    let sv = Templates::builtin().render(&d, Format::Md).unwrap();
    assert!(
        sv.contains(
            "- findings/rannikko-3.toml:6: avsnittet ei-ole\\#1 finns inte i det här temats material"
        ),
        "{sv}"
    );
    let html = Templates::builtin().render(&d, Format::Html).unwrap();
    assert!(html.contains("<div class=\"curation-problems\" role=\"note\">"));
}
