// End-to-end tests of `kooste serve` in a real headless browser: Debian's Chromium driven by
// playwright-core (no browser download). A copy of the example project is served on a free
// port; a worker fills in the "day of adult social work" form with two situations on a
// tablet-sized screen, previews it (personal data removed), saves it and finds it through
// search; a researcher confirms, corrects and skips in review with the keyboard only, each
// decision checked in the project's decisions file; a form that another site posts is
// refused; each role's pages, in Finnish and Swedish at tablet and phone size, pass axe-core
// with no violations and are photographed. Screenshots of the main pages go to
// $SCREENSHOTS (default tests/e2e/out/; `SCREENSHOTS=docs/screenshots` refreshes the README's).
//
// Run: npm ci && npm test (in tests/e2e), after building the kooste binary. KOOSTE_BIN names
// the binary (default: target/release/kooste, else target/debug/kooste).

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PHONE, TABLET, axe, setup, shot, signIn as signInAt } from "./support.mjs";

const site = setup();

const signIn = (page, user, password) => signInAt(page, site.base, user, password);

test("a worker fills in a two-situation form on a tablet, previews, saves and finds it", async () => {
  const context = await site.browser.newContext({ viewport: TABLET, locale: "fi-FI" });
  const page = await context.newPage();
  await page.goto(site.base + "/login");
  await shot(page, "login");
  await signIn(page, "tyontekija", "tyontekija-demo");

  // The session cookie is HttpOnly, SameSite and Secure, and Chromium keeps it on
  // http://127.0.0.1 (a potentially trustworthy origin).
  const cookie = (await context.cookies()).find((c) => c.name === "kooste_session");
  assert.ok(cookie, "a session cookie");
  assert.equal(cookie.secure, true);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Lax");
  await shot(page, "home");

  await page.getByRole("link", { name: "Aikuissosiaalityön päivä" }).click();
  await page.waitForURL(site.base + "/forms/asp-paiva");
  assert.equal(await page.locator("fieldset.situation").count(), 3);
  await page.getByLabel("Työpaja").selectOption("rannikko-3");
  await page.getByLabel("Päivämäärä", { exact: true }).fill("2018-04-12");
  const rows = page.locator("fieldset.situation");
  await rows.nth(0).getByLabel("Millaisiin tilanteisiin olet hakenut apua?").fill(
    "Sain häätöilmoituksen ja soitin numeroon 040 765 4321. Sosiaalityöntekijä Leena Korhonen vastasi.",
  );
  await rows.nth(0).getByLabel("Millaista apua sait sosiaalityöstä?").fill(
    "Sain tilapäisen asunnon ja suunnitelman zebrakuvion mukaisesti.",
  );
  await rows.nth(0).getByLabel("Mitä sosiaalityöntekijä teki tässä?").fill(
    "Otin yhteyttä vuokranantajaan ja järjestin asumisneuvonnan.",
  );
  await rows.nth(1).getByLabel("Millaisiin tilanteisiin olet hakenut apua?").fill(
    "Velat kasautuivat ja ulosotto alkoi.",
  );
  await rows.nth(1).getByLabel("Mitä sosiaalityöntekijä teki tässä?").fill(
    "Ohjasin velkaneuvontaan ja tein päätöksen täydentävästä toimeentulotuesta.",
  );
  await shot(page, "form");

  await page.getByRole("button", { name: "Esikatsele" }).click();
  await page.getByRole("heading", { level: 1, name: "Tarkista ennen tallennusta" }).waitFor();
  const preview = await page.locator("main section.situation").allInnerTexts();
  assert.equal(preview.length, 2, "two situations");
  assert.match(preview[0], /\[puhelin\]/);
  assert.doesNotMatch(preview[0], /040 765 4321/);
  assert.doesNotMatch(preview[0], /Korhonen/);
  await shot(page, "preview");

  // Edit keeps everything; then preview again and save.
  await page.getByRole("button", { name: "Muokkaa" }).click();
  assert.match(
    await rows.nth(1).getByLabel("Millaisiin tilanteisiin olet hakenut apua?").inputValue(),
    /Velat kasautuivat/,
  );
  await page.getByRole("button", { name: "Esikatsele" }).click();
  await page.getByRole("button", { name: "Tallenna" }).click();
  await page.getByRole("heading", { level: 1, name: "Tallennettu" }).waitFor();
  // The saved page names each answer by its first words, never by its id.
  const savedLinks = () =>
    page.locator("main ul.saved li a").evaluateAll((els) => els.map((e) => e.getAttribute("href").split("/").pop()));
  const ids = await savedLinks();
  assert.equal(ids.length, 2);
  const savedTexts = await page.locator("main ul.saved li a").allInnerTexts();
  assert.match(savedTexts[0], /^Tilanne 1: “Sain häätöilmoituksen ja soitin numeroon \[puhelin\]/);
  assert.ok(!savedTexts.join(" ").includes(ids[0]), "no ids on the saved page");
  await page.getByText("Vastaukset on tallennettu (2 tilannetta)").waitFor();
  await shot(page, "saved");


  // Found through search at once, with the highlighted word and a link into the document.
  await page.goto(site.base + "/search?q=zebrakuvio");
  const hits = page.locator("li.hit");
  assert.equal(await hits.count(), 1);
  assert.equal(await hits.first().locator("mark").first().innerText(), "zebrakuvion");
  await page.goto(site.base + "/search?q=asumisneuvonta&limit=4");
  await shot(page, "search");
  await page.goto(site.base + "/search?q=zebrakuvio");
  await hits.first().getByRole("link", { name: /Näytä kohta/ }).click();
  assert.match(page.url(), new RegExp(`/documents/${ids[0]}#${ids[0]}-2$`));
  assert.doesNotMatch(await page.locator("main").innerText(), /040 765 4321/);
  await shot(page, "document");

  // Issue 23: a new form, previewed and saved; then Back to the preview and Reload (the
  // browser sends the preview again) and save once more: the same submission, replaced,
  // not stored twice.
  const stored = () =>
    fs.readdirSync(path.join(site.project, "corpus/rannikko-3")).filter((f) => f.includes("-web-")).sort();
  await page.goto(site.base + "/forms/asp-paiva");
  await page.getByLabel("Työpaja").selectOption("rannikko-3");
  await page.getByLabel("Päivämäärä", { exact: true }).fill("2018-04-13");
  await rows.nth(0).getByLabel("Millaisiin tilanteisiin olet hakenut apua?").fill("Sähkölasku jäi maksamatta ja katkaisu uhkasi.");
  await page.getByRole("button", { name: "Esikatsele" }).click();
  await page.getByRole("button", { name: "Tallenna" }).click();
  await page.getByRole("heading", { level: 1, name: "Tallennettu" }).waitFor();
  const first = await savedLinks();
  const once = stored();
  // The preview is not cached (no-store): Chromium shows "Confirm Form Resubmission"
  // (net::ERR_CACHE_MISS), and Reload sends the preview's form again.
  await page.goBack().catch(() => {});
  await page.waitForLoadState().catch(() => {});
  const previewed = page.getByRole("heading", { level: 1, name: "Tarkista ennen tallennusta" });
  for (let i = 0; i < 3 && !(await previewed.isVisible()); i++) {
    await page.reload().catch(() => {});
    await previewed.waitFor({ timeout: 10_000 }).catch(() => {});
  }
  await previewed.waitFor();
  await page.getByRole("button", { name: "Tallenna" }).click();
  await page.getByRole("heading", { level: 1, name: "Tallennettu" }).waitFor();
  assert.deepEqual(await savedLinks(), first);
  assert.deepEqual(stored(), once);

  // A worker cannot review.
  const res = await page.goto(site.base + "/review");
  assert.equal(res.status(), 403);
  await context.close();
});

