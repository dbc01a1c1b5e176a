import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What a client has read: pages (Query calls) and items (index entries queried, items fetched). */
export interface ReadCount {
  pages: number;
  items: number;
  scans: number;
}

/**
 * Counts the reads a client sends: each Query is a page and its entries are items read, each item
 * BatchGetItem or GetItem returns is one more, a Scan is counted apart (a listing must never scan).
 */
export function countReads(client: DynamoDBClient): ReadCount {
  const count: ReadCount = { pages: 0, items: 0, scans: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as {
        Count?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      switch (context.commandName) {
        case 'QueryCommand':
          count.pages += 1;
          count.items += output.Count ?? 0;
          break;
        case 'ScanCommand':
          count.scans += 1;
          count.items += output.Count ?? 0;
          break;
        case 'BatchGetItemCommand':
          for (const items of Object.values(output.Responses ?? {})) count.items += items.length;
          break;
        case 'GetItemCommand':
          if (output.Item) count.items += 1;
          break;
      }
      return result;
    },
    { step: 'build', name: 'countReads' },
  );
  return count;
}
