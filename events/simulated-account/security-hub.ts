import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';

/**
 * Security Hub as the game day's simulated account has it: findings by Id, behind a client that answers
 * the two calls the channel makes (functions/adapters/security-hub.ts), so the game day runs the real
 * channel. As AWS documents: BatchImportFindings creates a finding, or updates an existing one except
 * its Workflow and Note, which only BatchUpdateFindings changes ("Using BatchImportFindings to create and
 * update findings", Security Hub User Guide); BatchUpdateFindings of an unknown finding answers it among
 * `UnprocessedFindings` with `FindingNotFound`.
 */
export class SimulatedSecurityHub {
  readonly findings = new Map<string, AwsSecurityFinding>();

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      if (command instanceof BatchImportFindingsCommand) return this.#import(command.input.Findings ?? []);
      if (command instanceof BatchUpdateFindingsCommand) return this.#update(command.input);
      throw new Error(`the simulated Security Hub does not answer ${(command as object)?.constructor?.name}`);
    },
  } as unknown as SecurityHubClient;

  #import(findings: readonly AwsSecurityFinding[]) {
    for (const f of findings) {
      const existing = f.Id ? this.findings.get(f.Id) : undefined;
      this.findings.set(f.Id as string, existing ? { ...f, Workflow: existing.Workflow, Note: existing.Note } : f);
    }
    return { SuccessCount: findings.length, FailedCount: 0, FailedFindings: [] };
  }

  #update(input: BatchUpdateFindingsCommandInput) {
    const processed = [];
    const unprocessed = [];
    for (const id of input.FindingIdentifiers ?? []) {
      const existing = this.findings.get(id.Id as string);
      if (!existing) {
        unprocessed.push({ FindingIdentifier: id, ErrorCode: 'FindingNotFound', ErrorMessage: 'not found' });
        continue;
      }
      this.findings.set(id.Id as string, {
        ...existing,
        ...(input.Workflow ? { Workflow: input.Workflow } : {}),
        ...(input.Note ? { Note: { Text: input.Note.Text, UpdatedBy: input.Note.UpdatedBy, UpdatedAt: new Date().toISOString() } } : {}),
      } as AwsSecurityFinding);
      processed.push(id);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }

  /** What the findings say, for a scorecard: none, all resolved, some still open, or suppressed. */
  state(): 'none' | 'resolved' | 'open' | 'suppressed' {
    const all = [...this.findings.values()];
    if (all.length === 0) return 'none';
    if (all.some((f) => f.Workflow?.Status === 'NEW' || f.Workflow?.Status === 'NOTIFIED')) return 'open';
    if (all.every((f) => f.Workflow?.Status === 'SUPPRESSED')) return 'suppressed';
    return all.every((f) => f.Workflow?.Status === 'RESOLVED' && f.Compliance?.Status === 'PASSED') ? 'resolved' : 'open';
  }
}
