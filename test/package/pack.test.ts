import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/functions.js';
import { LayerGuard } from '../../infra/layerguard.js';
import { NO_BUNDLING } from '../infra/support.js';

/**
 * The package as a consumer gets it: built, packed, installed from the tarball into a fresh CDK app,
 * and synthesised there by plain `node` with the defaults, where neither esbuild, Docker nor tsx can be
 * reached (a PATH holding only node; none of them in the app's node_modules).
 */
type Resource = { Type: string; Properties: Record<string, unknown> };
const run = (file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(file, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('npm pack: the construct in a fresh CDK app', () => {
  const work = mkdtempSync(join(tmpdir(), 'layerguard-pack-'));
  const consumer = join(work, 'app');
  let resources: Record<string, Resource>;

  beforeAll(() => {
    run(process.execPath, [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-package.ts'], PROJECT_ROOT);
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], PROJECT_ROOT).trim().split('\n').pop() as string;
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        // The versions this repository's lock file has: their tarballs are in npm's cache already.
        dependencies: { layerguard: `file:${join(work, tarball)}`, 'aws-cdk-lib': versionOf('aws-cdk-lib'), constructs: versionOf('constructs') },
      }),
    );
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
    writeFileSync(
      join(consumer, 'app.mjs'),
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import { LayerGuard } from 'layerguard';",
        "const app = new App({ outdir: 'cdk.out' });",
        "new LayerGuard(new Stack(app, 'Guarded'), 'LayerGuard');",
        'app.synth();',
      ].join('\n'),
    );
    // Only node on the PATH: no esbuild, no docker, no tsx; CDK_DOCKER too points nowhere.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    run(join(bin, 'node'), ['app.mjs'], consumer, { PATH: bin, HOME: work, CDK_DOCKER: join(work, 'no-docker') });
    const template = JSON.parse(readFileSync(join(consumer, 'cdk.out/Guarded.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    resources = template.Resources;
  }, 170_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs with neither esbuild nor a TypeScript loader, and ships no TypeScript source', () => {
    const modules = join(consumer, 'node_modules');
    for (const absent of ['esbuild', 'tsx', 'typescript', '.bin/esbuild']) expect(existsSync(join(modules, absent)), absent).toBe(false);
    expect(existsSync(join(modules, 'layerguard/functions'))).toBe(false);
    expect(existsSync(join(modules, 'layerguard/dist/functions/security-group/index.mjs'))).toBe(true);
  });

  it('synthesises the functions with their pre-bundled code as assets', () => {
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id.replace(/Function[0-9A-F]{8}$/, '')).sort()).toEqual(
      ['LayerGuardCanary', 'LayerGuardRouteTable', 'LayerGuardRunbook', 'LayerGuardSecurityGroup'],
    );
    for (const [, fn] of functions) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect((fn.Properties.Code as { S3Key: string }).S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    }
    const assets = readFileSync(join(consumer, 'cdk.out/Guarded.assets.json'), 'utf8');
    expect((assets.match(/"packaging": "zip"/g) ?? []).length).toBeGreaterThanOrEqual(4);
  });

  it('has the rules and the queues', () => {
    const ofType = (type: string) => Object.keys(resources).filter((id) => resources[id]?.Type === type);
    expect(ofType('AWS::Events::Rule').filter((id) => /^LayerGuard(SecurityGroup|RouteTable|NetworkAcl|PrefixList)Rule/.test(id))).toHaveLength(4);
    expect(ofType('AWS::SQS::Queue').some((id) => id.startsWith('LayerGuardSecurityGroupEvents'))).toBe(true);
    expect(ofType('AWS::SQS::Queue').some((id) => id.startsWith('LayerGuardRouteTableEvents'))).toBe(true);
    expect(ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(2);
  });

  it('is the template the source builds, but for the code: same IAM, environment and settings', () => {
    const app = new App({ context: NO_BUNDLING });
    new LayerGuard(new Stack(app, 'Guarded'), 'LayerGuard');
    const fromSource = Template.fromStack(app.node.findChild('Guarded') as Stack).toJSON().Resources as Record<string, Resource>;
    const withoutCode = (all: Record<string, Resource>) =>
      Object.fromEntries(
        Object.entries(all).map(([id, r]) => {
          const { Code: _code, ...properties } = r.Properties;
          return [id, { ...r, Properties: r.Type === 'AWS::Lambda::Function' ? properties : r.Properties, Metadata: undefined }];
        }),
      );
    expect(withoutCode(resources)).toEqual(withoutCode(fromSource));
  });
});
