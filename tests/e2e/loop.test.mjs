// End-to-end tests of the workshop loop (issue 21), each walked by the role that does it, in
// headless Chromium over a copy of the example project: a client participant answers a
// battery's client questions in their own voice; a researcher publishes the digest of the
// third workshop; a participant reads it and comments on a finding; a researcher records
// the next task; the digest is presented on a projector (arrow keys with JavaScript, plain
// links without); the development needs and steps are read by a participant and kept by a
// researcher. Every new page passes axe-core at tablet and phone size and works with
// JavaScript off. Screenshots go to $SCREENSHOTS (default tests/e2e/out/).
//
// Run: npm ci && npm test (in tests/e2e), after building the kooste binary.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PHONE, TABLET, axe, setup, shot, signIn as signInAt } from "./support.mjs";

const site = setup();

const signIn = (page, user, password) => signInAt(page, site.base, user, password);
const PASSWORDS = { osallistuja: "osallistuja-demo", tyontekija: "tyontekija-demo", tutkija: "tutkija-demo" };
const W = "rannikko-3";

/** A signed-in page of `user` in a new browser context. */
async function as(user, options = {}) {
  const context = await site.browser.newContext({ viewport: TABLET, locale: "fi-FI", ...options });
  const page = await context.newPage();
  await signIn(page, user, PASSWORDS[user]);
  return { context, page };
}

/** The web documents stored under `dir` of the corpus, by name. */
function webDocuments(dir) {
  const at = path.join(site.project, "corpus", dir);
  return fs.existsSync(at) ? fs.readdirSync(at).filter((f) => f.includes("-web-")) : [];
}

test("a client participant answers only the client questions, previewed without personal data, in their own voice", async () => {
  const { context, page } = await as("osallistuja");
  await page.getByText("Voit vastata itse lomakkeiden asiakkaille tarkoitettuihin kysymyksiin.").waitFor();
  await page.getByRole("link", { name: "Aikuissosiaalityön päivä" }).click();
  await page.waitForURL(site.base + "/forms/asp-paiva");
  await page.getByText("Tässä ovat vain asiakkaille tarkoitetut kysymykset.").waitFor();
  assert.equal(await page.getByLabel("Millaisiin tilanteisiin olet hakenut apua?").count(), 1, "one row");
  assert.equal(await page.getByLabel("Mitä sosiaalityöntekijä teki tässä?").count(), 0, "no worker question");
  const workshop = await page.getByLabel("Työpaja").inputValue();
  const before = webDocuments(workshop);
  await page.getByLabel("Millaisiin tilanteisiin olet hakenut apua?").fill(
    "Soitin numeroon 040 765 4321, kun vuokra jäi maksamatta ja pelkäsin häätöä.",
  );
  await page.getByLabel("Millaista apua sait sosiaalityöstä?").fill("Sain ajan samalle viikolle ja apua vuokranmaksuun.");
  await shot(page, "participant-client-form");
  await page.getByRole("button", { name: "Esikatsele" }).click();
  await page.getByRole("heading", { level: 1, name: "Tarkista ennen tallennusta" }).waitFor();
  const preview = await page.locator("main").innerText();
  assert.match(preview, /\[puhelin\]/);
  assert.doesNotMatch(preview, /040 765 4321/);
  await page.getByRole("button", { name: "Tallenna" }).click();
  await page.getByRole("heading", { level: 1, name: "Tallennettu" }).waitFor();
  const added = webDocuments(workshop).filter((f) => !before.includes(f));
  assert.equal(added.length, 1, `one document stored (${added})`);
  const stored = fs.readFileSync(path.join(site.project, "corpus", workshop, added[0]), "utf8");
  assert.match(stored, /^voice: client$/m, "the client's own voice");
  assert.doesNotMatch(stored, /^via:/m, "not written down by a worker");
  assert.doesNotMatch(stored, /040 765 4321/);
  await context.close();
});

