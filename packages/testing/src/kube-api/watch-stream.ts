import type { ServerResponse } from 'node:http';
import type { ClusterChange, InMemoryCluster } from '@converge/cluster-memory';
import { matchesSelector } from '@converge/kube-model';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import type { WatchHistory } from './watch-history.js';

/** A watch request: what it selects, where it starts and how long it may last. */
export interface WatchRequest {
  selector: ResourceSelector;
  /** Start after this resourceVersion; absent or "0" sends every current object as ADDED first. */
  resourceVersion?: string;
  timeoutSeconds?: number;
  bookmarks: boolean;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * Streams watch events as newline-delimited JSON: the history after the requested version, then
 * live writes, each classified for this watcher's selector (entering = ADDED, leaving = DELETED).
 * Throws (410 Expired) before writing anything when the version is too old.
 */
export function startWatch(
  cluster: InMemoryCluster,
  history: WatchHistory,
  request: WatchRequest,
  res: ServerResponse,
  onEnd: () => void,
): () => void {
  const selector = request.selector;
  const namespaceLabels = (namespace: string) =>
    cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace })?.metadata.labels ?? {};
  const selects = (o: KubeObject | undefined) =>
    o !== undefined && matchesSelector(selector, o, namespaceLabels);
  const from =
    request.resourceVersion && request.resourceVersion !== '0' ? Number(request.resourceVersion) : undefined;
  const backlog = from === undefined ? [] : history.since(from);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const send = (type: EventType, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const onChange = (change: ClusterChange) => {
    const was = selects(change.before);
    const is = selects(change.after);
    if (is) send(was ? 'MODIFIED' : 'ADDED', change.after);
    else if (was)
      send('DELETED', {
        ...change.before,
        metadata: { ...change.before!.metadata, resourceVersion: change.latest.metadata.resourceVersion },
      });
  };
  if (from === undefined) for (const object of cluster.listSync(selector)) send('ADDED', object);
  for (const change of backlog) onChange(change);
  const unobserve = cluster.observe(onChange);
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  const end = () => {
    if (ended) return;
    ended = true;
    unobserve();
    for (const t of timers) clearTimeout(t);
    res.end();
    onEnd();
  };
  if (request.timeoutSeconds && request.timeoutSeconds > 0)
    timers.push(setTimeout(end, request.timeoutSeconds * 1000));
  if (request.bookmarks) {
    const bookmark = () => {
      send('BOOKMARK', {
        apiVersion: selector.apiVersion,
        kind: selector.kind,
        metadata: { resourceVersion: cluster.resourceVersion },
      });
    };
    const interval = setInterval(bookmark, 1000);
    timers.push(interval as unknown as NodeJS.Timeout);
    const clear = () => clearInterval(interval);
    res.once('close', clear);
  }
  res.once('close', end);
  return end;
}
