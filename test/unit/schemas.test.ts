/**
 * The action bodies of `POST /applications/:id/<action>` (issue 5): what each accepts, and for
 * what it refuses, the 400 names each field and its reason (through validationProblem, as the API
 * answers).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { ACTIONS } from '../../domain/actions';
import { validationProblem } from '../../api/problem';
import { APPLICATION_ID_PATTERN, DocumentBody, ORDINAL_PATTERN, FilingBody } from '../../api/schemas';
import { AgreementBody } from '../../domain/actions/agreement';
import { BreachReportBody } from '../../domain/actions/breach-report';
import { ClawbackDecisionBody } from '../../domain/actions/clawback-decision';
import { ConfirmationBody } from '../../domain/actions/confirmation';
import { CostsBody } from '../../domain/actions/costs';
import { FraudReportBody } from '../../domain/actions/fraud-report';
import { InspectionBody } from '../../domain/actions/inspection';
import { MaterialsBody } from '../../domain/actions/materials';
import { ObjectionBody } from '../../domain/actions/objections';
import { PreliminaryRecordBody } from '../../domain/actions/preliminary-record';
import { ProgressBody } from '../../domain/actions/progress';
import { RecommendationBody } from '../../domain/actions/recommendation';
import { RepaymentBody } from '../../domain/actions/repayments';
import { ObjectionResolutionBody } from '../../domain/actions/resolution';
import { ReviewExtensionBody } from '../../domain/actions/review-extension';
import { SignOffBody } from '../../domain/actions/sign-off';
import { SupplementRequestBody } from '../../domain/actions/supplement-request';
import { VerificationBody } from '../../domain/actions/verification';
import { WithdrawalBody } from '../../domain/actions/withdrawal';
import { MAX_YUAN } from '../../domain/money';
import { textProblem } from '../../domain/text';
import { creditCode } from '../helpers/fixtures';

const SHA = 'a'.repeat(64);
const doc = (extra: Record<string, unknown> = {}) => ({ name: '营业执照.pdf', sha256: SHA, url: 'https://files.example.cn/licence.pdf', ...extra });

/** The parsed body, failing the test with the problem's detail when refused. */
function accepts<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) assert.fail(`refused: ${validationProblem(parsed.error).detail}`);
  return parsed.data;
}

/** The field → reason list of the 400 the API would answer. */
function refuses(schema: z.ZodType<unknown>, body: unknown): Array<{ field: string; reason: string }> {
  const parsed = schema.safeParse(body);
  assert.equal(parsed.success, false, `accepted ${JSON.stringify(body)}`);
  return validationProblem(parsed.error!).extra.errors ?? [];
}

/** Asserts the refusal names exactly these fields, and each reason matches when a pattern is given. */
function refusesFields(schema: z.ZodType<unknown>, body: unknown, expected: Record<string, RegExp | true>): void {
  const errors = refuses(schema, body);
  assert.deepEqual([...new Set(errors.map((e) => e.field))].sort(), Object.keys(expected).sort(), JSON.stringify(errors));
  for (const [field, reason] of Object.entries(expected)) {
    if (reason === true) continue;
    assert.ok(errors.some((e) => e.field === field && reason.test(e.reason)), `${field}: ${JSON.stringify(errors)}`);
  }
}

