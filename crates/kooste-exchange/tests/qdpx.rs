//! The `.qdpx` a kooste project exports, read back element by element: the order of the
//! REFI-QDA Project.xsd, the references between elements, and selections whose positions
//! (Unicode code points) cut out exactly the passage they code, also around characters
//! outside the Basic Multilingual Plane.

use kooste_core::model::{Decision, Dimension, Document, DocumentMeta, Lang, Voice};
use kooste_core::project::Battery;
use kooste_exchange::{NAMESPACE, QdpxExport, write_qdpx};
use kooste_index::Labels;
use quick_xml::events::Event;
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};

/// A parsed element: local name, attributes, children, text.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, k: &str) -> &str {
        self.attrs
            .get(k)
            .unwrap_or_else(|| panic!("<{}> has no {k}: {:?}", self.name, self.attrs))
    }
    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn one(&self, name: &str) -> &El {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>", self.name))
    }
}

fn parse(xml: &str) -> (El, Option<String>) {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack = vec![El::default()];
    let mut ns = None;
    loop {
        let ev = r.read_event().unwrap();
        let open = |e: &quick_xml::events::BytesStart<'_>, ns: &mut Option<String>| {
            let mut el = El {
                name: e.name().as_ref().to_string(),
                ..El::default()
            };
            for a in e.attributes() {
                let a = a.unwrap();
                let k = a.key.as_ref().to_string();
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned();
                if k == "xmlns" {
                    *ns = Some(v);
                } else {
                    el.attrs.insert(k, v);
                }
            }
            el
        };
        match ev {
            Event::Start(e) => {
                let el = open(&e, &mut ns);
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = open(&e, &mut ns);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                let name = g.xml10_content().into_owned();
                let c = g
                    .resolve_char_ref()
                    .unwrap()
                    .map(String::from)
                    .unwrap_or_else(|| {
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap()
                            .to_string()
                    });
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1);
    (doc.children.remove(0), ns)
}

fn meta(id: &str, voice: Voice, lang: Lang) -> DocumentMeta {
    DocumentMeta {
        workshop: Some("rannikko-3".into()),
        theme: Some("osallisuus".into()),
        date: Some("2018-03-14".parse().unwrap()),
        lang: Some(lang),
        ..DocumentMeta::new(id, voice)
    }
}

/// Three documents: Finnish with emoji and a Fraktur letter, Swedish with åäö, and a form
/// row whose answers have Windows line ends.
fn fixture() -> (Vec<Document>, BTreeMap<String, Battery>) {
    let batteries = BTreeMap::from([("asp-paiva".to_string(), Battery::asp_paiva())]);
    let parse = |meta: DocumentMeta, body: &str| {
        kooste_ingest::parse_document(meta, body, 1, "x.md", &batteries)
    };
    let mut fi = meta("asiakas-1", Voice::Client, Lang::Fi);
    fi.title = Some("Kokemuksia & <ajatuksia>".into());
    fi.pseudonym = Some("Asiakas A".into());
    let fi = parse(
        fi,
        "Sain apua 🙂 ja uskalsin kertoa 𝔘-kirjaimin.\n\n- Työntekijä teki kotikäynnin 👩‍👧.\n- Pääsin velkaneuvontaan.\n\nLopuksi: \"kiitos\" <3\n",
    );
    let sv = parse(
        meta("klient-2", Voice::Client, Lang::Sv),
        "Jag fick hjälp av ärliga människor på Åland.\n\nDet kändes tryggt att få berätta öppet.\n",
    );
    let mut form = meta("asp-paiva-1", Voice::Client, Lang::Fi);
    form.battery = Some("asp-paiva".into());
    form.row = Some(1);
    let b = &batteries["asp-paiva"];
    let form = parse(
        form,
        &format!(
            "## {}\r\n\r\nHäätöilmoitus\r\nja velkoja 😟\r\n\r\n## {}\r\n\r\nVäliaikainen asunto\r\n\r\n## {}\r\n\r\nOtti yhteyttä vuokranantajaan\r\n",
            b.questions[0].fi, b.questions[1].fi, b.questions[2].fi
        ),
    );
    assert_eq!(fi.passages.len(), 4);
    assert_eq!(form.passages.len(), 3);
    (vec![fi, sv, form], batteries)
}

fn decision(passage: &str, labels: &[Dimension], who: &str) -> Decision {
    Decision {
        passage: passage.into(),
        text: "x".into(),
        lang: Lang::Fi,
        labels: labels.to_vec(),
        who: who.into(),
        when: "2018-03-20T10:15:00Z".into(),
        note: None,
        withdrawn: false,
    }
}

struct Unzipped {
    qde: String,
    files: BTreeMap<String, String>,
}

fn unzip(bytes: &[u8]) -> Unzipped {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        files.insert(f.name().unwrap().to_string(), s);
    }
    Unzipped {
        qde: files.remove("project.qde").expect("project.qde"),
        files,
    }
}

