/** The role × endpoint guard's two decisions: which role a principal acts in, and applicant binding. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applicantOfId, applicantRefusal, roleFor } from '../../api/access';
import type { Principal } from '../../api/principal';
import { ROUTES } from '../../api/routes';
import { creditCode } from '../helpers/fixtures';

const route = (method: string, path: string) => {
  const found = ROUTES.find((r) => r.method === method && r.path === path);
  assert.ok(found, `${method} ${path}`);
  return found;
};
const li: Principal = { id: 'staff-li', name: 'Li Ming', roles: ['reviewer', 'approver'], via: 'api-key' };

describe('the role a principal acts in', () => {
  it('is the one role of its roles the route allows', () => {
    assert.deepEqual(roleFor(route('post', '/applications/:id/sign-off'), li), { role: 'approver' });
    assert.deepEqual(roleFor(route('post', '/applications/:id/recommendation'), li), { role: 'reviewer' });
  });

  it('follows the route\'s order when both are allowed, unless X-Act-As picks one', () => {
    const extension = route('post', '/applications/:id/review-extension');
    assert.deepEqual(roleFor(extension, li), { role: 'reviewer' });
    assert.deepEqual(roleFor(extension, li, 'approver'), { role: 'approver' });
  });

  it('refuses X-Act-As naming a role not held, or one the route does not allow', () => {
    const signOff = route('post', '/applications/:id/sign-off');
    assert.match((roleFor(signOff, li, 'auditor') as { refusal: string }).refusal, /does not hold/);
    assert.match((roleFor(signOff, li, 'reviewer') as { refusal: string }).refusal, /is for the approver role; Li Ming asked to act as reviewer/);
    assert.match((roleFor(signOff, li, 'mayor') as { refusal: string }).refusal, /does not hold/);
  });

  it('refuses a principal holding none of the route\'s roles, naming them', () => {
    const auditor: Principal = { id: 'a', name: 'Audit', roles: ['auditor'], via: 'jwt' };
    assert.match((roleFor(route('put', '/calendar/years/:year'), auditor) as { refusal: string }).refusal, /PUT \/calendar\/years\/:year is for the admin role; Audit holds auditor/);
  });
});

describe('applicant binding', () => {
  const bound: Principal = { id: 's', name: 'S', roles: ['applicant-system'], applicants: [creditCode(1)], via: 'api-key' };
  it('lets an applicant system reach its own applicants only', () => {
    assert.equal(applicantRefusal(bound, 'applicant-system', creditCode(1)), null);
    assert.match(applicantRefusal(bound, 'applicant-system', creditCode(2))!, /not one of them/);
    assert.match(applicantRefusal({ ...bound, applicants: undefined }, 'applicant-system', creditCode(1))!, /not one of them/);
  });
  it('does not limit the development key or staff', () => {
    assert.equal(applicantRefusal({ ...bound, applicants: 'any' }, 'applicant-system', creditCode(2)), null);
    assert.equal(applicantRefusal(li, 'reviewer', creditCode(2)), null);
  });
  it('reads the credit code from the third part of an application id, also when a project code follows it', () => {
    assert.equal(applicantOfId(`dinghu-emergency-major-project.2026.${creditCode(3)}`), creditCode(3));
    assert.equal(applicantOfId(`dinghu-emergency-major-project.2026-t1.${creditCode(3)}.XM-1`), creditCode(3));
    // A project code that looks like another applicant's credit code does not make the application theirs.
    assert.equal(applicantOfId(`dinghu-emergency-major-project.2026.${creditCode(3)}.${creditCode(1)}`), creditCode(3));
    assert.equal(applicantOfId('no-dots'), '');
  });
});
