import { describe, expect, it } from 'vitest';
import {
  admissionContext,
  admissionResponse,
  conversionContext,
  conversionResponse,
} from '../src/webhook-responses.js';

describe('webhook response files and contexts (shell-operator shapes)', () => {
  it('TV-70 admission response files', () => {
    const ok = (file: string) => admissionResponse('u1', { ok: true, file });
    expect(ok('{"allowed":true}')).toEqual({ uid: 'u1', allowed: true });
    expect(ok('{"allowed":true,"warnings":["Warning 1","Warning 2"]}')).toEqual({
      uid: 'u1',
      allowed: true,
      warnings: ['Warning 1', 'Warning 2'],
    });
    expect(ok('{"allowed":false,"message":"Denied"}')).toEqual({
      uid: 'u1',
      allowed: false,
      status: { message: 'Denied' },
    });
    expect(ok('{"allowed":false}')).toEqual({ uid: 'u1', allowed: false, status: { message: '' } });
    const patched = ok(
      '{"allowed":true,"patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvcmVwbGljYXMiLCJ2YWx1ZSI6M31d"}',
    );
    expect(patched.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(patched.patch!, 'base64').toString())).toEqual([
      { op: 'add', path: '/spec/replicas', value: 3 },
    ]);
    expect(ok('').allowed).toBe(false);
    expect(admissionResponse('u1', { ok: false })).toEqual({
      uid: 'u1',
      allowed: false,
      status: { message: 'Hook failed' },
    });
  });

  it('TV-71 conversion response files', () => {
    const obj = {
      apiVersion: 'stable.example.com/v1beta1',
      kind: 'CronTab',
      metadata: { name: 'c1', namespace: 'ns' },
      spec: {},
    };
    expect(conversionResponse('u2', JSON.stringify({ convertedObjects: [obj] }))).toEqual({
      uid: 'u2',
      result: { status: 'Success' },
      convertedObjects: [obj],
    });
    expect(conversionResponse('u2', '{"failedMessage":"cannot convert"}')).toEqual({
      uid: 'u2',
      result: { status: 'Failure', message: 'cannot convert' },
    });
  });

  it('TV-26 Validating and Mutating contexts hold the request only, plus snapshots when configured', () => {
    const request = { uid: 'x', operation: 'CREATE', namespace: 'ns1', name: 'a', dryRun: false };
    expect(admissionContext('policy.example.com', 'Validating', request)).toEqual({
      binding: 'policy.example.com',
      type: 'Validating',
      review: { request },
    });
    expect(admissionContext('m.example.com', 'Mutating', request, { pods: [] })).toEqual({
      binding: 'm.example.com',
      snapshots: { pods: [] },
      type: 'Mutating',
      review: { request },
    });
  });

  it('TV-27 Conversion context', () => {
    const request = { uid: 'r', desiredAPIVersion: 'example.com/v1beta1', objects: [] };
    expect(
      conversionContext('alpha-to-beta', 'example.com/v1alpha1', 'example.com/v1beta1', request),
    ).toEqual({
      binding: 'alpha-to-beta',
      type: 'Conversion',
      fromVersion: 'example.com/v1alpha1',
      toVersion: 'example.com/v1beta1',
      review: { request },
    });
  });
});
