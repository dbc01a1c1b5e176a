import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECSClient } from '@aws-sdk/client-ecs';

/*
 * A loopback HTTP server that answers the ECS JSON 1.1 protocol with scripted responses, so the real
 * SDK client serializes requests and deserializes responses and errors exactly as against AWS.
 */

export interface EcsCall {
  action: string;
  body: Record<string, unknown>;
}

export type EcsAnswer =
  | { status?: 200; body: Record<string, unknown> }
  | { status: number; error: string; message: string };

export interface ScriptedEcs {
  endpoint: string;
  calls: EcsCall[];
  /** Sets how an action answers; the function sees the request body. */
  answer(action: string, respond: (body: Record<string, unknown>) => EcsAnswer): void;
  client(options?: { maxAttempts?: number }): ECSClient;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startScriptedEcs(): Promise<ScriptedEcs> {
  const calls: EcsCall[] = [];
  const answers = new Map<string, (body: Record<string, unknown>) => EcsAnswer>();
  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const body = await readBody(request);
    calls.push({ action, body });
    const respond = answers.get(action);
    const answer: EcsAnswer = respond
      ? respond(body)
      : { status: 400, error: 'InvalidParameterException', message: `no scripted answer for ${action}` };
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    if ('error' in answer) {
      response.statusCode = answer.status;
      response.end(JSON.stringify({ __type: answer.error, message: answer.message }));
    } else {
      response.statusCode = 200;
      response.end(JSON.stringify(answer.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    calls,
    answer: (action, respond) => answers.set(action, respond),
    client: (options = {}) =>
      new ECSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: options.maxAttempts ?? 1,
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
