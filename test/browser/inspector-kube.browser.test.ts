import { join } from 'node:path';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvergeProcess } from './converge-process.js';
import { card, InspectorFixture, launchChromium } from './inspector-fixture.js';

/** The live inspector in Debian's Chromium against `converge run --cluster kube` (the test API server). */

const fx = new InspectorFixture({ failFirst: false });
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  fx.remove();
});

describe('the live inspector of `converge run --cluster kube`', () => {
  let api: KubeApiServer;
  let converge: ConvergeProcess;
  let kubePage: Page;

  beforeAll(async () => {
    api = await startKubeApiServer();
    const kubeconfig = api.writeKubeconfig(join(fx.work, 'kubeconfig'));
    const started = await fx.startConverge('kube', ['--cluster', 'kube', '--kubeconfig', kubeconfig]);
    converge = started.converge;
    kubePage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await kubePage.goto(`${started.url}/`);
  }, 60_000);

  afterAll(async () => {
    await kubePage?.close();
    expect(await converge?.stop()).toBe(143);
    await api?.close();
  });

  it('follows a converge into a real API server: both modules ready, releases installed', async () => {
    await kubePage.waitForSelector('#connection[data-state="open"]');
    await kubePage.waitForSelector(card('alpha', 'ready'), { timeout: 30_000 });
    await kubePage.waitForSelector(card('beta', 'ready'));
    await kubePage.waitForSelector('#event-list li[data-type="HelmReleaseUpgraded"]');
    await kubePage.waitForSelector('#engine [data-field="startup"]:has-text("ready")');
    await kubePage.waitForSelector('#queues tr[data-queue="main"]');
    expect(
      api.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'alpha' }),
    ).toBeDefined();
    // Time travel works the same: right after beta's run started (the last run), beta was not ready.
    await kubePage.locator('#event-list li[data-type="ModuleRunStarted"]').last().click();
    await kubePage.waitForSelector('body[data-mode="past"]');
    await expect(
      kubePage.locator('#modules [data-module="beta"]').getAttribute('data-state'),
    ).resolves.not.toBe('ready');
  }, 60_000);
});
