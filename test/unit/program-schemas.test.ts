/**
 * Each program's facts, generated from the catalog (api/program-schemas.ts): the filing body is a
 * discriminated union with one variant per program, the schema accepts exactly the facts the
 * catalog's own rule (factProblems) accepts, and what the document publishes for each fact (its
 * pattern) agrees with that rule too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { anyProgramFacts, factsSchema, filingBodyFor } from '../../api/program-schemas';
import { factProblems, type Program } from '../../domain/catalog';
import { loadCatalog } from '../../lib/catalog-store';
import { creditCode } from '../helpers/fixtures';

type Json = Record<string, any>;
const programs: Program[] = Object.values(loadCatalog().catalog);
const jsonOf = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;

/** Values of every shape a fact may be sent in, biased towards the edges of each type. */
const factValue = fc.oneof(
  fc.constantFrom('1000000.00', '0.00', '12.5', '-3', '15', '0', '007', '1.', '', ' ', '3.456', 'abc', '1e3'),
  // The edges of the sane maxima and of strict text.
  fc.constantFrom('999999999999.99', '1000000000000.00', '123456789012345.5', '1234567890123456', '1.12345678901', '9007199254740991', '9007199254740992', 'a\u0000', '\u200B', 'x\u202E'),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(1.5),
  fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
);

const VALID: Record<string, string[]> = {
  yuan: ['1000000.00', '0.00', '1200000000.00'],
  percent: ['15', '12.5', '-3', '0'],
  decimal: ['15', '12.5', '0'],
  integer: ['0', '7', '12'],
  text: ['x', '项目'],
};

describe('per-program schemas generated from the catalog', () => {
  it('the filing body has one variant per program, told apart by a constant programId, naming its round and (per project or product) its project', () => {
    const schema = jsonOf(filingBodyFor(programs));
    assert.equal(schema.oneOf.length, programs.length);
    for (const program of programs) {
      const variant = schema.oneOf.find((v: Json) => v.properties.programId.const === program.id);
      assert.ok(variant, program.id);
      // The project is required where the program awards per project or product; the round may be left out (the only open one).
      assert.deepEqual(variant.required, program.support.per === 'applicant' ? ['programId', 'applicant', 'facts'] : ['programId', 'applicant', 'project', 'facts']);
      assert.ok(variant.properties.roundId, `${program.id}: roundId`);
      assert.ok(variant.properties.project, `${program.id}: project`);
      assert.equal(variant.additionalProperties, false);
      assert.deepEqual(Object.keys(variant.properties.facts.properties).sort(), program.facts.map((f) => f.name).sort());
      assert.deepEqual([...(variant.properties.facts.required ?? [])].sort(), program.facts.filter((f) => f.required).map((f) => f.name).sort());
      assert.equal(variant.properties.facts.additionalProperties, false);
    }
  });

  it('a filing for a program not in the catalog is refused on programId', () => {
    const parsed = filingBodyFor(programs).safeParse({ programId: 'no-such-program', applicant: { creditCode: creditCode(1), name: 'x' }, facts: {} });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), ['programId']);
  });

  for (const program of programs) {
    it(`${program.id}: the facts schema accepts exactly what factProblems accepts, and each published pattern agrees`, () => {
      const schema = factsSchema(program);
      const published = jsonOf(schema).properties as Record<string, Json>;
      // Mostly values of the fact's own type, so that whole bodies are often valid; sometimes anything.
      const valueFor = (type: string) =>
        fc.oneof(
          { arbitrary: fc.constantFrom(...(VALID[type] ?? ['x'])), weight: 4 },
          { arbitrary: factValue, weight: 1 },
        );
      const shape = Object.fromEntries([...program.facts.map((f) => [f.name, f.options ? fc.oneof(fc.constantFrom(...f.options), factValue) : valueFor(f.type)]), ['notAFact', factValue]]);
      fc.assert(
        fc.property(fc.record(shape, { requiredKeys: [] }), (facts) => {
          const accepted = schema.safeParse(facts).success;
          // JSON null is no fact value: the API has always refused it, though factProblems reads it as absent.
          const nulls = Object.values(facts).some((v) => v === null);
          assert.equal(accepted, !nulls && factProblems(program, facts as never).length === 0, JSON.stringify(facts));
          for (const [name, value] of Object.entries(facts)) {
            const spec = program.facts.find((f) => f.name === name);
            const pattern = published[name]?.pattern as string | undefined;
            if (!spec || !pattern || typeof value !== 'string') continue;
            const alone = factsSchema({ ...program, facts: [{ ...spec, required: true }] }).safeParse({ [name]: value }).success;
            assert.equal(new RegExp(pattern, 'u').test(value), alone, `${name}: ${JSON.stringify(value)} against ${pattern}`);
          }
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('award previews publish the facts of every program', () => {
    assert.equal(jsonOf(anyProgramFacts(programs)).anyOf.length, programs.length);
  });
});
