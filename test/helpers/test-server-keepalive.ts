/**
 * The client's keepalive for the time-skipping test server. The SDK's client pings every 30 s,
 * with or without calls; the test server (grpc-java defaults) allows one ping in 5 minutes and,
 * after a few more, answers GOAWAY "too many pings" ("rejected by server because of excess pings").
 * A test file that runs longer than about five minutes then had a long call in flight (a time skip)
 * cut, and hung with the server idle. Pings at most every ten minutes, and only during calls.
 */
export const TEST_SERVER_CHANNEL_ARGS = {
  'grpc.keepalive_time_ms': 10 * 60_000,
  'grpc.keepalive_permit_without_calls': 0,
} as const;
