/**
 * The policy catalog over HTTP, version by version (lib/catalog-versions.ts):
 * - `GET /programs` and `GET /programs/:id` read the version in force, or any past one with
 *   `?version=sha256:…`; `POST /programs/:id/award-preview` previews under either;
 * - `GET /catalog/versions` lists every publication, `GET /catalog/versions/:version` gives a
 *   version's program files whole (what an admin edits to publish the next one);
 * - `POST /catalog/versions` (admin) publishes a new version without a deploy: validated exactly as
 *   the shipped catalog is at start-up, refused naming the file, the JSON path and the reason.
 *
 * Filing bodies and the OpenAPI document are generated from the version in force
 * (`catalogInForce`), once per version.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { explainAward } from '../domain/award-explanation';
import { evaluateAward, type Facts, type Program } from '../domain/catalog';
import { sha256Hex } from '../domain/idempotency';
import type { CalendarStore } from '../lib/calendar-store';
import { CatalogError, type CatalogStore } from '../lib/catalog-store';
import { type CatalogVersions, KeyReusedError, type Publication, StaleBaseError } from '../lib/catalog-versions';
import { type AccessLocals, guardedActor } from './access';
import { openApiDocument } from './openapi';
import { Problem, validationProblem } from './problem';
import { anyProgramFacts, factsSchema, filingBodyFor } from './program-schemas';
import { CatalogVersionParam, PublishCatalogBody, VersionQuery } from './reference-schemas';
import type { FilingBody } from './schemas';
import { idempotencyKeyOf } from './temporal-calls';

/** What the API derives from one catalog version: the filing body it validates with, and the contract it publishes. */
export interface CatalogInForce {
  store: CatalogStore;
  filingBody: z.ZodType<FilingBody>;
  document: Record<string, unknown>;
}

/** The version in force and what derives from it, built once per version. */
export function catalogInForce(catalogs: CatalogVersions): () => Promise<CatalogInForce> {
  const built = new Map<string, CatalogInForce>();
  return async () => {
    const store = await catalogs.current();
    let hit = built.get(store.version);
    if (!hit) {
      const programs = Object.values(store.catalog);
      const filingBody = filingBodyFor(programs);
      const document = openApiDocument({ bodies: { fileApplication: filingBody, previewAward: anyProgramFacts(programs) } }) as Record<string, unknown>;
      hit = { store, filingBody, document };
      built.set(store.version, hit);
    }
    return hit;
  };
}

export interface CatalogRouteDeps {
  catalogs: CatalogVersions;
  calendar: CalendarStore;
}

