import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ConvergeProcess } from './converge-process.js';

/**
 * What the inspector's browser tests share: a modules directory with a hook that fails once,
 * `converge run` processes serving it, and Debian's Chromium.
 */

const CHROMIUM = '/usr/bin/chromium';
/** Where the tests save their screenshots (ignored by git). */
export const artifacts = join(import.meta.dirname, '..', 'artifacts');

/** A fresh working directory with the modules, per test file. */
export class InspectorFixture {
  readonly work = mkdtempSync(join(tmpdir(), 'converge-inspector-'));
  /** The FIFO alpha's hook waits on in its first run: open it for writing to let the hook go on. */
  readonly gate = join(this.work, 'gate');
  readonly failedOnce = join(this.work, 'failed-once');
  readonly modules = join(this.work, 'modules');

  /**
   * Module alpha's beforeHelm hook: on its first run it waits on the FIFO `gate` (so a test can
   * watch it run in the page), then fails; every later run succeeds. Module beta has a chart only.
   * With `failFirst: false` the hook succeeds from the start.
   */
  constructor(options: { failFirst: boolean }) {
    this.writeModules();
    if (options.failFirst) execFileSync('mkfifo', [this.gate]);
    else writeFileSync(this.failedOnce, '');
    mkdirSync(artifacts, { recursive: true });
  }

  private writeModules(): void {
    const { modules, gate, failedOnce } = this;
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

  /** `converge run` with its HTTP server on `listen` (default: a port the system picks); resolves with its URL. */
  async startConverge(
    name: string,
    more: string[] = [],
    listen = '127.0.0.1:0',
  ): Promise<{ converge: ConvergeProcess; url: string }> {
    const converge = new ConvergeProcess(
      [
        'run',
        this.modules,
        '--listen',
        listen,
        '--store',
        `sqlite:${join(this.work, name, 'events.sqlite')}`,
        ...more,
      ],
      { cwd: this.work },
    );
    const m = await converge.until(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
    return { converge, url: m[1] };
  }

  remove(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** The module's card in `#modules` while it shows `state`. */
export const card = (module: string, state: string) =>
  `#modules .module-card[data-module="${module}"][data-state="${state}"]`;

/** Debian's Chromium, headless (installed by scripts/ensure-tools.mjs). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install the Debian package 'chromium' (apt-get install chromium)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}
