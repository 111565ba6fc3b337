/**
 * The window of the keyless items (api/listing-windows.ts `idWindowEnd`), against an in-memory
 * visibility that answers counts and "any one" over sorted ids: the window always starts right
 * after the cursor, holds at least a page when there is one, and is found with a bounded number
 * of counts, also when the ids fall in bands far apart (several programs) and when the "any one"
 * visibility gives is always the largest in range (the most recently started, as bench fills are).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idWindowEnd } from '../../api/listing-windows';

const BASE = 'TAIL';

/** The ids a query of BASE plus `AND WorkflowId <op> '<id>'` clauses matches. */
function matching(ids: readonly string[], query: string): string[] {
  assert.ok(query.startsWith(BASE), query);
  const clauses = [...query.slice(BASE.length).matchAll(/ AND WorkflowId (<=|>=|<|>) '([^']*)'/g)];
  assert.equal(query.slice(BASE.length).replace(/ AND WorkflowId (<=|>=|<|>) '([^']*)'/g, ''), '', `unexpected clause in ${query}`);
  return ids.filter((id) =>
    clauses.every(([, op, v]) => (op === '<' ? id < v! : op === '<=' ? id <= v! : op === '>' ? id > v! : id >= v!)),
  );
}

function visibility(ids: string[]) {
  let counts = 0;
  return {
    get counts() {
      return counts;
    },
    count: async (q: string) => {
      counts++;
      return matching(ids, q).length;
    },
    // The most recently started in range: here the largest id, the worst case for a pivot.
    anyId: async (q: string) => matching(ids, q).sort().at(-1),
  };
}

const band = (prefix: string, n: number, start = 0) => Array.from({ length: n }, (_, i) => `${prefix}${String(start + i).padStart(4, '0')}X`);

describe('the keyless tail in windows of the id', () => {
  const ids = [
    ...band('dinghu-emergency-major-project.2026-abc.91441200MB0900', 1000),
    ...band('dinghu-generic-drug-consistency.2026-t9f.91441200MB0800', 1),
    ...band('jianghai-tech-innovation.2026.91441200MB0700', 60),
    ...band('qianhai-headquarters.2026-12.91441200MB0600', 300),
  ].sort();
  const need = 21;
  const cap = 84;

  for (const from of [undefined, ids[0], ids[500], ids[979], ids[990], ids[999], ids[1000], ids[1001], ids[1050], ids.at(-30), ids.at(-2)]) {
    it(`after ${from ?? 'the start'}: the first ids after the cursor, at least a page of them, with few counts`, async () => {
      const v = visibility(ids);
      const query = `${BASE}${from ? ` AND WorkflowId > '${from}'` : ''}`;
      const end = await idWindowEnd(query, need, cap, (q) => v.count(q), (q) => v.anyId(q));
      const after = ids.filter((id) => from === undefined || id > from);
      const window = matching(ids, `${query}${end}`);
      assert.deepEqual(window, after.slice(0, window.length), 'a window is the ids right after the cursor');
      assert.ok(window.length >= Math.min(need, after.length), `${window.length} ids: fewer than a page`);
      assert.ok(v.counts <= 30, `${v.counts} counts`);
      console.log(`# window ${window.length}, ${v.counts} counts`);
    });
  }

  it('a tail that fits is read whole, with one count', async () => {
    const v = visibility(ids.slice(0, 50));
    assert.equal(await idWindowEnd(BASE, need, cap, (q) => v.count(q), (q) => v.anyId(q)), '');
    assert.equal(v.counts, 1);
  });
});
