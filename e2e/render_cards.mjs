// Render every card JSON in a folder with the `adaptivecards` renderer under the Microsoft
// Teams light host config, in headless Chromium, and fail on any parse event, validation
// warning or failed render. A picture of each card goes to the artifacts folder.
//
// Usage: node render_cards.mjs CARD_DIR [ARTIFACT_DIR]
//
// microsoft-teams-light.json is lib/hostConfigs/microsoft-teams-light.json of the npm
// package adaptivecards-designer 2.4.4 (MIT), copied because the designer package pulls in
// an editor and an older renderer as peers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { launch, offlinePage } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [cardDir, artifactDir = path.join(here, 'artifacts', 'cards')] = process.argv.slice(2);
if (!cardDir) {
  console.error('Användning: node render_cards.mjs KORTMAPP [BILDMAPP]');
  process.exit(2);
}
const hostConfig = JSON.parse(
  fs.readFileSync(path.join(here, 'microsoft-teams-light.json'), 'utf8'),
);
const files = fs
  .readdirSync(cardDir)
  .filter((name) => name.endsWith('.json'))
  .sort();
if (files.length === 0) {
  console.error(`Kortkontroll: inga kort i ${cardDir}.`);
  process.exit(1);
}
fs.mkdirSync(artifactDir, { recursive: true });

/** The first text a person reads on the card, to check that the render shows it. */
function firstText(card) {
  const block = (card.body || []).find((e) => e.type === 'TextBlock');
  return block ? block.text.replace(/\s+/g, ' ').trim() : '';
}

const browser = await launch();
const failures = [];
try {
  const { page, blocked } = await offlinePage(browser, { viewport: { width: 640, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(pathToFileURL(path.join(here, 'render.html')).href);
  await page.waitForFunction(() => typeof window.AdaptiveCards === 'object');
  for (const name of files) {
    const problems = [];
    let card;
    try {
      card = JSON.parse(fs.readFileSync(path.join(cardDir, name), 'utf8'));
    } catch (error) {
      failures.push(`${name}: ogiltig JSON (${error.message})`);
      continue;
    }
    const result = await page.evaluate(([c, h]) => window.checkCard(c, h), [card, hostConfig]);
    problems.push(...result.problems);
    const expected = firstText(card);
    if (expected && !result.text.replace(/\s+/g, ' ').includes(expected)) {
      problems.push(`den renderade texten saknar "${expected}"`);
    }
    problems.push(...pageErrors.splice(0).map((message) => `sidfel: ${message}`));
    if (!result.problems.includes('render returned undefined')) {
      const picture = path.join(artifactDir, name.replace(/\.json$/, '.png'));
      await page.locator('#card').screenshot({ path: picture });
    }
    if (problems.length) {
      failures.push(`${name}:\n    ${problems.join('\n    ')}`);
      console.log(`  FEL  ${name}`);
    } else {
      console.log(`  ok   ${name}`);
    }
  }
  if (blocked.length) console.log(`Blockerade anrop: ${blocked.join(', ')}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`\nKortkontroll: ${failures.length} av ${files.length} kort har fel:`);
  for (const failure of failures) console.error(`  ${failure}`);
  process.exit(1);
}
console.log(`Kortkontroll: ${files.length} kort renderade utan fel (Teams ljust tema).`);
