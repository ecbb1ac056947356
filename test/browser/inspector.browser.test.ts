import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConvergeProcess, freePort } from './converge-process.js';
import { artifacts, card, InspectorFixture, launchChromium } from './inspector-fixture.js';

/**
 * The live inspector in Debian's Chromium (playwright-core) against a real `converge run` process
 * on the embedded cluster: a failing hook and its retry, time travel, a restart.
 */

const fx = new InspectorFixture({ failFirst: true });
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  fx.remove();
});

describe('the live inspector of `converge run` (embedded cluster)', () => {
  let converge: ConvergeProcess;
  let page: Page;
  let listen: string;

  beforeAll(async () => {
    // A fixed port, so that a restarted run serves the page's URL again (last test).
    listen = `127.0.0.1:${await freePort()}`;
    const started = await fx.startConverge('embedded', [], listen);
    converge = started.converge;
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${started.url}/`);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    // SIGTERM: the run stops cleanly (128 + 15).
    expect(await converge?.stop()).toBe(143);
  });

  it("AO-56 a module's state changes on the page while its beforeHelm hook fails and is retried", async () => {
    await page.waitForSelector('#connection[data-state="open"]');
    // The hook runs (it waits on the gate): the card and the queue show it live.
    await page.waitForSelector(card('alpha', 'beforeHelm'));
    await page.waitForSelector('#queues tr[data-queue="main"] td.head:has-text("ModuleRun:alpha")');
    await page.waitForSelector('#modules [data-module="alpha"] svg .state.current[data-state="beforeHelm"]');
    const fifo = await open(fx.gate, 'w');
    await fifo.write('go\n');
    await fifo.close();
    // It fails: the module's chart highlights runFailed, main sleeps with a retry countdown.
    await page.waitForSelector(card('alpha', 'runFailed'));
    await page.waitForSelector('#modules [data-module="alpha"] svg .state.current[data-state="runFailed"]');
    await expect(
      page.locator('#modules [data-module="alpha"] .module-error').textContent(),
    ).resolves.toContain('database not ready');
    await page.waitForSelector('#queues tr[data-queue="main"].sleeping .countdown');
    await expect(page.locator('#queues tr[data-queue="main"] .countdown').textContent()).resolves.toMatch(
      /^retry in \d\.\d s$/,
    );
    await page.screenshot({ path: join(artifacts, 'inspector-retry.png'), fullPage: true });
    // addon-operator retries after 5 s: the same page then shows both modules ready.
    await page.waitForSelector(card('alpha', 'ready'), { timeout: 30_000 });
    await page.waitForSelector(card('beta', 'ready'));
    await page.waitForSelector('#engine [data-field="startup"]:has-text("ready")');
    const types = await page
      .locator('#event-list li')
      .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types).toContain('HookFailed');
    expect(types).toContain('RetryScheduled');
    expect(types.filter((t) => t === 'ModuleReady')).toHaveLength(2);
  }, 60_000);

  it('a click on an old event shows the state then (time travel), and "back to live" returns', async () => {
    const failed = page.locator('#event-list li[data-type="ModuleFailed"]');
    const seq = await failed.getAttribute('data-seq');
    await failed.click();
    await page.waitForSelector(`body[data-mode="past"][data-selected-seq="${seq}"]`);
    await page.waitForSelector(card('alpha', 'runFailed'));
    await page.waitForSelector('#modules [data-module="alpha"] svg .state.current[data-state="runFailed"]');
    // beta had not run yet at that point.
    await expect(page.locator('#modules [data-module="beta"]').getAttribute('data-state')).resolves.not.toBe(
      'ready',
    );
    await expect(page.locator('#state-panel h2').first().textContent()).resolves.toBe(
      `State after #${seq} ModuleFailed`,
    );
    await page.screenshot({ path: join(artifacts, 'inspector-time-travel.png'), fullPage: true });
    await page.locator('#live-button').click();
    await page.waitForSelector(`body[data-mode="live"] ${card('alpha', 'ready')}`);
  });
  it('a restarted run on the same store: the page reconnects by itself and resumes after the last seq it saw', async () => {
    const runBefore = await page.locator('#run-id').textContent();
    expect(await converge.stop()).toBe(143);
    await page.waitForSelector('#connection:not([data-state="open"])');
    converge = (await fx.startConverge('embedded', [], listen)).converge;
    // The browser's EventSource reconnects with Last-Event-ID: the rest of the old run, then the new one.
    await page.waitForSelector('#connection[data-state="open"]');
    await page.locator('#event-list li[data-type="EngineStarted"]').nth(1).waitFor();
    await page.waitForSelector('#event-list li[data-type="EngineStopped"]');
    await expect(page.locator('#run-id').textContent()).resolves.not.toBe(runBefore);
    // Every seq of the store once, in order: nothing lost across the restart, nothing twice.
    const seqs = await page
      .locator('#event-list li')
      .evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-seq'))));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }, 60_000);
});
