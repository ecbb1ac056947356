import { createTestEngine, type TestEngine } from '@converge/testing';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallLog, hook, markerChart } from '../support/recorder.js';

const exporter = new InMemorySpanExporter();

/** Spans of one engine: module `demo` whose beforeHelm hook fails once, then converges. */
describe('tracing: spans per converge, module run, hook run and helm operation', () => {
  let t: TestEngine;
  let spans: ReadableSpan[];
  beforeAll(async () => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [hook(log, '010-startup.sh', { onStartup: 1 })],
      modules: [
        {
          name: 'demo',
          chart: markerChart('demo'),
          hooks: [
            hook(log, 'hooks/flaky', { beforeHelm: 1 }, (_input, call) => {
              if (call === 1) throw new Error('exit status 3: boom');
              return undefined;
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.advance(60_000);
    await t.setConfig({ demoEnabled: false });
    spans = exporter.getFinishedSpans();
  });
  afterAll(async () => {
    await t?.stop();
    trace.disable();
  });

  const seqOf = (type: string, match: (e: Record<string, unknown>) => boolean = () => true) =>
    t.events
      .filter((e) => e.type === type && match(e as unknown as Record<string, unknown>))
      .map((e) => e.seq);
  const range = (s: ReadableSpan) => [s.attributes['converge.seq.first'], s.attributes['converge.seq.last']];
  const named = (name: string) => spans.filter((s) => s.name === name);
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it('one converge span covers ConvergeStarted..ConvergeCompleted, with its reason and times from the log', () => {
    const [converge] = named('converge');
    expect(named('converge').map((s) => s.attributes['converge.reason'])).toEqual([
      'OperatorStartup',
      'ReloadAllModules',
    ]);
    expect(converge?.attributes['converge.reason']).toBe('OperatorStartup');
    const [started] = seqOf('ConvergeStarted');
    const [completed] = seqOf('ConvergeCompleted');
    expect(range(converge as ReadableSpan)).toEqual([started, completed]);
    const startedAt = t.events.find((e) => e.seq === started)?.at as string;
    expect(converge?.startTime[0]).toBe(Date.parse(startedAt) / 1000);
  });

  it('the failed module run and its retry are two spans under the converge; the failed one has an error status', () => {
    const [converge] = named('converge');
    const runs = named('module run');
    expect(runs.map((s) => s.attributes['converge.attempt'])).toEqual([1, 2]);
    for (const run of runs) expect(parentOf(run)).toBe(converge?.spanContext().spanId);
    expect(runs[0]?.status).toMatchObject({ code: 2, message: expect.stringContaining('boom') });
    expect(runs[1]?.status.code).toBe(0);
    const starts = seqOf('ModuleRunStarted', (e) => e.module === 'demo');
    expect(runs.map((s) => s.attributes['converge.seq.first'])).toEqual(starts);
    expect(runs[0]?.attributes['converge.seq.last']).toBe(seqOf('ModuleFailed')[0]);
    expect(runs[1]?.attributes['converge.seq.last']).toBe(
      seqOf('ModuleReady', (e) => e.module === 'demo')[0],
    );
  });

  it('hook runs nest under their module run with the seq range HookStarted..HookSucceeded/HookFailed', () => {
    const runs = named('module run');
    const hooks = named('hook run').filter((s) => s.attributes['converge.hook'] === 'hooks/flaky');
    expect(hooks).toHaveLength(2);
    expect(hooks.map(parentOf)).toEqual(runs.map((r) => r.spanContext().spanId));
    const started = seqOf('HookStarted', (e) => e.hook === 'hooks/flaky');
    const ended = [...seqOf('HookFailed'), ...seqOf('HookSucceeded', (e) => e.hook === 'hooks/flaky')];
    expect(hooks.map(range)).toEqual([
      [started[0], ended[0]],
      [started[1], ended[1]],
    ]);
    expect(hooks[0]?.status.code).toBe(2);
    const global = named('hook run').find((s) => s.attributes['converge.hook'] === '010-startup.sh');
    expect(global?.attributes['converge.binding']).toBe('onStartup');
  });

  it('the helm upgrade is a span under the successful run ending at HelmReleaseUpgraded', () => {
    const [upgrade] = named('helm upgrade');
    expect(named('helm upgrade')).toHaveLength(1);
    expect(parentOf(upgrade as ReadableSpan)).toBe(named('module run')[1]?.spanContext().spanId);
    const [upgraded] = seqOf('HelmReleaseUpgraded');
    expect(range(upgrade as ReadableSpan)).toEqual([upgraded, upgraded]);
    expect(upgrade?.attributes).toMatchObject({ 'helm.release': 'demo', 'helm.revision': 1 });
  });

  it('disabling the module is a module delete span with the helm uninstall under it', () => {
    const [del] = named('module delete');
    expect(named('module delete')).toHaveLength(1);
    expect(parentOf(del as ReadableSpan)).toBe(named('converge')[1]?.spanContext().spanId);
    expect(range(del as ReadableSpan)).toEqual([seqOf('ModuleDeleteStarted')[0], seqOf('ModuleDeleted')[0]]);
    const [uninstall] = named('helm uninstall');
    expect(parentOf(uninstall as ReadableSpan)).toBe(del?.spanContext().spanId);
    expect(uninstall?.attributes['converge.seq.last']).toBe(seqOf('HelmReleaseUninstalled')[0]);
  });
});
