/**
 * The calendar, LPR, catalog and calculator endpoints over HTTP on a running `npm start`.
 * Expected values are worked out by hand in the comments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { http, type RunningEngine, startEngine } from '../helpers/engine';
import { tempDir } from '../helpers/temporal';

describe('reference data and calculators over HTTP (npm start)', () => {
  let engine: RunningEngine;

  before(async () => {
    engine = await startEngine(tempDir('e2e-reference'));
  });

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  describe('working-day calendar', () => {
    it('when counting 5 working days from 2024-09-29 (a make-up Sunday), then National Day week is skipped', async () => {
      const answer = await http(engine, 'GET', '/calendar/working-days?from=2024-09-29&count=5', { role: 'reviewer' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      // 09-29 (调休 Sunday), 09-30 (Mon); 10-01..10-07 holiday; 10-08 (Tue), 10-09, 10-10.
      assert.deepEqual(answer.body.days, ['2024-09-29', '2024-09-30', '2024-10-08', '2024-10-09', '2024-10-10']);
      assert.equal(answer.body.lastDay, '2024-10-10');
      assert.equal(answer.body.closesAt, '2024-10-10T16:00:00.000Z');
    });

    it('when a year nobody supplied is needed, then 422 naming the year', async () => {
      const answer = await http(engine, 'GET', '/calendar/working-days?from=2027-03-01&count=3', { role: 'reviewer' });
      assert.equal(answer.status, 422);
      assert.equal(answer.body.year, 2027);
      assert.match(answer.body.detail, /2027/);
      assert.equal((await http(engine, 'GET', '/calendar/years/2027', { role: 'auditor' })).status, 422);
    });

    it('when a non-admin supplies a year, then 403', async () => {
      const answer = await http(engine, 'PUT', '/calendar/years/2027', { role: 'reviewer', body: { holidays: [], workdays: [] } });
      assert.equal(answer.status, 403);
    });

    it('when a supplied year has a date of another year, then 400 and nothing changes', async () => {
      const answer = await http(engine, 'PUT', '/calendar/years/2027', {
        role: 'admin',
        body: { holidays: ['2026-10-01'], workdays: [] },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors[0].field, 'holidays');
      assert.equal((await http(engine, 'GET', '/calendar/years/2027', { role: 'auditor' })).status, 422);
    });

    it('when an admin supplies 2027, then it is in force at once and says where it came from', async () => {
      const put = await http(engine, 'PUT', '/calendar/years/2027', {
        role: 'admin',
        body: { holidays: ['2027-01-01', '2027-10-01', '2027-10-04'], workdays: ['2027-10-09'] },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const shown = await http(engine, 'GET', '/calendar/years/2027', { role: 'auditor' });
      assert.equal(shown.body.source, 'admin');
      assert.deepEqual(shown.body.workdays, ['2027-10-09']);
      // 2027-09-30 Thu; 10-01 Fri holiday; 10-02/03 weekend; 10-04 Mon holiday; 10-05 Tue.
      const days = await http(engine, 'GET', '/calendar/working-days?from=2027-09-30&count=2', { role: 'reviewer' });
      assert.deepEqual(days.body.days, ['2027-09-30', '2027-10-05']);
    });

    it('when the query is malformed, then 400 naming the parameter', async () => {
      const answer = await http(engine, 'GET', '/calendar/working-days?from=2024-02-30&count=0', { role: 'reviewer' });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body.errors.map((e: { field: string }) => e.field).sort(), ['count', 'from']);
    });
  });

  describe('LPR fixings', () => {
    it('when listed, then the shipped fixings are there with their source', async () => {
      const answer = await http(engine, 'GET', '/lpr-fixings', { role: 'auditor' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.confirmedThrough, '2025-05-20');
      assert.equal(answer.body.carriedForwardFrom, '2025-06-20');
      assert.deepEqual(answer.body.fixings[0], { effectiveDate: '2019-08-20', lpr1y: '4.25', lpr5y: '4.85', source: 'shipped' });
    });

    it('when a non-admin adds one, then 403; when the rate is malformed, then 400 naming it', async () => {
      const fixing = { effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' };
      assert.equal((await http(engine, 'POST', '/lpr-fixings', { role: 'finance-officer', body: fixing })).status, 403);
      const bad = await http(engine, 'POST', '/lpr-fixings', { role: 'admin', body: { ...fixing, lpr1y: 3 } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].field, 'lpr1y');
    });

    it('when the clawback calculator runs past the confirmed date, then lines are flagged; after an admin adds the fixing, they are not', async () => {
      const request = {
        tranches: [{ amount: '1000000.00', paidOn: '2025-06-01' }],
        repaidOn: '2025-07-01',
        decisionDate: '2025-06-25',
        rateMode: 'floating',
        dayCount: 'ACT/360',
        tenor: '1Y',
      };
      const before = await http(engine, 'POST', '/calculations/clawback', { role: 'auditor', body: request });
      assert.equal(before.status, 200, JSON.stringify(before.body));
      // 06-01..06-20 (19 days) at 3.00 confirmed; 06-20..07-01 (11 days) at 3.00 carried forward.
      // 1,000,000 × 3.00 % × 19 / 360 = 1583.333… → 1583.33; × 11 / 360 = 916.666… → 916.67.
      assert.deepEqual(
        before.body.lines.map((l: any) => [l.from, l.to, l.days, l.ratePercent, l.carriedForward, l.interest]),
        [
          ['2025-06-01', '2025-06-20', 19, '3.00', false, '1583.33'],
          ['2025-06-20', '2025-07-01', 11, '3.00', true, '916.67'],
        ],
      );
      assert.equal(before.body.interest, '2500.00');
      assert.equal(before.body.total, '1002500.00');

      const added = await http(engine, 'POST', '/lpr-fixings', {
        role: 'admin',
        body: { effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' },
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.equal(added.body.addedBy.role, 'admin');
      const after = await http(engine, 'POST', '/calculations/clawback', { role: 'auditor', body: request });
      assert.ok(after.body.lines.every((l: any) => l.carriedForward === false));
      assert.equal(after.body.lines.at(-1).fixingDate, '2025-06-20');
    });

    it('when the calculator gets a bad date, then 400 naming the field', async () => {
      const answer = await http(engine, 'POST', '/calculations/clawback', {
        role: 'auditor',
        body: { tranches: [{ amount: '1.00', paidOn: '2024-01-01' }], repaidOn: '2024-13-01', decisionDate: '2024-02-01', rateMode: 'floating', dayCount: 'ACT/360', tenor: '1Y' },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors[0].field, 'repaidOn');
    });
  });

  describe('policy catalog', () => {
    it('when listed, then every seeded program is there under one catalog version', async () => {
      const answer = await http(engine, 'GET', '/programs', { role: 'applicant-system' });
      assert.equal(answer.status, 200);
      assert.match(answer.body.catalogVersion, /^sha256:[0-9a-f]{16}$/);
      const ids = answer.body.programs.map((p: { id: string }) => p.id);
      for (const id of [
        'dinghu-emergency-major-project',
        'dinghu-energy-saving-equipment',
        'dinghu-generic-drug-consistency',
        'jianghai-major-project',
        'jianghai-rent-subsidy',
        'qianhai-retail-growth',
      ]) {
        assert.ok(ids.includes(id), `${id} missing`);
      }
    });

    it('when one program is read, then its facts schema is shown', async () => {
      const answer = await http(engine, 'GET', '/programs/dinghu-emergency-major-project', { role: 'applicant-system' });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.factsSchema.required, ['fixedInvestment']);
      assert.equal(answer.body.factsSchema.properties.fixedInvestment.type, 'string');
      assert.equal((await http(engine, 'GET', '/programs/nope', { role: 'auditor' })).status, 404);
    });

    it('when previewing 50亿 exactly, then 8 % (4亿) by the 50亿及以上 tier, in three progress tranches', async () => {
      const answer = await http(engine, 'POST', '/programs/dinghu-emergency-major-project/award-preview', {
        role: 'reviewer',
        body: { fixedInvestment: '5000000000.00' },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.eligible, true);
      assert.equal(answer.body.amount, '400000000.00');
      // 30 % / 30 % / 40 % of 4亿.
      assert.deepEqual(answer.body.schedule.map((l: any) => l.amount), ['120000000.00', '120000000.00', '160000000.00']);
      assert.ok(answer.body.breakdown.length > 0);
    });

    it('when previewing below 10亿, then eligible false with the reason, not an error', async () => {
      const answer = await http(engine, 'POST', '/programs/dinghu-emergency-major-project/award-preview', {
        role: 'reviewer',
        body: { fixedInvestment: '999999999.99' },
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.eligible, false);
      assert.ok(answer.body.reason);
    });

    it('when a preview fact is malformed, then 400 naming it; an unknown program is 404', async () => {
      const bad = await http(engine, 'POST', '/programs/dinghu-emergency-major-project/award-preview', {
        role: 'reviewer',
        body: { fixedInvestment: 5000000000 },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].field, 'fixedInvestment');
      const none = await http(engine, 'POST', '/programs/nope/award-preview', { role: 'reviewer', body: {} });
      assert.equal(none.status, 404);
    });
  });
});
