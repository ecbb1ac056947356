/** One JSON document per line, each line ending in a newline; empty for no documents. */
export function toNdjsonLines(documents: readonly unknown[]): string {
  return documents.map((d) => `${JSON.stringify(d)}\n`).join('');
}
