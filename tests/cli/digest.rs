//! `kooste digest` and `kooste steps` on a copy of the example project (the copy keeps the
//! index it builds out of the repository), and on a fresh project from `kooste init`.

use crate::TestProject;

#[test]
fn digest_in_markdown_on_stdout_in_finnish_and_swedish() {
    let p = TestProject::example();
    let out = p.kooste(&["digest", "rannikko-3", "--format", "md"]);
    assert_eq!(out.code, 0, "{out:?}");
    let md = &out.stdout;
    assert!(md.starts_with("# Kooste työpajaan 3\n"), "{md}");
    for part in [
        "## 1. Työpaja",
        "## 2. Mitä kysyttiin ja keneltä",
        "## 3. Mitä saatiin",
        "| Asiakkaat |",
        "## 4. Löydökset",
        "### 4.1 Aikuissosiaalityön ihanne ja ydinsisältö",
        "## 5. Tutkimustieto",
        "- **Tutkimustietoa aikuissosiaalityön ihanteesta**",
        "## 6. Kehittämistarpeet ja -askeleet",
        "**Yhteydenotto sosiaalityöhön on liian vaikeaa** · **uusi**",
        "## 7. Seuraavaksi",
        "Millaisiin tilanteisiin olet hakenut apua?",
    ] {
        assert!(md.contains(part), "no {part:?} in:\n{md}");
    }
    // The index was built in the copy, not in the repository.
    assert!(p.root.join(".kooste").is_dir());
    // Without --format, Markdown; the same digest.
    let again = p.kooste(&["digest", "rannikko-3"]);
    assert_eq!(again.stdout, out.stdout);

    let sv = p.kooste(&["digest", "rannikko-3", "--format", "md", "--lang", "sv"]);
    assert_eq!(sv.code, 0, "{sv:?}");
    assert!(
        sv.stdout.starts_with("# Sammanställning till verkstad 3\n"),
        "{}",
        sv.stdout
    );
    assert!(sv.stdout.contains("## 4. Iakttagelser"));
    assert!(sv.stdout.contains("Kustregionen"));
}

