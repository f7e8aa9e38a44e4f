import { parseTrigger } from '../../functions/core/cloudtrail.js';
import { type Change, type RequestedRule, toChange } from '../../functions/core/change.js';
import { eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import { ignoreReason } from '../../functions/core/guards.js';
import { policyWhere } from '../../functions/core/own-roles.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import type { Policy } from '../../functions/core/policy.js';
import { describeEntry, isInternetAllow } from '../../functions/core/network-acl.js';
import { forbiddenTargetKind } from '../../functions/core/route-table.js';
import { internetCandidates } from '../../functions/core/prefix-list.js';
import { describeRule, tierCandidates, worldOpenCandidates } from '../../functions/core/security-group.js';
import { loadConfiguration } from '../config.js';
import { printLine } from '../io.js';
import { readEvents } from '../trail.js';

/** What LayerGuard reads in one event, before it looks at the live network. */
export interface Explanation {
  readonly eventId: string;
  readonly eventName: string;
  /** The deployed rules (by name) whose pattern matches the event. */
  readonly triggers: string[];
  readonly change?: Change;
  /** What could be drift, judged from the event alone; the live state decides. */
  readonly candidates: string[];
  /** Why the handler would ignore the event before reading anything, if it would. */
  readonly ignored?: string;
  readonly notes: string[];
}

function candidatesOf(change: Change, policy: Policy): string[] {
  switch (change.kind) {
    case 'sg-ingress': {
      const open = worldOpenCandidates(change.rules, policy);
      const tiers = tierCandidates(change.rules, policy).filter((r) => !open.includes(r));
      const named = (r: RequestedRule) => `${change.groupId ?? change.groupName}: ${describeRule(r)}${r.ruleId ? ` (${r.ruleId})` : ''}`;
      return [
        ...open.map((r) => named(r) + (r.prefixListId && !r.cidrIpv4 && !r.cidrIpv6 ? ': drift if an entry of the list is the internet' : '')),
        ...tiers.map((r) => `${named(r)}: drift if the group is in a tier that its source's tier may not reach (policy.tiers)`),
      ];
    }
    case 'route': {
      const kind = forbiddenTargetKind(change.target, policy);
      const dest = change.destination.cidrIpv4 ?? change.destination.cidrIpv6 ?? change.destination.prefixListId;
      return kind ? [`${change.routeTableId}: route ${dest} to a ${kind}, drift if an isolated subnet uses the table`] : [];
    }
    case 'association':
      return [
        `${change.subnetId ?? change.previousAssociationId} now on ${change.routeTableId}: drift if the subnet is isolated and the table has an internet route`,
      ];
    case 'disassociation':
      return [
        `the subnet of ${change.associationId} now on its VPC's main table: drift if the subnet is isolated and the main table has an internet route`,
      ];
    case 'nacl-entry':
      return isInternetAllow(change.entry, policy)
        ? [`${change.networkAclId}: ${describeEntry(change.entry)}, drift if isolated subnets use the network ACL (or it is tagged as isolated) and no lower deny shadows it`]
        : [];
    case 'nacl-association':
      return [
        `the subnet of ${change.previousAssociationId} now on ${change.networkAclId}: drift if the subnet is isolated and the network ACL admits the internet`,
      ];
    case 'prefix-list-entries':
      return internetCandidates(change, policy).map(
        (cidr) => `${change.prefixListId}: entry ${cidr} added, drift if the list is customer-managed, not exempt, and a guarded group's ingress names it`,
      );
  }
}

export function explain(input: unknown, given: Policy, stackName?: string): Explanation {
  const parsed = parseTrigger(input);
  // The rules and the guard as deployed where the event happened: they know that stack's own roles.
  const policy = policyWhere(given, parsed.record, { stackName });
  const notes: string[] = [];
  const bare = !(input as Record<string, unknown>).detail;
  if (bare) notes.push('a bare CloudTrail record: matched against the rules as EventBridge would deliver it');
  const rules = buildRulePatterns(policy, { gameday: true });
  const triggers = matchingRules(rules, bare ? eventBridgeEnvelope(input as Record<string, unknown>) : input);
  const ignored = ignoreReason(parsed.record, policy);
  const change = ignored ? undefined : toChange(parsed.record);
  return {
    eventId: parsed.record.eventID,
    eventName: parsed.record.eventName,
    triggers,
    ...(change ? { change } : {}),
    candidates: change ? candidatesOf(change, policy) : [],
    ...(ignored ? { ignored } : {}),
    notes,
  };
}

/** `layerguard explain FILE…`: every event in the files (trail files, lookup-events output, stdin too). */
export function runExplain(files: string[], opts: { json?: boolean; policy?: string; config?: string }): number {
  const { policy, config } = loadConfiguration(opts);
  for (const event of readEvents(files)) {
    const result = explain(event.input, policy, config.stackName);
    if (opts.json) {
      printLine(JSON.stringify(result));
      continue;
    }
    printLine(`${result.eventName} ${result.eventId}${event.source.includes('#') ? ` (${event.source})` : ''}`);
    printLine(`  rules that match: ${result.triggers.length ? result.triggers.join(', ') : 'none (no LayerGuard function would be invoked)'}`);
    if (result.ignored) printLine(`  ignored: ${result.ignored}`);
    if (result.change) printLine(`  change: ${JSON.stringify(result.change)}`);
    printLine(`  candidate drift: ${result.candidates.length ? '' : 'none'}`);
    for (const c of result.candidates) printLine(`    - ${c}`);
    for (const n of result.notes) printLine(`  note: ${n}`);
  }
  return 0;
}
