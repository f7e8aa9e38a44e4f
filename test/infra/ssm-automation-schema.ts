import { z } from 'zod';

/**
 * The content of a Systems Manager Automation document, schema version 0.3, as far as LayerGuard's
 * documents use it. cfn-lint bundles a schema for AWS::SSM::Document content
 * (cfnlint/data/schemas/other/ssm/document.json, rule E3051), but it checks `schemaVersion` only and lets
 * every other key through, so this one is written from the Systems Manager user guide:
 *
 * - top-level elements and parameter fields: "Data elements and parameters"
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html);
 * - the properties every step has: "Systems Manager Automation actions reference", "Properties shared by
 *   all actions" (…/automation-actions.html);
 * - aws:invokeLambdaFunction (…/automation-action-lamb.html) and aws:executeScript
 *   (…/automation-action-executeScript.html): their inputs, outputs and longest run.
 *
 * Only the actions written out below are known: a step with any other action is refused (a typo, or an
 * action whose inputs are not modelled here), and so is an input its action does not take. References
 * (`{{ Name }}`, `{{ Step.Output }}`) must name a parameter or an output of an earlier step.
 */

const PARAMETER_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'] as const;

const count = z.number().int().nonnegative();

const Parameter = z
  .strictObject({
    type: z.enum(PARAMETER_TYPES),
    description: z.string().optional(),
    default: z.unknown().optional(),
    allowedValues: z.array(z.string()).optional(),
    allowedPattern: z.string().optional(),
    displayType: z.enum(['textfield', 'textarea']).optional(),
    minItems: count.optional(),
    maxItems: count.optional(),
    minChars: count.optional(),
    maxChars: count.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.default === undefined) return;
    // The guide's type examples: Boolean takes only true or false ("Doesn't accept "true" or 0").
    const fits: Record<(typeof PARAMETER_TYPES)[number], (v: unknown) => boolean> = {
      String: (v) => typeof v === 'string',
      StringList: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
      Integer: (v) => Number.isInteger(v),
      Boolean: (v) => typeof v === 'boolean',
      MapList: (v) => Array.isArray(v) && v.every((m) => m !== null && typeof m === 'object'),
      StringMap: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
    };
    if (!fits[p.type](p.default)) ctx.addIssue({ code: 'custom', message: `default ${JSON.stringify(p.default)} is not a ${p.type}` });
  });

/** A step output: a JSONPath selector into the action's answer, and the type it is read as. */
const StepOutput = z.strictObject({ Name: z.string().min(1), Selector: z.string().startsWith('$'), Type: z.enum(PARAMETER_TYPES) });

/** "Properties shared by all actions" (no `outputs`: only the actions below that take it say so). */
const common = {
  name: z.string().min(1),
  description: z.string().optional(),
  maxAttempts: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  onFailure: z.union([z.literal('Abort'), z.literal('Continue'), z.string().regex(/^step:\S+$/)]).optional(),
  isEnd: z.boolean().optional(),
  nextStep: z.string().min(1).optional(),
  isCritical: z.boolean().optional(),
};

