import { ConvergeError } from '@converge/protocol';

/** `@viz-js/viz` (Graphviz compiled to WebAssembly) could not be loaded, so no SVG can be laid out. */
export class GraphvizUnavailableError extends ConvergeError {
  readonly code = 'GRAPHVIZ_UNAVAILABLE';
}

/** The part of `@viz-js/viz`'s Viz instance the renderers use. */
export interface Graphviz {
  renderString(dot: string, options: { format: 'svg'; engine?: string }): string;
}

let loading: Promise<Graphviz> | undefined;

/**
 * Loads Graphviz once per process (its WebAssembly is embedded in the package; no network). The
 * import is dynamic so that code that never draws a chart does not pay for the WebAssembly.
 */
export function loadGraphviz(): Promise<Graphviz> {
  loading ??= import('@viz-js/viz').then(
    (mod) => mod.instance(),
    (cause: unknown) => {
      loading = undefined;
      throw new GraphvizUnavailableError(
        `SVG export needs the @viz-js/viz package, which could not be loaded; install it, or export DOT and render it with Graphviz`,
        { cause },
      );
    },
  );
  return loading;
}
