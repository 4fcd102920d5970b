//! Excel and Word inputs made with writer libraries (rust_xlsxwriter, docx-rs), so that the
//! readers are tested on files as Office programs write them. Everything here is invented.
//! `examples/office_examples.rs` writes the same files to disk for the example material and
//! the command-line tests.

#![allow(dead_code)]

use docx_rs::{
    Docx, IndentLevel, NumberingId, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow,
};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};

const Q1: &str = "1. Millaisiin tilanteisiin olet hakenut apua?";
const Q2: &str = "2. Millaista apua sait sosiaalityöstä?";
const Q3: &str = "3. Mitä sosiaalityöntekijä teki tässä?";

fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2018, 3, 14).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    wb
}

/// A "day of adult social work" form in Excel: a title row above the headers, answers with
/// personal data, a number, a date, a formula, a boolean, and a formatted but empty cell far
/// to the right and below. A second sheet holds a Swedish form.
pub(crate) fn form_xlsx() -> Vec<u8> {
    let mut wb = workbook();
    let date = Format::new().set_num_format("d.m.yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Lomake").unwrap();
    ws.write_string(0, 0, "Aikuissosiaalityön päivä, kevät 2018")
        .unwrap();
    for (c, q) in [Q1, Q2, Q3].iter().enumerate() {
        ws.write_string(2, c as u16, *q).unwrap();
    }
    ws.write_string(3, 0, "Häätöuhka ja vuokravelka").unwrap();
    ws.write_string(
        3,
        1,
        "Tilapäinen asunto ja suunnitelma; soita Maija Virtaselle 040 123 4567",
    )
    .unwrap();
    ws.write_string(3, 2, "Soitti vuokranantajalle ja haki vuokravakuuden")
        .unwrap();
    ws.write_string(4, 0, "Toimeentulotuen hakeminen").unwrap();
    ws.write_number(4, 1, 250.0).unwrap();
    ws.write_formula(
        4,
        2,
        Formula::new("=\"Neuvoi \"&\"hakemuksessa\"").set_result("Neuvoi hakemuksessa"),
    )
    .unwrap();
    ws.write_datetime_with_format(5, 0, ExcelDateTime::from_ymd(2018, 3, 14).unwrap(), &date)
        .unwrap();
    ws.write_boolean(5, 1, true).unwrap();
    ws.write_number(5, 2, 0.1 + 0.2).unwrap();
    // Formatting without content: Excel keeps such cells, and they must not count.
    ws.write_blank(40, 10, &Format::new().set_bold()).unwrap();
    let sv = wb.add_worksheet();
    sv.set_name("Svenska").unwrap();
    for (c, q) in [
        "I vilka situationer har du sökt hjälp?",
        "Vilken hjälp fick du av det sociala arbetet?",
        "Vad gjorde socialarbetaren här?",
    ]
    .iter()
    .enumerate()
    {
        sv.write_string(0, c as u16, *q).unwrap();
    }
    sv.write_string(1, 0, "Skulder och ensamhet").unwrap();
    sv.write_string(
        1,
        2,
        "Ringde skuldrådgivningen, e-post anna.berg@example.com",
    )
    .unwrap();
    wb.save_to_buffer().unwrap()
}

/// A form whose header has a column that is no question of the battery.
pub(crate) fn unknown_header_xlsx() -> Vec<u8> {
    let mut wb = workbook();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, Q1).unwrap();
    ws.write_string(0, 1, "Päivämäärä").unwrap();
    ws.write_string(1, 0, "Velat").unwrap();
    ws.write_string(1, 1, "14.3.2018").unwrap();
    ws.write_string(2, 0, "Asunto").unwrap();
    ws.write_string(2, 3, "Tekstiä ilman otsikkoa").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A survey tool's export as Webropol writes it: a respondent number, start and end times,
