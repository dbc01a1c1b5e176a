import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EcsApiError, LocalRuntimeError, PortInUseError } from '../errors';
import { handleAgentRequest, isAgentPath } from './agent-endpoint';
import { type ActionHandler, admitOrThrottle, type EcsContext } from './ecs-context';
import { isObject } from './request-fields';
import { runTask } from './run-task';
import { describeServices, getTaskProtection, updateService, updateTaskProtection } from './service-actions';
import { describeTaskDefinition, describeTasks, listTasks, stopTask } from './task-actions';

/*
 * The HTTP side of the local ECS endpoint: the AWS JSON 1.1 protocol the SDK speaks
 * (POST /, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>`, JSON bodies, timestamps as
 * epoch seconds), errors as `{"__type": "<Exception>", "message": "..."}` with HTTP 400 (500 for
 * ServerException), so the SDK raises the same exception classes as against AWS. The same server
 * answers the agent and metadata endpoints that containers reach through ECS_AGENT_URI and
 * ECS_CONTAINER_METADATA_URI_V4.
 */

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const MAX_BODY_BYTES = 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunTask: runTask,
  DescribeTasks: describeTasks,
  ListTasks: listTasks,
  StopTask: stopTask,
  DescribeTaskDefinition: describeTaskDefinition,
  DescribeServices: describeServices,
  UpdateService: updateService,
  UpdateTaskProtection: updateTaskProtection,
  GetTaskProtection: getTaskProtection,
};

export interface EcsHttpServer {
  server: Server;
  port: number;
  /** Sets the context requests are served with (the server listens before the context exists). */
  serve(context: EcsContext): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0: any free port); PortInUseError when the port is taken. */
export async function listenEcsServer(port: number): Promise<EcsHttpServer> {
  let context: EcsContext | undefined;
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error: unknown) => {
      // Only a failure to write the response lands here; the request is lost either way.
      process.emitWarning(new LocalRuntimeError('local ECS endpoint failed to answer', { cause: error }));
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError('The local ECS endpoint', port, { cause: error })
          : error,
      );
    };
    server.once('error', refuse);
    server.listen(port, '127.0.0.1', () => {
      // Later server errors are not a failed start: left unhandled, they surface instead of vanishing.
      server.off('error', refuse);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    serve: (value) => {
      context = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  context: EcsContext | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const raw = await readBody(request);
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (!context) return send(response, 503, errorBody('ServerException', 'The endpoint is starting.'));
  if (isAgentPath(path) && request.headers['x-amz-target'] === undefined) {
    if (raw === undefined)
      return send(response, 413, { error: 'request body too large' }, 'application/json');
    const answer = handleAgentRequest(context, request.method ?? 'GET', path, raw);
    context.persist();
    return send(response, answer.status, answer.body, 'application/json');
  }
  const result = callAction(context, request, raw);
  // A RunTask is answered only once its task and clientToken are saved: a retry after a crash then
  // gets the same task back rather than a second one.
  context.persist();
  return send(response, result.status, result.body);
}

function callAction(
  context: EcsContext,
  request: IncomingMessage,
  raw: string | undefined,
): { status: number; body: unknown } {
  const target = String(request.headers['x-amz-target'] ?? '');
  const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  try {
    if (request.method !== 'POST' || action === '') {
      throw new EcsApiError(
        'UnknownOperationException',
        `${request.method} ${target || '(no X-Amz-Target)'}`,
      );
    }
    const handler = ACTIONS[action];
    if (!handler) {
      throw new EcsApiError('UnknownOperationException', `The local ECS endpoint does not serve ${action}.`);
    }
    if (raw === undefined) throw new EcsApiError('SerializationException', 'The request body is too large.');
    const body = parseBody(raw);
    // RunTask takes its tokens itself: how many depends on how many tasks it launches.
    if (action !== 'RunTask') admitOrThrottle(context, { action });
    return { status: 200, body: handler(context, body) };
  } catch (error) {
    if (error instanceof EcsApiError)
      return { status: error.status, body: errorBody(error.code, error.message, error.fields) };
    return {
      status: 500,
      body: errorBody('ServerException', error instanceof Error ? error.message : String(error)),
    };
  }
}

function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new EcsApiError('SerializationException', 'The request body is not valid JSON.', { cause: error });
  }
  if (!isObject(parsed))
    throw new EcsApiError('SerializationException', 'The request body must be a JSON object.');
  return parsed;
}

function errorBody(code: string, message: string, fields: Readonly<Record<string, unknown>> = {}) {
  return { __type: code, message, ...fields };
}

/** The body as text, or undefined when it is larger than the endpoint accepts. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = JSON_CONTENT_TYPE,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}
