import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionBuild } from './declared';
import { bootstrapData } from './mock-aws';

/*
 * The two things `sst.aws.Function` asks the SST command line for, over HTTP at `$SST_SERVER/rpc`
 * (JSON-RPC 1.0, one `params` object): the region's bootstrap data, and a build of the function. A
 * function given a prebuilt `bundle` is not built: SST answers with the bundle and the handler as
 * they are, and so does this server. Any other method is answered the way SST answers an unknown one.
 */

interface RpcRequest {
  method?: unknown;
  params?: unknown;
}

type Params = Record<string, unknown>;

/** A running stand-in for the SST command line's RPC server. */
export interface SstServer {
  url: string;
  builds: FunctionBuild[];
  close(): Promise<void>;
}

function answer(method: string, params: Params, builds: FunctionBuild[]): unknown {
  switch (method) {
    case 'Provider.Aws.Bootstrap':
      return bootstrapData(String(params.region));
    case 'Runtime.Build': {
      const { functionID, handler, bundle } = params;
      if (typeof bundle !== 'string' || typeof handler !== 'string' || typeof functionID !== 'string') {
        throw new Error(
          `Runtime.Build: only prebuilt bundles are answered here, got ${JSON.stringify(params)}`,
        );
      }
      builds.push({ functionID, handler, bundle });
      return { out: bundle, handler, errors: [] };
    }
    default:
      throw new Error(`rpc: can't find service ${method}`);
  }
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startSstServer(): Promise<SstServer> {
  const builds: FunctionBuild[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      let reply: { result: unknown; error: null } | { result: null; error: string };
      try {
        const { method, params } = JSON.parse(body) as RpcRequest;
        const [args] = Array.isArray(params) ? (params as Params[]) : [];
        reply = { result: answer(String(method), args ?? {}, builds), error: null };
      } catch (error) {
        reply = { result: null, error: error instanceof Error ? error.message : String(error) };
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    builds,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
