import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvergeProcess } from './converge-process.js';

/**
 * The live inspector in Debian's Chromium (playwright-core) against real `converge run` processes:
 * the embedded default and `--cluster kube` (against the test Kubernetes API server).
 */

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', 'artifacts');
const work = mkdtempSync(join(tmpdir(), 'converge-inspector-'));
const gate = join(work, 'gate');
const failedOnce = join(work, 'failed-once');
const modules = join(work, 'modules');

/**
 * Module alpha's beforeHelm hook: on its first run it waits on the FIFO `gate` (so the test can
 * watch it run in the page), then fails; every later run succeeds. Module beta has a chart only.
 */
function writeModules(): void {
  mkdirSync(modules, { recursive: true });
  // addon-operator's modules are off unless enabled (here in the modules directory's values.yaml).
  writeFileSync(join(modules, 'values.yaml'), 'alphaEnabled: true\nbetaEnabled: true\n');
  const alpha = join(modules, '010-alpha');
  mkdirSync(join(alpha, 'hooks'), { recursive: true });
  mkdirSync(join(alpha, 'templates'), { recursive: true });
  writeFileSync(join(alpha, 'Chart.yaml'), 'apiVersion: v2\nname: alpha\nversion: 0.1.0\n');
  writeFileSync(
    join(alpha, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alpha\ndata:\n  ready: "yes"\n',
  );
  const hook = join(alpha, 'hooks', 'wait-db.sh');
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      'if [ "$1" = "--config" ]; then echo \'{"configVersion":"v1","beforeHelm":1}\'; exit 0; fi',
      `if [ ! -f '${failedOnce}' ]; then`,
      `  read -r _ < '${gate}'`,
      `  touch '${failedOnce}'`,
      '  echo "database not ready" >&2',
      '  exit 1',
      'fi',
      '',
    ].join('\n'),
  );
  chmodSync(hook, 0o755);
  const beta = join(modules, '020-beta');
  mkdirSync(join(beta, 'templates'), { recursive: true });
  writeFileSync(join(beta, 'Chart.yaml'), 'apiVersion: v2\nname: beta\nversion: 0.1.0\n');
  writeFileSync(
    join(beta, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beta\n',
  );
}

/** `converge run` with the HTTP server on a port the system picks; resolves with its URL. */
async function startConverge(
  name: string,
  more: string[] = [],
): Promise<{ converge: ConvergeProcess; url: string }> {
  const converge = new ConvergeProcess(
    [
      'run',
      modules,
      '--listen',
      '127.0.0.1:0',
      '--store',
      `sqlite:${join(work, name, 'events.sqlite')}`,
      ...more,
    ],
    { cwd: work },
  );
  const m = await converge.until(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return { converge, url: m[1] };
}

/** The module's card in `#modules` while it shows `state`. */
const card = (module: string, state: string) =>
  `#modules .module-card[data-module="${module}"][data-state="${state}"]`;

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install the Debian package 'chromium' (apt-get install chromium)`,
    );
  writeModules();
  execFileSync('mkfifo', [gate]);
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the live inspector of `converge run` (embedded cluster)', () => {
  let converge: ConvergeProcess;
  let page: Page;

  beforeAll(async () => {
    const started = await startConverge('embedded');
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
    const fifo = await open(gate, 'w');
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
});

describe('the live inspector of `converge run --cluster kube`', () => {
  let api: KubeApiServer;
  let converge: ConvergeProcess;
  let kubePage: Page;

  beforeAll(async () => {
    // alpha's hook waits on the gate and fails only in the embedded run above; here it succeeds.
    if (!existsSync(failedOnce)) writeFileSync(failedOnce, '');
    api = await startKubeApiServer();
    const kubeconfig = api.writeKubeconfig(join(work, 'kubeconfig'));
    const started = await startConverge('kube', ['--cluster', 'kube', '--kubeconfig', kubeconfig]);
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
    expect(
      api.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'alpha' }),
    ).toBeDefined();
  }, 60_000);
});
