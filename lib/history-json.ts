/**
 * Workflow histories as proto3 JSON (the format of `temporal workflow show --output json` and of
 * `historyToJSON`): what test/histories/ holds and what `GET /applications/:id/history?format=raw`
 * returns, so Temporal tooling (the CLI, `Worker.runReplayHistory`) can replay it.
 *
 * Why not `historyToJSON` / `historyFromJSON` from `@temporalio/common/lib/proto-utils`: in this
 * install `@temporalio/common` and `@temporalio/proto` each get their own nested copy of
 * protobufjs 8 (the top level holds protobufjs 7 for @grpc/proto-loader), and the converter of
 * one copy refuses the message types of the other ("type must be a Type"). `Worker.runReplayHistory`
 * calls `historyFromJSON` itself when given JSON, so the replay test passes it a decoded History
 * instead. Here both directions use the protobufjs copy that `@temporalio/proto` was built with.
 */
import { dirname } from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// protojson is not an export of protobufjs: loaded by path, next to the copy @temporalio/proto uses.
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto'))] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** The history as a proto3 JSON value (int64 as strings, bytes as base64, enums by name). */
export function historyToJsonValue(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

export function historyToJson(history: History): string {
  return JSON.stringify(historyToJsonValue(history), null, 2);
}

export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an array of events');
  }
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