/** The decisions file of the served project, one object per line. */
function decisions() {
  const file = path.join(site.project, "decisions/decisions.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** The review page's passage and the boxes checked, as the browser has them now. */
async function onScreen(page) {
  return {
    passage: await page.locator("input[name=passage]").inputValue(),
    checked: await page.locator("fieldset.dims input[type=checkbox]:checked").evaluateAll((els) => els.map((e) => e.value)),
  };
}

/** Presses Tab until the focused element matches, at most `max` times. */
async function tabTo(page, test, max = 40) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(test)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail("never reached by Tab");
}

test("a researcher confirms, corrects and skips in review with the keyboard only", async () => {
  const context = await site.browser.newContext({ viewport: TABLET, locale: "fi-FI" });
  const page = await context.newPage();
  await signIn(page, "tutkija", "tutkija-demo");
  await page.goto(site.base + "/review");
  const stored = decisions().length;
  await shot(page, "review");

  // Confirm: the first box has the focus and the proposal is checked; Enter saves exactly
  // what is checked.
  await page.waitForFunction(() => document.activeElement?.matches("fieldset.dims input[type=checkbox]"));
  const confirmed = await onScreen(page);
  await Promise.all([page.waitForURL(site.base + "/review"), page.keyboard.press("Enter")]);
  await page.getByText("Päätös tallennettu").waitFor();
  let all = decisions();
  assert.equal(all.length, stored + 1);
  assert.equal(all.at(-1).passage, confirmed.passage);
  assert.deepEqual(all.at(-1).labels, confirmed.checked);
  assert.equal(all.at(-1).who, "tutkija");

  // Correct: Space changes the boxes (here: every box the other way round), then Tab to
  // "Tallenna nämä luokat" and Enter. What is stored is the boxes, not the proposal.
  await page.waitForFunction(() => document.activeElement?.matches("fieldset.dims input[type=checkbox]"));
  const proposal = await onScreen(page);
  assert.notEqual(proposal.passage, confirmed.passage, "the next passage");
  const boxes = await page.locator("fieldset.dims input[type=checkbox]").count();
  for (let i = 0; i < boxes; i++) {
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
  }
  const corrected = await onScreen(page);
  assert.notDeepEqual(corrected.checked, proposal.checked);
  await tabTo(page, () => document.activeElement?.textContent === "Tallenna nämä luokat");
  await Promise.all([page.waitForURL(site.base + "/review"), page.keyboard.press("Enter")]);
  await page.getByText("Päätös tallennettu").waitFor();
  all = decisions();
  assert.equal(all.length, stored + 2);
  assert.equal(all.at(-1).passage, corrected.passage);
  assert.deepEqual(all.at(-1).labels, corrected.checked);

  // Enter in a box after changing it saves the change too, never the proposal.
  await page.waitForFunction(() => document.activeElement?.matches("fieldset.dims input[type=checkbox]"));
  const before = await onScreen(page);
  await page.keyboard.press("Space");
  const changed = await onScreen(page);
  assert.notDeepEqual(changed.checked, before.checked);
  await Promise.all([page.waitForURL(site.base + "/review"), page.keyboard.press("Enter")]);
  await page.getByText("Päätös tallennettu").waitFor();
  all = decisions();
  assert.equal(all.length, stored + 3);
  assert.equal(all.at(-1).passage, changed.passage);
  assert.deepEqual(all.at(-1).labels, changed.checked);

  // Skip: Tab to "Ohita" and Enter; nothing is stored and the next passage comes.
  const skipped = await onScreen(page);
  await tabTo(page, () => document.activeElement?.textContent === "Ohita");
  await Promise.all([page.waitForURL(site.base + "/review"), page.keyboard.press("Enter")]);
  await page.getByText("Kohta ohitettu").waitFor();
  assert.equal(decisions().length, stored + 3);
  assert.notEqual((await onScreen(page)).passage, skipped.passage);

  await page.goto(site.base + "/digest/rannikko-4");
  await shot(page, "digest");
  const md = await page.request.get(site.base + "/digest/rannikko-4?format=md");
  assert.equal(md.status(), 200);
  assert.match(md.headers()["content-disposition"], /attachment/);

  // Swedish, remembered across pages.
  await page.getByRole("link", { name: "På svenska" }).click();
  await page.goto(site.base + "/search?q=hembesök&limit=4");
  assert.equal(await page.locator("html").getAttribute("lang"), "sv");
  await shot(page, "search-sv");
  await context.close();
});

test("a phone-sized screen shows one column without sideways scrolling", async () => {
  const context = await site.browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await signIn(page, "osallistuja", "osallistuja-demo");
  await page.goto(site.base + "/search?q=kotik%C3%A4ynti");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
  const res = await page.goto(site.base + "/forms/asp-paiva");
  assert.equal(res.status(), 200, "a client taking part answers the battery's client questions");
  assert.equal(await page.locator('[name="r1_q3"]').count(), 0, "but not the worker's question");
  const formOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(formOverflow <= 0, `no sideways scrolling on the form (${formOverflow}px)`);
  await context.close();
});

test("a form that another site posts is refused, and the worker stays signed in", async () => {
  const context = await site.browser.newContext({ viewport: TABLET, locale: "fi-FI" });
  const page = await context.newPage();
  await signIn(page, "tyontekija", "tyontekija-demo");
  const session = (await context.cookies()).find((c) => c.name === "kooste_session").value;
  // Another site (localhost is another site than 127.0.0.1) with a form that posts itself
  // to the app as soon as it is opened.
  const http = await import("node:http");
  const evil = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(`<!doctype html><form method="post" action="${site.base}/forms/asp-paiva">
      <input name="action" value="preview"><input name="workshop" value="rannikko-3">
      <input name="date" value="2018-03-14"><textarea name="r1_q1">Toisen sivuston teksti</textarea>
      </form><script>document.forms[0].submit()</script>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  try {
    const posted = page.waitForResponse((r) => r.url() === site.base + "/forms/asp-paiva");
    await page.goto(`http://localhost:${evil.address().port}/`);
    const res = await posted;
    assert.equal(res.status(), 403);
    await page.getByText("Pyyntö tuli toiselta sivustolta").waitFor();
    assert.ok(!(await page.content()).includes("Toisen sivuston teksti"));
  } finally {
    evil.close();
  }
  const after = (await context.cookies()).find((c) => c.name === "kooste_session");
  assert.equal(after?.value, session, "the session cookie is not replaced");
  const form = await page.goto(site.base + "/forms/asp-paiva");
  assert.equal(form.status(), 200, "still signed in");
  await context.close();
});

test("a researcher curates findings and the digest fits a phone screen", async () => {
  const context = await site.browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await signIn(page, "tutkija", "tutkija-demo");
  // The digest itself: findings headed by their matter, no sideways scrolling.
  await page.goto(site.base + "/digest/rannikko-3?format=html");
  let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `digest: no sideways scrolling (${overflow}px)`);
  assert.ok(await page.locator("article.finding h4").count() > 3);
  // A finding's other passages are one click away, in the appendix.
  const more = page.locator("p.more a").first();
  const target = await more.getAttribute("href");
  await more.click();
  assert.ok(await page.locator(target).isVisible());
  // The curation page works with the keyboard and without scripts.
  await page.goto(site.base + "/digest/rannikko-3/findings");
  overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `findings page: no sideways scrolling (${overflow}px)`);
  const first = page.locator("article.finding-edit").first();
  const id = await first.getAttribute("id");
  await first.locator("summary").click();
  await first.getByLabel("Otsikko suomeksi").fill("Koeotsikko puhelimelta");
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/digest/rannikko-3/findings"),
    first.getByRole("button", { name: "Tallenna otsikko ja yhteenveto" }).click(),
  ]);
  await page.getByText("Muutos tallennettiin.").waitFor();
  assert.equal(await page.locator(`#${id} h3`).textContent(), "Koeotsikko puhelimelta");
  await shot(page, "findings");
  await context.close();
});

