import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RepeatLedger } from '../pipeline/deps.js';

/**
 * The repeat ledger in the idempotency table: one item per key (`repeat#…`, apart from Powertools'
 * `remediate#…`/`notify-…#…` records), its times a list of epoch milliseconds appended atomically.
 * The table has a partition key only (infra/constructs/idempotency.ts), so one item per key is read
 * with one GetItem; its `expiration` (the table's TTL attribute, epoch seconds) moves with each record.
 */
export class DynamoDbRepeatLedger implements RepeatLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(key: string, at: Date, keepSeconds: number): Promise<void> {
    // list_append(if_not_exists(...)): appends without a read, atomic per item
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html).
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { id: { S: key } },
        UpdateExpression: 'SET #times = list_append(if_not_exists(#times, :empty), :at), #expiration = :expiration',
        ExpressionAttributeNames: { '#times': 'times', '#expiration': 'expiration' },
        ExpressionAttributeValues: {
          ':empty': { L: [] },
          ':at': { L: [{ N: String(at.getTime()) }] },
          ':expiration': { N: String(Math.ceil(at.getTime() / 1000) + keepSeconds) },
        },
      }),
    );
  }

  async since(key: string, from: Date): Promise<readonly Date[]> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { id: { S: key } }, ConsistentRead: true }),
    );
    // TTL deletes late (within days), so the window is applied here, on the times themselves.
    return (Item?.times?.L ?? [])
      .map((v) => Number(v.N))
      .filter((ms) => Number.isFinite(ms) && ms >= from.getTime())
      .map((ms) => new Date(ms));
  }
}