/** Each modelled action: its step schema, the outputs it always has, and the longest it may run (s). */
const ACTIONS = {
  'aws:invokeLambdaFunction': {
    step: z.strictObject({
      ...common,
      action: z.literal('aws:invokeLambdaFunction'),
      inputs: z
        .strictObject({
          FunctionName: z.string().min(1),
          Qualifier: z.string().optional(),
          InvocationType: z.enum(['Event', 'RequestResponse', 'DryRun']).optional(),
          LogType: z.enum(['None', 'Tail']).optional(),
          ClientContext: z.string().optional(),
          Payload: z.string().optional(),
          InputPayload: z.record(z.string(), z.unknown()).optional(),
        })
        // "If Tail, the invocation type must be RequestResponse."
        .refine((i) => i.LogType !== 'Tail' || (i.InvocationType ?? 'RequestResponse') === 'RequestResponse', {
          message: 'LogType Tail needs InvocationType RequestResponse',
        }),
    }),
    outputs: ['StatusCode', 'FunctionError', 'LogResult', 'Payload'],
    maxSeconds: 300,
  },
  'aws:executeScript': {
    step: z.strictObject({
      ...common,
      action: z.literal('aws:executeScript'),
      inputs: z
        .strictObject({
          // Python 3.6 to 3.8 can no longer be used in a new runbook (the page's notice).
          Runtime: z.string().regex(/^(python3\.(9|1\d)|PowerShell \d+\.\d+)$/, 'a supported Python (3.9 or later) or PowerShell runtime'),
          Handler: z.string().min(1).optional(),
          InputPayload: z.record(z.string(), z.unknown()).optional(),
          Script: z.string().min(1).optional(),
          Attachment: z.string().min(1).optional(),
        })
        .refine((i) => i.Script !== undefined || i.Attachment !== undefined, { message: 'a Script or an Attachment' })
        .refine((i) => !i.Runtime.startsWith('python') || i.Handler !== undefined, { message: 'a Python script needs its Handler' }),
      outputs: z.array(StepOutput).optional(),
    }),
    outputs: ['Payload'],
    maxSeconds: 600,
  },
} as const;
type ActionName = keyof typeof ACTIONS;

const Step = z.discriminatedUnion('action', [ACTIONS['aws:invokeLambdaFunction'].step, ACTIONS['aws:executeScript'].step]);
type Step = z.infer<typeof Step>;

/** Every `{{ ref }}` in a value (strings at any depth). */
function referencesIn(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1] as string);
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(referencesIn);
  return [];
}

const outputsOf = (step: Step): string[] => [
  ...ACTIONS[step.action as ActionName].outputs,
  ...('outputs' in step && step.outputs ? step.outputs.map((o) => o.Name) : []),
];

export const AutomationDocumentSchema = z
  .strictObject({
    schemaVersion: z.literal('0.3'),
    description: z.string().optional(),
    assumeRole: z.string().optional(),
    parameters: z.record(z.string().min(1), Parameter).optional(),
    mainSteps: z.array(Step).min(1),
    outputs: z.array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, 'an output is Step.Output')).optional(),
    files: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((doc, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    const names = doc.mainSteps.map((s) => s.name);
    const known = new Set(Object.keys(doc.parameters ?? {}));
    for (const [i, step] of doc.mainSteps.entries()) {
      if (names.indexOf(step.name) !== i) problem(`step name ${step.name} is not unique`);
      const longest = ACTIONS[step.action as ActionName].maxSeconds;
      if ((step.timeoutSeconds ?? 0) > longest) problem(`${step.name}: ${step.action} runs ${longest} s at most`);
      for (const ref of referencesIn(step.inputs)) {
        // Automation's system variables (automation:EXECUTION_ID, global:REGION, ...) are always there.
        if (!known.has(ref) && !/^(automation|global):/.test(ref)) problem(`${step.name}: {{ ${ref} }} names no parameter or earlier output`);
      }
      for (const next of [step.nextStep, step.onFailure?.startsWith('step:') ? step.onFailure.slice(5) : undefined]) {
        if (next !== undefined && !names.includes(next)) problem(`${step.name}: no step ${next}`);
      }
      for (const output of outputsOf(step)) known.add(`${step.name}.${output}`);
    }
    for (const ref of referencesIn(doc.assumeRole ?? '')) if (!known.has(ref)) problem(`assumeRole: {{ ${ref} }} is no parameter`);
    for (const output of doc.outputs ?? []) if (!known.has(output)) problem(`output ${output} is no step's output`);
  });

/** Every problem of a document's content, as `path: message`; none when it is valid. */
export function automationProblems(content: unknown): string[] {
  const result = AutomationDocumentSchema.safeParse(content);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`);
}
