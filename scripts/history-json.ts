/**
 * Workflow histories as proto3 JSON files, for test/histories/. The converter lives in
 * lib/history-json.ts (the API's raw history uses it too); this module keeps the scripts' and
 * tests' import path.
 */
export { historyFromJson, historyToJson } from '../lib/history-json';
