//! Closing the workshop loop from the command line: accounts with a voice, publishing a
//! digest, and the between-workshop task written into the region's file.

use crate::TestProject;

#[test]
fn user_add_asks_participants_for_a_voice_and_old_accounts_keep_working() {
    let p = TestProject::example();
    // A users.toml from before voices: a participant without one.
    p.write(
        "users.toml",
        b"[[user]]\nname = \"vanha\"\nrole = \"participant\"\nhash = \"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY\"\n",
    );
    let r = p.kooste_stdin(
        &["user", "add", "asiakas", "--role", "participant"],
        "salasana-123\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("--voice client"), "{}", r.stderr);
    let r = p.kooste_stdin(
        &[
            "user",
            "add",
            "asiakas",
            "--role",
            "participant",
            "--voice",
            "asiakas",
        ],
        "salasana-123\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("voice client"), "{}", r.stdout);
    assert!(
        r.stderr.contains("participant vanha has no voice")
            && r.stderr
                .contains("kooste user add vanha --role participant --voice"),
        "{}",
        r.stderr
    );
    let r = p.kooste_stdin(
        &["user", "add", "t", "--role", "worker", "--voice", "client"],
        "salasana-123\n",
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("leave out --voice"), "{}", r.stderr);
    // Setting the old participant's voice asks for no password and keeps the hash.
    let r = p.kooste(&[
        "user",
        "add",
        "vanha",
        "--role",
        "participant",
        "--voice",
        "worker",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("has no voice"), "{}", r.stderr);
    let users = std::fs::read_to_string(p.root.join("users.toml")).unwrap();
    assert!(users.contains("c2FsdHNhbHRzYWx0"), "{users}");
    assert_eq!(users.matches("voice = \"worker\"").count(), 1, "{users}");
    assert_eq!(users.matches("voice = \"client\"").count(), 1, "{users}");
}

#[test]
fn publishing_a_digest_is_recorded_in_the_project_and_shown_by_status() {
    let p = TestProject::example();
    let r = p.kooste(&["digest", "rannikko-1", "--publish"]);
    assert_eq!(r.code, 2, "the first workshop has no digest: {r:?}");
    assert!(!p.root.join("published.toml").exists());
    let r = p.kooste(&["digest", "rannikko-3", "--publish"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Published the digest for rannikko-3"),
        "{}",
        r.stdout
    );
    let r = p.kooste(&["digest", "rannikko-3", "--publish"]);
    assert!(r.stdout.contains("already published"), "{}", r.stdout);
    let text = std::fs::read_to_string(p.root.join("published.toml")).unwrap();
    assert_eq!(text.matches("[[digest]]").count(), 1, "{text}");
    // Derived state can go; publishing stays.
    let _ = std::fs::remove_dir_all(p.root.join(".kooste"));
    let status = p.kooste(&["status", "--json"]).json();
    let published: Vec<_> = status["workshops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["digest_published"] == true)
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(published, ["rannikko-3"]);
    let text = p.kooste(&["status"]).stdout;
    assert!(
        text.contains("rannikko-3  2018-03-01  ihanne, teoria  (digest published)"),
        "{text}"
    );
}

#[test]
fn the_task_is_written_keeping_the_files_comments_and_bad_input_writes_nothing() {
    let p = TestProject::example();
    let file = p.root.join("workshops/rannikko.toml");
    // Comments of the kind people write in the file.
    let original = std::fs::read_to_string(&file).unwrap().replacen(
        "[[workshop]]\nnumber = 6\n",
        "# The last workshop: the task is agreed on the day.\n[[workshop]]\nnumber = 6 # last\n",
        1,
    );
    std::fs::write(&file, &original).unwrap();
    for (args, says) in [
        (vec!["--theme", "ei-teema"], "unknown theme 'ei-teema'"),
        (
            vec!["--theme", "teoria", "--battery", "ei-ole"],
            "unknown battery 'ei-ole'",
        ),
        (
            vec!["--theme", "teoria", "--due", "2019-03-20"],
            "before the workshop",
        ),
        (vec!["--how", "Kirjoitetaan."], "give its theme"),
        (
            vec!["--theme", "teoria", "--due", "20.3.2019"],
            "YYYY-MM-DD",
        ),
    ] {
        let mut all = vec!["task", "rannikko-6"];
        all.extend(args);
        let r = p.kooste(&all);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            original,
            "nothing written"
        );
    }
    let r = p.kooste(&[
        "task",
        "rannikko-6",
        "--theme",
        "teoria",
        "--from",
        "client,worker",
        "--how",
        "Asiakkaat ja työntekijät kirjoittavat, mitä tietoperustasta jäi puuttumaan.",
        "--how-sv",
        "Klienter och arbetstagare skriver vad som saknas i kunskapsgrunden.",
        "--battery",
        "ihanne",
        "--due",
        "2019-05-31",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let last = &text[text.find("# The last workshop").unwrap()..];
    insta::assert_snapshot!("task_written_into_the_region_file", last);
    assert!(text.starts_with(&original[..original.find("# The last workshop").unwrap()]));
    // Shown by `task`, `status`, and the next digest... of which there is none: the last
    // workshop's task is shown by status.
    let r = p.kooste(&["task", "rannikko-6", "--json"]).json();
    assert_eq!(r["task"]["battery"], "ihanne");
    assert_eq!(r["task"]["due"], "2019-05-31");
    let status = p.kooste(&["status"]).stdout;
    assert!(
        status.contains("task: teoria from client and worker, battery ihanne, due 2019-05-31"),
        "{status}"
    );
    // A change to one field keeps the others; the next digest shows what was asked.
    let r = p.kooste(&["task", "rannikko-5", "--due", "2019-02-15"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.kooste(&["task", "rannikko-5"]);
    assert!(
        r.stdout.contains("battery: tiedottaminen") && r.stdout.contains("due:     2019-02-15"),
        "{}",
        r.stdout
    );
    let md = p.kooste(&["digest", "rannikko-6"]).stdout;
    assert!(md.contains("15.2.2019"), "{md}");
}
