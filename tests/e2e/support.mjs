// What the end-to-end tests share: the kooste binary, a copy of the example project with an
// account per role, the server on a free port, Chromium, signing in, axe-core and
// screenshots.

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
export const bin =
  process.env.KOOSTE_BIN ||
  [path.join(repo, "target/release/kooste"), path.join(repo, "target/debug/kooste")].find((p) =>
    fs.existsSync(p),
  );
export const shots = path.resolve(repo, process.env.SCREENSHOTS || "tests/e2e/out");
export const TABLET = { width: 820, height: 1180 };
export const PHONE = { width: 375, height: 740 };
export const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

export function copyProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kooste-e2e-"));
  for (const f of ["kooste.toml", "participants.toml", "development-steps.toml"]) {
    if (fs.existsSync(path.join(repo, f))) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  }
  for (const d of ["corpus", "workshops", "templates", "decisions"]) {
    if (fs.existsSync(path.join(repo, d))) fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true });
  }
  const users = [
    ["tutkija", "researcher", "tutkija-demo"],
    ["tyontekija", "worker", "tyontekija-demo"],
    ["osallistuja", "participant", "osallistuja-demo"],
  ];
  for (const [name, role, pw] of users) {
    // A participant account has a voice (issue 21): this one is a client's.
    const voice = role === "participant" ? ["--voice", "client"] : [];
    execFileSync(bin, ["--project", dir, "user", "add", name, "--role", role, ...voice], { input: pw + "\n" });
  }
  return dir;
}

export function startServer(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--project", dir, "serve", "--addr", "127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error("the server did not start:\n" + out)), 120_000);
    const look = (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0].replace(/\/$/, "") });
      }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", (c) => (out += c));
    child.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}

export async function shot(page, name) {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

export async function signIn(page, base, user, password) {
  await page.goto(base + "/login");
  // Keyboard only: the user name field has the focus (autofocus, applied once the page is
  // rendered); Tab to the password, Enter signs in.
  await page.waitForFunction(() => document.activeElement?.id === "username");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await Promise.all([page.waitForURL(base + "/"), page.keyboard.press("Enter")]);
}

/** Headless Chromium: Debian's, or $CHROMIUM. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Runs axe-core on the page as it is and fails on any violation, naming each. */
export async function axe(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  assert.deepEqual(found, [], `${what}: axe finds ${found.join("; ")}`);
}

/**
 * Registers what every end-to-end file needs before and after its tests: a copy of the
 * example project served on a free port, and Chromium. The returned object has `project`
 * (the copy's directory), `base` (the server's address) and `browser` once the tests run.
 */
export function setup() {
  const site = {};
  before(async () => {
    assert.ok(bin, "build kooste first (cargo build --release)");
    site.project = copyProject();
    const s = await startServer(site.project);
    site.server = s.child;
    site.base = s.url;
    site.browser = await launch();
  });
  after(async () => {
    await site.browser?.close();
    site.server?.kill("SIGTERM");
    if (site.project) fs.rmSync(site.project, { recursive: true, force: true });
  });
  return site;
}
