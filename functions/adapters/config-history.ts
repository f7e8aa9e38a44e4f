import { type ConfigServiceClient, GetResourceConfigHistoryCommand } from '@aws-sdk/client-config-service';
import type { ConfigHistory, HistoryAnswer } from '../core/restore.js';
import { errorCode } from './ec2-errors.js';

/**
 * The `ConfigHistory` port on @aws-sdk/client-config-service: the configuration item of a resource
 * captured just before a change (GetResourceConfigHistory, AWS Config API Reference).
 *
 * - `laterTime` one second before the change: "The chronologically latest time in the time range for
 *   which the history requested"; the item Config records for the change itself is captured at or
 *   after the change, so it falls outside. No `earlierTime`: then the history "contain[s]
 *   configuration items that start when the first configuration item was recorded", so a group
 *   unchanged for months still has its item.
 * - `chronologicalOrder: 'Reverse'`, `limit: 1`: the newest item of that range only.
 * - `ResourceNotDiscoveredException` ("a resource that is either unknown or has not been discovered"):
 *   Config does not record it. Every failure (that, access denied, throttling after the SDK's retries)
 *   is a reason, not an error: the revert must not wait on Config, so it falls back to a revoke.
 */
export function createConfigHistory(client: ConfigServiceClient): ConfigHistory {
  return {
    async previous(resourceType, resourceId, before): Promise<HistoryAnswer> {
      let items;
      try {
        const answer = await client.send(
          new GetResourceConfigHistoryCommand({
            resourceType,
            resourceId,
            laterTime: new Date(before.getTime() - 1000),
            chronologicalOrder: 'Reverse',
            limit: 1,
          }),
        );
        items = answer.configurationItems ?? [];
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ResourceNotDiscoveredException') return { why: `AWS Config has not recorded ${resourceId}` };
        return { why: `AWS Config's history of ${resourceId} could not be read (${code})` };
      }
      const item = items[0];
      if (!item) return { why: `AWS Config has no configuration item of ${resourceId} from before the change` };
      let configuration: unknown;
      try {
        configuration = JSON.parse(item.configuration ?? '');
      } catch {
        return { why: `the configuration item of ${resourceId} before the change has no readable configuration` };
      }
      return {
        item: {
          captureTime: item.configurationItemCaptureTime?.toISOString() ?? '',
          status: item.configurationItemStatus ?? '',
          configuration,
        },
      };
    },
  };
}