test("a researcher publishes the digest; a participant reads it and comments on a finding", async () => {
  const participant = await as("osallistuja");
  let res = await participant.page.goto(site.base + `/digest/${W}?format=html`);
  assert.equal(res.status(), 403, "not published yet");

  const researcher = await as("tutkija");
  await researcher.page.goto(site.base + `/digest/${W}`);
  await researcher.page.getByText("Koostetta ei ole julkaistu. Vain tutkijat näkevät sen.").waitFor();
  await researcher.page.getByRole("button", { name: "Julkaise kooste kaikille" }).click();
  await researcher.page.getByText("Kooste julkaistiin.").waitFor();
  assert.match(fs.readFileSync(path.join(site.project, "published.toml"), "utf8"), new RegExp(`workshop = "${W}"`));
  await shot(researcher.page, "researcher-digest-published");
  await researcher.context.close();

  const { context, page } = participant;
  res = await page.goto(site.base + `/digest/${W}?format=html`);
  assert.equal(res.status(), 200);
  const block = page.locator(".finding-comments").first();
  const anchor = await block.getAttribute("id");
  const said = "Tämä pitää paikkansa meidänkin kunnassa.";
  await block.getByLabel("Kommentoi tätä havaintoa").fill(said);
  await Promise.all([page.waitForURL((u) => u.hash === `#${anchor}`), block.getByRole("button", { name: "Lähetä kommentti" }).click()]);
  await page.locator(`#${anchor} ul.comments`).getByText(said).waitFor();
  assert.match(await page.locator(`#${anchor} ul.comments`).innerText(), /asiakas/i, "the client's voice");
  // And on the digest as a whole.
  await page.getByLabel("Kommenttisi koko koosteesta").fill("Kiitos koosteesta, se oli selkeä.");
  await page.getByRole("button", { name: "Lähetä kommentti" }).last().click();
  await page.locator("#digest-comments ul.comments").getByText("Kiitos koosteesta, se oli selkeä.").waitFor();
  await page.locator(`#${anchor}`).scrollIntoViewIfNeeded();
  await shot(page, "participant-digest-comment");
  // The comment is searchable at once.
  await page.goto(site.base + "/search?q=" + encodeURIComponent("meidänkin kunnassa"));
  assert.ok((await page.locator("li.hit").count()) >= 1, "the comment is found");
  await context.close();
});

test("a researcher records the next task; bad input writes nothing", async () => {
  const file = path.join(site.project, "workshops/rannikko.toml");
  const { context, page } = await as("tutkija");
  await page.goto(site.base + `/digest/${W}`);
  await page.getByRole("link", { name: "Kirjaa työpajan lopussa sovittu välitehtävä" }).click();
  await page.waitForURL(site.base + `/workshops/${W}/task`);
  const before = fs.readFileSync(file, "utf8");
  await page.getByLabel("Palautus viimeistään").fill("2018-02-01");
  await page.getByRole("button", { name: "Tallenna välitehtävä" }).click();
  await page.getByText("Anna päivämäärä, joka ei ole ennen työpajaa.").first().waitFor();
  assert.equal(fs.readFileSync(file, "utf8"), before, "nothing written");
  await page.getByLabel("Palautus viimeistään").fill("2018-05-10");
  await page.getByLabel("Miten ja kuka (suomeksi)").fill("Asiakkaat kirjoittavat omin sanoin, milloin heitä kuultiin.");
  await page.getByRole("button", { name: "Tallenna välitehtävä" }).click();
  await page.getByText("Välitehtävä tallennettiin työpajatiedostoon.").waitFor();
  const after = fs.readFileSync(file, "utf8");
  assert.match(after, /Asiakkaat kirjoittavat omin sanoin, milloin heitä kuultiin\./);
  assert.match(after, /due = 2018-05-10/);
  assert.equal(after.split("\n")[0], before.split("\n")[0], "the file's layout stays");
  await shot(page, "researcher-task");
  await context.close();
});

test("the projector moves with the arrow keys and Page Up/Down, and with plain links without JavaScript", async () => {
  const { context, page } = await as("tutkija");
  const screen = () => Number(new URL(page.url()).searchParams.get("screen") || 0);
  await page.goto(site.base + `/digest/${W}/present`);
  await page.locator(".present-nav").getByText(/^1 \/ \d+/).waitFor();
  await shot(page, "present");
  for (const [key, want] of [["ArrowRight", 1], ["PageDown", 2], ["ArrowLeft", 1], ["PageUp", 0]]) {
    await Promise.all([page.waitForURL((u) => Number(u.searchParams.get("screen")) === want), page.keyboard.press(key)]);
    assert.equal(screen(), want, key);
  }
  // On the first screen there is nothing before it.
  await page.keyboard.press("ArrowLeft");
  await page.waitForTimeout(300);
  assert.equal(screen(), 0);
  await context.close();

  // A participant, with JavaScript off: the links.
  const plain = await as("osallistuja", { javaScriptEnabled: false });
  await plain.page.goto(site.base + `/digest/${W}/present`);
  await Promise.all([plain.page.waitForURL(/screen=1/), plain.page.getByRole("link", { name: /Seuraava/ }).click()]);
  await plain.page.keyboard.press("ArrowRight");
  await plain.page.waitForTimeout(300);
  assert.match(plain.page.url(), /screen=1/, "no keys without JavaScript");
  await Promise.all([plain.page.waitForURL(/screen=0/), plain.page.getByRole("link", { name: /Edellinen/ }).click()]);
  await plain.context.close();
});

