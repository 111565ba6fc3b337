/**
 * The pure lifecycle rules: refusals beyond the role × stage table, pending items derived from
 * state, and date arithmetic for periods.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplicationState, Tranche } from '../../domain/application';
import { addYears, lastDayAfter, pendingOf, refusalOf } from '../../domain/lifecycle';
import { actor } from '../helpers/fixtures';
import { ROUTES } from '../../api/routes';

const NOW = '2026-06-10T02:00:00.000Z';
const REVIEW = { extensionMaxDays: 20 };

function state(overrides: Partial<ApplicationState> = {}): ApplicationState {
  return {
    id: 'p.2026.X',
    programId: 'p',
    catalogVersion: 'sha256:x',
    programHash: 'sha256:y',
    round: '2026',
    applicant: { creditCode: 'X', name: 'X' },
    facts: {},
    stage: 'review',
    outcome: null,
    filedAt: NOW,
    dishonestyCheck: null,
    award: { formula: null, inputs: {}, amountByFormula: '1000000.00', breakdown: [], recommended: null, approved: null, changes: [] },
    preliminaryRecord: null,
    materials: { required: [], missing: [], submissions: [], lastDay: null, dueAt: null },
    review: {
      acceptedOn: '2026-06-01',
      clock: { startedOn: '2026-06-01', why: 'accepted', days: 60, lastDay: '2026-07-31', dueAt: '2026-07-31T16:00:00.000Z' },
      previousClocks: [],
      extension: null,
      extensionMaxDays: 20,
      overdue: [],
      escalatedFor: null,
      supplement: null,
    },
    inspection: null,
    recommendation: null,
    signOff: null,
    returns: [],
    notice: null,
    agreement: null,
    tranches: [],
    obligations: [],
    reports: [],
    clawback: null,
    creditRecords: [],
    runs: 1,
    calendarWait: null,
    pending: [],
    audit: [],
    ...overrides,
  };
}

function tranche(n: number, status: Tranche['status'], extra: Partial<Tranche> = {}): Tranche {
  return {
    n,
    milestone: `m${n}`,
    amount: '100.00',
    status,
    paidOn: null,
    treasuryReference: null,
    condition: '',
    trigger: { kind: 'milestone', milestone: `m${n}` },
    claimableFrom: null,
    claims: [],
    instruction: null,
    instructionProblem: null,
    confirmation: null,
    ...extra,
  };
}

describe('refusals beyond the role × stage table', () => {
  it('refuses a recommendation above the formula amount, accepts exactly the formula amount', () => {
    const s = state();
    const above = refusalOf('recommendation', s, { actor: actor('reviewer'), decision: 'approve', amount: '1000000.01', reason: 'r' }, NOW, REVIEW);
    assert.equal(above?.type, 'InvalidInput');
    assert.match(above!.message, /above the 1000000.00/);
    assert.equal(refusalOf('recommendation', s, { actor: actor('reviewer'), decision: 'approve', amount: '1000000.00', reason: 'r' }, NOW, REVIEW), null);
  });

  it('refuses the recommender as signer, whatever role the credential carries', () => {
    const s = state({
      stage: 'sign-off',
      award: { ...state().award, recommended: '500.00' },
      recommendation: { decision: 'approve', amount: '500.00', reason: 'r', by: actor('reviewer', 'zhang'), at: NOW },
    });
    const refusal = refusalOf('sign-off', s, { actor: actor('approver', 'zhang'), decision: 'approve', amount: '500.00', reason: 'ok' }, NOW, REVIEW);
    assert.equal(refusal?.type, 'SeparationOfDuties');
    assert.equal(refusalOf('sign-off', s, { actor: actor('approver', 'li'), decision: 'approve', amount: '500.00', reason: 'ok' }, NOW, REVIEW), null);
    assert.equal(refusalOf('sign-off', s, { actor: actor('approver', 'li'), decision: 'approve', amount: '500.01', reason: 'ok' }, NOW, REVIEW)?.type, 'InvalidInput');
  });

  it('allows one supplement request and one extension of at most the program maximum', () => {
    const request = { actor: actor('reviewer'), items: ['营业执照'] };
    assert.equal(refusalOf('supplement-request', state(), request, NOW, REVIEW), null);
    const asked = state();
    asked.review!.supplement = { items: ['x'], dueInWorkingDays: 10, requestedAt: NOW, requestedBy: actor('reviewer'), days: [], lastDay: null, dueAt: null, answeredAt: NOW };
    assert.equal(refusalOf('supplement-request', asked, request, NOW, REVIEW)?.type, 'Conflict');

    assert.equal(refusalOf('review-extension', state(), { actor: actor('reviewer'), days: 20, reason: '特殊情况' }, NOW, REVIEW), null);
    assert.equal(refusalOf('review-extension', state(), { actor: actor('reviewer'), days: 21, reason: '特殊情况' }, NOW, REVIEW)?.type, 'InvalidInput');
    const extended = state();
    extended.review!.extension = { days: 5, reason: 'r', by: actor('reviewer'), at: NOW, newLastDay: '2026-08-05' };
    assert.equal(refusalOf('review-extension', extended, { actor: actor('approver'), days: 5, reason: 'r' }, NOW, REVIEW)?.type, 'Conflict');
  });

  it('refuses withdrawal once a payment instruction was sent', () => {
    const s = state({ stage: 'disbursement', tranches: [tranche(1, 'instructed')] });
    assert.equal(refusalOf('withdrawal', s, { actor: actor('applicant-system'), reason: 'r' }, NOW, REVIEW)?.type, 'Conflict');
    const before = state({ stage: 'disbursement', tranches: [tranche(1, 'claimed')] });
    assert.equal(refusalOf('withdrawal', before, { actor: actor('applicant-system'), reason: 'r' }, NOW, REVIEW), null);
  });

  it('refuses a progress claim below its threshold and a paid date in the future', () => {
    const progress = tranche(1, 'scheduled', { trigger: { kind: 'progress', fact: 'agreedInvestment', reachesPercent: '30', thresholdAmount: '300.00' } });
    const s = state({ stage: 'disbursement', tranches: [progress] });
    const evidence = [{ name: 'e', sha256: 'a'.repeat(64), url: 'https://x/e' }];
    assert.equal(refusalOf('progress', s, { actor: actor('applicant-system'), milestone: 'm1', cumulativeInvestment: '299.99', evidence }, NOW, REVIEW)?.type, 'InvalidInput');
    assert.equal(refusalOf('progress', s, { actor: actor('applicant-system'), milestone: 'm1', evidence }, NOW, REVIEW)?.type, 'InvalidInput');
    assert.equal(refusalOf('progress', s, { actor: actor('applicant-system'), milestone: 'm1', cumulativeInvestment: '300.00', evidence }, NOW, REVIEW), null);

    const instructed = state({ stage: 'disbursement', tranches: [tranche(1, 'instructed', { instruction: { idempotencyKey: 'k', at: NOW, budgetCheck: {} } })] });
    const future = refusalOf('confirmation', instructed, { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1', paidOn: '2026-06-11' }, NOW, REVIEW);
    assert.equal(future?.type, 'InvalidInput');
    assert.match(future!.message, /in the future/);
    assert.equal(refusalOf('confirmation', instructed, { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1', paidOn: '2026-06-10' }, NOW, REVIEW), null);
  });
});

describe('pending items', () => {
  it('derive from the stage, with the review clock as the due date and an escalation when overdue', () => {
    const s = state();
    assert.deepEqual(pendingOf(s, '2026-06-10'), [
      { role: 'reviewer', action: 'recommendation', path: 'recommendation', dueAt: '2026-07-31T16:00:00.000Z' },
    ]);
    s.review!.escalatedFor = s.review!.clock.dueAt;
    assert.deepEqual(
      pendingOf(s, '2026-08-01').map((p) => [p.role, p.action]),
      [
        ['reviewer', 'recommendation'],
        ['approver', 'review-extension'],
      ],
    );
  });

  it('name each tranche by its path and put the missing calendar year first', () => {
    const s = state({
      stage: 'disbursement',
      tranches: [tranche(1, 'paid'), tranche(2, 'instructed'), tranche(3, 'claimed'), tranche(4, 'scheduled')],
      calendarWait: { year: 2027, purpose: 'x', since: NOW },
    });
    assert.deepEqual(
      pendingOf(s, '2026-06-10').map((p) => [p.role, p.path]),
      [
        ['admin', '/calendar/years/2027'],
        ['applicant-system', 'progress'],
        ['finance-officer', 'tranches/2/confirmation'],
        ['reviewer', 'progress/3/verification'],
      ],
    );
  });

  it('point only at endpoints that exist, or at none when the item asks for attention', () => {
    const endpoints = ROUTES.map((r) => r.path);
    const exists = (path: string) =>
      endpoints.some((e) => new RegExp(`^${e.replace(/:[a-z]+/g, '[^/]+')}$`).test(path.startsWith('/') ? path : `/applications/x/${path}`));
    const stuck = state({
      stage: 'disbursement',
      tranches: [tranche(1, 'paid'), tranche(2, 'instructed'), tranche(3, 'claimed'), tranche(4, 'verified', { instructionProblem: 'treasury refused: account closed' })],
      calendarWait: { year: 2027, purpose: 'x', since: NOW },
    });
    const items = pendingOf(stuck, '2026-06-10');
    for (const p of items) if (p.path !== null) assert.ok(exists(p.path), `${p.role} ${p.action}: no endpoint ${p.path}`);
    const instruction = items.find((p) => p.action === 'payment-instruction');
    assert.deepEqual([instruction?.role, instruction?.path, instruction?.reason], ['finance-officer', null, 'treasury refused: account closed']);
  });

  it('is empty at an end stage', () => {
    assert.deepEqual(pendingOf(state({ stage: 'withdrawn' }), '2026-06-10'), []);
  });
});

describe('periods', () => {
  it('count from the day after the event (民法典 第二百零一条)', () => {
    assert.equal(lastDayAfter('2026-06-01', 60), '2026-07-31');
  });

  it('add years, turning 29 February into 28 February in a common year', () => {
    assert.equal(addYears('2026-03-15', 5), '2031-03-15');
    assert.equal(addYears('2028-02-29', 1), '2029-02-28');
    assert.equal(addYears('2028-02-29', 4), '2032-02-29');
  });
});
