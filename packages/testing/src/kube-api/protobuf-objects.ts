import { ApiStatusError } from './api-status.js';

/**
 * Kubernetes' protobuf request bodies for the few kinds typed clients send that way to the test
 * server: helm's release storage (Secret, ConfigMap) and `kubectl create secret|configmap|namespace`.
 * Decodes the `k8s\0` envelope (runtime.Unknown) and those messages into their JSON form; other
 * kinds are refused with 415 naming what is supported. Only the wire format's varint and
 * length-delimited fields occur in these messages; fixed-width fields are skipped.
 */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

type Field = { no: number; wire: number; value: bigint | Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buf.length) throw new Error('truncated varint');
      const b = buf[at++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const length = Number(varint());
      if (at + length > buf.length) throw new Error('truncated field');
      yield { no, wire, value: buf.subarray(at, at + length) };
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);
const bytes = (v: bigint | Uint8Array) => Buffer.from(v as Uint8Array).toString('base64');

/** A map<string, T> entry: key is field 1, value field 2. */
function entry(v: bigint | Uint8Array, value: (v: bigint | Uint8Array) => string): [string, string] {
  let key = '';
  let val = '';
  for (const f of fields(v as Uint8Array)) {
    if (f.no === 1) key = text(f.value);
    else if (f.no === 2) val = value(f.value);
  }
  return [key, val];
}

function time(v: bigint | Uint8Array): string {
  let seconds = 0n;
  for (const f of fields(v as Uint8Array)) if (f.no === 1) seconds = f.value as bigint;
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function ownerReference(v: bigint | Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names: Record<number, string> = { 1: 'kind', 3: 'name', 4: 'uid', 5: 'apiVersion' };
  for (const f of fields(v as Uint8Array)) {
    if (names[f.no]) out[names[f.no]] = text(f.value);
    else if (f.no === 6) out.controller = f.value !== 0n;
    else if (f.no === 7) out.blockOwnerDeletion = f.value !== 0n;
  }
  return out;
}

function objectMeta(v: bigint | Uint8Array): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const strings: Record<number, string> = {
    1: 'name',
    2: 'generateName',
    3: 'namespace',
    5: 'uid',
    6: 'resourceVersion',
  };
  for (const f of fields(v as Uint8Array)) {
    if (strings[f.no]) {
      const s = text(f.value);
      if (s) meta[strings[f.no]] = s;
    } else if (f.no === 7) meta.generation = Number(f.value);
    else if (f.no === 8) meta.creationTimestamp = time(f.value);
    else if (f.no === 9) meta.deletionTimestamp = time(f.value);
    else if (f.no === 11 || f.no === 12) {
      const key = f.no === 11 ? 'labels' : 'annotations';
      const [k, val] = entry(f.value, text);
      meta[key] = { ...((meta[key] as Record<string, string>) ?? {}), [k]: val };
    } else if (f.no === 13)
      meta.ownerReferences = [...((meta.ownerReferences as unknown[]) ?? []), ownerReference(f.value)];
    else if (f.no === 14) meta.finalizers = [...((meta.finalizers as string[]) ?? []), text(f.value)];
  }
  if (meta.creationTimestamp === '1970-01-01T00:00:00Z') delete meta.creationTimestamp;
  return meta;
}

function addTo(out: Record<string, unknown>, key: string, [k, v]: [string, string]) {
  out[key] = { ...((out[key] as Record<string, string>) ?? {}), [k]: v };
}

function secret(raw: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Secret' };
  for (const f of fields(raw)) {
    if (f.no === 1) out.metadata = objectMeta(f.value);
    else if (f.no === 2) addTo(out, 'data', entry(f.value, bytes));
    else if (f.no === 3) out.type = text(f.value);
    else if (f.no === 4) addTo(out, 'stringData', entry(f.value, text));
    else if (f.no === 5) out.immutable = f.value !== 0n;
  }
  return out;
}

function configMap(raw: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap' };
  for (const f of fields(raw)) {
    if (f.no === 1) out.metadata = objectMeta(f.value);
    else if (f.no === 2) addTo(out, 'data', entry(f.value, text));
    else if (f.no === 3) addTo(out, 'binaryData', entry(f.value, bytes));
    else if (f.no === 4) out.immutable = f.value !== 0n;
  }
  return out;
}

function namespace(raw: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Namespace' };
  for (const f of fields(raw)) if (f.no === 1) out.metadata = objectMeta(f.value);
  return out;
}

const DECODERS: Record<string, (raw: Uint8Array) => Record<string, unknown>> = {
  'v1/Secret': secret,
  'v1/ConfigMap': configMap,
  'v1/Namespace': namespace,
};

/** The JSON object a protobuf request body encodes; 415 for kinds this server does not decode. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  const magic = [0x6b, 0x38, 0x73, 0x00];
  if (body.length < 4 || magic.some((b, i) => body[i] !== b))
    throw new ApiStatusError('BadRequest', 'protobuf body without the k8s envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  try {
    for (const f of fields(body.subarray(4))) {
      if (f.no === 1)
        for (const t of fields(f.value as Uint8Array)) {
          if (t.no === 1) apiVersion = text(t.value);
          else if (t.no === 2) kind = text(t.value);
        }
      else if (f.no === 2) raw = f.value as Uint8Array;
    }
    const decode = DECODERS[`${apiVersion}/${kind}`];
    if (!decode)
      throw new ApiStatusError(
        'UnsupportedMediaType',
        `the test API server decodes protobuf bodies only for ${Object.keys(DECODERS).join(', ')} (got ${apiVersion}/${kind}); send JSON`,
      );
    return decode(raw);
  } catch (e) {
    if (e instanceof ApiStatusError) throw e;
    throw new ApiStatusError(
      'BadRequest',
      `invalid protobuf body: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