test("each role's pages are plain, pass axe at tablet and phone size in Finnish and Swedish, and work without JavaScript", async () => {
  // Screenshots: every page in Finnish at tablet and phone size, in Swedish at tablet size.
  const pages = {
    osallistuja: [
      ["participant-home", "/"],
      ["participant-search-voice", "/search?q=" + encodeURIComponent("mitä asiakkaat sanoivat kotikäynneistä")],
    ],
    tyontekija: [
      ["worker-form", "/forms/asp-paiva"],
      ["worker-form-answers", "/forms/asiakaspalaute"],
    ],
    tutkija: [
      ["researcher-review", "/review"],
      ["researcher-search", "/search?q=kotik%C3%A4ynti"],
    ],
  };
  const passwords = { osallistuja: "osallistuja-demo", tyontekija: "tyontekija-demo", tutkija: "tutkija-demo" };
  for (const [user, list] of Object.entries(pages)) {
    for (const [size, viewport] of [["tablet", TABLET], ["phone", PHONE]]) {
      for (const lang of ["fi", "sv"]) {
        // bypassCSP lets the test inject axe-core; the app's own pages run under its CSP.
        const locale = lang === "fi" ? "fi-FI" : "sv-FI";
        const context = await site.browser.newContext({ viewport, bypassCSP: true, locale });
        const page = await context.newPage();
        await signIn(page, user, passwords[user]);
        await page.goto(site.base + `/lang/${lang}?next=/`);
        for (const [name, url] of list) {
          const swedish = lang === "sv" && name === "participant-search-voice";
          const res = await page.goto(
            site.base + (swedish ? "/search?q=" + encodeURIComponent("vad sa klienterna om hembesök") : url),
          );
          assert.equal(res.status(), 200, `${user} ${url}`);
          await axe(page, `${user} ${lang} ${size} ${url}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${url} at ${size}: no sideways scrolling (${overflow}px)`);
          if (lang === "fi" || size === "tablet") {
            await shot(page, `${name}${lang === "sv" ? "-sv" : ""}${size === "phone" ? "-phone" : ""}`);
          }
        }
        await context.close();
      }
    }
  }

  // What a participant reads: what can be found, example searches, the voice question as a
  // removable filter, dimensions in everyday words, no passage ids.
  const context = await site.browser.newContext({ viewport: TABLET, locale: "fi-FI" });
  const page = await context.newPage();
  await signIn(page, "osallistuja", "osallistuja-demo");
  await page.getByText("Täältä löydät, mitä asiakkaat, työntekijät ja tutkijat").waitFor();
  await page.getByRole("link", { name: "mitä asiakkaat sanoivat kotikäynneistä" }).click();
  await page.getByText("Kysymyksesi nimeää äänen, joten näytetään vain asiakkaiden tekstit.").waitFor();
  const voices = await page.locator("li.hit p.tags span:first-child").allInnerTexts();
  assert.ok(voices.length > 0, "hits");
  assert.deepEqual([...new Set(voices)], ["Asiakas"], "only clients' texts");
  const main = await page.locator("main").innerText();
  assert.doesNotMatch(main, /CAIMeR|ulottuvuus|#\d/);
  for (const option of await page.locator("select option[value='']").allInnerTexts()) {
    assert.equal(option, "Kaikki");
  }
  await page.getByRole("link", { name: /Kenen ääni: Asiakas/ }).click();
  assert.equal(await page.locator("a.chip").count(), 0, "the filter is gone");
  await context.close();

  // The form, with JavaScript: the count follows the typing; without: the limit in words.
  for (const javaScriptEnabled of [true, false]) {
    const ctx = await site.browser.newContext({ viewport: TABLET, javaScriptEnabled });
    const p = await ctx.newPage();
    await p.goto(site.base + "/login");
    await p.getByLabel("Käyttäjätunnus").fill("tyontekija");
    await p.getByLabel("Salasana").fill("tyontekija-demo");
    await Promise.all([p.waitForURL(site.base + "/"), p.getByRole("button", { name: "Kirjaudu sisään" }).click()]);
    await p.goto(site.base + "/forms/asp-paiva");
    const area = p.locator("fieldset.situation").nth(0).getByLabel("Millaisiin tilanteisiin olet hakenut apua?");
    await area.fill("Kaksitoista merkkiä");
    const limit = p.locator("#f-r1-q1-hint .limit");
    if (javaScriptEnabled) {
      assert.equal(await limit.innerText(), "19 / 10\u00a0000 merkkiä");
    } else {
      assert.equal(await limit.innerText(), "Enintään 10\u00a0000 merkkiä.");
    }
    assert.match(await p.locator("#f-workshop-round").innerText(), /Vastaukset kuuluvat työpajan .* kierrokseen/);
    await ctx.close();
  }
});
