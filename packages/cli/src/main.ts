import { parseArgs } from 'node:util';
import { isPostgresUrl } from '@converge/store-postgres';
import { DebugUsageError, debugCommand } from './commands/debug.js';
import { eventsCommand } from './commands/events.js';
import { fleetCommand, fleetStatusCommand } from './commands/fleet.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { vizMachineCommand, vizTimelineCommand } from './commands/viz.js';

const usage = `usage:
  converge run <modulesDir> [--global-hooks DIR] [--config FILE]
               [--cluster embedded|kube [--kubeconfig F] [--context C]] [--namespace NS]
               [--leader-election [--lease-name N] [--identity ID] [--lease-duration DUR]]
               [--once] [--max-attempts N] [--timeout DUR] [--hook-timeout DUR] [--stop-grace DUR]
               [--events FILE.jsonl] [--store sqlite:PATH|postgres://URL [--stream NAME]] [--json]
               [--listen ADDR:PORT] [--debug-socket PATH]
  converge queue list|main [-o json|yaml|text] [--show-empty] [--debug-socket PATH]
  converge module list|values <m>|config <m> [-o json|yaml] [--global] [--debug-socket PATH]
  converge hook list|snapshots [<module>] <hook> [-o json|yaml|text] [--debug-socket PATH]
  converge events <log> [--stream NAME] [--follow] [--module M] [--type T]... [--from SEQ] [--to SEQ] [--json]
  converge replay <log> [--stream NAME] [--until SEQ] [--json]
  converge viz machine [--machine module|converge|startup|all] --format mermaid|dot|svg|json [-o FILE]
  converge viz timeline <log> [--stream NAME] -o timeline.html
  converge validate <modulesDir> [--global-hooks DIR] [--config FILE] [--json]
  converge fleet --targets FILE --store postgres://URL [--replica ID] [--lease-duration DUR]
                 [--hook-timeout DUR] [--stop-grace DUR] [--listen ADDR:PORT]
  converge fleet status --store postgres://URL [--json]
<log> is a JSONL file, sqlite:PATH or postgres://URL (one stream of it: --stream, default embedded).
--store postgres://URL keeps the log, the embedded cluster and releases in the stream --stream (default:
the kube context under --cluster kube, else embedded) under a fenced lease: one writer per stream.
<modulesDir> is a :-separated list of directories; without it
$MODULES_DIR is read, and $GLOBAL_HOOKS_DIR without --global-hooks, as addon-operator reads them.
--cluster kube converges the cluster of the kubeconfig (--kubeconfig, else $KUBE_CONFIG, $KUBECONFIG
or ~/.kube/config) through its API and helm; config comes from the addon-operator ConfigMap in
--namespace (else $ADDON_OPERATOR_NAMESPACE, else default) unless --config names a file.
--hook-timeout kills a hook's process group after DUR (default: never) and retries it.
On SIGTERM (exit 143), SIGINT (130) or --once's --timeout (1), running tasks get --stop-grace
(default 30s), then their processes get SIGTERM and SIGKILL 5s later; a second signal skips the grace.
Only releases converge or addon-operator installed are ever uninstalled; $HELM_IGNORE_RELEASE names
one the startup purge never touches.
Without --once, run serves addon-operator's HTTP endpoints (/metrics, /metrics/hooks, /healthz,
/readyz, /status/converge) on --listen (else $ADDON_OPERATOR_LISTEN_ADDRESS:$ADDON_OPERATOR_LISTEN_PORT,
else 127.0.0.1:9650) and its debug routes on --debug-socket (else $DEBUG_UNIX_SOCKET, else
debug.socket beside the sqlite store); with --once only what --listen/--debug-socket name.
queue, module and hook ask a running converge through that socket.`;

class UsageError extends Error {}

/**
 * `<modulesDir>`, else `$MODULES_DIR` (a `:`-separated list either way), and `--global-hooks`, else
 * `$GLOBAL_HOOKS_DIR`: addon-operator reads the same variables when its flags are not given
 * (pkg/app/config.go `AppSettings`).
 */