test("a researcher changes a step's status and adds a note; a participant reads the list", async () => {
  const file = path.join(site.project, "development-steps.toml");
  const before = fs.readFileSync(file, "utf8");
  const { context, page } = await as("tutkija");
  await page.getByRole("link", { name: "Kehittämislista" }).click();
  await page.waitForURL(site.base + "/steps");
  const entry = page.locator("article.step-entry").first();
  const id = (await entry.getAttribute("id")).replace(/^entry-/, "");
  await entry.locator("summary").click();
  await entry.getByLabel("Uusi tila").selectOption("in-trial");
  await entry.getByLabel("Mitä tapahtui").fill("Ruotsinkielisiä lomakkeita kokeillaan kahdessa tiimissä.");
  await Promise.all([page.waitForURL(site.base + `/steps#entry-${id}`), entry.getByRole("button", { name: "Tallenna merkintä" }).click()]);
  await page.getByText("Merkintä tallennettiin.").waitFor();
  assert.equal(await page.locator(`#entry-${id} .status`).innerText(), "kokeilussa");
  const after = fs.readFileSync(file, "utf8");
  assert.ok(after.startsWith(before.split("\n[[entry]]")[0]), "the file's comments stay");
  assert.match(after, /text = "Ruotsinkielisiä lomakkeita kokeillaan kahdessa tiimissä\."\nstatus = "in-trial"/);
  // Nothing to say: an error at the field, nothing written.
  await page.locator(`#entry-${id} summary`).click();
  await page.locator(`#entry-${id}`).getByRole("button", { name: "Tallenna merkintä" }).click();
  await page.locator(`#f-${id}-text-error`).waitFor();
  assert.equal(await page.locator(`#f-${id}-text`).getAttribute("aria-invalid"), "true");
  assert.equal(fs.readFileSync(file, "utf8"), after);
  await page.goto(site.base + `/steps#entry-${id}`);
  await shot(page, "researcher-steps");
  await context.close();

  const reader = await as("osallistuja");
  await reader.page.goto(site.base + "/steps");
  assert.equal(await reader.page.locator('form[action="/steps"]').count(), 0, "no forms for participants");
  await reader.page.getByText("Ruotsinkielisiä lomakkeita kokeillaan kahdessa tiimissä.").waitFor();
  await shot(reader.page, "participant-steps");
  await reader.context.close();
});

test("the new pages pass axe at tablet and phone size in Finnish and Swedish and work without JavaScript", async () => {
  const pages = {
    osallistuja: [
      ["participant-steps", "/steps"],
      ["participant-client-form", "/forms/asp-paiva"],
      ["participant-digest", `/digest/${W}?format=html`],
      ["participant-present", `/digest/${W}/present?screen=3`],
    ],
    tutkija: [
      ["researcher-steps", "/steps"],
      ["researcher-task", `/workshops/${W}/task`],
      ["researcher-digest", `/digest/${W}`],
    ],
  };
  for (const [user, list] of Object.entries(pages)) {
    for (const [size, viewport] of [["tablet", TABLET], ["phone", PHONE]]) {
      for (const lang of ["fi", "sv"]) {
        // bypassCSP lets the test inject axe-core; the app's own pages run under its CSP.
        const { context, page } = await as(user, { viewport, bypassCSP: true, locale: lang === "fi" ? "fi-FI" : "sv-FI" });
        await page.goto(site.base + `/lang/${lang}?next=/`);
        for (const [name, url] of list) {
          const res = await page.goto(site.base + url);
          assert.equal(res.status(), 200, `${user} ${url}`);
          await axe(page, `${user} ${lang} ${size} ${url}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${url} at ${size} (${lang}): no sideways scrolling (${overflow}px)`);
          if (size === "phone" && lang === "fi") await shot(page, `${name}-phone`);
          if (size === "tablet" && lang === "sv") await shot(page, `${name}-sv`);
        }
        await context.close();
      }
    }
  }

  // Without JavaScript: a note on a step, a comment, the task, and the client's form.
  const researcher = await as("tutkija", { javaScriptEnabled: false });
  let page = researcher.page;
  await page.goto(site.base + "/steps");
  const entry = page.locator("article.step-entry").nth(1);
  await entry.locator("summary").click();
  await entry.getByLabel("Mitä tapahtui").fill("Kirjattu ilman JavaScriptiä.");
  await entry.getByRole("button", { name: "Tallenna merkintä" }).click();
  await page.getByText("Merkintä tallennettiin.").waitFor();
  await page.goto(site.base + `/workshops/${W}/task`);
  await page.getByLabel("Miten ja kuka (ruotsiksi)").fill("Klienterna skriver med egna ord.");
  await page.getByRole("button", { name: "Tallenna välitehtävä" }).click();
  await page.getByText("Välitehtävä tallennettiin työpajatiedostoon.").waitFor();
  await researcher.context.close();

  const participant = await as("osallistuja", { javaScriptEnabled: false });
  page = participant.page;
  await page.goto(site.base + `/digest/${W}?format=html`);
  const block = page.locator(".finding-comments").nth(1);
  await block.getByLabel("Kommentoi tätä havaintoa").fill("Kommentti ilman JavaScriptiä.");
  await block.getByRole("button", { name: "Lähetä kommentti" }).click();
  await page.getByText("Kommentti ilman JavaScriptiä.").waitFor();
  await page.goto(site.base + "/forms/asp-paiva");
  await page.getByLabel("Millaisiin tilanteisiin olet hakenut apua?").fill("Hain apua ilman JavaScriptiä.");
  await page.getByRole("button", { name: "Esikatsele" }).click();
  await page.getByRole("heading", { level: 1, name: "Tarkista ennen tallennusta" }).waitFor();
  await participant.context.close();
});
