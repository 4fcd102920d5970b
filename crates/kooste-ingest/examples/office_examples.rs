//! Writes the invented Excel, Word and survey-export example files with the writer
//! libraries the tests use, so that nothing in them is hand-edited XML:
//!
//! ```sh
//! cargo run -p kooste-ingest --example office_examples -- examples/office tests/fixtures/inbox
//! ```
//!
//! Each directory given gets the same files.

#[path = "../tests/office/mod.rs"]
mod office;

fn main() -> std::io::Result<()> {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: office_examples DIR...");
        std::process::exit(2);
    }
    let files: [(&str, Vec<u8>); 5] = [
        ("asp-paiva-kevat.xlsx", office::form_xlsx()),
        ("asp-paiva-lomake.docx", office::form_docx()),
        ("kotikaynnit-muistio.docx", office::memo_docx()),
        ("asiakaspalaute-webropol.xlsx", office::survey_xlsx()),
        (
            "asiakaspalaute-webropol.survey.toml",
            office::SURVEY_TOML.as_bytes().to_vec(),
        ),
    ];
    for dir in dirs {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &files {
            kooste_core::fsutil::write_atomic(&dir.join(name), bytes)?;
            println!("{}", dir.join(name).display());
        }
    }
    Ok(())
}