function moduleDirs(positionals: string[], flag: string | undefined) {
  const modulesDir = positionals[0] || process.env.MODULES_DIR;
  if (!modulesDir) throw new UsageError('missing <modulesDir> (or $MODULES_DIR)');
  const globalHooks = flag ?? (process.env.GLOBAL_HOOKS_DIR || undefined);
  return { modulesDir, globalHooks };
}

function positional(args: string[], i: number, what: string): string {
  const v = args[i];
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
}

/** `--stream` names a stream of a PostgreSQL store; any other store or log has one log only. */
function streamOf(stream: string | undefined, location: string | undefined): { stream?: string } {
  if (stream === undefined) return {};
  if (!location || !isPostgresUrl(location))
    throw new UsageError(
      `--stream ${stream} needs a postgres:// store (a sqlite store or JSONL file holds one log)`,
    );
  return { stream };
}

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
};

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            'global-hooks': { type: 'string' },
            config: { type: 'string' },
            cluster: { type: 'string', default: 'embedded' },
            kubeconfig: { type: 'string' },
            context: { type: 'string' },
            once: { type: 'boolean', default: false },
            'max-attempts': { type: 'string', default: '3' },
            timeout: { type: 'string', default: '10m' },
            'hook-timeout': { type: 'string' },
            'stop-grace': { type: 'string', default: '30s' },
            events: { type: 'string' },
            store: { type: 'string' },
            stream: { type: 'string' },
            json: { type: 'boolean', default: false },
            namespace: { type: 'string' },
            'leader-election': { type: 'boolean', default: false },
            'lease-name': { type: 'string' },
            identity: { type: 'string' },
            'lease-duration': { type: 'string' },
            listen: { type: 'string' },
            'debug-socket': { type: 'string' },
          },
        });
        const outcome = await runCommand({
          ...(values.listen !== undefined ? { listen: values.listen } : {}),
          ...(values['debug-socket'] !== undefined ? { debugSocket: values['debug-socket'] } : {}),
          ...moduleDirs(positionals, values['global-hooks']),
          config: values.config,
          cluster: values.cluster ?? 'embedded',
          kubeconfig: values.kubeconfig,
          context: values.context,
          once: values.once ?? false,
          maxAttempts: int(values['max-attempts'], 'max-attempts') ?? 3,
          timeout: values.timeout ?? '10m',
          hookTimeout: values['hook-timeout'],
          stopGrace: values['stop-grace'] ?? '30s',
          events: values.events,
          store: values.store,
          ...streamOf(values.stream, values.store),
          json: values.json ?? false,
          namespace: values.namespace ?? process.env.ADDON_OPERATOR_NAMESPACE ?? 'default',
          ...(values['leader-election']
            ? {
                leaderElection: {
                  ...(values['lease-name'] ? { leaseName: values['lease-name'] } : {}),
                  ...(values.identity ? { identity: values.identity } : {}),
                  ...(values['lease-duration'] ? { leaseDuration: values['lease-duration'] } : {}),
                },
              }
            : {}),
        });
        if (outcome.code !== 0) process.stderr.write(`converge: ${outcome.message}\n`);
        return outcome.code;
      }
      case 'events': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            module: { type: 'string' },
            type: { type: 'string', multiple: true },
            from: { type: 'string' },
            to: { type: 'string' },
            json: { type: 'boolean', default: false },
            stream: { type: 'string' },
            follow: { type: 'boolean', default: false },
          },
        });
        return await eventsCommand({
          log: positional(positionals, 0, '<log>'),
          module: values.module,
          type: values.type,
          from: int(values.from, 'from'),
          to: int(values.to, 'to'),
          json: values.json ?? false,
          ...streamOf(values.stream, positionals[0]),
          follow: values.follow ?? false,
        });
      }
      case 'replay': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            until: { type: 'string' },
            json: { type: 'boolean', default: false },
            stream: { type: 'string' },
          },
        });
        return await replayCommand({
          log: positional(positionals, 0, '<log>'),
          ...streamOf(values.stream, positionals[0]),
          until: int(values.until, 'until'),
          json: values.json ?? false,
        });
      }
      case 'viz': {
        const [sub, ...vizArgs] = rest;
        const { values, positionals } = parseArgs({
          args: vizArgs,
          allowPositionals: true,
          options: {
            machine: { type: 'string', default: 'module' },
            format: { type: 'string', default: 'mermaid' },
            output: { type: 'string', short: 'o' },
            stream: { type: 'string' },
          },
        });
        if (sub === 'machine')
          return await vizMachineCommand({
            machine: values.machine ?? 'module',
            format: values.format ?? 'mermaid',
            output: values.output,
          });
        if (sub === 'timeline') {
          if (!values.output) throw new UsageError('viz timeline needs -o FILE.html');
          return await vizTimelineCommand({
            log: positional(positionals, 0, '<log>'),
            output: values.output,
            ...streamOf(values.stream, positionals[0]),
          });
        }
        throw new UsageError(`unknown viz subcommand ${JSON.stringify(sub ?? '')}`);
      }
      case 'validate': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            'global-hooks': { type: 'string' },
            config: { type: 'string' },
            json: { type: 'boolean', default: false },
          },
        });
        return await validateCommand({
          ...moduleDirs(positionals, values['global-hooks']),
          ...(values.config ? { config: values.config } : {}),
          json: values.json ?? false,
        });
      }
      case 'fleet': {
        if (rest[0] === 'status') {
          const { values } = parseArgs({
            args: rest.slice(1),
            options: { store: { type: 'string' }, json: { type: 'boolean', default: false } },
          });
          if (!values.store) throw new UsageError('fleet status needs --store postgres://URL');
          return await fleetStatusCommand({ store: values.store, json: values.json ?? false });
        }
        const { values } = parseArgs({
          args: rest,
          options: {
            targets: { type: 'string' },
            store: { type: 'string' },
            replica: { type: 'string' },
            'lease-duration': { type: 'string' },
            'hook-timeout': { type: 'string' },
            'stop-grace': { type: 'string', default: '30s' },
            listen: { type: 'string' },
          },
        });
        if (!values.targets) throw new UsageError('fleet needs --targets FILE');
        if (!values.store) throw new UsageError('fleet needs --store postgres://URL');
        const outcome = await fleetCommand({
          targets: values.targets,
          store: values.store,
          ...(values.replica ? { replica: values.replica } : {}),
          ...(values['lease-duration'] ? { leaseDuration: values['lease-duration'] } : {}),
          ...(values['hook-timeout'] ? { hookTimeout: values['hook-timeout'] } : {}),
          ...(values['stop-grace'] ? { stopGrace: values['stop-grace'] } : {}),
          ...(values.listen !== undefined ? { listen: values.listen } : {}),
        });
        process.stderr.write(`converge: ${outcome.message}\n`);
        // Everything is stopped and released by now; if a handle still holds the process (seen:
        // the Postgres store's worker channel after many stores came and went), exit anyway.
        // The timer is unref'd: it never keeps the process alive by itself.
        setTimeout(() => process.exit(outcome.code), 2_000).unref();
        return outcome.code;
      }
      case 'queue':
      case 'module':
      case 'hook': {
        const [sub, ...subArgs] = rest;
        const { values, positionals } = parseArgs({
          args: subArgs,
          allowPositionals: true,
          options: {
            output: { type: 'string', short: 'o' },
            'debug-socket': { type: 'string' },
            // addon-operator's name for the same flag.
            'debug-unix-socket': { type: 'string' },
            'show-empty': { type: 'boolean', default: false },
            global: { type: 'boolean', default: false },
          },
        });
        try {
          return await debugCommand({
            group: command,
            sub: sub ?? '',
            args: positionals,
            ...(values.output !== undefined ? { output: values.output } : {}),
            ...((values['debug-socket'] ?? values['debug-unix-socket']) !== undefined
              ? { debugSocket: values['debug-socket'] ?? values['debug-unix-socket'] }
              : {}),
            showEmpty: values['show-empty'] ?? false,
            global: values.global ?? false,
          });
        } catch (e) {
          if (e instanceof DebugUsageError) throw new UsageError(e.message);
          throw e;
        }
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${usage}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`converge: ${(e as Error).message}\n${usage}\n`);
      return 2;
    }
    process.stderr.write(`converge: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
