//! `kooste serve` saving forms while `kooste ingest` runs beside it on the same project: the
//! two take turns (the write lock in `.kooste/`), nothing is lost, and each sees what the
//! other wrote.

use crate::http::Client;
use crate::kill::{WORKER, add_worker, serve};
use crate::{TestProject, assert_status_clean, search_docs};

const FILES: usize = 12;
const FORMS: usize = 12;

#[test]
fn serve_and_ingest_at_once_lose_nothing_and_see_each_other() {
    let p = TestProject::new();
    add_worker(&p);
    assert_eq!(p.kooste(&["index"]).code, 0);
    let (mut child, addr) = serve(&p);
    let mut client = Client::default();
    client.login(&addr, WORKER.0, WORKER.1).unwrap();
    let csrf = client.get(&addr, "/forms/asp-paiva").unwrap().csrf();

    let poster = {
        let (addr, mut client) = (addr.clone(), client.clone());
        std::thread::spawn(move || {
            let mut saved = Vec::new();
            for n in 0..FORMS {
                let word = format!("lomakesana{n}x");
                let fields = [
                    ("csrf_token".to_string(), csrf.clone()),
                    ("date".to_string(), "2018-03-14".to_string()),
                    ("action".to_string(), "save".to_string()),
                    ("r1_q1".to_string(), format!("Velkaneuvonnasta: {word}.")),
                ];
                let page = client.post(&addr, "/forms/asp-paiva", &fields).unwrap();
                assert_eq!(page.status, 200, "form {n}: {}", page.body);
                let ids = page.saved_ids();
                assert_eq!(ids.len(), 1, "form {n}: {}", page.body);
                saved.push((ids[0].clone(), word));
            }
            saved
        })
    };
    let mut ingested = Vec::new();
    for n in 0..FILES {
        let word = format!("tiedostosana{n}x");
        let path = p.root.join(format!("inbox/rinnalla-{n}.md"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            format!(
                "---\nid: rinnalla-{n}\nvoice: researcher\nlang: fi\n---\n\n\
                 Tutkijan muistiinpano velkaneuvonnasta: {word}.\n"
            ),
        )
        .unwrap();
        let out = p.kooste(&["ingest", &path.to_string_lossy()]);
        assert_eq!(out.code, 0, "ingest {n}: {out:?}");
        ingested.push((format!("rinnalla-{n}"), word));
    }
    let saved = poster.join().unwrap();

    // The web app finds what was ingested beside it.
    for (id, word) in &ingested {
        let page = client.get(&addr, &format!("/search?q={word}")).unwrap();
        // Its own document among the hits (the others share the word's first letters).
        assert!(
            page.body.contains(&format!("{id}#")),
            "{word} in the web app: {}",
            page.body
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert_status_clean(&p, "after serve and ingest at once");
    // The index the two wrote together is the corpus's: a full refresh changes nothing.
    let again = p.kooste(&["index", "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    let r = &again.json()["report"];
    assert_eq!(
        (&r["added"], &r["updated"], &r["removed"]),
        (&0.into(), &0.into(), &0.into()),
        "{r}"
    );
    let found = search_docs(&p, "velkaneuvonnasta");
    for (id, word) in saved.iter().chain(&ingested) {
        assert!(found.contains(id), "{id} ({word}) is not found");
    }
}