fn export() -> (Vec<Document>, Vec<u8>) {
    let (docs, batteries) = fixture();
    let mut labels = HashMap::new();
    for d in &docs {
        for p in &d.passages {
            labels.insert(
                p.id.clone(),
                Labels {
                    proposed: vec![(Dimension::Mechanisms, 0.8), (Dimension::Results, 0.4)],
                    confirmed: None,
                },
            );
        }
    }
    let mut decisions = HashMap::new();
    for (p, dims, who) in [
        ("asiakas-1#1", &[Dimension::Mechanisms][..], "tutkija1"),
        (
            "asiakas-1#2",
            &[Dimension::Actors, Dimension::Interventions][..],
            "tutkija2",
        ),
        ("klient-2#1", &[Dimension::Actors][..], "forskare"),
        ("asp-paiva-1#1", &[Dimension::Context][..], "tutkija1"),
        ("asp-paiva-1#3", &[][..], "tutkija1"),
    ] {
        labels.get_mut(p).unwrap().confirmed = Some(dims.to_vec());
        decisions.insert(p.to_string(), decision(p, dims, who));
    }
    let e = QdpxExport {
        name: "Testihanke",
        lang: Lang::Fi,
        batteries: &batteries,
        documents: &docs,
        labels: &labels,
        decisions: &decisions,
    };
    let first = write_qdpx(&e).unwrap();
    let again = write_qdpx(&e).unwrap();
    assert_eq!(
        first.bytes, again.bytes,
        "the same project exports the same bytes"
    );
    assert_eq!(first.sources, 3);
    assert_eq!(first.codings, 5);
    (docs, first.bytes)
}

/// Checks that `names` follows `order` (each name of `order` at most once, except the
/// repeated ones given in `many`).
fn in_order(names: &[&str], order: &[&str]) {
    let mut last = 0;
    for n in names {
        let i = order
            .iter()
            .position(|o| o == n)
            .unwrap_or_else(|| panic!("<{n}> is not allowed here ({order:?})"));
        assert!(
            i >= last,
            "<{n}> comes after {:?} in {names:?}",
            order[last]
        );
        last = i;
    }
}

