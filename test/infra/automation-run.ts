import { spawnSync } from 'node:child_process';

/**
 * A test model of how Systems Manager runs one of LayerGuard's Automation documents, enough to run their
 * steps here: the parameters checked against their declared type, `allowedPattern` and `maxChars`
 * (user guide, "Data elements and parameters"), `{{ ref }}` resolved, each aws:executeScript handler run
 * by a local Python 3 on the document's own Script, and the invocation answered by the caller.
 *
 * What it assumes of Systems Manager, with the reason the documents do not depend on it:
 * - a value that is exactly one `{{ ref }}` keeps its type, one inside a longer string is its text: the
 *   scripts accept a Boolean as a bool or as its text, and the invocation's Payload as text or parsed;
 * - a step's `$.Payload.x` selector reads the handler's returned `x` (aws:executeScript: "Payload: the
 *   JSON representation of the object returned by your function").
 */

export type Vars = Record<string, unknown>;

interface Step {
  readonly name: string;
  readonly action: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs?: ReadonlyArray<{ readonly Name: string; readonly Selector: string }>;
}
export interface AutomationContent {
  readonly parameters: Record<string, { type: string; default?: unknown; allowedPattern?: string; maxChars?: number }>;
  readonly mainSteps: readonly Step[];
  readonly outputs: readonly string[];
}

/** What the invocation step answers (aws:invokeLambdaFunction's outputs). */
export interface Invocation {
  readonly StatusCode: number;
  readonly FunctionError?: string;
  readonly Payload: string;
}

export type AutomationResult =
  | { readonly status: 'Success'; readonly outputs: Vars }
  | { readonly status: 'Failed'; readonly step: string; readonly reason: string };

/** The parameters a start would run with, or the reason Systems Manager refuses to start. */
export function startParameters(content: AutomationContent, given: Vars): Vars {
  const unknown = Object.keys(given).filter((k) => !(k in content.parameters));
  if (unknown.length > 0) throw new Error(`unknown parameter ${unknown.join(', ')}`);
  const values: Vars = {};
  for (const [name, p] of Object.entries(content.parameters)) {
    const value = name in given ? given[name] : p.default;
    if (value === undefined) throw new Error(`${name} is required`);
    if (p.type === 'Boolean' && typeof value !== 'boolean') throw new Error(`${name} must be true or false`);
    if (p.type === 'String') {
      if (typeof value !== 'string') throw new Error(`${name} must be a string`);
      if (p.allowedPattern !== undefined && !new RegExp(p.allowedPattern).test(value)) throw new Error(`${name} does not match ${p.allowedPattern}`);
      if (p.maxChars !== undefined && value.length > p.maxChars) throw new Error(`${name} is longer than ${p.maxChars}`);
    }
    values[name] = value;
  }
  return values;
}

/** `{{ ref }}` resolved in a value, at any depth. */
export function resolveRefs(value: unknown, vars: Vars): unknown {
  const lookup = (ref: string) => {
    if (!(ref in vars)) throw new Error(`{{ ${ref} }} is not set`);
    return vars[ref];
  };
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([^}\s]+)\s*\}\}$/.exec(value);
    if (whole) return lookup(whole[1] as string);
    return value.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, ref: string) => String(lookup(ref)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, vars));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, vars)]));
  return value;
}

const HARNESS = `
import json, sys
request = json.load(sys.stdin)
scope = {}
exec(compile(request['script'], 'runbook-automation.py', 'exec'), scope)
try:
    print(json.dumps({'returned': scope[request['handler']](request['events'], None)}))
except scope['RunbookFailed'] as error:
    print(json.dumps({'failed': str(error)}))
`;

/** Runs one handler of a Script with Python 3, as aws:executeScript does: `{ returned }` or `{ failed }`. */
export function runScript(script: string, handler: string, events: unknown): { returned?: Record<string, unknown>; failed?: string } {
  const run = spawnSync('python3', ['-c', HARNESS], { input: JSON.stringify({ script, handler, events }), encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as { returned?: Record<string, unknown>; failed?: string };
}

/** `$.Payload.a.b` read from an aws:executeScript step's answer `{ Payload: returned }`. */
const select = (answer: unknown, selector: string): unknown =>
  selector
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Vars)[key] : undefined), answer);

/** Runs the document's steps in order; the first failed step fails the automation (onFailure: Abort). */
export async function runAutomation(
  content: AutomationContent,
  given: Vars,
  invoke: (payload: unknown) => Promise<Invocation>,
): Promise<AutomationResult> {
  const vars = startParameters(content, given);
  for (const step of content.mainSteps) {
    const inputs = resolveRefs(step.inputs, vars) as Vars;
    if (step.action === 'aws:invokeLambdaFunction') {
      const answer = await invoke(inputs.Payload);
      for (const [k, v] of Object.entries(answer)) vars[`${step.name}.${k}`] = v;
      continue;
    }
    if (step.action !== 'aws:executeScript') throw new Error(`${step.action} is not modelled here`);
    const result = runScript(inputs.Script as string, inputs.Handler as string, inputs.InputPayload ?? {});
    if (result.failed !== undefined) return { status: 'Failed', step: step.name, reason: result.failed };
    vars[`${step.name}.Payload`] = result.returned;
    for (const o of step.outputs ?? []) vars[`${step.name}.${o.Name}`] = select({ Payload: result.returned }, o.Selector);
  }
  return { status: 'Success', outputs: Object.fromEntries(content.outputs.map((o) => [o, vars[o]])) };
}

/** Whether a Python 3 is on PATH (CI has one: cfn-lint runs on it). */
export const pythonMissing =
  (spawnSync('python3', ['--version'], { encoding: 'utf8' }).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