/// the e-mail and IP address of the respondent, three open questions of the client-feedback
/// battery (one worded differently from the battery) and a scale question.
pub(crate) fn survey_xlsx() -> Vec<u8> {
    let mut wb = workbook();
    let time = Format::new().set_num_format("d.m.yyyy h:mm");
    let ws = wb.add_worksheet();
    ws.set_name("Vastaukset").unwrap();
    let headers = [
        "Vastaajan numero",
        "Aloitusaika",
        "Lopetusaika",
        "Sähköposti",
        "IP-osoite",
        "1. Miten sinut otettiin vastaan, kun otit yhteyttä sosiaalityöhön?",
        "2. Mikä elämässäsi muuttui?",
        "3. Mitä toivoisit tehtävän toisin?",
        "4. Kuinka tyytyväinen olit palveluun? (1-5)",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    /// Number, start time, e-mail, IP address, open answers, scale answer.
    type Response<'a> = (f64, (u16, u8), &'a str, &'a str, [&'a str; 3], f64);
    let rows: [Response; 4] = [
        (
            101.0,
            (12, 5),
            "matti.m@example.com",
            "192.0.2.14",
            [
                "Ystävällisesti. Työntekijä soitti minulle takaisin samana päivänä.",
                "Sain velkajärjestelyn vireille.",
                "Enemmän aikaa tapaamisiin.",
            ],
            4.0,
        ),
        (
            102.0,
            (13, 40),
            "",
            "198.51.100.7",
            [
                "Jonotin pitkään, mutta lopulta pääsin juttelemaan. Soita 050 765 4321 jos haluat kysyä.",
                "",
                "Ajanvaraus helpommaksi.",
            ],
            3.0,
        ),
        (103.0, (14, 0), "", "203.0.113.9", ["", "", ""], 5.0),
        (
            104.0,
            (15, 10),
            "",
            "203.0.113.50",
            [
                "Hyvin, Maija Virtanen kuunteli.",
                "Uskallan taas hoitaa asioitani.",
                "",
            ],
            5.0,
        ),
    ];
    for (r, (number, (h, m), email, ip, answers, scale)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let start = ExcelDateTime::from_ymd(2018, 4, 3 + r as u8)
            .unwrap()
            .and_hms(*h, *m, 0)
            .unwrap();
        let end = ExcelDateTime::from_ymd(2018, 4, 3 + r as u8)
            .unwrap()
            .and_hms(*h, *m + 9, 30)
            .unwrap();
        ws.write_number(r, 0, *number).unwrap();
        ws.write_datetime_with_format(r, 1, &start, &time).unwrap();
        ws.write_datetime_with_format(r, 2, &end, &time).unwrap();
        if !email.is_empty() {
            ws.write_string(r, 3, *email).unwrap();
        }
        ws.write_string(r, 4, *ip).unwrap();
        for (c, a) in answers.iter().enumerate() {
            if !a.is_empty() {
                ws.write_string(r, 5 + c as u16, *a).unwrap();
            }
        }
        ws.write_number(r, 8, *scale).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// The mapping of [`survey_xlsx`] to the `asiakaspalaute` battery.
pub(crate) const SURVEY_TOML: &str = r#"# Which question battery the survey asked, and whose voice the respondents are.
battery = "asiakaspalaute"
voice = "client"
# The end time of each response becomes its document's date (only the date is kept).
date = "Lopetusaika"
# Each respondent's document is named by the respondent number, so that a later export
# with more respondents keeps the same ids.
respondent = "Vastaajan numero"

# The export's column headers and the battery questions they answer (id or wording).
# Columns whose headers are the battery's own wording need no line here; every other
# column (times, e-mail, IP address, the scale question) is left out and never stored.
[columns]
"2. Mikä elämässäsi muuttui?" = "q2"
"#;

/// The client-feedback battery, for projects made with `kooste init`.
pub(crate) const ASIAKASPALAUTE_TOML: &str =
    include_str!("../../../../workshops/batteries/asiakaspalaute.toml");

pub(crate) fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

pub(crate) fn cell(text: &str) -> TableCell {
    TableCell::new().add_paragraph(para(text))
}

pub(crate) fn pack(doc: Docx) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    // Fixed times, so that the same program writes the same bytes.
    doc.created_at("2018-03-14T00:00:00Z")
        .updated_at("2018-03-14T00:00:00Z")
        .build()
        .pack(&mut out)
        .unwrap();
    out.into_inner()
}

/// A worker's memo in Word: headings (an English style id and a Finnish one named
/// `heading 2`), paragraphs with personal data and a line break, a bulleted list, and a
/// table that is not a form.
pub(crate) fn memo_docx() -> Vec<u8> {
    let doc = Docx::new()
        .add_style(Style::new("Otsikko2", StyleType::Paragraph).name("heading 2"))
        .add_paragraph(para("Kotikäynnit keväällä").style("Heading1"))
        .add_paragraph(para(
            "Teimme kotikäynnin Maija Virtasen luona. Hänen numeronsa on 040 123 4567.",
        ))
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("Ensimmäinen rivi"))
                .add_run(Run::new().add_break(docx_rs::BreakType::TextWrapping))
                .add_run(Run::new().add_text("1. toinen rivi *tähdellä*")),
        )
        .add_paragraph(para("Mitä opimme").style("Otsikko2"))
        .add_paragraph(
            para("Asiakas kertoo kotona enemmän.")
                .numbering(NumberingId::new(1), IndentLevel::new(0)),
        )
        .add_paragraph(
            para("Luottamus syntyy, kun sama työntekijä jatkaa.")
                .numbering(NumberingId::new(1), IndentLevel::new(0)),
        )
        .add_table(Table::new(vec![
            TableRow::new(vec![cell("Kuukausi"), cell("Käyntejä")]),
            TableRow::new(vec![cell("Maaliskuu"), cell("12 | noin")]),
        ]));
    pack(doc)
}

