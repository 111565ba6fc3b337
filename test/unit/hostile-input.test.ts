/**
 * Hostile input is refused where it enters, for every body, query and path (issue 14, defect 4):
 * forbidden keys at any depth, invalid UTF-8, texts with nothing visible or hidden controls,
 * absurd amounts. Over real HTTP against the API's app; every refusal here comes before any
 * workflow is reached (no Temporal runs behind the app), and names the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from '../helpers/app';
import { creditCode } from '../helpers/fixtures';

let api: RunningApp;
before(async () => {
  api = await startApp();
});
after(async () => {
  await api.close();
});

const ID = `dinghu-emergency-major-project.2026.${creditCode(1)}.YJ-2026-001`;
const SHA = 'a'.repeat(64);

interface Answer {
  status: number;
  type: string | null;
  body: { type?: string; detail?: string; errors?: Array<{ field: string; reason: string }> };
}

/** Sends `body` exactly as given (a string is sent as its UTF-8 bytes, a Buffer as is). */
async function send(method: string, path: string, role: keyof RunningApp['keys'], body?: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { 'X-Api-Key': api.keys[role], ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Answer['body'] };
}

/** A 400 problem naming exactly these fields, each with a reason matching. */
function refused(answer: Answer, fields: Record<string, RegExp>): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.type, 'application/problem+json; charset=utf-8');
  assert.equal(answer.body.type, '/problems/validation');
  const errors = answer.body.errors ?? [];
  assert.deepEqual([...new Set(errors.map((e) => e.field))].sort(), Object.keys(fields).sort(), JSON.stringify(errors));
  for (const [field, reason] of Object.entries(fields)) {
    assert.ok(errors.some((e) => e.field === field && reason.test(e.reason)), `${field}: ${JSON.stringify(errors)}`);
  }
}

/** A filing body as JSON text, so keys such as `__proto__` travel as written; into a round, for a project, as the program requires. */
const filing = (name: string, facts: string) =>
  `{"programId":"dinghu-emergency-major-project","roundId":"dinghu-emergency-major-project.2026","applicant":{"creditCode":"${creditCode(1)}","name":${name}},"project":{"code":"YJ-2026-001","name":"应急装备产业园"},"facts":${facts}}`;

const FORBIDDEN = /forbidden key/;

describe('forbidden keys (__proto__, constructor, prototype) are refused at every depth, naming the path', () => {
  it('facts.__proto__ in a filing', async () => {
    refused(await send('POST', '/applications', 'applicant-system', filing('"示例有限公司"', '{"fixedInvestment":"1200000000.00","__proto__":{"isAdmin":true}}')), {
      'facts.__proto__': FORBIDDEN,
    });
  });

  it('constructor nested in an action body (a document of materials)', async () => {
    const body = `{"documents":[{"name":"营业执照.pdf","sha256":"${SHA}","url":"https://files.example.cn/a.pdf","constructor":{"prototype":{}}}]}`;
    refused(await send('POST', `/applications/${ID}/materials`, 'applicant-system', body), { 'documents.0.constructor': FORBIDDEN });
  });

  it('in admin bodies: a calendar year, an LPR fixing; in the award preview and the calculator', async () => {
    refused(await send('PUT', '/calendar/years/2030', 'admin', '{"holidays":[],"workdays":[],"prototype":1}'), { prototype: FORBIDDEN });
    refused(await send('POST', '/lpr-fixings', 'admin', '{"effectiveDate":"2030-01-20","lpr1y":"3.00","lpr5y":{"__proto__":"3.50"}}'), { 'lpr5y.__proto__': FORBIDDEN });
    refused(await send('POST', '/programs/dinghu-emergency-major-project/award-preview', 'reviewer', '{"constructor":"x","fixedInvestment":"1.00"}'), { constructor: FORBIDDEN });
    refused(await send('POST', '/calculations/clawback', 'auditor', '[{"__proto__":[]}]'), { '0.__proto__': FORBIDDEN });
  });

  it('and the top-level body of an action too', async () => {
    refused(await send('POST', `/applications/${ID}/preliminary-record`, 'intake-officer', '{"__proto__":{},"decision":"pass","reason":"ok"}'), { ['__proto__']: FORBIDDEN });
  });
});

