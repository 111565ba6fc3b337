/**
 * Registers the engine's custom search attributes on a Temporal namespace.
 *
 * Idempotent: every worker does this on start, several may race, and some servers cannot list
 * attributes (the time-skipping test server) or refuse to add them (Temporal Cloud, where they are
 * created in the cloud console): "already exists" is success, a refusal is a warning naming what
 * to register by hand.
 */
import { type Connection, isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const GRPC_ALREADY_EXISTS = 6;

const TYPE_TO_INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

export interface EnsureResult {
  added: string[];
  present: string[];
  refused: string[];
}

export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  log: (message: string) => void = () => undefined,
): Promise<EnsureResult> {
  const result: EnsureResult = { added: [], present: [], refused: [] };
  let existing: Set<string> | undefined;
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = new Set(Object.keys(listed.customAttributes ?? {}));
  } catch {
    // Not every server can list them (the time-skipping test server cannot): just try to add.
  }
  for (const key of Object.values(SEARCH_ATTRIBUTES)) {
    if (existing?.has(key.name)) {
      result.present.push(key.name);
      continue;
    }
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: TYPE_TO_INDEXED[key.type]! },
      });
      result.added.push(key.name);
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS) {
        result.present.push(key.name);
      } else if (/already exists/i.test((err as Error).message)) {
        result.present.push(key.name);
      } else {
        result.refused.push(key.name);
        log(
          `Could not register search attribute ${key.name} (${key.type}) on namespace ${namespace}: ` +
            `${(err as Error).message}. Register it on the server by hand.`,
        );
      }
    }
  }
  return result;
}
