/** An HTTP answer as the tests and scripts read it: the status, the body (JSON when it parses, else the text) and the headers. */
export interface HttpAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export async function answerOf(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