/** A program's facts as JSON Schema, so an integrating system can build its form: the schema the server validates with. */
function factsJsonSchema(program: Program): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(factsSchema(program), { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

function publicationJson(p: Publication, inForce: string) {
  return { ...p, inForce: p.version === inForce, links: { version: `/catalog/versions/${encodeURIComponent(p.version)}`, programs: `/programs?version=${encodeURIComponent(p.version)}` } };
}

export function catalogRoutes(deps: CatalogRouteDeps): Router {
  const router = Router();

  /** The version asked for (`?version=`), else the one in force; 404 for a version never kept. */
  const versionOf = async (query: unknown): Promise<CatalogStore> => {
    const parsed = VersionQuery.safeParse(query);
    if (!parsed.success) throw validationProblem(parsed.error);
    const wanted = parsed.data.version;
    if (wanted === undefined) return deps.catalogs.current();
    const store = await deps.catalogs.get(wanted);
    if (!store) throw new Problem('not-found', `There is no catalog version ${wanted} (GET /catalog/versions lists them)`, { errors: [{ field: 'version', reason: 'is not a catalog version kept by the engine' }] });
    return store;
  };
  const programOr404 = (store: CatalogStore, id: string): Program => {
    const program = store.getProgram(id);
    if (!program) throw new Problem('not-found', `There is no program ${id} in catalog version ${store.version} (GET /programs lists them)`);
    return program;
  };
  const versionLink = (store: CatalogStore) => `?version=${encodeURIComponent(store.version)}`;

  router.get('/programs', async (req, res) => {
    const store = await versionOf(req.query);
    res.json({
      catalogVersion: store.version,
      programs: store.listPrograms().map((p) => ({ ...p, links: { self: `/programs/${p.id}${req.query.version ? versionLink(store) : ''}` } })),
    });
  });

  router.get('/programs/:id', async (req, res) => {
    const store = await versionOf(req.query);
    const program = programOr404(store, String(req.params.id));
    res.json({ catalogVersion: store.version, programHash: store.programHash(program.id), factsSchema: factsJsonSchema(program), ...program });
  });

  router.post('/programs/:id/award-preview', async (req, res) => {
    const store = await versionOf(req.query);
    const program = programOr404(store, String(req.params.id));
    const parsed = factsSchema(program).safeParse(req.body);
    if (!parsed.success) throw validationProblem(parsed.error);
    // Every step says what it decided; the explanation gathers it (domain/award-explanation.ts).
    const evaluation = evaluateAward(program, parsed.data as Facts, { explain: true });
    res.json({ catalogVersion: store.version, programHash: store.programHash(program.id), ...evaluation, explanation: explainAward(evaluation) });
  });

  router.get('/catalog/versions', async (_req, res) => {
    const [publications, inForce] = await Promise.all([deps.catalogs.publications(), deps.catalogs.current()]);
    res.json({ inForce: inForce.version, publications: publications.map((p) => publicationJson(p, inForce.version)) });
  });

  router.get('/catalog/versions/:version', async (req, res) => {
    const param = CatalogVersionParam.safeParse(req.params.version);
    if (!param.success) throw validationProblem(param.error, 'version');
    const store = await deps.catalogs.get(param.data);
    if (!store) throw new Problem('not-found', `There is no catalog version ${param.data} (GET /catalog/versions lists them)`);
    const inForce = await deps.catalogs.current();
    const publications = (await deps.catalogs.publications()).filter((p) => p.version === store.version);
    res.json({
      version: store.version,
      inForce: inForce.version === store.version,
      publications: publications.map((p) => publicationJson(p, inForce.version)),
      programs: Object.fromEntries(Object.keys(store.catalog).sort().map((id) => [`${id}.json`, store.catalog[id]])),
    });
  });

  router.post('/catalog/versions', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const body = PublishCatalogBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const key = idempotencyKeyOf(req);
    try {
      const result = await deps.catalogs.publish(
        {
          files: body.data.programs,
          by: { id: actor.id, role: actor.role, name: actor.name },
          ...(body.data.note !== undefined ? { note: body.data.note } : {}),
          ...(body.data.basedOn !== undefined ? { basedOn: body.data.basedOn } : {}),
          ...(key !== undefined ? { keyHash: sha256Hex(`${actor.id}\n${key}`) } : {}),
        },
        { calendar: (await deps.calendar.current()).data() },
      );
      const inForce = await deps.catalogs.current();
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(201).json({
        version: result.store.version,
        publication: publicationJson(result.publication, inForce.version),
        programs: result.store.listPrograms().map((p) => ({ id: p.id, hash: p.hash })),
      });
    } catch (err) {
      if (err instanceof CatalogError) {
        throw new Problem('unprocessable', `Catalog not published: ${err.file} at ${err.path}: ${err.reason}`, {
          file: err.file,
          path: err.path,
          reason: err.reason,
          errors: [{ field: `programs[${JSON.stringify(err.file)}]${err.path.slice(1)}`, reason: err.reason }],
        });
      }
      if (err instanceof StaleBaseError) {
        throw new Problem('conflict', `Catalog not published: ${err.message}; start again from GET /catalog/versions/${err.current}`, {
          inForce: err.current,
          errors: [{ field: 'basedOn', reason: `is not the version in force (${err.current})` }],
        });
      }
      if (err instanceof KeyReusedError) {
        throw new Problem('unprocessable', 'This Idempotency-Key was used before with another catalog; use a new key to publish another version', {
          errors: [{ field: 'Idempotency-Key', reason: `published catalog version ${err.publication.version} before` }],
        });
      }
      throw err;
    }
  });

  return router;
}
