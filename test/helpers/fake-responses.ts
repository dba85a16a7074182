/**
 * A local fake of OpenAI's Responses API (`POST /v1/responses`), written from the documented
 * wire format and independent of agentab's encoders: a JSON response object, or an event
 * stream (`event: <type>` + `data: {type, sequence_number, …}`) ending in `response.completed`
 * with the usage. It answers a function call when the request offers the tool named in
 * `callTool` and no `function_call_output` came back yet, text otherwise. It totals the usage
 * it reported, so tests can compare the proxy's spend log with it.
 */
import { createServer, type Server } from 'node:http';
import { listenLoopback } from './loopback.ts';

export interface FakeResponses {
  url: string;
  received: { path: string; authorization: string | undefined; body: Record<string, unknown> }[];
  /** Sums of the usage reported (Responses convention: input includes cached, output includes reasoning). */
  totals: { input: number; cached: number; output: number; reasoning: number; calls: number };
  close(): Promise<void>;
}

export interface FakeResponsesOptions {
  /** The tool to call on the first turn, when the request offers it. */
  callTool?: { name: string; arguments: string };
  text?: string;
}

export async function startFakeResponses(o: FakeResponsesOptions = {}): Promise<FakeResponses> {
  const received: FakeResponses['received'] = [];
  const totals = { input: 0, cached: 0, output: 0, reasoning: 0, calls: 0 };
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    if (req.method !== 'POST' || !(req.url ?? '').endsWith('/responses')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.url}`, type: 'invalid_request_error', code: 'not_found' } }));
      return;
    }
    const body = JSON.parse(raw) as Record<string, unknown>;
    received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
    n++;
    const input = Array.isArray(body.input) ? (body.input as Array<Record<string, unknown>>) : [];
    const answered = input.some((i) => i.type === 'function_call_output');
    const tools = Array.isArray(body.tools) ? (body.tools as Array<{ name?: string }>) : [];
    const call = o.callTool && !answered && tools.some((t) => t.name === o.callTool!.name) ? o.callTool : undefined;
    const text = o.text ?? 'The fake Responses upstream answers.';
    const usage = {
      input_tokens: 100 + raw.length % 97,
      input_tokens_details: { cached_tokens: 64 },
      output_tokens: 30 + n,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 0,
    };
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
    totals.input += usage.input_tokens;
    totals.cached += usage.input_tokens_details.cached_tokens;
    totals.output += usage.output_tokens;
    totals.reasoning += usage.output_tokens_details.reasoning_tokens;
    totals.calls++;
    const id = `resp_fake_${n}`;
    const reasoning = { type: 'reasoning', id: `rs_fake_${n}`, summary: [] };
    const item = call
      ? { type: 'function_call', id: `fc_fake_${n}`, call_id: `call_fake_${n}`, name: call.name, arguments: call.arguments, status: 'completed' }
      : { type: 'message', id: `msg_fake_${n}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
    const response = (status: string, output: unknown[], withUsage: boolean) => ({
      id,
      object: 'response',
      created_at: 1_800_000_000,
      status,
      model: String(body.model),
      output,
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: body.tools ?? [],
      usage: withUsage ? usage : null,
    });
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response('completed', [reasoning, item], true)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let seq = 0;
    const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    send('response.created', { response: response('in_progress', [], false) });
    send('response.in_progress', { response: response('in_progress', [], false) });
    send('response.output_item.added', { output_index: 0, item: reasoning });
    send('response.output_item.done', { output_index: 0, item: reasoning });
    if (call) {
      send('response.output_item.added', { output_index: 1, item: { ...item, arguments: '', status: 'in_progress' } });
      for (let i = 0; i < call.arguments.length; i += 7) {
        send('response.function_call_arguments.delta', { item_id: item.id, output_index: 1, delta: call.arguments.slice(i, i + 7) });
      }
      send('response.function_call_arguments.done', { item_id: item.id, output_index: 1, arguments: call.arguments });
    } else {
      send('response.output_item.added', { output_index: 1, item: { ...item, status: 'in_progress', content: [] } });
      send('response.content_part.added', { item_id: item.id, output_index: 1, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const word of text.split(/(?<= )/)) {
        send('response.output_text.delta', { item_id: item.id, output_index: 1, content_index: 0, delta: word });
      }
      send('response.output_text.done', { item_id: item.id, output_index: 1, content_index: 0, text });
      send('response.content_part.done', { item_id: item.id, output_index: 1, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    }
    send('response.output_item.done', { output_index: 1, item });
    send('response.completed', { response: response('completed', [reasoning, item], true) });
    res.end();
  });
  const loopback = await listenLoopback(server);
  return {
    url: loopback.url,
    received,
    totals,
    close: loopback.close,
  };
}
