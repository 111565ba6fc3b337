/**
 * Finding work: filters become a visibility query only through validation and quoting, and the
 * opaque page token walks a sorted set once, bound to the filters it came from.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareItems, decodeToken, fingerprint, type ListItem, ListQuery, literal, pageOf, publicItem, visibilityQuery } from '../../api/listing';
import { pendingInMemo } from '../../api/pending-memo';
import { Problem } from '../../api/problem';
import { creditCode } from '../helpers/fixtures';

const item = (id: string, filedAt: string | null, nextDueAt: string | null): ListItem => ({
  id,
  stage: 'review',
  programId: 'p',
  round: '2026',
  applicant: null,
  pendingRoles: [],
  nextDueAt,
  filedAt,
  status: 'RUNNING',
  runId: 'r',
});

describe('the visibility query', () => {
  it('quotes every value and escapes quotes and backslashes, so a value cannot end its literal', () => {
    assert.equal(literal("it's"), "'it\\'s'");
    assert.equal(literal('a\\'), "'a\\\\'");
    assert.equal(literal("x' OR '1'='1"), "'x\\' OR \\'1\\'=\\'1'");
  });

  it('has one clause per filter, with the stage list as IN and due dates as Shanghai days', () => {
    const filters = ListQuery.parse({
      stage: 'review,sign-off',
      programId: 'dinghu-emergency-major-project',
      round: '2026',
      applicant: creditCode(1),
      pendingRole: 'reviewer',
      dueFrom: '2026-12-01',
      dueTo: '2026-12-31',
      open: 'true',
    });
    assert.equal(
      visibilityQuery(filters),
      [
        "WorkflowType IN ('applicationWorkflow', 'recoveryWorkflow')",
        "SubsidyStage IN ('review', 'sign-off')",
        "SubsidyProgramId = 'dinghu-emergency-major-project'",
        "SubsidyRound = '2026'",
        `SubsidyApplicantCreditCode = '${creditCode(1)}'`,
        "SubsidyPendingRoles = 'reviewer'",
        "SubsidyNextDueAt >= '2026-12-01T00:00:00+08:00'",
        // dueTo is inclusive: before the start of the next Shanghai day (across a year end too).
        "SubsidyNextDueAt < '2027-01-01T00:00:00+08:00'",
        "ExecutionStatus = 'Running'",
      ].join(' AND '),
    );
  });

  it('limits an applicant system to its credit codes, and one bound to none to nothing', () => {
    assert.match(visibilityQuery({}, { applicants: [creditCode(1), creditCode(2)] }), /SubsidyApplicantCreditCode IN \('[0-9A-Z]{18}', '[0-9A-Z]{18}'\)$/);
    assert.match(visibilityQuery({}, { applicants: [] }), / AND WorkflowId = ''$/);
  });

  it('the inbox: open applications pending for any of the roles', () => {
    assert.equal(
      visibilityQuery({}, { pendingRoles: ['reviewer', 'approver'] }),
      "WorkflowType IN ('applicationWorkflow', 'recoveryWorkflow') AND ExecutionStatus = 'Running' AND SubsidyPendingRoles IN ('reviewer', 'approver')",
    );
  });
});

describe('filter validation', () => {
  const attack = "review' OR SubsidyStage != 'x";
  for (const field of ['stage', 'programId', 'round', 'applicant', 'pendingRole', 'dueFrom', 'dueTo', 'open', 'sort', 'pageSize']) {
    it(`refuses an injection in ${field}, naming it`, () => {
      const parsed = ListQuery.safeParse({ [field]: attack });
      assert.equal(parsed.success, false);
      assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), [field]);
    });
  }

  it('refuses a filter given twice, and an unknown one', () => {
    const twice = ListQuery.safeParse({ stage: ['review', 'sign-off'] });
    assert.equal(twice.success, false);
    assert.match(twice.error!.issues[0]!.message, /given once/);
    const unknown = ListQuery.safeParse({ query: "1=1" });
    assert.equal(unknown.success, false);
  });

  it('accepts a stage list, deduplicated', () => {
    assert.deepEqual(ListQuery.parse({ stage: 'review,review,sign-off' }).stage, ['review', 'sign-off']);
  });
});

describe('sorting and the page token', () => {
  const items = [
    item('c', '2026-01-03T00:00:00.000Z', null),
    item('a', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'),
    item('b', '2026-01-02T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
    item('d', '2026-01-02T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
  ];

  it('sorts by due date with no deadline last whichever the direction, ties by id', () => {
    assert.deepEqual([...items].sort(compareItems('dueAt')).map((i) => i.id), ['b', 'd', 'a', 'c']);
    assert.deepEqual([...items].sort(compareItems('-dueAt')).map((i) => i.id), ['a', 'b', 'd', 'c']);
    assert.deepEqual([...items].sort(compareItems('-filedAt')).map((i) => i.id), ['c', 'b', 'd', 'a']);
  });

  it('walks every item once, in order, two at a time', () => {
    const print = fingerprint('q', 'filedAt');
    const seen: string[] = [];
    let page = pageOf(items, 'filedAt', 2, print);
    seen.push(...page.items.map((i) => i.id));
    while (page.nextPageToken) {
      page = pageOf(items, 'filedAt', 2, print, decodeToken(page.nextPageToken, print));
      seen.push(...page.items.map((i) => i.id));
    }
    assert.deepEqual(seen, ['a', 'b', 'd', 'c']);
  });

  it('gives a next token only when the candidates hold one item more than the page', () => {
    const print = fingerprint('q', 'dueAt');
    assert.equal(pageOf(items.slice(0, 2), 'dueAt', 2, print).nextPageToken, null);
    const token = pageOf(items.slice(0, 3), 'dueAt', 2, print, undefined, 5000).nextPageToken!;
    assert.deepEqual(decodeToken(token, print), { v: 1, f: print, k: '2026-02-01T00:00:00.000Z', id: 'a', w: 5000 });
  });

  it('keeps its place when an earlier item disappears between pages', () => {
    const print = fingerprint('q', 'filedAt');
    const first = pageOf(items, 'filedAt', 2, print);
    const rest = pageOf(items.filter((i) => i.id !== 'a'), 'filedAt', 2, print, decodeToken(first.nextPageToken!, print));
    assert.deepEqual(rest.items.map((i) => i.id), ['d', 'c']);
  });

  it('refuses a token of other filters, and anything that is not a token', () => {
    const token = pageOf(items, 'filedAt', 1, fingerprint('q', 'filedAt')).nextPageToken!;
    const refused = (fn: () => unknown, reason: RegExp) =>
      assert.throws(fn, (err: unknown) => err instanceof Problem && err.type === 'validation' && reason.test(err.detail));
    refused(() => decodeToken(token, fingerprint('other', 'filedAt')), /other filters/);
    refused(() => decodeToken(token, fingerprint('q', 'dueAt')), /other filters/);
    refused(() => decodeToken('bm90IGpzb24', fingerprint('q', 'filedAt')), /not a page token/);
    refused(() => decodeToken(Buffer.from('{"v":2}').toString('base64url'), fingerprint('q', 'filedAt')), /not a page token/);
  });
});

describe("the pending items in an application's memo (for the inbox)", () => {
  const items = [
    { role: 'reviewer' as const, action: 'recommendation', path: 'recommendation', dueAt: '2026-06-30T16:00:00.000Z' },
    { role: 'approver' as const, action: 'repayment-overdue', path: null, dueAt: null, reason: 'repayment overdue' },
  ];

  it('reads the items the workflow wrote, and publicItem shows none of them in a listing', () => {
    assert.deepEqual(pendingInMemo({ filing: { keyHash: 'h' }, pending: { v: 1, items } }), items);
    assert.deepEqual(pendingInMemo({ pending: { v: 1, items: [] } }), []);
    const listed = { ...item('a', null, null), pendingInMemo: items };
    assert.deepEqual(publicItem(listed), item('a', null, null));
  });

  it('gives null (the inbox then asks the workflow) for no memo, another version, or an item it does not know', () => {
    assert.equal(pendingInMemo(undefined), null);
    assert.equal(pendingInMemo({ filing: {} }), null);
    assert.equal(pendingInMemo({ pending: { v: 2, items } }), null);
    assert.equal(pendingInMemo({ pending: { v: 1, items: [{ ...items[0], extra: 'x' }] } }), null);
    assert.equal(pendingInMemo({ pending: { v: 1, items: [{ ...items[0], role: 'janitor' }] } }), null);
  });
});