describe('action bodies (POST /applications/:id/<action>)', () => {
  describe('every body', () => {
    const minimal: Array<[string, z.ZodType<unknown>, Record<string, unknown>]> = [
      ['preliminary-record', PreliminaryRecordBody, { decision: 'pass', reason: 'ok' }],
      ['materials', MaterialsBody, { documents: [doc()] }],
      ['supplement-request', SupplementRequestBody, { items: ['审计报告'] }],
      ['review-extension', ReviewExtensionBody, { days: 10, reason: '现场核查' }],
      ['inspection', InspectionBody, { result: 'pass', findings: '与申报一致' }],
      ['recommendation', RecommendationBody, { decision: 'reject', reason: 'no' }],
      ['sign-off', SignOffBody, { decision: 'return', reason: '重新审核' }],
      ['objections', ObjectionBody, { text: '投资额不实', objector: '张三' }],
      ['resolution', ObjectionResolutionBody, { upheld: false, decision: '经核实不成立' }],
      ['agreement', AgreementBody, { signedOn: '2026-10-08' }],
      ['progress', ProgressBody, { milestone: 'progress-30', evidence: [doc()] }],
      ['verification', VerificationBody, { accepted: true, reason: '属实' }],
      ['confirmation', ConfirmationBody, { treasuryReference: 'GK-2026/10.001', paidOn: '2026-11-02' }],
      ['withdrawal', WithdrawalBody, { reason: '项目调整' }],
      ['fraud-report', FraudReportBody, { findings: '虚报投资额', evidence: [doc()] }],
      ['breach-report', BreachReportBody, { obligation: 'stay-5-years', findings: '企业注册地已迁出' }],
      ['clawback-decision', ClawbackDecisionBody, { decision: 'recover', reason: '违反承诺' }],
      ['repayments', RepaymentBody, { amount: '100000.00', paidOn: '2029-04-01' }],
      ['costs', CostsBody, { amount: '5000.00', incurredOn: '2029-04-01', description: '诉讼费', evidence: [doc()] }],
    ];

    it('when an action has a body here, then it is an action of the rule table', () => {
      for (const [action] of minimal) assert.ok(action in ACTIONS, action);
      assert.deepEqual(minimal.map(([a]) => a).sort(), Object.keys(ACTIONS).sort());
    });

    it('when only the required fields are sent, then it is accepted', () => {
      for (const [, schema, body] of minimal) accepts(schema, body);
    });

    it('when a comment is added, then it is kept (at most 2000 characters)', () => {
      for (const [action, schema, body] of minimal) {
        assert.equal((accepts(schema, { ...body, comment: '请尽快' }) as { comment?: string }).comment, '请尽快', action);
        refusesFields(schema, { ...body, comment: 'x'.repeat(2001) }, { comment: /at most 2000/ });
        refusesFields(schema, { ...body, comment: 5 }, { comment: /must be a string/ });
      }
    });

    it('when an unknown field is sent (actor included: it comes from the key), then 400 naming it', () => {
      for (const [, schema, body] of minimal) {
        refusesFields(schema, { ...body, actor: { id: 'x', role: 'admin', name: 'x' } }, { actor: /not a known field/ });
        refusesFields(schema, { ...body, n: 1 }, { n: /not a known field/ });
      }
    });

    it('when the body is not an object, then 400 on the body', () => {
      for (const [, schema] of minimal) {
        refusesFields(schema, [], { '(body)': /JSON object/ });
        refusesFields(schema, 'pass', { '(body)': /JSON object/ });
        refusesFields(schema, null, { '(body)': /JSON object/ });
      }
    });
  });

  describe('preliminary-record', () => {
    it('when the decision is not pass or fail, or the reason is missing, then both are named', () => {
      refusesFields(PreliminaryRecordBody, { decision: 'maybe' }, { decision: /pass or fail/, reason: /is required/ });
      refusesFields(PreliminaryRecordBody, { decision: 'pass', reason: '   ' }, { reason: /must not be empty/ });
    });
  });

  describe('documents (materials, progress evidence)', () => {
    it('when a document is well formed, with or without a material id, then it is accepted as sent', () => {
      assert.deepEqual(accepts(DocumentBody, doc()), doc());
      assert.deepEqual(accepts(DocumentBody, doc({ materialId: 'business-licence', url: 'http://10.0.0.1/x' })), doc({ materialId: 'business-licence', url: 'http://10.0.0.1/x' }));
    });

    it('when the hash, the url or the material id is wrong, then each is named under its index', () => {
      refusesFields(
        MaterialsBody,
        { documents: [doc(), doc({ sha256: SHA.toUpperCase(), url: 'ftp://files.example.cn/x', materialId: 'Business Licence' })] },
        { 'documents.1.sha256': /64 lowercase hex/, 'documents.1.url': /http or https/, 'documents.1.materialId': /material id/ },
      );
      refusesFields(MaterialsBody, { documents: [doc({ sha256: 'a'.repeat(63) })] }, { 'documents.0.sha256': true });
      refusesFields(MaterialsBody, { documents: [doc({ url: 'not a url' })] }, { 'documents.0.url': true });
      refusesFields(MaterialsBody, { documents: [doc({ url: 'javascript:alert(1)' })] }, { 'documents.0.url': true });
      refusesFields(MaterialsBody, { documents: [{ sha256: SHA, url: 'https://x.cn/a' }] }, { 'documents.0.name': /is required/ });
      refusesFields(MaterialsBody, { documents: [doc({ size: 5 })] }, { 'documents.0.size': /not a known field/ });
      refusesFields(MaterialsBody, { documents: ['licence.pdf'] }, { 'documents.0': /must be a document/ });
    });

    it('when there are no documents or more than 100, then documents is named', () => {
      refusesFields(MaterialsBody, { documents: [] }, { documents: /at least one/ });
      refusesFields(MaterialsBody, { documents: Array.from({ length: 101 }, () => doc()) }, { documents: /at most 100/ });
      refusesFields(MaterialsBody, {}, { documents: /is required/ });
      accepts(MaterialsBody, { documents: Array.from({ length: 100 }, () => doc()) });
    });
  });

  describe('supplement-request', () => {
    it('when items and an optional answer window are given, then accepted', () => {
      assert.deepEqual(accepts(SupplementRequestBody, { items: ['审计报告', '环评批复'], dueInWorkingDays: 10 }), {
        items: ['审计报告', '环评批复'],
        dueInWorkingDays: 10,
      });
    });

    it('when items are empty, blank, too long or too many, then items (or the item) is named', () => {
      refusesFields(SupplementRequestBody, { items: [] }, { items: /at least one/ });
      refusesFields(SupplementRequestBody, { items: Array.from({ length: 51 }, () => 'x') }, { items: /at most 50/ });
      refusesFields(SupplementRequestBody, { items: ['ok', ' '] }, { 'items.1': /must not be empty/ });
      refusesFields(SupplementRequestBody, { items: ['x'.repeat(501)] }, { 'items.0': /at most 500/ });
      refusesFields(SupplementRequestBody, { items: '审计报告' }, { items: true });
    });

    it('when dueInWorkingDays is not a whole number from 1 to 60, then it is named', () => {
      for (const bad of [0, 61, 2.5, '10']) {
        refusesFields(SupplementRequestBody, { items: ['x'], dueInWorkingDays: bad }, { dueInWorkingDays: true });
      }
      accepts(SupplementRequestBody, { items: ['x'], dueInWorkingDays: 60 });
    });
  });

  describe('review-extension', () => {
    it('when days is outside 1..60 or not whole, then days is named (the program maximum is the workflow\'s)', () => {
      accepts(ReviewExtensionBody, { days: 20, reason: 'r' });
      refusesFields(ReviewExtensionBody, { days: 0, reason: 'r' }, { days: /at least 1/ });
      refusesFields(ReviewExtensionBody, { days: 61, reason: 'r' }, { days: /at most 60/ });
      refusesFields(ReviewExtensionBody, { days: 1.5, reason: 'r' }, { days: /whole number/ });
      refusesFields(ReviewExtensionBody, { days: '20' }, { days: /whole number/, reason: /is required/ });
    });
  });

  describe('inspection', () => {
    it('when the result is not pass or fail, or findings are missing, then both are named', () => {
      refusesFields(InspectionBody, { result: 'ok' }, { result: /pass or fail/, findings: /is required/ });
    });
  });

  describe('recommendation', () => {
    it('when approving with an amount, then accepted', () => {
      assert.deepEqual(accepts(RecommendationBody, { decision: 'approve', amount: '1000000.00', reason: '符合条件' }), {
        decision: 'approve',
        amount: '1000000.00',
        reason: '符合条件',
      });
    });

    it('when approving without an amount, then amount "is required to approve", also beside other errors', () => {
      refusesFields(RecommendationBody, { decision: 'approve', reason: 'r' }, { amount: /^is required to approve$/ });
      refusesFields(RecommendationBody, { decision: 'approve' }, { amount: /^is required to approve$/, reason: /is required/ });
    });

    it('when the amount is not a positive two-decimal yuan string, then amount is named with why', () => {
      refusesFields(RecommendationBody, { decision: 'approve', amount: 1000000, reason: 'r' }, { amount: /not a JSON number/ });
      refusesFields(RecommendationBody, { decision: 'approve', amount: '1000000', reason: 'r' }, { amount: /exactly two decimals/ });
      refusesFields(RecommendationBody, { decision: 'approve', amount: '1.005', reason: 'r' }, { amount: /more than two decimals/ });
      refusesFields(RecommendationBody, { decision: 'approve', amount: '-5.00', reason: 'r' }, { amount: /negative/ });
      refusesFields(RecommendationBody, { decision: 'approve', amount: '0.00', reason: 'r' }, { amount: /greater than zero/ });
    });

    it('when rejecting, then no amount is taken; approve or reject only', () => {
      refusesFields(RecommendationBody, { decision: 'reject', amount: '5.00', reason: 'r' }, { amount: /only given to approve/ });
      refusesFields(RecommendationBody, { decision: 'return', reason: 'r' }, { decision: /approve or reject/ });
    });
  });

  describe('sign-off', () => {
    it('when approving, rejecting or returning, then accepted; an amount only with approve', () => {
      accepts(SignOffBody, { decision: 'approve', amount: '900000.00', reason: 'r' });
      accepts(SignOffBody, { decision: 'reject', reason: 'r' });
      accepts(SignOffBody, { decision: 'return', reason: 'r' });
      refusesFields(SignOffBody, { decision: 'approve', reason: 'r' }, { amount: /^is required to approve$/ });
      refusesFields(SignOffBody, { decision: 'return', amount: '1.00', reason: 'r' }, { amount: /only given to approve/ });
      refusesFields(SignOffBody, { decision: 'ok', reason: 'r' }, { decision: /approve, reject or return/ });
    });
  });

  describe('objections', () => {
    it('when the objector is a name, then it becomes {name}; an object keeps its contact', () => {
      assert.deepEqual(accepts(ObjectionBody, { text: 't', objector: ' 张三 ' }).objector, { name: '张三' });
      assert.deepEqual(accepts(ObjectionBody, { text: 't', objector: { name: '李四', contact: 'lisi@example.cn' } }).objector, {
        name: '李四',
        contact: 'lisi@example.cn',
      });
    });

    it('when the objector or the text is missing or malformed, then each is named', () => {
      refusesFields(ObjectionBody, { text: 't', objector: '' }, { 'objector.name': /must not be empty/ });
      refusesFields(ObjectionBody, { text: 't', objector: 5 }, { objector: /a name or \{name, contact\?\}/ });
      refusesFields(ObjectionBody, { text: 't', objector: { contact: 'x' } }, { 'objector.name': /is required/ });
      refusesFields(ObjectionBody, { text: 't', objector: { name: 'x', phone: '1' } }, { 'objector.phone': /not a known field/ });
      refusesFields(ObjectionBody, {}, { text: /is required/, objector: true });
    });
  });

  describe('objections/:n/resolution', () => {
    it('when upheld with or without a reduced amount, or not upheld, then accepted', () => {
      accepts(ObjectionResolutionBody, { upheld: true, decision: '异议成立，取消扶持' });
      accepts(ObjectionResolutionBody, { upheld: true, decision: '核减', amount: '800000.00' });
      accepts(ObjectionResolutionBody, { upheld: false, decision: '异议不成立' });
    });

    it('when upheld is not a boolean, the decision is missing, or an amount comes with not upheld, then named', () => {
      refusesFields(ObjectionResolutionBody, { upheld: 'yes' }, { upheld: /true or false/, decision: /is required/ });
      refusesFields(ObjectionResolutionBody, { upheld: false, decision: 'd', amount: '1.00' }, { amount: /only given when the objection is upheld/ });
      refusesFields(ObjectionResolutionBody, { upheld: true, decision: 'd', amount: '1.0' }, { amount: /two decimals/ });
    });
  });

  describe('agreement', () => {
    it('when signedOn is a real date, then accepted; otherwise signedOn is named', () => {
      accepts(AgreementBody, { signedOn: '2028-02-29' });
      refusesFields(AgreementBody, { signedOn: '2027-02-29' }, { signedOn: /not a real calendar date/ });
      refusesFields(AgreementBody, { signedOn: '2027-2-1' }, { signedOn: /YYYY-MM-DD/ });
      refusesFields(AgreementBody, { signedOn: 20270201 }, { signedOn: /YYYY-MM-DD/ });
      refusesFields(AgreementBody, {}, { signedOn: /is required/ });
    });
  });

  describe('progress', () => {
    it('when a milestone claim carries evidence and an optional cumulative investment, then accepted', () => {
      const parsed = accepts(ProgressBody, { milestone: 'progress-30', cumulativeInvestment: '360000000.00', evidence: [doc()] });
      assert.equal(parsed.cumulativeInvestment, '360000000.00');
      accepts(ProgressBody, { milestone: 'm', cumulativeInvestment: '0.00', evidence: [doc()] });
    });

    it('when the investment is not yuan or the evidence is not documents, then each is named', () => {
      refusesFields(
        ProgressBody,
        { milestone: '', cumulativeInvestment: 36e7, evidence: [doc({ sha256: 'x' })] },
        { milestone: /must not be empty/, cumulativeInvestment: /not a JSON number/, 'evidence.0.sha256': /64 lowercase hex/ },
      );
      refusesFields(ProgressBody, { milestone: 'm', evidence: [] }, { evidence: /at least one/ });
    });
  });

  describe('progress/:n/verification', () => {
    it('when accepted is not a boolean or the reason is missing, then both are named', () => {
      accepts(VerificationBody, { accepted: false, reason: '证明材料不足' });
      refusesFields(VerificationBody, { accepted: 'true' }, { accepted: /true or false/, reason: /is required/ });
    });
  });

  describe('tranches/:n/confirmation', () => {
    it('when the treasury reference or the payment date is malformed, then each is named', () => {
      accepts(ConfirmationBody, { treasuryReference: 'A'.repeat(100), paidOn: '2026-11-02' });
      refusesFields(ConfirmationBody, { treasuryReference: 'GK 2026', paidOn: '2026-11-31' }, {
        treasuryReference: /letters, digits/,
        paidOn: /not a real calendar date/,
      });
      refusesFields(ConfirmationBody, { treasuryReference: '', paidOn: '2026-11-02' }, { treasuryReference: true });
      refusesFields(ConfirmationBody, { treasuryReference: 'A'.repeat(101), paidOn: '2026-11-02' }, { treasuryReference: true });
    });
  });

  describe('withdrawal', () => {
    it('when the reason is missing or too long, then reason is named', () => {
      refusesFields(WithdrawalBody, {}, { reason: /is required/ });
      refusesFields(WithdrawalBody, { reason: 'x'.repeat(2001) }, { reason: /at most 2000/ });
    });
  });

  describe('fraud-report', () => {
    it('when findings and evidence documents are given, then accepted as sent', () => {
      assert.deepEqual(accepts(FraudReportBody, { findings: '虚报投资额', evidence: [doc(), doc({ materialId: 'audit-report' })] }), {
        findings: '虚报投资额',
        evidence: [doc(), doc({ materialId: 'audit-report' })],
      });
      accepts(FraudReportBody, { findings: 'x'.repeat(4000), evidence: Array.from({ length: 100 }, () => doc()) });
    });

    it('when findings are missing, blank or too long, or the evidence is not 1-100 documents, then each is named', () => {
      refusesFields(FraudReportBody, {}, { findings: /is required/, evidence: /is required/ });
      refusesFields(FraudReportBody, { findings: ' ', evidence: [] }, { findings: /must not be empty/, evidence: /at least one/ });
      refusesFields(FraudReportBody, { findings: 'x'.repeat(4001), evidence: [doc()] }, { findings: /at most 4000/ });
      refusesFields(FraudReportBody, { findings: 'f', evidence: Array.from({ length: 101 }, () => doc()) }, { evidence: /at most 100/ });
      refusesFields(FraudReportBody, { findings: 'f', evidence: [doc({ sha256: 'x' })] }, { 'evidence.0.sha256': /64 lowercase hex/ });
      refusesFields(FraudReportBody, { findings: 'f', evidence: doc() }, { evidence: /list of documents/ });
    });
  });

  describe('breach-report', () => {
    it('when the obligation is an id and findings are given, then accepted', () => {
      assert.deepEqual(accepts(BreachReportBody, { obligation: 'stay-5-years', findings: '迁出' }), { obligation: 'stay-5-years', findings: '迁出' });
      accepts(BreachReportBody, { obligation: 'a'.repeat(64), findings: 'f' });
    });

    it('when the obligation is not an id, or findings are missing or too long, then each is named', () => {
      for (const bad of ['Stay-5-Years', '-stay', 'stay 5 years', '', 'a'.repeat(65)]) {
        refusesFields(BreachReportBody, { obligation: bad, findings: 'f' }, { obligation: /obligation id/ });
      }
      refusesFields(BreachReportBody, { obligation: 5 }, { obligation: /must be an obligation id/, findings: /is required/ });
      refusesFields(BreachReportBody, { findings: 'x'.repeat(4001) }, { obligation: /is required/, findings: /at most 4000/ });
    });
  });

  describe('clawback-decision', () => {
    it('when recovering with every option, or dismissing with none, then accepted as sent', () => {
      const full = { decision: 'recover', decisionDate: '2029-03-15', dueInWorkingDays: 250, referToJudiciary: true, reason: '迁出辖区' };
      assert.deepEqual(accepts(ClawbackDecisionBody, full), full);
      assert.deepEqual(accepts(ClawbackDecisionBody, { decision: 'dismiss', reason: '经核实不属实' }), { decision: 'dismiss', reason: '经核实不属实' });
      accepts(ClawbackDecisionBody, { decision: 'recover', dueInWorkingDays: 1, referToJudiciary: false, reason: 'r' });
    });

    it('when the decision is not recover or dismiss, or the reason is missing, then both are named', () => {
      refusesFields(ClawbackDecisionBody, { decision: 'approve' }, { decision: /recover or dismiss/, reason: /is required/ });
      refusesFields(ClawbackDecisionBody, { reason: 'r' }, { decision: true });
    });

    it('when decisionDate is not a real date, dueInWorkingDays not 1..250 or referToJudiciary not a boolean, then each is named', () => {
      refusesFields(
        ClawbackDecisionBody,
        { decision: 'recover', decisionDate: '2029-02-29', dueInWorkingDays: 0, referToJudiciary: 'yes', reason: 'r' },
        { decisionDate: /not a real calendar date/, dueInWorkingDays: /at least 1/, referToJudiciary: /true or false/ },
      );
      refusesFields(ClawbackDecisionBody, { decision: 'recover', decisionDate: '2029/03/15', reason: 'r' }, { decisionDate: /YYYY-MM-DD/ });
      for (const bad of [251, 2.5, '30', null]) {
        refusesFields(ClawbackDecisionBody, { decision: 'recover', dueInWorkingDays: bad, reason: 'r' }, { dueInWorkingDays: true });
      }
    });
  });

  describe('repayments', () => {
    it('when a positive yuan amount and a real date are given, then accepted as sent', () => {
      assert.deepEqual(accepts(RepaymentBody, { amount: '0.01', paidOn: '2029-04-01' }), { amount: '0.01', paidOn: '2029-04-01' });
    });

    it('when the amount is not a positive two-decimal yuan string or paidOn is not a real date, then each is named', () => {
      refusesFields(RepaymentBody, { amount: '0.00', paidOn: '2029-04-31' }, { amount: /greater than zero/, paidOn: /not a real calendar date/ });
      refusesFields(RepaymentBody, { amount: 100, paidOn: '2029-04-01' }, { amount: /not a JSON number/ });
      refusesFields(RepaymentBody, { amount: '-5.00', paidOn: '2029-04-01' }, { amount: /negative/ });
      refusesFields(RepaymentBody, { amount: '100', paidOn: '2029-04-01' }, { amount: /exactly two decimals/ });
      refusesFields(RepaymentBody, {}, { amount: /is required/, paidOn: /is required/ });
    });
  });

  describe('strict text and sane amounts (trusted with public money)', () => {
    it('when a reason or a name holds NUL, a lone surrogate or a bidirectional override, or nothing visible, then it is refused naming the field', () => {
      refusesFields(WithdrawalBody, { reason: '\u0000' }, { reason: /control characters \(U\+0000\)/ });
      refusesFields(WithdrawalBody, { reason: '放弃\u0000申请' }, { reason: /control characters/ });
      refusesFields(WithdrawalBody, { reason: 'x\uD800' }, { reason: /lone surrogate/ });
      refusesFields(WithdrawalBody, { reason: '\u202Eevil' }, { reason: /bidirectional/ });
      refusesFields(WithdrawalBody, { reason: '\u200B\u200C\u200D' }, { reason: /visible characters/ });
      refusesFields(FilingBody, { programId: 'dinghu-emergency-major-project', applicant: { creditCode: '91350100M000100Y43', name: '\u2066\u2069' }, facts: {} }, { 'applicant.name': /bidirectional/ });
      assert.equal(textProblem('\u200F'), 'must contain visible characters');
    });

    it('when a comment holds NUL, a lone surrogate, a bidirectional override or only zero-width characters, then it is refused; an empty comment is none', () => {
      refusesFields(WithdrawalBody, { reason: '项目调整', comment: '\u0000' }, { comment: /control characters \(U\+0000\)/ });
      refusesFields(WithdrawalBody, { reason: '项目调整', comment: '\uDC00' }, { comment: /lone surrogate/ });
      refusesFields(WithdrawalBody, { reason: '项目调整', comment: '\u202Ecba' }, { comment: /bidirectional/ });
      refusesFields(WithdrawalBody, { reason: '项目调整', comment: '\u200B\u2060' }, { comment: /visible characters/ });
      assert.deepEqual(accepts(WithdrawalBody, { reason: '项目调整', comment: '' }), { reason: '项目调整', comment: '' });
    });

    it('when a document name or an objector is nothing visible, then it is refused naming the field', () => {
      refusesFields(MaterialsBody, { documents: [doc({ name: '\u0000' })] }, { 'documents.0.name': /control characters/ });
      refusesFields(ObjectionBody, { text: '异议', objector: '\u200B' }, { 'objector.name': /visible characters/ });
      refusesFields(ObjectionBody, { text: '异议', objector: { name: '张三', contact: '\u2067' } }, { 'objector.contact': /bidirectional/ });
    });

    it('when the text is ordinary, then it is accepted: Chinese, line breaks and tabs, an emoji (a surrogate pair)', () => {
      accepts(WithdrawalBody, { reason: '企业决定放弃申请\n原因：\t项目调整 ✅ 🙂' });
    });

    it('when an amount is absurd, then it is refused naming the maximum', () => {
      refusesFields(RepaymentBody, { amount: `${'9'.repeat(38)}.00`, paidOn: '2029-04-01' }, { amount: new RegExp(`at most ${MAX_YUAN.replace('.', '\\.')}`) });
      accepts(RepaymentBody, { amount: MAX_YUAN, paidOn: '2029-04-01' });
    });
  });

  describe('path parameters', () => {
    it('when :id is an application id, then it matches; :n is a positive whole number', () => {
      assert.ok(APPLICATION_ID_PATTERN.test(`dinghu-emergency-major-project.2026.${creditCode(1)}`));
      assert.ok(!APPLICATION_ID_PATTERN.test('../etc'));
      for (const n of ['1', '12', '999999']) assert.ok(ORDINAL_PATTERN.test(n), n);
      for (const n of ['0', '01', '-1', '1.5', 'x', '1e3', '']) assert.ok(!ORDINAL_PATTERN.test(n), n);
    });
  });
});
