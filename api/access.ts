/**
 * Who is calling and what they may do, decided in one place for every route of api/routes.ts.
 *
 * `authenticate` turns the credential into a principal (or a 401); `guard(route)` applies the
 * role × endpoint matrix: the principal must hold one of the route's roles, and an applicant
 * system acting as such is limited to the credit codes its credential is bound to. The actor the
 * workflow records is the principal's id and name with the one role the route is taken in; when a
 * principal holds several allowed roles, `X-Act-As` picks one. Handlers never look at roles again;
 * the workflow's validators still check role, stage and separation of duties (the authority).
 */
import type { NextFunction, Request, Response } from 'express';
import { isRole, type Actor, type Role } from '../domain/roles';
import { CredentialError, CredentialServiceUnavailable, credentialOf, type Authenticator } from './credentials';
import type { Principal } from './principal';
import { Problem } from './problem';
import type { RouteSpec } from './routes';

export type AccessLocals = { principal?: Principal; actor?: Actor; applicants?: readonly string[]; route?: RouteSpec };

/**
 * The credit code of an application id: its third part (`<program>.<round>.<creditCode>`, then
 * `.<project code>` for programs that award per project or product). Never the last part: a
 * project code is the filer's choice and may look like anyone's credit code.
 */
export function applicantOfId(id: string): string {
  return id.split('.')[2] ?? '';
}

/** Reads the credential, if any; a bad one is a 401 that says why, never echoing the secret. */
export function authenticate(authenticator: Authenticator) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let credential;
    try {
      credential = credentialOf({ authorization: req.get('authorization'), 'x-api-key': req.get('x-api-key') });
      if (credential) res.locals.principal = await authenticator.authenticate(credential);
    } catch (err) {
      if (err instanceof CredentialError) throw new Problem('unauthorized', `The credential was refused: ${err.reason}`, authChallenge(authenticator));
      if (err instanceof CredentialServiceUnavailable) {
        // Bearer keys from the issuer's key service, or API keys from the engine's database.
        const what = credential?.kind === 'api-key' ? 'API keys cannot be checked right now (the engine\'s database did not answer)' : 'Bearer tokens cannot be verified right now (the key service did not answer)';
        throw new Problem('unavailable', `${what}; retry shortly`, {
          headers: { 'Retry-After': '5' },
        });
      }
      throw err;
    }
    next();
  };
}

function authChallenge(authenticator: Authenticator): { headers: Record<string, string> } {
  return authenticator.accepts.bearer ? { headers: { 'WWW-Authenticate': 'Bearer realm="subsidy-engine"' } } : { headers: {} };
}

function howToAuthenticate(authenticator: Authenticator): string {
  const ways = [authenticator.accepts.apiKey && 'an API key in the X-Api-Key header', authenticator.accepts.bearer && 'a bearer token in the Authorization header'];
  return `Send ${ways.filter(Boolean).join(' or ')}`;
}

/** The role this principal takes the route in, or the reason it may not. */
export function roleFor(route: RouteSpec, principal: Principal, actAs?: string): { role: Role } | { refusal: string } {
  if (route.audience === 'public') return { role: principal.roles[0]! };
  const allowed = route.audience;
  const what = `${route.method.toUpperCase()} ${route.path}`;
  if (actAs !== undefined) {
    if (!isRole(actAs) || !principal.roles.includes(actAs)) return { refusal: `X-Act-As names ${actAs}, a role this credential does not hold (${principal.roles.join(', ')})` };
    if (!allowed.includes(actAs)) return { refusal: `${what} is for the ${allowed.join(' or ')} role; ${principal.name} asked to act as ${actAs}` };
    return { role: actAs };
  }
  const role = allowed.find((r) => principal.roles.includes(r));
  if (!role) return { refusal: `${what} is for the ${allowed.join(' or ')} role; ${principal.name} holds ${principal.roles.join(', ')}` };
  return { role };
}

/** An applicant system may only reach its own applicants; anyone else is not limited. */
export function applicantRefusal(principal: Principal, role: Role, creditCode: string | undefined): string | null {
  if (role !== 'applicant-system' || principal.applicants === 'any' || creditCode === undefined) return null;
  if ((principal.applicants ?? []).includes(creditCode)) return null;
  return `This credential may act only for the applicants it is bound to; ${creditCode} is not one of them`;
}

/** The role × endpoint matrix for one route: the only place roles are checked in the API. */
export function guard(route: RouteSpec, authenticator: Authenticator) {
  return (req: Request, res: Response<unknown, AccessLocals>, next: NextFunction): void => {
    res.locals.route = route;
    if (route.audience === 'public') return next();
    const principal = res.locals.principal;
    if (!principal) throw new Problem('unauthorized', howToAuthenticate(authenticator), authChallenge(authenticator));
    const chosen = roleFor(route, principal, req.get('x-act-as') ?? undefined);
    if ('refusal' in chosen) throw new Problem('forbidden', chosen.refusal);
    const role = chosen.role;

    if (role === 'applicant-system') {
      const scope = route.applicantScope;
      const code =
        scope === 'id' ? applicantOfId(String(req.params.id ?? '')) :
        scope === 'body' ? bodyCreditCode(req.body) :
        undefined;
      const refusal = applicantRefusal(principal, role, code);
      if (refusal) throw new Problem('forbidden', refusal);
      // Listings are filtered to the bound applicants instead (an unbound system sees none).
      if (principal.applicants !== 'any') res.locals.applicants = principal.applicants ?? [];
    }
    res.locals.actor = { id: principal.id, name: principal.name, role };
    next();
  };
}

/** The actor the guard let through; a route without a guard in front of it is a programming error. */
export function guardedActor(res: Response<unknown, AccessLocals>): Actor {
  const actor = res.locals.actor;
  if (!actor) throw new Error(`${res.req.method} ${res.req.path} reached without the access guard`);
  return actor;
}

function bodyCreditCode(body: unknown): string | undefined {
  const code = (body as { applicant?: { creditCode?: unknown } } | undefined)?.applicant?.creditCode;
  return typeof code === 'string' ? code : undefined;
}
