// The chat as a person uses it: the Microsoft 365 Agents Playground's web UI in headless
// Chromium, against the bot serving the demo workbooks. Started by run.sh, which passes:
//   E2E_PLAYGROUND  the Playground's URL          E2E_WORKBOOK  the demo workbook folder
//   E2E_IKBOT       the project's `ikbot`         E2E_PYTHON    the project's Python
//   E2E_ARTIFACTS   where the screenshots go      E2E_USER      the Playground's user
// plus IKBOT_DATA_DIR and IKBOT_TODAY, the bot's own settings, for `ikbot status`.
//
// What the bot answers is checked against the project's own tools: `ikbot status --format
// json` for the counts, and the workbook file itself (e2e/workbook_row.py) for the row.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launch, offlinePage } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} är inte satt (starta med make e2e)`);
  return value;
};
const PLAYGROUND = env('E2E_PLAYGROUND');
const WORKBOOK = env('E2E_WORKBOOK');
const IKBOT = env('E2E_IKBOT');
const PYTHON = env('E2E_PYTHON');
const ARTIFACTS = env('E2E_ARTIFACTS');
const USER = env('E2E_USER');
const TIMEOUT = 20_000;
const ROW_TIMEOUT_SECONDS = 60;

// What the person types on the card.
const ANSWER = {
  outcome: 'Mindre avvikelse',
  checked: '12',
  deviations: '1',
  observations: 'Stickprov på tolv ärenden. Ett beslut saknade dokumenterad motivering.',
  actionText: 'Mallen för beslut kompletteras med ett fält för motivering.',
  actionOwner: 'Kim Lind, IT-chef',
  actionDue: { year: 2027, month: 3, day: 31 }, // shown on the receipt as "31 mars 2027"
};
const ACTION_DUE_ISO = '2027-03-31';
const EVIDENCE_LINK = 'https://kommun.sharepoint.com/sites/ik/stickprov.pdf'; // under 80 characters: shown whole
const ACTION_DUE_SHOWN = '31 mars 2027';
// A file attached in the chat: Teams sends a download URL, which this scenario serves.
const EVIDENCE_FILE = { name: 'stickprov.csv', bytes: 'Ärende;Beslut;Motivering\n2026-114;Bifall;saknas\n' };
const FILE_DOWNLOAD = 'application/vnd.microsoft.teams.file.download.info';

