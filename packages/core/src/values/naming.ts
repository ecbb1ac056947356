import { ConvergeError } from '@converge/protocol';

/** Values key of the global pseudo-module (addon-operator pkg/utils/values.go). */
export const GLOBAL_VALUES_KEY = 'global';
/** Suffix of the dynamic/config enable flag key: `<camelName>Enabled` (addon-operator pkg/utils/values.go). */
export const ENABLED_SUFFIX = 'Enabled';
/** Suffix of the ConfigMap maintenance key: `<camelName>Maintenance` (addon-operator pkg/utils/values.go). */
export const MAINTENANCE_SUFFIX = 'Maintenance';
/** Order of a module directory without a numeric prefix (`ADDON_OPERATOR_UNNUMBERED_MODULES_ORDER`). */
export const DEFAULT_UNNUMBERED_MODULE_ORDER = 1;

const MAX_ORDER = 2 ** 31 - 1;
const DIR_NAME = /^(([0-9]+)-)?(.+)$/s;

/** A module directory whose name does not survive the kebab → camel → kebab round trip (addon-operator pkg/module_manager/loader/fs/fs.go). */
export class ModuleNameError extends ConvergeError {
  readonly code = 'MODULE_NAME';
  constructor(
    message: string,
    readonly dir: string,
    readonly moduleName: string,
  ) {
    super(message);
  }
}

const isLower = (c: string): boolean => /\p{Ll}/u.test(c);
const isUpper = (c: string): boolean => /\p{Lu}/u.test(c);
const isNumber = (c: string): boolean => /\p{N}/u.test(c);
const isSpace = (c: string): boolean => /\s/u.test(c);

/**
 * Splits an identifier into words the way addon-operator's case library does: `_`, `-`, `.` and
 * spaces separate words; a capital after a lower-case letter (`fooBar`) or ending an acronym
 * (`FOOBar`) starts a word; a non-digit other than `.` after a digit (`v4X`) starts a word, while
 * lower-case letters never do (`1st`, `http200` stay whole).
 */
function splitWords(input: string): string[] {
  const chars = Array.from(input.trim());
  const words: string[] = [];
  let word = '';
  const flush = () => {
    if (word !== '') words.push(word);
    word = '';
  };
  for (let i = 0; i < chars.length; i++) {
    const prev = i > 0 ? chars[i - 1] : '';
    const curr = chars[i];
    const next = i + 1 < chars.length ? chars[i + 1] : '';
    if (isLower(curr)) {
      word += curr;
      continue;
    }
    if (curr === '_' || curr === '-' || isSpace(curr)) {
      flush();
      continue;
    }
    if (isUpper(curr) && (isLower(prev) || (isUpper(prev) && isLower(next)))) {
      flush();
      word += curr;
      continue;
    }
    if (prev !== '' && isNumber(prev)) {
      if ((curr === '.' || curr === ',') && next !== '' && isNumber(next)) {
        word += curr;
        continue;
      }
      if (!isNumber(curr) && curr !== '.') {
        flush();
        word += curr;
        continue;
      }
    }
    if (curr === '.') {
      flush();
      continue;
    }
    word += curr;
  }
  flush();
  return words;
}

const keyCache = new Map<string, string>();

/** camelCase of a module name: `cert-manager` → `certManager` (addon-operator pkg/utils/values.go). Memoized: it is on every hook run's path. */
export function valuesKey(moduleName: string): string {
  let key = keyCache.get(moduleName);
  if (key === undefined) {
    key = splitWords(moduleName)
      .map((w, i) => (i === 0 ? w.toLowerCase() : w.slice(0, 1).toUpperCase() + w.slice(1).toLowerCase()))
      .join('');
    if (keyCache.size < 10_000) keyCache.set(moduleName, key);
  }
  return key;
}

/** kebab-case of a values key: `certManager` → `cert-manager` (addon-operator pkg/utils/values.go). */
export function moduleNameFromKey(key: string): string {
  return splitWords(key)
    .map((w) => w.toLowerCase())
    .join('-');
}

/** The enable flag key of a module: `my-module` → `myModuleEnabled`. */
export function enabledKey(moduleName: string): string {
  return valuesKey(moduleName) + ENABLED_SUFFIX;
}

/** The ConfigMap maintenance key of a module: `my-module` → `myModuleMaintenance`. */
export function maintenanceKey(moduleName: string): string {
  return valuesKey(moduleName) + MAINTENANCE_SUFFIX;
}

/** True when `kebab(camel(name)) === name`, the rule every module name must satisfy (addon-operator pkg/module_manager/loader/fs/fs.go). */
export function isValidModuleName(moduleName: string): boolean {
  return moduleName !== '' && moduleNameFromKey(valuesKey(moduleName)) === moduleName;
}

export interface ModuleDirName {
  name: string;
  order: number;
}

/**
 * Parses a module directory name `NNN-name` (addon-operator pkg/module_manager/loader/fs/fs.go): the numeric prefix is the order (an
 * unsigned 31-bit number; absent or too large → `unnumberedOrder`), the rest is the module name.
 * Throws `ModuleNameError` naming the directory when the name fails the round-trip rule.
 */
export function parseModuleDirName(
  dir: string,
  unnumberedOrder: number = DEFAULT_UNNUMBERED_MODULE_ORDER,
): ModuleDirName {
  const m = DIR_NAME.exec(dir);
  if (m === null) {
    throw new ModuleNameError(`module directory '${dir}': empty name`, dir, '');
  }
  const name = m[3];
  let order = unnumberedOrder;
  if (m[2] !== undefined) {
    const parsed = Number(m[2]);
    if (Number.isSafeInteger(parsed) && parsed <= MAX_ORDER) order = parsed;
  }
  if (!isValidModuleName(name)) {
    const key = valuesKey(name);
    throw new ModuleNameError(
      `module directory '${dir}': module name '${name}' is not valid: its values key '${key}' ` +
        `maps back to '${moduleNameFromKey(key)}' (names must be kebab-case, e.g. 'my-module')`,
      dir,
      name,
    );
  }
  return { name, order };
}
