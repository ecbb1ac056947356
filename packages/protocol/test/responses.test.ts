import { describe, expect, it } from 'vitest';
import { HookOutputFileError } from '../src/patch-files.js';
import {
  checkConvertedObjects,
  decodeAdmissionPatch,
  parseAdmissionResponseFile,
  parseConversionResponseFile,
} from '../src/responses.js';

function failure(fn: () => unknown): HookOutputFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HookOutputFileError) return e;
    throw e;
  }
  throw new Error('expected a HookOutputFileError');
}

describe('webhook response files (HP §3.5, §3.6)', () => {
  it('TV-70 admission response files', () => {
    expect(parseAdmissionResponseFile('{"allowed":true}')).toEqual({ allowed: true });
    expect(parseAdmissionResponseFile('{"allowed":true,"warnings":["Warning 1","Warning 2"]}')).toEqual({
      allowed: true,
      warnings: ['Warning 1', 'Warning 2'],
    });
    expect(parseAdmissionResponseFile('{"allowed":false,"message":"Denied"}')).toEqual({
      allowed: false,
      message: 'Denied',
    });
    expect(parseAdmissionResponseFile('{"allowed":false}')).toEqual({ allowed: false });
    const patch = 'W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvcmVwbGljYXMiLCJ2YWx1ZSI6M31d';
    const mutating = parseAdmissionResponseFile(`{"allowed":true,"patch":"${patch}"}`);
    expect(mutating).toEqual({ allowed: true, patch });
    expect(decodeAdmissionPatch(mutating?.patch as string)).toEqual([
      { op: 'add', path: '/spec/replicas', value: 3 },
    ]);
    // An empty file is no response (the webhook denies); invalid content is a hook failure.
    expect(parseAdmissionResponseFile('  \n')).toBeUndefined();
    const notBase64 = failure(() =>
      parseAdmissionResponseFile('{"allowed":true,"patch":"not base64!"}', { file: 'resp' }),
    );
    expect([notBase64.file, notBase64.field]).toEqual(['resp', 'patch']);
    expect(failure(() => parseAdmissionResponseFile('{"allowed":"yes"}')).field).toBe('allowed');
    expect(failure(() => parseAdmissionResponseFile('{"allowed":')).message).toMatch(/invalid JSON/);
    expect(failure(() => parseAdmissionResponseFile('{}')).message).toMatch(/allowed: is required/);
  });

  it('TV-70 base64 patches decode UTF-8 text', () => {
    // [{"op":"add","path":"/a","value":"é"}]
    expect(decodeAdmissionPatch('W3sib3AiOiJhZGQiLCJwYXRoIjoiL2EiLCJ2YWx1ZSI6IsOpIn1d')).toEqual([
      { op: 'add', path: '/a', value: 'é' },
    ]);
  });

  it('TV-71 conversion response files', () => {
    const object = {
      apiVersion: 'stable.example.com/v1beta1',
      kind: 'CronTab',
      metadata: { name: 'c1', namespace: 'ns' },
      spec: {},
    };
    const ok = parseConversionResponseFile(JSON.stringify({ convertedObjects: [object] }));
    expect(ok).toEqual({ convertedObjects: [object] });
    const request = [{ ...object, apiVersion: 'stable.example.com/v1alpha1' }];
    expect(checkConvertedObjects(request, [object], 'stable.example.com/v1beta1')).toBeUndefined();
    expect(checkConvertedObjects(request, [], 'stable.example.com/v1beta1')).toMatch(/expected 1/);
    expect(checkConvertedObjects(request, request, 'stable.example.com/v1beta1')).toMatch(/apiVersion/);
    expect(
      checkConvertedObjects(
        request,
        [{ ...object, metadata: { name: 'c2', namespace: 'ns' } }],
        'stable.example.com/v1beta1',
      ),
    ).toMatch(/metadata\.name/);
    expect(parseConversionResponseFile('{"failedMessage":"cannot convert"}')).toEqual({
      failedMessage: 'cannot convert',
    });
    expect(parseConversionResponseFile('')).toBeUndefined();
    expect(failure(() => parseConversionResponseFile('{"convertedObjects":{}}')).file).toBe(
      'conversion response',
    );
  });
});