const problems = []; // failed checks that do not stop the run
let stepNumber = 0;

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `ikbot status --period helår --format json`: the summary as the project compiles it. */
function statusJson() {
  const out = execFileSync(IKBOT, ['status', '--period', 'helår', '--format', 'json'], {
    env: { ...process.env, IKBOT_WORKBOOK: WORKBOOK },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A check whose failure is reported at the end without stopping the scenario. */
function soft(condition, message) {
  if (!condition) {
    problems.push(message);
    console.error(`    FEL: ${message}`);
  }
}

// Teams' pre-authorised download URL for the attached file, on loopback.
const fileServer = http.createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8' });
  response.end(EVIDENCE_FILE.bytes);
});
await new Promise((resolve) => fileServer.listen(0, '127.0.0.1', resolve));
const downloadUrl = `http://127.0.0.1:${fileServer.address().port}/download/${EVIDENCE_FILE.name}`;

const browser = await launch();
// Swedish time, as the people answering have it (the date picker works in local time).
const { page, blocked } = await offlinePage(browser, { timezoneId: 'Europe/Stockholm' });
// The "Custom activity" editor is filled through the clipboard (pasting skips its typing aids).
await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
page.setDefaultTimeout(TIMEOUT);
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Run one step; on failure save a screenshot and the page's HTML, then stop. */
async function step(name, title, body) {
  stepNumber += 1;
  const label = `${String(stepNumber).padStart(2, '0')}-${name}`;
  console.log(`  ${label}: ${title}`);
  try {
    await body();
    await shot(label);
  } catch (error) {
    await shot(`${label}-FEL`).catch(() => {});
    await page
      .content()
      .then((html) => fs.writeFileSync(path.join(ARTIFACTS, `${label}-FEL.html`), html))
      .catch(() => {});
    throw new Error(`Steg ${label} (${title}) misslyckades: ${error.message}`);
  }
}

/** The Adaptive Card whose heading is exactly this text (the newest if several). */
function cardWithHeading(name) {
  return page
    .locator('.ac-adaptiveCard')
    .filter({ has: page.getByRole('heading', { name, exact: true }) })
    .last();
}

const welcomeHeading = () =>
  page.getByRole('heading', { name: 'Välkommen till Internkontroll-boten', exact: true });

async function say(text) {
  // The compose box is a rich-text editor without a label; it is the only editable one.
  const compose = page.locator('[role="textbox"][contenteditable="true"]');
  await compose.click();
  await compose.pressSequentially(text);
  await compose.press('Enter');
}

/** Choose a date in the Playground's calendar pop-up (the date field takes no typing). */
async function pickDate(card, label, { year, month, day }) {
  await card.getByRole('combobox', { name: new RegExp(`^${escapeRegExp(label)}`) }).click();
  const calendar = page.getByRole('dialog', { name: 'Calendar' });
  await calendar.waitFor();
  const monthName = new Date(Date.UTC(year, month - 1, 1)).toLocaleString('en-US', {
    month: 'long',
    timeZone: 'UTC',
  });
  const wanted = year * 12 + month - 1;
  for (let moves = 0; ; moves += 1) {
    const headerButton = calendar.getByRole('button', { name: /^[A-Z][a-z]+ \d{4}$/ }).first();
    const header = (await headerButton.textContent()).trim();
    const shown = new Date(`1 ${header} UTC`);
    const at = shown.getUTCFullYear() * 12 + shown.getUTCMonth();
    if (at === wanted) break;
    check(moves < 240, `kalendern hittar inte ${monthName} ${year} (visar ${header})`);
    const direction = at < wanted ? 'Next month' : 'Previous month';
    await calendar.locator(`button[title^="${direction}"]`).click();
  }
  await calendar.locator(`button[aria-label="${day}, ${monthName}, ${year}"]`).click();
  await calendar.waitFor({ state: 'hidden' });
}

let target; // the control the scenario answers, as `ikbot status` lists it
let before; // `ikbot status` before the answer
let answerCard;
let statusCard; // the status card shown after the answer
let statusAfter; // `ikbot status` after the answer
const answerHeading = () =>
  `Kontrollmoment ${target.control_id} · ${before.period_label} ${before.year}`;
const heading = (card, name) => card.getByRole('heading', { name, exact: true });
const startsWith = (text) => new RegExp(`^${escapeRegExp(text)}`);

try {
  await step('welcome', 'välkomstkortet visas när chatten öppnas', async () => {
    before = statusJson();
    target = before.unanswered.find((m) => m.owner === USER);
    check(target, `${USER} har inget obesvarat kontrollmoment i demoplanerna`);
    await page.goto(PLAYGROUND);
    await welcomeHeading().first().waitFor();
  });

  await step('list', '"mina kontroller" visar listan', async () => {
    await say('mina kontroller');
    const list = page
      .locator('.ac-adaptiveCard')
      .filter({ has: page.getByRole('heading', { name: /^Mina kontroller – / }) })
      .last();
    await list.waitFor();
    const welcomes = await welcomeHeading().count();
    soft(welcomes === 1, `välkomstkortet visades ${welcomes} gånger, inte en gång`);
    const title = `${target.control_id} – ${target.control.slice(0, 40)}`;
    const item = list.locator('.ac-container').filter({ hasText: startsWith(title) }).last();
    check((await item.count()) === 1, `listan saknar "${title}"`);
    await item.getByText('Obesvarad', { exact: true }).waitFor();
    await item.getByRole('button', { name: 'Svara', exact: true }).click();
  });

  await step('answer-card', 'kontrollmomentet öppnas', async () => {
    answerCard = cardWithHeading(answerHeading());
    await answerCard.waitFor();
    await answerCard.getByText(target.control, { exact: true }).waitFor();
  });

  await step('folded', 'på telefonen: detaljerna och åtgärden är hopfällda', async () => {
    // The plan's details wait behind "Visa detaljer"; the inputs come first.
    const method = answerCard.getByText('Metod', { exact: true });
    check(!(await method.isVisible()), 'planens detaljer visas innan någon bett om dem');
    await answerCard.getByRole('button', { name: 'Visa detaljer', exact: true }).click();
    await method.waitFor();
    // The åtgärd inputs stay hidden until needed (or asked for with "Lägg till åtgärd").
    const action = answerCard.getByRole('textbox', { name: /^Åtgärdsansvarig/ });
    check(!(await action.isVisible()), 'åtgärdsfälten visas fast ingen åtgärd behövs ännu');
    await answerCard.getByRole('button', { name: 'Lägg till åtgärd', exact: true }).waitFor();
  });

  await step('link', 'en länk som underlag går till kontrollmomentet som är öppet', async () => {
    await say(EVIDENCE_LINK);
    const reply = cardWithHeading(
      `Underlag · Kontrollmoment ${target.control_id} · ${before.period_label} ${before.year}`,
    );
    await reply.waitFor();
    await reply.getByText(`Bifogat nu: ${EVIDENCE_LINK}.`, { exact: true }).waitFor();
  });

  await step('file', 'en fil bifogad i chatten sparas som underlag bredvid arbetsboken', async () => {
    // The Playground has no upload button: its "Custom activity" sends the message Teams
    // sends for an attached file (a file.download.info attachment with a download URL).
    await page.getByText('Mock an Activity', { exact: true }).click();
    await page.getByText('Custom activity', { exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Custom activity' });
    await dialog.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    const activity = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    Object.assign(activity, {
      type: 'message',
      text: '',
      attachments: [
        {
          contentType: FILE_DOWNLOAD,
          name: EVIDENCE_FILE.name,
          content: { downloadUrl, uniqueId: 'e2e-stickprov', fileType: 'csv' },
        },
      ],
    });
    await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify(activity));
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+V');
    await dialog.getByRole('button', { name: 'Send activity', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const reply = cardWithHeading(
      `Underlag · Kontrollmoment ${target.control_id} · ${before.period_label} ${before.year}`,
    );
    await reply.getByText(`Bifogat nu: ${EVIDENCE_FILE.name}.`, { exact: true }).waitFor();
    const stored = path.join(
      WORKBOOK, 'Underlag', String(before.year), before.period_label, target.control_id,
      EVIDENCE_FILE.name,
    );
    check(fs.existsSync(stored), `filen finns inte bredvid arbetsboken: ${stored}`);
    const bytes = fs.readFileSync(stored, 'utf8');
    check(bytes === EVIDENCE_FILE.bytes, `filen bredvid arbetsboken har fel innehåll: ${bytes}`);
  });

  await step('required-missing', 'en obligatorisk uppgift saknas: felet på kortet', async () => {
    await answerCard.getByRole('button', { name: 'Spara svar', exact: true }).click();
    await answerCard.getByText('Välj en bedömning.', { exact: true }).first().waitFor();
    const now = statusJson();
    check(now.total.answered === before.total.answered, 'ett ofullständigt svar sparades');
  });

  await step('server-errors', 'avvikelse utan åtgärd: botens fel, inget tappas', async () => {
    await answerCard.getByRole('combobox', { name: /^Bedömning/ }).click();
    await page.getByRole('option', { name: ANSWER.outcome, exact: true }).click();
    const number = (name) => answerCard.getByRole('spinbutton', { name: startsWith(name) });
    await number('Antal kontrollerade').fill(ANSWER.checked);
    await number('Antal avvikelser').fill(ANSWER.deviations);
    await answerCard.getByRole('textbox', { name: /^Iakttagelser/ }).fill(ANSWER.observations);
    await answerCard.getByRole('button', { name: 'Spara svar', exact: true }).click();
    // The bot's card replaces the one submitted: the same heading, now with the errors.
    for (const error of [
      'Svaret är inte sparat. Rätta det som är markerat.',
      'Beskriv åtgärden när bedömningen är en avvikelse.',
      'Ange vem som ansvarar för åtgärden.',
      'Ange när åtgärden ska vara klar.',
    ]) {
      await answerCard.getByText(error, { exact: true }).first().waitFor();
    }
    const kept = await answerCard.getByRole('textbox', { name: /^Iakttagelser/ }).inputValue();
    check(kept === ANSWER.observations, `iakttagelserna försvann (kortet har "${kept}")`);
    const outcome = await answerCard.getByRole('combobox', { name: /^Bedömning/ }).inputValue();
    check(outcome === ANSWER.outcome, `bedömningen försvann (kortet har "${outcome}")`);
    const now = statusJson();
    check(now.total.answered === before.total.answered, 'ett svar med fel sparades');
  });

  await step('filled', 'åtgärden fylls i', async () => {
    await answerCard.getByRole('textbox', { name: /^Åtgärd(?!s)/ }).fill(ANSWER.actionText);
    await answerCard.getByRole('textbox', { name: /^Åtgärdsansvarig/ }).fill(ANSWER.actionOwner);
    await pickDate(answerCard, 'Klart senast', ANSWER.actionDue);
  });

  await step('receipt', 'svaret sparas: kvittot visas', async () => {
    await answerCard.getByRole('button', { name: 'Spara svar', exact: true }).click();
    const receipt = cardWithHeading('Svaret är sparat');
    await receipt.waitFor();
    const shown = [ANSWER.outcome, ANSWER.actionOwner, ACTION_DUE_SHOWN, ANSWER.observations];
    for (const text of shown) {
      await receipt.getByText(text, { exact: true }).first().waitFor();
    }
    await receipt.getByText(`Sparat av ${USER}`).waitFor();
  });

  await step('workbook', 'raden finns i arbetsboken', async () => {
    const file = path.join(WORKBOOK, target.plan);
    const when = [String(before.year), before.period_label];
    const args = ['-m', 'e2e.workbook_row', file, target.control_id, ...when];
    const out = execFileSync(PYTHON, [...args, '--timeout', String(ROW_TIMEOUT_SECONDS)], {
      cwd: path.dirname(here),
      encoding: 'utf8',
    });
    const row = JSON.parse(out);
    const expected = {
      outcome: ANSWER.outcome,
      checked: Number(ANSWER.checked),
      deviations: Number(ANSWER.deviations),
      observations: ANSWER.observations,
      action_text: ANSWER.actionText,
      action_owner: ANSWER.actionOwner,
      action_due: ACTION_DUE_ISO,
      answered_by: USER,
    };
    for (const [key, value] of Object.entries(expected)) {
      const [found, wanted] = [JSON.stringify(row[key]), JSON.stringify(value)];
      check(row[key] === value, `arbetsboken har ${key} = ${found}, väntade ${wanted}`);
    }
    // Underlag: the pasted link and the attached file's place beside the workbook.
    const attached = row.evidence.find((link) => decodeURI(link).endsWith(`/${EVIDENCE_FILE.name}`));
    check(row.evidence.includes(EVIDENCE_LINK), `Underlag saknar länken: ${row.evidence}`);
    check(attached?.startsWith('file://'), `Underlag saknar filen: ${row.evidence}`);
    const where = `${target.plan}: ${target.control_id} ${when.join(' ')}`;
    console.log(`    ${where}, Svar-ID ${row.answer_id}`);
  });

  await step('receipt-written', 'kvittot säger "Skrivet till Excel" när raden har landat', async () => {
    const receipt = cardWithHeading('Svaret är sparat');
    const written = receipt.getByText(/^Skrivet till Excel \d/);
    // Teams refreshes the receipt when it is shown (Universal Actions refresh); pressing one
    // of its buttons brings it up to date as well, and the next card comes below it.
    const refreshed = await written
      .waitFor({ timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (!refreshed) {
      console.log('    (ingen automatisk uppdatering här: kvittot uppdateras med Mina kontroller)');
      await receipt.getByRole('button', { name: 'Mina kontroller', exact: true }).click();
    }
    await written.waitFor();
    check(
      (await receipt.getByText('Skrivs till Excel inom kort').count()) === 0,
      'kvittot säger fortfarande "Skrivs till Excel inom kort"',
    );
  });

  await step('status', '"status helår" visar svaret', async () => {
    const after = statusJson();
    check(after.pending === 0, `${after.pending} svar väntar ännu på att skrivas till Excel`);
    const expected = before.total.answered + 1;
    check(
      after.total.answered === expected,
      `ikbot status: ${after.total.answered} besvarade, väntade ${expected}`,
    );
    const same = (m) => m.plan === target.plan && m.control_id === target.control_id;
    check(!after.unanswered.some(same), 'kontrollmomentet står kvar bland de obesvarade');
    check(after.deviations.some(same), 'kontrollmomentet saknas bland avvikelserna');
    await say('status helår');
    const card = cardWithHeading(after.title);
    await card.waitFor();
    await card.getByText(after.progress, { exact: true }).waitFor();
    await heading(card, `Obesvarade (${after.unanswered.length})`).waitFor();
    // The heading speaks the scale's words ("Avvikelser och förbättringsområden" where it has them).
    // The lists are folded (the card opens short on a phone): a tap on the heading opens one.
    const deviations = heading(card, `${after.deviations_heading} (${after.deviations.length})`);
    await deviations.waitFor();
    await deviations.click();
    const title = `${target.control_id} – ${target.control}`;
    const deviation = card.locator('.ac-container').filter({ hasText: startsWith(title) });
    await deviation.getByText(ANSWER.outcome, { exact: true }).first().waitFor();
    console.log(`    ${before.progress} → ${after.progress}`);
    statusCard = card;
    statusAfter = after;
  });

  await step('summary', '"Skriv sammanställning till Excel": bladet i varje arbetsbok', async () => {
    await statusCard
      .getByRole('button', { name: 'Skriv sammanställning till Excel', exact: true })
      .click();
    const done = cardWithHeading('Sammanställningen är skriven till Excel');
    await done.waitFor();
    const sheet = `Sammanställning ${statusAfter.period_label.toLowerCase()} ${statusAfter.year}`;
    const out = execFileSync(PYTHON, ['-m', 'e2e.summary_sheets', WORKBOOK, sheet], {
      cwd: path.dirname(here),
      encoding: 'utf8',
    });
    const found = JSON.parse(out); // {workbook: [the sheet's values]}
    const books = Object.keys(found);
    check(books.length > 0, `inget blad "${sheet}" i arbetsböckerna`);
    for (const book of books) {
      await done.getByText(`✓ ${book}: bladet ”${sheet}”`, { exact: true }).waitFor();
    }
    const mine = found[target.plan] || [];
    check(mine.includes(target.control), `bladet i ${target.plan} saknar kontrollmomentet`);
    check(mine.includes(ANSWER.observations), `bladet i ${target.plan} saknar iakttagelserna`);
    console.log(`    ${books.join(', ')}: ${sheet}`);
  });

  await step('stale-card', 'två kort för samma kontrollmoment: det äldre skriver inte över', async () => {
    const openFromList = async () => {
      await say('mina kontroller');
      const list = page
        .locator('.ac-adaptiveCard')
        .filter({ has: page.getByRole('heading', { name: /^Mina kontroller – / }) })
        .last();
      await list.waitFor();
      const title = `${target.control_id} – ${target.control.slice(0, 40)}`;
      const item = list.locator('.ac-container').filter({ hasText: startsWith(title) }).last();
      await item.getByText(`Besvarad · ${ANSWER.outcome}`, { exact: true }).waitFor();
      await item.getByRole('button', { name: 'Ändra svar', exact: true }).click();
    };
    const cards = () =>
      page
        .locator('.ac-adaptiveCard')
        .filter({ has: page.getByRole('heading', { name: answerHeading(), exact: true }) });
    await openFromList(); // "the laptop"
    await cards().first().waitFor();
    const opened = await cards().count();
    await openFromList(); // "the phone"
    for (let tries = 0; (await cards().count()) < opened + 1; tries += 1) {
      check(tries < 100, 'det andra kortet för kontrollmomentet öppnades inte');
      await page.waitForTimeout(200);
    }
    const older = cards().nth(opened - 1);
    const newer = cards().last();
    await newer.getByRole('button', { name: 'Spara svar', exact: true }).click();
    await cardWithHeading('Svaret är sparat').last().waitFor();
    const counted = statusJson().total.answered;
    await older.getByRole('button', { name: 'Spara svar', exact: true }).click();
    await older.getByText('Ett nyare svar har sparats', { exact: true }).waitFor();
    await older.getByText(startsWith('Svaret sparades den')).waitFor();
    await older.getByRole('button', { name: 'Ersätt ändå', exact: true }).waitFor();
    check(statusJson().total.answered === counted, 'det äldre kortet sparade ändå');
    await older.getByRole('button', { name: 'Avbryt', exact: true }).click();
  });

  await step('reminder', 'en påminnelse kommer fram, och Svara öppnar kontrollmomentet', async () => {
    // One sweep, as the bot's background loop runs it, at nine on the run's day.
    const out = execFileSync(IKBOT, ['remind', '--at', `${process.env.IKBOT_TODAY}T09:00`], {
      env: { ...process.env, IKBOT_WORKBOOK: WORKBOOK },
      encoding: 'utf8',
    });
    console.log(`    ${out.trim()}`);
    const reminder = page
      .locator('.ac-adaptiveCard')
      .filter({ has: page.getByRole('heading', { name: /^Att följa upp – / }) })
      .last();
    await reminder.waitFor();
    await reminder.getByRole('button', { name: 'Svara', exact: true }).first().click();
    const opened = page
      .locator('.ac-adaptiveCard')
      .filter({ has: page.getByRole('heading', { name: /^Kontrollmoment .+ · / }) })
      .last();
    await opened.getByRole('button', { name: 'Spara svar', exact: true }).waitFor();
  });

  const welcomes = await welcomeHeading().count();
  soft(welcomes === 1, `efter hela scenariot finns ${welcomes} välkomstkort, inte ett`);
  soft(pageErrors.length === 0, `Playground-sidan fick fel: ${pageErrors.join('; ')}`);
} catch (error) {
  problems.push(error.message);
} finally {
  await browser.close();
  fileServer.close();
}

if (blocked.length) console.log(`  Blockerade anrop utanför datorn: ${blocked.length}`);
if (problems.length) {
  console.error(`\nScenariot misslyckades (${problems.length} fel):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  console.error(`Skärmbilder: ${ARTIFACTS}`);
  process.exit(1);
}
console.log(`Scenariot gick igenom: ${stepNumber} steg, skärmbilder i ${ARTIFACTS}.`);
