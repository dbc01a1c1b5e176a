import type { Server } from 'node:http';
import { type BuildAppOptions, buildApp } from 'fauxqs';
import { LocalRuntimeError } from '../errors';

/*
 * The parts of fauxqs (pinned to exactly 1.9.2) used here, typed.
 * `buildApp({ stores })` takes store instances, but the package's exports map exposes only `buildApp`,
 * not the store classes. They are loaded by file URL from next to its entry point, whose layout in
 * 1.9.2 is dist/{s3,sqs,sns}/<name>Store.js; their types come from `BuildAppOptions`, which is exported.
 */

export type FauxqsStores = NonNullable<BuildAppOptions['stores']>;
export type S3Store = FauxqsStores['s3Store'];
export type SqsStore = FauxqsStores['sqsStore'];
export type SnsStore = FauxqsStores['snsStore'];
export type S3Object = ReturnType<S3Store['getObject']>;
export type SqsQueue = ReturnType<SqsStore['createQueue']>;
/** A queue and its messages as `inspectQueue` returns them. */
export type QueueSnapshot = NonNullable<ReturnType<SqsStore['inspectQueue']>>;
/** One message as fauxqs keeps it (body, attributes, receive count, timestamps). */
export type SqsMessage = QueueSnapshot['messages']['ready'][number];

export interface FauxqsStoreClasses {
  S3Store: new () => S3Store;
  SqsStore: (new () => SqsStore) & {
    /** A new message as SendMessage makes it: a new id, sent now, never received. */
    createMessage(body: string, messageAttributes?: SqsMessage['messageAttributes']): SqsMessage;
  };
  SnsStore: new () => SnsStore;
}

let loaded: Promise<FauxqsStoreClasses> | undefined;

/** The store classes of the installed fauxqs, loaded once. */
export function loadFauxqsStores(): Promise<FauxqsStoreClasses> {
  loaded ??= (async () => {
    const entry = import.meta.resolve('fauxqs');
    return {
      S3Store: await loadClass<S3Store>(entry, './s3/s3Store.js', 'S3Store'),
      SqsStore: (await loadClass<SqsStore>(
        entry,
        './sqs/sqsStore.js',
        'SqsStore',
      )) as FauxqsStoreClasses['SqsStore'],
      SnsStore: await loadClass<SnsStore>(entry, './sns/snsStore.js', 'SnsStore'),
    };
  })();
  return loaded;
}

async function loadClass<T>(entry: string, path: string, name: string): Promise<new () => T> {
  const url = new URL(path, entry).href;
  let module: Record<string, unknown>;
  try {
    module = await import(url);
  } catch (error) {
    throw new LocalRuntimeError(`cannot load ${name} from fauxqs (${url}); is fauxqs 1.9.2 installed?`, {
      cause: error,
    });
  }
  const value = module[name];
  if (typeof value !== 'function') {
    throw new LocalRuntimeError(`fauxqs no longer exports ${name} from ${url}; it is pinned to 1.9.2`);
  }
  return value as new () => T;
}

/**
 * The few Fastify members used on the app `buildApp` returns. Its declared type is lost under
 * skipLibCheck (it resolves to `any`), and fastify is fauxqs' dependency, not ours.
 */
export interface FauxqsApp {
  readonly server: Server;
  addHook(
    name: 'preHandler',
    hook: (
      request: {
        readonly ip: string;
        readonly method: string;
        /** The route's parameters, decoded: `*` is an S3 object's key. */
        readonly params: Readonly<Record<string, string | undefined>> | undefined;
        readonly headers: Readonly<Record<string, string | string[] | undefined>>;
        /** Parsed by then: JSON for SQS's JSON protocol. */
        readonly body: unknown;
      },
      reply: {
        header(name: string, value: string): unknown;
        status(code: number): unknown;
        send(payload: string): unknown;
      },
      done: (error?: Error) => void,
    ) => void,
  ): unknown;
  /** Runs before a reply is sent; what it resolves to is sent (an error is answered as a 500). */
  addHook(
    name: 'onSend',
    hook: (request: object, reply: unknown, payload: unknown) => Promise<unknown>,
  ): unknown;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): PromiseLike<unknown>;
}

/** fauxqs' Fastify app over the given stores, without request logging. */
export function buildFauxqsApp(region: string, stores: FauxqsStores): FauxqsApp {
  return buildApp({ logger: false, defaultRegion: region, stores });
}