#[test]
fn the_project_follows_the_schema() {
    let (docs, bytes) = export();
    let z = unzip(&bytes);
    let (root, ns) = parse(&z.qde);
    assert_eq!(root.name, "Project");
    assert_eq!(ns.as_deref(), Some(NAMESPACE));
    assert_eq!(root.attr("name"), "Testihanke");
    // Project.xsd: Users, CodeBook, Variables, Cases, Sources, Notes, Links, Sets, Graphs,
    // Description, NoteRef; each at most once.
    assert_eq!(
        root.names(),
        ["Users", "CodeBook", "Variables", "Cases", "Sources"]
    );

    let users: HashMap<&str, &str> = root
        .one("Users")
        .all("User")
        .map(|u| (u.attr("guid"), u.attr("name")))
        .collect();
    let mut user_names: Vec<&str> = users.values().copied().collect();
    user_names.sort();
    assert_eq!(
        user_names,
        ["forskare", "kooste", "tutkija1", "tutkija2"],
        "the researchers who decided, and kooste for its proposals"
    );

    let codes_el = root.one("CodeBook").one("Codes");
    let mut codes: HashMap<&str, (&str, &str)> = HashMap::new();
    let top: Vec<&str> = codes_el.all("Code").map(|c| c.attr("name")).collect();
    assert_eq!(
        top,
        [
            "konteksti",
            "toimijat",
            "interventiot",
            "mekanismit",
            "tulokset",
            "CAIMeR-ehdotukset (kooste)"
        ]
    );
    for c in codes_el.all("Code") {
        in_order(&c.names(), &["Description", "NoteRef", "Code"]);
        codes.insert(c.attr("guid"), (c.attr("name"), c.attr("isCodable")));
        for child in c.all("Code") {
            codes.insert(
                child.attr("guid"),
                (child.attr("name"), child.attr("isCodable")),
            );
        }
    }
    for (name, codable) in codes.values() {
        let expected = if name.starts_with("CAIMeR-") {
            "false"
        } else {
            "true"
        };
        assert_eq!(*codable, expected, "{name}");
    }
    assert!(codes.values().any(|(n, _)| *n == "ehdotus: mekanismit"));

    let variables: HashMap<&str, (&str, &str)> = root
        .one("Variables")
        .all("Variable")
        .map(|v| (v.attr("guid"), (v.attr("name"), v.attr("typeOfVariable"))))
        .collect();
    let var_names: Vec<&str> = root
        .one("Variables")
        .all("Variable")
        .map(|v| v.attr("name"))
        .collect();
    assert_eq!(
        var_names,
        [
            "tunniste",
            "otsikko",
            "ääni",
            "työpaja",
            "teema",
            "kysymyspatteristo",
            "päivämäärä",
            "kieli",
            "pseudonyymi",
            "rivi"
        ]
    );

    // One case per document, its metadata as variable values, pointing at its source.
    let sources: HashMap<&str, &El> = root
        .one("Sources")
        .all("TextSource")
        .map(|s| (s.attr("guid"), s))
        .collect();
    let cases: Vec<&El> = root.one("Cases").all("Case").collect();
    assert_eq!(cases.len(), docs.len());
    for (case, doc) in cases.iter().zip(&docs) {
        assert_eq!(case.attr("name"), doc.meta.id);
        in_order(
            &case.names(),
            &[
                "Description",
                "CodeRef",
                "VariableValue",
                "SourceRef",
                "SelectionRef",
            ],
        );
        let mut values = BTreeMap::new();
        for vv in case.all("VariableValue") {
            assert_eq!(vv.children.len(), 2);
            let (name, ty) = variables[vv.children[0].attr("targetGUID")];
            assert_eq!(vv.children[0].name, "VariableRef");
            let value = &vv.children[1];
            let expected_element = match ty {
                "Date" => "DateValue",
                "Integer" => "IntegerValue",
                _ => "TextValue",
            };
            assert_eq!(value.name, expected_element, "{name}");
            values.insert(name, value.text.as_str());
        }
        assert_eq!(values["tunniste"], doc.meta.id);
        assert_eq!(values["ääni"], "asiakas");
        assert_eq!(values["työpaja"], "rannikko-3");
        assert_eq!(values["päivämäärä"], "2018-03-14");
        let source = case.one("SourceRef").attr("targetGUID");
        assert_eq!(sources[source].attr("name"), doc.meta.id);
    }
    let first = cases[0];
    assert!(
        first
            .all("VariableValue")
            .any(|v| v.children[1].text == "Kokemuksia & <ajatuksia>"),
        "escaped text comes back as written"
    );

    // The sources: a text file each, LF line ends, and selections that cut out exactly
    // the passage they code.
    let mut coded = 0;
    for (el, doc) in root.one("Sources").all("TextSource").zip(&docs) {
        let guid = el.attr("guid");
        assert_eq!(el.attr("plainTextPath"), format!("internal://{guid}.txt"));
        in_order(
            &el.names(),
            &[
                "Description",
                "PlainTextContent",
                "PlainTextSelection",
                "Coding",
                "NoteRef",
                "VariableValue",
            ],
        );
        let text = &z.files[&format!("sources/{guid}.txt")];
        assert!(!text.contains('\r'), "LF line ends only");
        let chars: Vec<char> = text.chars().collect();
        for sel in el.all("PlainTextSelection") {
            in_order(&sel.names(), &["Description", "Coding", "NoteRef"]);
            let pid = sel.attr("name");
            let passage = doc.passages.iter().find(|p| p.id == pid).unwrap();
            let (s, e): (usize, usize) = (
                sel.attr("startPosition").parse().unwrap(),
                sel.attr("endPosition").parse().unwrap(),
            );
            let cut: String = chars[s..e].iter().collect();
            assert_eq!(cut, passage.text.replace("\r\n", "\n"), "{pid}");
            assert!(users.contains_key(sel.attr("creatingUser")));
            for coding in sel.all("Coding") {
                assert_eq!(coding.names(), ["CodeRef"]);
                let code = coding.one("CodeRef").attr("targetGUID");
                let (name, _) = codes[code];
                assert!(users.contains_key(coding.attr("creatingUser")));
                if !name.starts_with("ehdotus") {
                    coded += 1;
                    assert_eq!(coding.attr("creationDateTime"), "2018-03-20T10:15:00Z");
                }
            }
        }
    }
    assert_eq!(coded, 5);
    assert_eq!(z.files.len(), docs.len(), "one text file per source");
}

