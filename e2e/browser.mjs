// Headless Debian Chromium driven by playwright-core, kept off every network but loopback.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a URL stays on this machine (loopback, a file, or data the page made itself). */
export function isLocal(url) {
  const parsed = new URL(url);
  if (['file:', 'data:', 'blob:', 'about:'].includes(parsed.protocol)) return true;
  return LOOPBACK.has(parsed.hostname);
}

/** Launch Chromium; close it with `browser.close()` (also done by Playwright on exit). */
export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A page whose every non-local request (HTTP and WebSocket) is aborted. The Playground
 * asks a CDN for fonts and an animation script; it renders without them. `blocked` lists
 * what was refused, so a run can say what the page tried to reach.
 */
export async function offlinePage(browser, { viewport, timezoneId } = {}) {
  const context = await browser.newContext({
    viewport: viewport || { width: 1280, height: 2000 },
    locale: 'en-US', // the Playground's own texts (calendar, buttons) are English
    timezoneId,
  });
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(
    (url) => !isLocal(url.href),
    (ws) => {
      blocked.push(ws.url());
      return ws.close();
    },
  );
  const page = await context.newPage();
  return { context, page, blocked };
}