/// A "day of adult social work" form in Word: a heading, instructions, and the battery's
/// table with two situations (a name in one cell).
pub(crate) fn form_docx() -> Vec<u8> {
    let doc = Docx::new()
        .add_paragraph(para("Aikuissosiaalityön päivä").style("Heading1"))
        .add_paragraph(para("Kirjoittakaa yksi rivi kutakin tilannetta kohden."))
        .add_table(Table::new(vec![
            TableRow::new(vec![cell(Q1), cell(Q2), cell(Q3)]),
            TableRow::new(vec![
                cell("Velkoja ja yksinäisyyttä"),
                cell("Pääsin velkaneuvontaan. Maija Virtanen auttoi."),
                cell("Ohjasi velkaneuvontaan ja soitti 09 123 4567"),
            ]),
            TableRow::new(vec![cell(""), cell(""), cell("")]),
            TableRow::new(vec![
                TableCell::new()
                    .add_paragraph(para("Asunto meni alta"))
                    .add_paragraph(para("ja työ loppui")),
                cell(""),
                cell("Teki kotikäynnin"),
            ]),
        ]));
    pack(doc)
}

/// A Word form whose table has an unknown column.
pub(crate) fn bad_form_docx() -> Vec<u8> {
    let doc = Docx::new().add_table(Table::new(vec![
        TableRow::new(vec![cell(Q1), cell(Q2), cell("Allekirjoitus")]),
        TableRow::new(vec![cell("Velat"), cell("Apua"), cell("x")]),
    ]));
    pack(doc)
}

/// A Word document whose headings are the client-feedback battery's questions.
pub(crate) fn heading_form_docx() -> Vec<u8> {
    let doc = Docx::new()
        .add_paragraph(para("Palautteeni").style("Heading1"))
        .add_paragraph(
            para("Miten sinut otettiin vastaan, kun otit yhteyttä sosiaalityöhön?")
                .style("Heading2"),
        )
        .add_paragraph(para("Minut otettiin hyvin vastaan."))
        .add_paragraph(para("Mikä muuttui elämässäsi asiakkuuden aikana?").style("Heading2"))
        .add_paragraph(para("Sain asunnon."));
    pack(doc)
}

/// A form in Excel as people fill it in: a first sheet of instructions, and on the second an
/// answer merged over two rows (one situation, two kinds of help).
pub(crate) fn merged_form_xlsx() -> Vec<u8> {
    let mut wb = workbook();
    let help = wb.add_worksheet();
    help.set_name("Ohjeet").unwrap();
    help.write_string(0, 0, "Täyttöohje: kirjoita yksi tilanne riville.")
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Lomake").unwrap();
    for (c, q) in [Q1, Q2, Q3].iter().enumerate() {
        ws.write_string(0, c as u16, *q).unwrap();
    }
    ws.merge_range(1, 0, 2, 0, "Häätöuhka", &Format::new())
        .unwrap();
    ws.write_string(1, 1, "Tilapäinen asunto").unwrap();
    ws.write_string(2, 1, "Velkaneuvonta").unwrap();
    ws.write_string(1, 2, "Soitti vuokranantajalle").unwrap();
    ws.write_string(2, 2, "Varasi ajan").unwrap();
    wb.save_to_buffer().unwrap()
}

/// The same form in Word, the first column merged vertically over the two rows.
pub(crate) fn merged_form_docx() -> Vec<u8> {
    use docx_rs::VMergeType;
    let doc = Docx::new().add_table(Table::new(vec![
        TableRow::new(vec![cell(Q1), cell(Q2), cell(Q3)]),
        TableRow::new(vec![
            cell("Häätöuhka").vertical_merge(VMergeType::Restart),
            cell("Tilapäinen asunto"),
            cell("Soitti vuokranantajalle"),
        ]),
        TableRow::new(vec![
            TableCell::new()
                .add_paragraph(Paragraph::new())
                .vertical_merge(VMergeType::Continue),
            cell("Velkaneuvonta"),
            cell("Varasi ajan"),
        ]),
    ]));
    pack(doc)
}
