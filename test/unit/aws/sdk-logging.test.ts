import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { withoutSdkLogging } from '@stevedore/aws';
import { describe, expect, it, vi } from 'vitest';

/*
 * The SDK's logger middleware copies every command's input and output for a logger Stevedore never
 * configures; the clients Stevedore creates drop it. A spy logger shows whether the copy is still made.
 */

/** A client whose every request is answered with an item, logging to `info`. */
function clientLoggingTo(info: (entry: unknown) => void) {
  return new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    logger: { debug() {}, info, warn() {}, error() {} },
    requestHandler: {
      handle: async () => ({
        // An HttpResponse as the SDK checks one: status, headers and a body stream.
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(JSON.stringify({ Item: { pk: { S: 'JOB#1' } } }))]),
        },
      }),
    },
  });
}

const getJob = () =>
  new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'JOB#1' }, sk: { S: 'JOB' } } });

describe('withoutSdkLogging', () => {
  it('leaves the SDK logging each command of a client it was not applied to', async () => {
    const info = vi.fn();
    const client = clientLoggingTo(info);

    await client.send(getJob());

    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]?.[0]).toMatchObject({ commandName: 'GetItemCommand' });
  });

  it('drops the copy made for the logger, and the command still answers', async () => {
    const info = vi.fn();
    const client = withoutSdkLogging(clientLoggingTo(info));

    const output = await client.send(getJob());

    expect(output.Item).toEqual({ pk: { S: 'JOB#1' } });
    expect(info).not.toHaveBeenCalled();
  });
});
