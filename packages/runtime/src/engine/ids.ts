/** Sequential ids for tasks and converges: stable within a run, readable in logs. */
export class IdSource {
  private n = 0;
  constructor(private readonly prefix = '') {}
  next(kind: string): string {
    this.n++;
    return `${this.prefix}${kind}-${this.n}`;
  }
}
