/**
 * The small verbs of a story told over HTTP against the time-skipping engine: check an answer,
 * read an application, wait until it shows something, take an action with a fresh
 * Idempotency-Key, and hand in a document.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Role } from '../../domain/roles';
import type { Answer, TimeSkippingEngine } from './time-skipping-engine';

export function httpStory(engine: () => TimeSkippingEngine, name: string) {
  let keyNo = 0;
  const key = () => `${name}-${++keyNo}`;
  const ok = (answer: Answer, what: string, status = 200) => assert.equal(answer.status, status, `${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const app = async (id: string) => {
    const answer = await engine().http('GET', `/applications/${encodeURIComponent(id)}`, 'auditor');
    ok(answer, `GET ${id}`);
    return answer.body;
  };
  async function until<T>(what: string, read: () => Promise<T>, done: (x: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const x = await read();
      if (done(x)) return x;
      if (Date.now() > deadline) assert.fail(`waited ${timeoutMs / 1000} s for ${what}: ${JSON.stringify(x).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const pending = (s: any, action: string) => (s.pending as any[]).some((p) => p.action === action);
  async function act(id: string, role: Role, path: string, body: unknown, status = 200): Promise<Answer> {
    const answer = await engine().http('POST', `/applications/${encodeURIComponent(id)}/${path}`, role, body, { 'Idempotency-Key': key() });
    ok(answer, `POST ${id}/${path} as ${role}`, status);
    return answer;
  }
  /** A document as the applicant system hands it in: its name, SHA-256 and where it is kept. */
  function doc(title: string) {
    const hash = createHash('sha256').update(`${name}:${title}`, 'utf8').digest('hex');
    return { name: title, sha256: hash, url: `https://files.example.gov.cn/e2e/${hash.slice(0, 12)}.pdf` };
  }
  /** Preliminary record and materials: the application is in review (or inspection) afterwards. */
  async function toReview(id: string, materials: readonly string[]): Promise<any> {
    await until(`${id}: the pending preliminary record`, () => app(id), (s) => pending(s, 'preliminary-record'));
    await act(id, 'intake-officer', 'preliminary-record', { decision: 'pass', reason: '注册地与独立法人资格符合' });
    await until(`${id}: formal submission`, () => app(id), (s) => pending(s, 'materials'));
    await act(id, 'applicant-system', 'materials', { documents: materials.map((materialId) => ({ ...doc(`${id} ${materialId}`), materialId })) });
    return until(`${id}: review or inspection`, () => app(id), (s) => ['review', 'inspection'].includes(s.stage));
  }
  return { key, ok, app, until, pending, act, doc, toReview };
}
