import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanSchemaForGemini, cleanToolParameters } from '../../../src/proxy/protocols/gemini/index.ts';

describe('cleanSchemaForGemini', () => {
  test('drops keywords Gemini rejects ($schema, additionalProperties, exclusiveMinimum, default, examples, propertyNames …)', () => {
    const out = cleanSchemaForGemini({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      propertyNames: { pattern: '^[a-z]+$' },
      properties: {
        timeout: { type: 'number', exclusiveMinimum: 0, maximum: 600000, default: 120000, examples: [1] },
        command: { type: 'string', description: 'The command', minLength: 1 },
      },
      required: ['command', 'missing'],
    });
    assert.deepEqual(out, {
      type: 'object',
      properties: {
        timeout: { type: 'number', maximum: 600000 },
        command: { type: 'string', description: 'The command', minLength: 1 },
      },
      required: ['command'],
    });
  });

  test('type arrays and anyOf with null become nullable; several types become anyOf', () => {
    assert.deepEqual(cleanSchemaForGemini({ type: ['string', 'null'], description: 'd' }), { type: 'string', description: 'd', nullable: true });
    assert.deepEqual(cleanSchemaForGemini({ anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'n' }), {
      type: 'integer',
      description: 'n',
      nullable: true,
    });
    assert.deepEqual(cleanSchemaForGemini({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }), {
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    });
    assert.deepEqual(cleanSchemaForGemini({ type: ['string', 'number'] }), { anyOf: [{ type: 'string' }, { type: 'number' }] });
  });

  test('const and enums: string enums kept, other enums described; unsupported formats dropped', () => {
    assert.deepEqual(cleanSchemaForGemini({ const: 'edit' }), { type: 'string', enum: ['edit'] });
    assert.deepEqual(cleanSchemaForGemini({ type: 'string', enum: ['a', 'b', null] }), { type: 'string', enum: ['a', 'b'], nullable: true });
    assert.deepEqual(cleanSchemaForGemini({ type: 'integer', enum: [1, 2] }), { type: 'integer', description: '(one of: 1, 2)' });
    assert.deepEqual(cleanSchemaForGemini({ type: 'string', format: 'uri' }), { type: 'string' });
    assert.deepEqual(cleanSchemaForGemini({ type: 'string', format: 'date-time' }), { type: 'string', format: 'date-time' });
  });

  test('$ref to local definitions is inlined (recursion bounded) and allOf merged', () => {
    const out = cleanSchemaForGemini({
      type: 'object',
      definitions: { Todo: { type: 'object', properties: { text: { type: 'string' }, status: { enum: ['pending', 'done'] } }, required: ['text'] } },
      properties: { todos: { type: 'array', items: { $ref: '#/definitions/Todo' } } },
    });
    assert.deepEqual(out, {
      type: 'object',
      properties: {
        todos: {
          type: 'array',
          items: { type: 'object', properties: { text: { type: 'string' }, status: { type: 'string', enum: ['pending', 'done'] } }, required: ['text'] },
        },
      },
    });
    const merged = cleanSchemaForGemini({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'number' } } }] });
    assert.deepEqual(merged, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'] });
    const recursive = cleanSchemaForGemini({ $defs: { N: { type: 'object', properties: { next: { $ref: '#/$defs/N' } } } }, $ref: '#/$defs/N' });
    assert.equal(recursive.type, 'object', 'a self-referencing schema terminates');
  });

  test('a function without arguments gets no parameters (Gemini rejects an empty OBJECT)', () => {
    assert.equal(cleanToolParameters({ type: 'object', properties: {}, additionalProperties: false }), undefined);
    assert.deepEqual(cleanToolParameters({ type: 'object', properties: { a: { type: 'string' } } }), { type: 'object', properties: { a: { type: 'string' } } });
  });
});
