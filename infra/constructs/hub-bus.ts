import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface HubBusProps {
  readonly busName: string;
  /** The organisation whose accounts may put events on the bus (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /** Accounts outside the organisation that may put events on it too. */
  readonly accounts: readonly string[];
}

/**
 * The hub's event bus: every member's rules forward their drift candidates to it, and the hub's rules on
 * it invoke the functions. Its resource policy lets principals of the organisation put events, and the
 * listed accounts; no one else ("Permissions for event buses in Amazon EventBridge", the organisation
 * example: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html; the key:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid).
 */
export class HubBus extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: HubBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName,
      description: "LayerGuard hub: the organisation's drift candidates, forwarded by every member's rules",
    });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationMembersForward',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    if (props.accounts.length > 0) {
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'ListedAccountsForward',
          principals: props.accounts.map((a) => new iam.AccountPrincipal(a)),
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
        }),
      );
    }
  }
}
