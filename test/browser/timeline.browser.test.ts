import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestEngine } from '@converge/testing';
import { renderTimeline } from '@converge/viz';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', 'artifacts');

describe('the HTML timeline in a real browser (Debian chromium via playwright-core)', () => {
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  let page: Awaited<ReturnType<typeof browser.newPage>>;
  let bdhFailedSeq = 0;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: install the Debian package 'chromium' (apt-get install chromium)`,
      );
    let attempts = 0;
    const t = await createTestEngine({
      modules: [
        {
          name: 'alpha',
          order: 10,
          chart: { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alpha\n' },
        },
        {
          name: 'beta',
          order: 20,
          chart: { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beta\n' },
          hooks: [
            {
              name: 'hooks/cleanup.sh',
              config: { configVersion: 'v1', beforeDeleteHelm: 1 },
              run: () => {
                if (++attempts === 1) throw new Error('finalizers still present');
                return undefined;
              },
            },
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ betaEnabled: false });
    await t.advance(6_000);
    const events = [...t.events];
    await t.stop();
    bdhFailedSeq = events.find((e) => e.type === 'HookFailed')?.seq ?? 0;
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, 'timeline.html');
    writeFileSync(file, await renderTimeline(events));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(file).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows a swimlane per module and one for global hooks, and the statechart', async () => {
    await expect(page.locator('[data-lane="alpha"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-lane="beta"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-lane="global"]').count()).resolves.toBe(1);
    await expect(page.locator('#statechart svg').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('#statechart').textContent()).resolves.toContain('beforeDeleteHelm');
  });

  it('clicking an event shows the engine state at that moment, and the failure is marked', async () => {
    expect(bdhFailedSeq).toBeGreaterThan(0);
    await page.locator(`#event-list [data-seq="${bdhFailedSeq}"]`).click();
    const panel = (await page.locator('#state-panel').textContent()) ?? '';
    expect(panel).toContain(String(bdhFailedSeq));
    expect(panel).toContain('beta');
    expect(panel).toMatch(/beforeDeleteHelm/);
    // The Graphviz-laid-out module chart highlights beta's state at that event.
    await page.locator('#statechart-module').selectOption('beta');
    await page.locator(`#event-list [data-seq="${bdhFailedSeq}"]`).click();
    const current = page.locator('#statechart svg[data-machine="module"] .state.current');
    await expect(current.count()).resolves.toBe(1);
    await expect(current.getAttribute('data-state')).resolves.toMatch(
      /beforeDeleteHelm|deleteFailed|deleting/,
    );
    await page.screenshot({ path: join(artifacts, 'timeline.png'), fullPage: false });
    expect(existsSync(join(artifacts, 'timeline.png'))).toBe(true);
  });
});
