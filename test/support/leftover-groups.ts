/**
 * Process groups a crash test may leave when it fails half-way: `track(pgid)` them, and `killAll()`
 * in afterAll ends whatever of them still runs (a group already gone is the expected case).
 */
export class LeftoverGroups {
  private readonly pgids: number[] = [];

  track(pgid: number): void {
    this.pgids.push(pgid);
  }

  killAll(): void {
    for (const pgid of this.pgids) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }
}