describe('bytes and structure', () => {
  it('invalid UTF-8 in a body is a 400 saying so, not a U+FFFD stored in its place', async () => {
    const bytes = Buffer.concat([Buffer.from('{"decision":"pass","reason":"资格'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    refused(await send('POST', `/applications/${ID}/preliminary-record`, 'intake-officer', bytes), { '(body)': /not valid UTF-8/ });
    // An overlong encoding of "/" and a truncated sequence are not UTF-8 either.
    refused(await send('PUT', '/calendar/years/2030', 'admin', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])), { '(body)': /not valid UTF-8/ });
    refused(await send('PUT', '/calendar/years/2030', 'admin', Buffer.from([0x7b, 0x22, 0xe4, 0xb8, 0x22, 0x3a, 0x31, 0x7d])), { '(body)': /not valid UTF-8/ });
  });

  it('a body in another charset is refused naming Content-Type', async () => {
    refused(await send('POST', '/calculations/clawback', 'auditor', Buffer.from('{}', 'utf16le'), 'application/json; charset=utf-16le'), { 'Content-Type': /UTF-8/ });
  });

  it('a number JSON cannot carry exactly, and nesting deeper than any body needs, are refused (not a 500)', async () => {
    refused(await send('POST', '/applications', 'applicant-system', filing('"示例有限公司"', '{"fixedInvestment":1e400}')), { 'facts.fixedInvestment': /too large/ });
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const answer = await send('POST', '/programs/dinghu-emergency-major-project/award-preview', 'reviewer', deep);
    assert.equal(answer.status, 400);
    assert.match(answer.body.errors?.[0]?.reason ?? '', /nested deeper than 32 levels/);
  });

  it('a query string that is not UTF-8, or hides a control character, is refused naming the parameter', async () => {
    const res = async (path: string) => send('GET', path, 'auditor');
    refused(await res('/applications?stage=%FF'), { stage: /not valid percent-encoded UTF-8/ });
    refused(await res('/applications?programId=%E4%B8'), { programId: /not valid percent-encoded UTF-8/ });
    refused(await res('/applications?pageToken=%00'), { pageToken: /control characters/ });
    refused(await res('/calendar/working-days?from=2030-01-02&count=5&%E2%80%AEx=1'), { '(query)': /bidirectional/ });
  });

  it('a path parameter that is not UTF-8 is a 400 about the path, not about a body', async () => {
    refused(await send('GET', '/applications/%FF%FE', 'auditor'), { '(path)': /not valid percent-encoded UTF-8/ });
    refused(await send('GET', '/programs/%C0%AF', 'auditor'), { '(path)': /not valid percent-encoded UTF-8/ });
  });
});

describe('names and reasons must hold something visible; amounts must be sane', () => {
  it('a filing whose applicant name is only NUL, a lone surrogate, zero-width characters or a right-to-left override', async () => {
    const facts = '{"fixedInvestment":"1200000000.00"}';
    const cases: Array<[string, RegExp]> = [
      ['"\\u0000"', /control characters \(U\+0000\)/],
      ['"\\ud800"', /lone surrogate/],
      ['"\\u200b\\u200c\\u200d\\ufeff"', /visible characters/],
      ['"\\u202e"', /bidirectional/],
      ['"\\u202e司公限有"', /bidirectional/],
    ];
    for (const [name, reason] of cases) refused(await send('POST', '/applications', 'applicant-system', filing(name, facts)), { 'applicant.name': reason });
  });

  it('a reason of "\\u0000" is no reason; an objection text, a document name, a comment alike', async () => {
    refused(await send('POST', `/applications/${ID}/preliminary-record`, 'intake-officer', '{"decision":"fail","reason":"\\u0000"}'), { reason: /control characters/ });
    refused(await send('POST', `/applications/${ID}/objections`, 'notice-officer', '{"text":"\\u2066\\u2069","objector":"张三"}'), { text: /bidirectional/ });
    const doc = `{"name":"\\u200b","sha256":"${SHA}","url":"https://files.example.cn/a.pdf"}`;
    refused(await send('POST', `/applications/${ID}/materials`, 'applicant-system', `{"documents":[${doc}]}`), { 'documents.0.name': /visible characters/ });
    refused(await send('POST', `/applications/${ID}/agreement`, 'applicant-system', '{"signedOn":"2030-01-02","comment":"\\u0007"}'), { comment: /control characters \(U\+0007\)/ });
  });

  it('a 40-digit amount is refused wherever an amount is taken: facts, action bodies, the preview, the calculator', async () => {
    const forty = `${'9'.repeat(38)}.00`;
    const atMost = /at most 999999999999\.99/;
    refused(await send('POST', '/applications', 'applicant-system', filing('"示例有限公司"', `{"fixedInvestment":"${forty}"}`)), { 'facts.fixedInvestment': atMost });
    refused(await send('POST', '/programs/dinghu-emergency-major-project/award-preview', 'reviewer', `{"fixedInvestment":"${forty}"}`), { fixedInvestment: atMost });
    refused(await send('POST', `/applications/${ID}/repayments`, 'finance-officer', `{"amount":"${forty}","paidOn":"2030-01-02"}`), { amount: atMost });
    refused(await send('POST', `/applications/${ID}/recommendation`, 'reviewer', `{"decision":"approve","amount":"${forty}","reason":"符合条件"}`), { amount: atMost });
    const calc = `{"tranches":[{"amount":"${forty}","paidOn":"2027-04-01"}],"decisionDate":"2030-03-04","repaidOn":"2030-03-04","rateMode":"lpr-by-period","dayCount":"actual/365","tenor":"1y"}`;
    const answer = await send('POST', '/calculations/clawback', 'auditor', calc);
    assert.equal(answer.status, 400);
    assert.ok(answer.body.errors?.some((e) => e.field === 'tranches.0.amount' && atMost.test(e.reason)), JSON.stringify(answer.body));
  });

  it('a round window opening before 1900 is refused naming window.opens (its budget year), not a 500', async () => {
    const body = '{"programId":"dinghu-emergency-major-project","budget":"0.87","window":{"opens":"1537-08-27","closes":"2085-08-19"}}';
    refused(await send('POST', '/rounds', 'admin', body), { 'window.opens': /budget year 1537, before 1900/ });
  });

  it('ordinary text still passes the gate: Chinese, an emoji, line breaks (the refusal that follows is about the program, not the text)', async () => {
    const answer = await send('POST', '/programs/dinghu-emergency-major-project/award-preview', 'reviewer', '{"fixedInvestment":"1200000000.00","projectName":"应急装备产业园 🙂\\n二期"}');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });
});
