import type { EngineStatus } from '@converge/runtime';

/** `/status/converge?output=json`, with addon-operator's keys (`pkg/addon-operator/http_server.go`). */
export interface ConvergeStatusJson {
  CONVERGE_IN_PROGRESS: number;
  CONVERGE_WAIT_TASK: boolean;
  STARTUP_CONVERGE_DONE: boolean;
  STARTUP_CONVERGE_IN_PROGRESS: number;
  STARTUP_CONVERGE_NOT_STARTED: boolean;
}

/** The lines of `/status/converge` as addon-operator writes them (one or two). */
export function convergeStatusLines(s: EngineStatus): string[] {
  if (s.converge === 'STARTUP_CONVERGE_NOT_STARTED') return ['STARTUP_CONVERGE_NOT_STARTED'];
  if (!s.ready)
    return [s.tasks > 0 ? `STARTUP_CONVERGE_IN_PROGRESS: ${s.tasks} tasks` : 'STARTUP_CONVERGE_DONE'];
  return [
    'STARTUP_CONVERGE_DONE',
    s.tasks > 0 ? `CONVERGE_IN_PROGRESS: ${s.tasks} tasks` : 'CONVERGE_WAIT_TASK',
  ];
}

/** The JSON form of `/status/converge` (`?output=json`). */
export function convergeStatusJson(s: EngineStatus): ConvergeStatusJson {
  const out: ConvergeStatusJson = {
    CONVERGE_IN_PROGRESS: 0,
    CONVERGE_WAIT_TASK: false,
    STARTUP_CONVERGE_DONE: false,
    STARTUP_CONVERGE_IN_PROGRESS: 0,
    STARTUP_CONVERGE_NOT_STARTED: false,
  };
  if (s.converge === 'STARTUP_CONVERGE_NOT_STARTED') out.STARTUP_CONVERGE_NOT_STARTED = true;
  else if (!s.ready) {
    if (s.tasks > 0) out.STARTUP_CONVERGE_IN_PROGRESS = s.tasks;
    else out.STARTUP_CONVERGE_DONE = true;
  } else {
    out.STARTUP_CONVERGE_DONE = true;
    if (s.tasks > 0) out.CONVERGE_IN_PROGRESS = s.tasks;
    else out.CONVERGE_WAIT_TASK = true;
  }
  return out;
}
