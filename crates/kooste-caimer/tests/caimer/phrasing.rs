//! Each dimension's typical phrasing, in Finnish and in Swedish: the examples of the domain
//! description and invented sentences of the same kind.

use crate::check;
use kooste_core::model::Dimension::{self, *};
use kooste_core::model::Lang::{self, Fi, Sv};

fn all(cases: &[(&str, Lang)], d: Dimension) {
    for (text, lang) in cases {
        check(text, *lang, &[d], false);
    }
}

#[test]
fn context() {
    all(
        &[
            ("Asunto meni alta, kun vuokrarästit kasvoivat.", Fi),
            ("Lakimuutos lisäsi palvelutarpeen arviointeja.", Fi),
            (
                "Olin ollut työttömänä kolme vuotta ja velkaa oli kertynyt.",
                Fi,
            ),
            ("Tiimissämme on liikaa asiakkaita ja liian vähän aikaa.", Fi),
            ("Jag blev arbetslös och skulderna växte.", Sv),
            ("Sedan skilsmässan bor jag ensam och har ångest.", Sv),
            (
                "Blanketterna finns bara på finska och e-tjänsten kräver bankkoder.",
                Sv,
            ),
        ],
        Context,
    );
}

#[test]
fn actors() {
    all(
        &[
            ("Vertaisohjaaja on itse ollut asunnoton.", Fi),
            ("Tiimissä on kaksi sosiaaliohjaajaa.", Fi),
            ("Työntekijä oli kiireetön ja aidosti kiinnostunut.", Fi),
            ("Kamrathandledaren har själv varit bostadslös.", Sv),
            (
                "I teamet finns två socialhandledare och en erfarenhetsexpert.",
                Sv,
            ),
            ("Min syster följde med som stödperson.", Sv),
        ],
        Actors,
    );
}

#[test]
fn interventions() {
    all(
        &[
            ("Tehtiin kotikäynti.", Fi),
            ("Ohjattiin velkaneuvontaan.", Fi),
            (
                "Työntekijä soitti vuokranantajalle ja haki vuokratakuuta.",
                Fi,
            ),
            ("Vi gjorde ett hembesök.", Sv),
            (
                "Socialarbetaren ringde hyresvärden och ansökte om hyresgaranti.",
                Sv,
            ),
            (
                "Vi kallade till ett nätverksmöte med FPA och missbruksvården.",
                Sv,
            ),
        ],
        Interventions,
    );
}

#[test]
fn mechanisms() {
    all(
        &[
            ("Uskalsin kertoa, koska sama työntekijä jatkoi.", Fi),
            ("Vertaisen tarina antoi toivoa.", Fi),
            ("Minua kuunneltiin ja häpeä helpotti.", Fi),
            ("Jag vågade berätta eftersom jag litade på henne.", Sv),
            ("Jag kände mig hörd och fick hopp igen.", Sv),
            (
                "I gruppen fanns någon i samma situation, och skammen släppte.",
                Sv,
            ),
        ],
        Mechanisms,
    );
}

#[test]
fn results() {
    all(
        &[
            ("Pääsin velkajärjestelyyn.", Fi),
            ("Ajanvarausta helpotettiin.", Fi),
            ("Sain tukiasunnon ja olen pysynyt raittiina.", Fi),
            ("Jag fick behålla lägenheten.", Sv),
            ("Jag fick en avbetalningsplan och sover bättre.", Sv),
            ("Antalet vräkningar minskade efter försöket.", Sv),
        ],
        Results,
    );
}

#[test]
fn talk_about_the_research_process_gets_no_dimension() {
    check(
        "Seuraavassa työpajassa aineisto esitellään pienryhmissä.",
        Fi,
        &[],
        true,
    );
    check(
        "I nästa verkstad presenteras sammanställningen av materialet.",
        Sv,
        &[],
        true,
    );
}