#[test]
fn confirmed_labels_and_proposals_are_told_apart() {
    let (_, bytes) = export();
    let z = unzip(&bytes);
    let (root, _) = parse(&z.qde);
    let mut code_names = HashMap::new();
    let mut stack: Vec<&El> = root.one("CodeBook").one("Codes").all("Code").collect();
    while let Some(c) = stack.pop() {
        code_names.insert(c.attr("guid").to_string(), c.attr("name").to_string());
        stack.extend(c.all("Code"));
    }
    let user_names: HashMap<&str, &str> = root
        .one("Users")
        .all("User")
        .map(|u| (u.attr("guid"), u.attr("name")))
        .collect();
    let mut seen = BTreeMap::new();
    for s in root.one("Sources").all("TextSource") {
        for sel in s.all("PlainTextSelection") {
            let names: Vec<String> = sel
                .all("Coding")
                .map(|c| code_names[c.one("CodeRef").attr("targetGUID")].clone())
                .collect();
            seen.insert(
                sel.attr("name").to_string(),
                (names, user_names[sel.attr("creatingUser")]),
            );
        }
    }
    assert_eq!(
        seen["asiakas-1#2"],
        (
            vec!["toimijat".to_string(), "interventiot".to_string()],
            "tutkija2"
        )
    );
    assert_eq!(
        seen["klient-2#1"],
        (vec!["toimijat".to_string()], "forskare")
    );
    assert_eq!(
        seen["asiakas-1#3"],
        (
            vec![
                "ehdotus: mekanismit".to_string(),
                "ehdotus: tulokset".to_string()
            ],
            "kooste"
        )
    );
    // "None of them" has no coding to carry it.
    assert!(!seen.contains_key("asp-paiva-1#3"));
    let proposal = root
        .one("Sources")
        .all("TextSource")
        .flat_map(|s| s.all("PlainTextSelection"))
        .find(|s| s.attr("name") == "asiakas-1#3")
        .unwrap();
    assert_eq!(
        proposal.one("Description").text,
        "ehdotus: mekanismit: 0.80; ehdotus: tulokset: 0.40"
    );
}

#[test]
fn form_questions_stand_on_their_own_lines() {
    let (docs, bytes) = export();
    let z = unzip(&bytes);
    let (root, _) = parse(&z.qde);
    let form = root
        .one("Sources")
        .all("TextSource")
        .find(|s| s.attr("name") == "asp-paiva-1")
        .unwrap();
    let text = &z.files[&format!("sources/{}.txt", form.attr("guid"))];
    let b = Battery::asp_paiva();
    assert_eq!(
        *text,
        format!(
            "{}\nHäätöilmoitus\nja velkoja 😟\n\n{}\nVäliaikainen asunto\n\n{}\nOtti yhteyttä vuokranantajaan\n",
            b.questions[0].fi, b.questions[1].fi, b.questions[2].fi
        )
    );
    assert_eq!(docs[2].passages[0].text, "Häätöilmoitus\r\nja velkoja 😟");
}
