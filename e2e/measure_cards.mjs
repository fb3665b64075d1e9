// Render each card JSON in a folder at a phone's width (340 px) with the Microsoft Teams
// light host config, in headless Chromium: print its size in bytes, its rendered height,
// and whether anything is wider than the card (horizontal scrolling); save a picture.
//
// Usage: node measure_cards.mjs CARD_DIR [ARTIFACT_DIR] [WIDTH]
// Prints one Markdown table row per card: | name | bytes | height px | overflow |
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { launch, offlinePage } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [cardDir, artifactDir = path.join(here, 'artifacts', 'phone'), width = '340'] =
  process.argv.slice(2);
if (!cardDir) {
  console.error('Användning: node measure_cards.mjs KORTMAPP [BILDMAPP] [BREDD]');
  process.exit(2);
}
const hostConfig = JSON.parse(
  fs.readFileSync(path.join(here, 'microsoft-teams-light.json'), 'utf8'),
);
const files = fs
  .readdirSync(cardDir)
  .filter((name) => name.endsWith('.json'))
  .sort();
fs.mkdirSync(artifactDir, { recursive: true });

const browser = await launch();
let overflowing = 0;
try {
  const { page } = await offlinePage(browser, { viewport: { width: Number(width) + 40, height: 900 } });
  await page.goto(pathToFileURL(path.join(here, 'render.html')).href);
  await page.waitForFunction(() => typeof window.AdaptiveCards === 'object');
  await page.addStyleTag({ content: `#card { width: ${width}px; }` });
  console.log('| Kort | Byte | Höjd (px) | Vågrät rullning |');
  console.log('|---|---:|---:|---|');
  for (const name of files) {
    const text = fs.readFileSync(path.join(cardDir, name), 'utf8');
    const card = JSON.parse(text);
    const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
    await page.evaluate(([c, h]) => window.checkCard(c, h), [card, hostConfig]);
    const measured = await page.evaluate(() => {
      const target = document.getElementById('card');
      const box = target.getBoundingClientRect();
      // Anything reaching past the card's right edge means sideways scrolling on a phone.
      const wide = [...target.querySelectorAll('*')].some(
        (e) => e.getBoundingClientRect().right > box.right + 1 || e.scrollWidth > e.clientWidth + 1,
      );
      return { height: Math.round(box.height), wide };
    });
    if (measured.wide) {
      overflowing += 1;
      console.error(`  för brett i ${width} px: ${name}`);
    }
    await page.locator('#card').screenshot({
      path: path.join(artifactDir, name.replace(/\.json$/, '.png')),
    });
    const stem = name.replace(/\.json$/, '').replace(/^\d+-/, '');
    console.log(`| ${stem} | ${bytes} | ${measured.height} | ${measured.wide ? 'ja' : 'nej'} |`);
  }
} finally {
  await browser.close();
}
if (overflowing) console.error(`${overflowing} kort kräver vågrät rullning i ${width} px bredd.`);
process.exit(overflowing ? 1 : 0);
