import { describe, expect, it } from 'vitest';
import { SdkUsageError } from '../src/errors.js';
import { hookMetadata, hookMetadataName } from '../src/hook-metadata.js';

describe('hookMetadataName', () => {
  it('TV-89 strips trailing characters of the set {., g, o}: nodes, confi, l', () => {
    expect(hookMetadataName('/src/example/hooks/subfolder/nodes.go')).toBe('subfolder/nodes');
    expect(hookMetadataName('/src/example/hooks/config.go')).toBe('confi');
    expect(hookMetadataName('/src/example/hooks/a/logo.go')).toBe('a/l');
  });

  it('TV-89 path is <dir>/hooks/<subdirs>/ and the last hooks/ directory wins', () => {
    expect(hookMetadata('/src/example/hooks/subfolder/nodes.go')).toEqual({
      name: 'subfolder/nodes',
      path: 'example/hooks/subfolder/',
    });
    expect(hookMetadata('/go/mod/hooks/inner/hooks/cleanup.go')).toEqual({
      name: 'cleanup',
      path: 'inner/hooks/',
    });
  });

  it('a source file outside a hooks/ directory is a typed error', () => {
    expect(() => hookMetadataName('/src/example/main.go')).toThrow(SdkUsageError);
  });
});