#[test]
fn digest_in_html_to_a_file() {
    let p = TestProject::example();
    let file = p.root.join("out").join("kooste-3.html");
    let out = p.kooste(&[
        "digest",
        "rannikko-3",
        "--format",
        "html",
        "-o",
        &file.to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("kooste-3.html"), "{out:?}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"fi\">"),
        "{}",
        &html[..100]
    );
    assert!(html.contains("<style>") && html.contains("<svg class=\"heatmap\""));
    for banned in ["http:", "https:", "<script", "<link", "src="] {
        assert!(!html.contains(banned), "{banned} in the digest");
    }
    // The format follows the file's extension; --json tells where it went.
    let md = p.root.join("kooste-3.md");
    let out = p.kooste(&[
        "digest",
        "rannikko-3",
        "-o",
        &md.to_string_lossy(),
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["round"], "rannikko-2");
    assert_eq!(v["digest"]["workshop"]["id"], "rannikko-3");
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# Kooste")
    );
    let bad = p.kooste(&["digest", "rannikko-3", "-o", "kooste.pdf"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("--format html"), "{}", bad.stderr);
}

#[test]
fn digest_of_an_unknown_workshop_and_of_the_first_one() {
    let p = TestProject::example();
    let out = p.kooste(&["digest", "rannikko-9"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("unknown workshop 'rannikko-9'")
            && out.stderr.contains("rannikko-1, rannikko-2"),
        "{}",
        out.stderr
    );
    let out = p.kooste(&["digest", "rannikko-1"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("rannikko-1 is the first workshop of Rannikkoseutu: no round came before it")
            && out.stderr.contains("kooste digest rannikko-2"),
        "{}",
        out.stderr
    );
    // A round with no material says so.
    let out = p.kooste(&["digest", "rannikko-6"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Edellisen työpajan jälkeen ei ole tullut aineistoa.")
    );
}

#[test]
fn a_template_error_names_the_file_and_line() {
    let p = TestProject::example();
    p.write(
        "templates/digest.md.j2",
        b"# {{ t.title }}\n{{ digest.workshop.nimi }}\n",
    );
    let out = p.kooste(&["digest", "rannikko-3"]);
    assert_eq!(out.code, 1, "{out:?}");
    let file = p.root.join("templates").join("digest.md.j2");
    assert!(
        out.stderr
            .contains(&format!("{}:2: undefined value", file.display())),
        "{}",
        out.stderr
    );
}

#[test]
fn steps_lists_and_searches_the_development_steps() {
    let p = TestProject::example();
    let out = p.kooste(&["steps"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("takaisinsoittolupaus  [step · done]"),
        "{}",
        out.stdout
    );
    // Any inflected form, in a compound, with a status given in Finnish.
    let out = p.kooste(&["steps", "lupaukset", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let ids: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    // The step itself, and the entries whose notes mention it.
    assert!(ids.contains(&"takaisinsoittolupaus".to_string()), "{ids:?}");
    assert!(!ids.contains(&"kotikaynnit".to_string()), "{ids:?}");
    let out = p.kooste(&["steps", "--status", "kokeilussa", "--json"]);
    let v = out.json();
    let entries = v.as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["status"] == "in-trial"), "{v}");
    let out = p.kooste(&["steps", "--kind", "behov", "päätökset"]);
    assert!(out.stdout.contains("paatosten-kieli"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("selkokielinen-saate"),
        "{}",
        out.stdout
    );
    assert_eq!(p.kooste(&["steps", "--status", "maybe"]).code, 2);
    // A mistake in the file names the line.
    p.write(
        "development-steps.toml",
        b"[[entry]]\nid = \"a\"\nkind = \"need\"\ntitel = \"x\"\n",
    );
    let out = p.kooste(&["steps"]);
    // The command cannot run on a file it cannot read: a usage error, nothing was rejected.
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("development-steps.toml:4: unknown field `titel`"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_writes_the_templates_and_an_empty_steps_list() {
    let p = TestProject::new();
    for f in [
        "templates/digest.md.j2",
        "templates/digest.html.j2",
        "templates/digest.css",
        "templates/strings.toml",
        "development-steps.toml",
    ] {
        assert!(p.root.join(f).is_file(), "{f}");
    }
    let out = p.kooste(&["steps"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("list is empty"), "{}", out.stdout);
    let out = p.kooste(&["digest", "alue-2"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("none yet"), "{}", out.stderr);
}

/// Issue 18: `kooste findings` shows and curates a digest's findings; the curation is a
/// project file, so it outlives the index (`rm -rf .kooste`) and is never silently dropped.
#[test]
fn findings_are_curated_from_the_command_line_and_survive_a_rebuild() {
    let p = TestProject::example();
    let out = p.kooste(&["--json", "findings", "rannikko-3"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ids: Vec<&str> = v["themes"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"suhde") && ids.contains(&"terveys"),
        "{ids:?}"
    );
    let renamed = p.kooste(&[
        "findings",
        "rannikko-3",
        "rename",
        "suhde",
        "Luottamus ja pysyvä työntekijä",
    ]);
    assert_eq!(renamed.code, 0, "{renamed:?}");
    assert!(
        renamed
            .stdout
            .contains("suhde — Luottamus ja pysyvä työntekijä [curated]")
    );
    let merged = p.kooste(&["findings", "rannikko-3", "merge", "perhe", "terveys"]);
    assert_eq!(merged.code, 0, "{merged:?}");
    // A finding that does not exist: a usage error, and the file is as it was.
    let file = p.root.join("findings/rannikko-3.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let bad = p.kooste(&["findings", "rannikko-3", "rename", "ei-ole", "X"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("the digest has no finding 'ei-ole'"),
        "{bad:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // The index is derived state; the curation is not.
    std::fs::remove_dir_all(p.root.join(".kooste")).unwrap();
    let md = p.kooste(&["digest", "rannikko-3", "--format", "md"]);
    assert_eq!(md.code, 0, "{md:?}");
    assert!(
        md.stdout.contains("#### Luottamus ja pysyvä työntekijä\n"),
        "{}",
        md.stdout
    );
    assert!(!md.stdout.contains("#### Perhe, lapset ja läheiset\n"));
    // A broken curation file is named with its line; the digest still renders, exit 1.
    std::fs::write(
        &file,
        "[[finding]]\ntheme = \"ihanne\"\nid = \"suhde\"\nheading = \"auki\n",
    )
    .unwrap();
    let broken = p.kooste(&["digest", "rannikko-3", "--format", "md"]);
    assert_eq!(broken.code, 1, "{broken:?}");
    assert!(
        broken.stderr.contains("findings/rannikko-3.toml:4: "),
        "{broken:?}"
    );
    assert!(broken.stdout.contains("#### Suhde työntekijään\n"));
    // Changing the findings while the file is broken would lose what is in it: refused.
    let refused = p.kooste(&["findings", "rannikko-3", "rename", "suhde", "Y"]);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("heading = \"auki")
    );
}

#[test]
fn a_digest_reads_its_round_and_sees_a_file_of_it_edited_in_place() {
    let p = TestProject::example();
    // Indexed once the copied files have stood still (the index then records what the
    // project looked like, and a digest reads only its round's files to check them).
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(p.kooste(&["index"]).code, 0);
    let before = p.kooste(&["digest", "rannikko-3", "--format", "md"]);
    assert_eq!(before.code, 0, "{before:?}");
    assert!(
        before.stdout.contains("katsoo silmiin"),
        "{}",
        before.stdout
    );
    // The round is rannikko-2's material: nothing of rannikko-1's is in it.
    assert!(!before.stdout.contains("pensionerad sjukskötare"));

    // A sentence of the round replaced by hand, in place (the folder does not change).
    let file = p.root.join("corpus/rannikko-2/rannikko-2-asiakas-01.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace(
        "Hyvä työntekijä katsoo silmiin eikä tietokoneen ruutuun.",
        "Hyvä työntekijä soittaa asiakkaalle takaisin samana päivänä.",
    );
    assert_ne!(edited, text);
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, edited.as_bytes()))
        .unwrap();
    let after = p.kooste(&["digest", "rannikko-3", "--format", "md"]);
    assert_eq!(after.code, 0, "{after:?}");
    assert!(!after.stdout.contains("katsoo silmiin"), "{}", after.stdout);
    assert!(
        after.stdout.contains("samana päivänä"),
        "the edited passage is in the digest:\n{}",
        after.stdout
    );
}
