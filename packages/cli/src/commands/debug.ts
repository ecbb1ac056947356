import { request } from 'node:http';
import { resolveDebugSocket } from '../operator-server.js';

/** A debug subcommand: `queue list|main`, `module list|values|config`, `hook list|snapshots`. */
export interface DebugCommandOptions {
  group: 'queue' | 'module' | 'hook';
  sub: string;
  args: string[];
  /** `--debug-socket PATH` (else `DEBUG_UNIX_SOCKET`, else `.converge/debug.socket`). */
  debugSocket?: string;
  /** `-o json|yaml|text`; defaults as addon-operator's CLI: text for queue and hook, yaml for module. */
  output?: string;
  /** `queue list --show-empty`. */
  showEmpty?: boolean;
  /** `module values|config --global`. */
  global?: boolean;
}

/** A debug command that cannot be sent as asked (unknown subcommand, format or argument). */
export class DebugUsageError extends Error {}

/** The debug route a subcommand asks for (addon-operator's and shell-operator's debug clients). */
export function debugPath(o: DebugCommandOptions): string {
  const format = o.output ?? (o.group === 'module' ? 'yaml' : 'text');
  const formats = o.group === 'module' && o.sub !== 'list' ? ['json', 'yaml'] : ['json', 'yaml', 'text'];
  if (!formats.includes(format))
    throw new DebugUsageError(
      `${o.group} ${o.sub} prints ${formats.join('|')}, not ${JSON.stringify(format)}`,
    );
  const arg = (i: number, what: string) => {
    const v = o.args[i];
    if (!v) throw new DebugUsageError(`${o.group} ${o.sub} needs ${what}`);
    return encodeURIComponent(v);
  };
  switch (`${o.group} ${o.sub}`) {
    case 'queue list':
      return `/queue/list.${format}?showEmpty=${o.showEmpty === true}`;
    case 'queue main':
      return `/queue/main.${format}`;
    case 'module list':
      return `/module/list.${format}`;
    case 'module values':
    case 'module config':
      return `/module/${arg(0, '<module>')}/${o.sub}.${format}${o.global ? '?global=true' : ''}`;
    case 'hook list':
      return `/hook/list.${format}`;
    case 'hook snapshots': {
      // `hook snapshots <module> <hook>`; a global hook alone: `hook snapshots <hook>`.
      if (o.args.length >= 2)
        return `/hook/${encodeURI(o.args[1] as string)}/snapshots.${format}?module=${arg(0, '<module>')}`;
      return `/hook/${encodeURI(decodeURIComponent(arg(0, '[<module>] <hook>')))}/snapshots.${format}`;
    }
    default:
      throw new DebugUsageError(`unknown subcommand ${JSON.stringify(`${o.group} ${o.sub}`)}`);
  }
}

/** GET `path` over the unix socket `socket`: status and body. */
export function debugGet(socket: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET', headers: { host: 'unix' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs a debug subcommand against a running `converge run`'s debug socket and prints the answer:
 * 0 on success, 1 when the socket is not there or the route answers an error (printed to stderr).
 */
export async function debugCommand(
  o: DebugCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const socket = resolveDebugSocket(o.debugSocket);
  const path = debugPath(o);
  let answer: { status: number; body: string };
  try {
    answer = await debugGet(socket, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ECONNREFUSED'
        ? 'no converge is serving it (start `converge run`, or pass --debug-socket PATH / DEBUG_UNIX_SOCKET)'
        : (e as Error).message;
    err.write(`converge: debug socket ${socket}: ${why}\n`);
    return 1;
  }
  if (answer.status !== 200) {
    err.write(`converge: ${path}: ${answer.status}: ${answer.body.trim()}\n`);
    return 1;
  }
  out.write(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
  return 0;
}
