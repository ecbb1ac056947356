import type { FieldSelector, KubeObject, LabelSelector } from '@converge/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fieldSelectorString,
  labelSelectorString,
  matchesFieldSelector,
  matchesLabelSelector,
  narrowingQuery,
  parseFieldSelector,
  parseLabelSelector,
  SelectorSyntaxError,
} from '../src/index.js';

const word = fc.constantFrom('app', 'tier', 'example.com/role', 'a-b', 'x.y_z');
const value = fc.constantFrom('web', 'db', 'v1.2', 'a-b', 'x_y');
const labels = fc.dictionary(word, value, { maxKeys: 4 });

const labelSelector: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: fc.dictionary(word, fc.oneof(value, fc.constant('')), { maxKeys: 3 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({
          key: word,
          operator: fc.constantFrom('In' as const, 'NotIn' as const),
          values: fc.array(value, { minLength: 1, maxLength: 3 }),
        }),
        fc.record({ key: word, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

function pod(name: string, namespace: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
}

describe('selector query strings (client encoding ↔ server parsing)', () => {
  it('a label selector read back from its query string selects the same labels', () => {
    fc.assert(
      fc.property(labelSelector, fc.array(labels, { minLength: 1, maxLength: 5 }), (selector, sets) => {
        const text = labelSelectorString(selector);
        const parsed = text === undefined ? {} : parseLabelSelector(text);
        for (const set of sets)
          expect(matchesLabelSelector(parsed, set)).toBe(matchesLabelSelector(selector, set));
      }),
    );
  });

  it('encodes each label operator in the API syntax and parses it back', () => {
    const selector: LabelSelector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'back'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    const text = labelSelectorString(selector);
    expect(text).toBe('app=web,tier in (front,back),env notin (dev),team,!legacy');
    expect(parseLabelSelector(text!)).toEqual(selector);
  });

  it('a field selector on metadata.name / metadata.namespace round-trips, other fields are left to the client', () => {
    const selector: FieldSelector = {
      matchExpressions: [
        { field: 'metadata.namespace', operator: 'Equals', value: 'prod' },
        { field: 'metadata.name', operator: 'NotEquals', value: 'skip' },
        { field: 'status.phase', operator: '=', value: 'Running' },
      ],
    };
    const text = fieldSelectorString(selector);
    expect(text).toBe('metadata.namespace=prod,metadata.name!=skip');
    const parsed = parseFieldSelector(text!);
    for (const object of [pod('a', 'prod'), pod('skip', 'prod'), pod('a', 'dev')]) {
      expect(matchesFieldSelector(parsed, object)).toBe(
        matchesFieldSelector({ matchExpressions: selector.matchExpressions.slice(0, 2) }, object),
      );
    }
  });

  it('narrows a list by one name and the label selector; unsafe terms stay client-side', () => {
    expect(
      narrowingQuery({
        kind: 'Pod',
        names: ['web-0'],
        labelSelector: { matchLabels: { app: 'web', 'bad key': 'x' } },
      }),
    ).toEqual({ labelSelector: 'app=web', fieldSelector: 'metadata.name=web-0' });
    expect(narrowingQuery({ kind: 'Pod', names: ['a', 'b'] })).toEqual({});
  });

  it('`!=` in a label query is NotIn, so objects without the label match', () => {
    const parsed = parseLabelSelector('tier != db');
    expect(matchesLabelSelector(parsed, {})).toBe(true);
    expect(matchesLabelSelector(parsed, { tier: 'db' })).toBe(false);
  });

  it('a query string the server cannot read is a SelectorSyntaxError naming the term', () => {
    expect(() => parseLabelSelector('a in x')).toThrow(SelectorSyntaxError);
    expect(() => parseLabelSelector('a in x')).toThrow(/"a in x"/);
    expect(() => parseFieldSelector('status.phase')).toThrow(/invalid field selector: "status.phase"/);
  });
});
