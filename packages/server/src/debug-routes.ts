import type { ServerResponse } from 'node:http';
import { valuesKey } from '@converge/core';
import type { Engine } from '@converge/runtime';
import { type DebugFormat, DebugRouteError, sendFormatted } from './debug-format.js';
import { mainQueueDump, queueListDump, queueListText, queueText } from './queue-dump.js';
import type { Route } from './route-table.js';
import { sendText } from './route-table.js';

const FMT = '(json|yaml|text)';
const JY = '(json|yaml)';

/** A debug route: `path` with `{format}` as its last capture; the handler returns what to format. */
function debug(
  path: RegExp,
  produce: (params: readonly string[], url: URL, format: DebugFormat) => unknown,
  describe: string,
): Route & { describe: string } {
  return {
    path,
    describe,
    handle: (_req, res: ServerResponse, { params, url }) => {
      const format = (params.at(-1) ?? 'text') as DebugFormat;
      try {
        sendFormatted(res, format, produce(params, url, format));
      } catch (e) {
        if (e instanceof DebugRouteError) sendText(res, e.status, e.message);
        else throw e;
      }
    },
  };
}

const truthy = (v: string | null) => v !== null && /^(1|t|true)$/i.test(v);

/**
 * addon-operator's debug routes (`pkg/addon-operator/debug_server.go`, shell-operator's
 * `pkg/shell-operator/debug_server.go`) over `engine`: queues, global and module values and
 * config, hook lists and kubernetes snapshots, each as `.json`, `.yaml` or `.text` where
 * addon-operator offers it. Served on the debug unix socket.
 */
export function debugRoutes(engine: Engine): Route[] {
  const core = engine.core;
  const moduleNamed = (name: string) => {
    if (!core.moduleDefs.has(name)) throw new DebugRouteError(`module not found: ${name}`, 404);
    return name;
  };
  const moduleHooks = (m: string) => core.moduleRuntime.get(m)?.hooks ?? [];
  const snapshotsOf = (module: string | undefined, hooks: typeof core.globalHooks) =>
    Object.fromEntries(
      hooks.filter((h) => h.watches.length > 0).map((h) => [h.name, core.kube.snapshotsOf(module, h)]),
    );
  const routes = [
    debug(
      new RegExp(`^/queue/main\\.${FMT}$`),
      (_p, _u, f) => (f === 'text' ? queueText(mainQueueDump(engine)) : mainQueueDump(engine)),
      '/queue/main.{json,yaml,text}',
    ),
    debug(
      new RegExp(`^/queue/list\\.${FMT}$`),
      (_p, url, f) => {
        const dump = queueListDump(engine, truthy(url.searchParams.get('showEmpty')));
        return f === 'text' ? queueListText(dump) : dump;
      },
      '/queue/list.{json,yaml,text}[?showEmpty=true]',
    ),
    debug(
      new RegExp(`^/global/list\\.${JY}$`),
      () => ({ globalHooks: core.globalHooks.map((h) => h.name) }),
      '/global/list.{json,yaml}',
    ),
    debug(
      new RegExp(`^/global/values\\.${JY}$`),
      () => core.values.globalValues(),
      '/global/values.{json,yaml}',
    ),
    debug(
      new RegExp(`^/global/config\\.${JY}$`),
      () => core.state.configValues.global ?? {},
      '/global/config.{json,yaml}',
    ),
    debug(
      new RegExp(`^/global/snapshots\\.${JY}$`),
      () => snapshotsOf(undefined, core.globalHooks),
      '/global/snapshots.{json,yaml}',
    ),
    debug(
      new RegExp(`^/module/list\\.${FMT}$`),
      (_p, _u, f) => {
        const enabledModules = [...core.state.enabled].sort();
        return f === 'text' ? `${enabledModules.join('\n')}\n` : { enabledModules };
      },
      '/module/list.{json,yaml,text}',
    ),
    debug(
      new RegExp(`^/module/([^/]+)/(config|values)\\.${JY}$`),
      ([name, kind], url) => {
        const m = moduleNamed(name as string);
        const own = kind === 'config' ? (core.state.configValues[m] ?? {}) : core.values.moduleValues(m);
        if (!truthy(url.searchParams.get('global'))) return own;
        const global =
          kind === 'config' ? (core.state.configValues.global ?? {}) : core.values.globalValues();
        return { global, [valuesKey(m)]: own };
      },
      '/module/{name}/{config,values}.{json,yaml}[?global=true]',
    ),
    debug(
      new RegExp(`^/module/([^/]+)/snapshots\\.${JY}$`),
      ([name]) => {
        const m = moduleNamed(name as string);
        return snapshotsOf(m, moduleHooks(m));
      },
      '/module/{name}/snapshots.{json,yaml}',
    ),
    debug(
      new RegExp(`^/hook/list\\.${FMT}$`),
      (_p, _u, f) => {
        const names = [
          ...core.globalHooks.map((h) => h.name),
          ...[...core.moduleRuntime.keys()]
            .sort()
            .flatMap((m) => moduleHooks(m).map((h) => `${m}/${h.name}`)),
        ];
        return f === 'text' ? `${names.join('\n')}\n` : names;
      },
      '/hook/list.{json,yaml,text}',
    ),
    debug(
      new RegExp(`^/hook/(.+)/snapshots\\.${FMT}$`),
      ([name], url) => {
        const module = url.searchParams.get('module') ?? undefined;
        const hooks = module === undefined ? core.globalHooks : moduleHooks(moduleNamed(module));
        const hook = hooks.find((h) => h.name === name);
        if (!hook)
          throw new DebugRouteError(
            `hook '${name}' does not exist${module === undefined ? ' among the global hooks' : ` in module ${module}`}`,
            400,
          );
        return core.kube.snapshotsOf(module, hook);
      },
      '/hook/{name}/snapshots.{json,yaml,text}[?module=M]',
    ),
  ];
  return [
    { path: '/', handle: (_q, res) => sendText(res, 200, 'debug endpoint is alive') },
    {
      path: '/discovery',
      handle: (_q, res) => sendFormatted(res, 'text', `${routes.map((r) => r.describe).join('\n')}\n`),
    },
    ...routes,
  ];
}
