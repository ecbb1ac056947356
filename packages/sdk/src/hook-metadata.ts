import { SdkUsageError } from './errors.js';

/** A Go hook's registry metadata: `name` as in `hook list`, `path` the directory it lives in. */
export interface HookMetadata {
  name: string;
  path: string;
}

const TRIMMED = new Set(['.', 'g', 'o']);

/**
 * module-sdk's registry metadata for a hook source file (module-sdk pkg/, TV-89): the part after the last
 * `<dir>/hooks/` with trailing characters from the set {`.`, `g`, `o`} stripped — so
 * `hooks/config.go` is named `confi` — and `path` = `<dir>/hooks/<subdirs>/`. Throws SdkUsageError
 * when the file is not under a `hooks` directory.
 */
export function hookMetadata(sourcePath: string): HookMetadata {
  const file = sourcePath.replaceAll('\\', '/');
  const at = file.lastIndexOf('/hooks/');
  if (at < 0) throw new SdkUsageError(`hook source ${sourcePath} is not under a hooks/ directory`);
  const rest = file.slice(at + '/hooks/'.length);
  let end = rest.length;
  while (end > 0 && TRIMMED.has(rest[end - 1])) end--;
  const dirStart = file.lastIndexOf('/', at - 1) + 1;
  const slash = rest.lastIndexOf('/');
  const subdirs = slash < 0 ? '' : rest.slice(0, slash + 1);
  return { name: rest.slice(0, end), path: `${file.slice(dirStart, at)}/hooks/${subdirs}` };
}

/** The `metadata.name` module-sdk gives a hook defined in `sourcePath` (see hookMetadata). */
export function hookMetadataName(sourcePath: string): string {
  return hookMetadata(sourcePath).name;
}
