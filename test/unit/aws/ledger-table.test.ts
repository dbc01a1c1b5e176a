import {
  type CancellationReason,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LedgerError } from '@stevedore/aws';
import { decodeCursor, encodeCursor, LedgerTable } from '@stevedore/aws/ledger';
import { describe, expect, it } from 'vitest';

/*
 * The ledger table's one conditional-write pattern: a false condition is an answer the stores act
 * on (a stale event, a slot taken, a race lost); every other failure is a LedgerError, so the
 * handler throws and Lambda retries. Which one a failure is decides whether work is lost.
 */

const SLOTS = { pk: 'PIPE#thumbnails', sk: 'SLOTS' };

/** A table over a document client that records each command and answers with `answer`. */
function tableAnswering(answer: () => unknown) {
  const sent: { command: string; input: unknown }[] = [];
  const doc = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return answer();
    },
  };
  return { table: new LedgerTable(doc as unknown as DynamoDBDocumentClient, 'ledger'), sent };
}

const refusedWith = (item?: ConditionalCheckFailedException['Item']) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: item } : {}),
  });

const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: reasons,
  });

const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
  name: 'ThrottlingException',
});

const update = {
  Key: SLOTS,
  UpdateExpression: 'REMOVE #holders.#h',
  ConditionExpression: 'attribute_exists(#holders)',
  ExpressionAttributeNames: { '#holders': 'holders', '#h': 'job-1#1' },
};

const claim = {
  Update: {
    Key: { pk: 'SCHED#nightly', sk: 'STATE' },
    UpdateExpression: 'SET #active = :job',
    ConditionExpression: 'attribute_not_exists(#active)',
    ExpressionAttributeNames: { '#active': 'activeJob' },
    ExpressionAttributeValues: { ':job': 'nightly-2' },
  },
};
const jobPut = {
  Put: {
    Item: { pk: 'JOB#nightly-2', sk: 'JOB' },
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': 'pk' },
  },
};

describe('a conditional write', () => {
  it('sends the request to the table as given, and answers written', async () => {
    const { table, sent } = tableAnswering(() => ({ Attributes: { holders: {} } }));

    const result = await table.update('releaseSlot', 'thumbnails', update);

    expect(result).toEqual({ refused: false, output: { Attributes: { holders: {} } } });
    expect(sent).toEqual([{ command: 'UpdateCommand', input: { TableName: 'ledger', ...update } }]);
  });

  it('answers refused when the condition is false, with the item as it was', async () => {
    const cause = refusedWith({ pk: { S: SLOTS.pk }, holders: { M: { 'job-2#1': { S: 'at' } } } });
    const { table } = tableAnswering(() => Promise.reject(cause));

    const result = await table.put('acquireSlot', 'thumbnails', { Item: SLOTS });

    expect(result).toEqual({
      refused: true,
      old: { pk: SLOTS.pk, holders: { 'job-2#1': 'at' } },
      cause,
    });
  });

  it('answers refused without an item when none was asked for or none exists', async () => {
    const { table } = tableAnswering(() => Promise.reject(refusedWith()));

    expect(await table.update('releaseSlot', 'thumbnails', update)).toMatchObject({
      refused: true,
      old: undefined,
    });
  });

  it('throws a LedgerError naming the operation and key for any other failure', async () => {
    const { table } = tableAnswering(() => Promise.reject(throttled));

    const failure = table.update('releaseSlot', 'thumbnails', update);

    await expect(failure).rejects.toThrow(LedgerError);
    await expect(failure).rejects.toMatchObject({
      operation: 'releaseSlot',
      key: 'thumbnails',
      cause: throttled,
    });
  });
});

describe('a transaction', () => {
  it('names the table in every write', async () => {
    const { table, sent } = tableAnswering(() => ({}));

    expect(await table.transact('startRun', 'nightly', [claim, jobPut])).toEqual({ refused: false });
    expect(sent).toEqual([
      {
        command: 'TransactWriteCommand',
        input: {
          TransactItems: [
            { Update: { TableName: 'ledger', ...claim.Update } },
            { Put: { TableName: 'ledger', ...jobPut.Put } },
          ],
        },
      },
    ]);
  });

  it('answers refused when a condition failed, saying which write it was and the item as it was', async () => {
    const { table } = tableAnswering(() =>
      Promise.reject(
        cancelled([
          { Code: 'ConditionalCheckFailed', Item: { activeJob: { S: 'nightly-1' } } },
          { Code: 'None' },
        ]),
      ),
    );

    expect(await table.transact('startRun', 'nightly', [claim, jobPut])).toEqual({
      refused: true,
      reasons: [
        { failed: true, old: { activeJob: 'nightly-1' } },
        { failed: false, old: undefined },
      ],
    });
  });

  it.each([
    ['throttled', cancelled([{ Code: 'ThrottlingError' }, { Code: 'None' }])],
    ['in conflict with another transaction', cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }])],
    ['cancelled with no reasons', cancelled([])],
    ['failing before DynamoDB answered', throttled],
  ])('throws a LedgerError when %s: no condition said no, so the caller is retried', async (_, error) => {
    const { table } = tableAnswering(() => Promise.reject(error));

    await expect(table.transact('recordDecision', 'svc', [claim, jobPut])).rejects.toMatchObject({
      name: 'LedgerError',
      operation: 'recordDecision',
      key: 'svc',
      cause: error,
    });
  });
});

describe('cursors', () => {
  it('hand back the key they were made from', () => {
    const key = { pk: 'JOB#a', sk: 'JOB', GSI1PK: 'SRC#thumbnails', GSI1SK: '2026-03-01T10:00:00.000Z#a' };

    expect(decodeCursor(encodeCursor(key))).toEqual(key);
  });

  it.each([['not base64 json'], [Buffer.from('42').toString('base64url')]])(
    'reject a cursor no page made (%s) with a LedgerError',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(
        expect.objectContaining({ name: 'LedgerError', operation: 'decodeCursor' }),
      );
    },
  );
});
