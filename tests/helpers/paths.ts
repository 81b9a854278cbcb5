import * as path from "node:path";

/** The project root, for tests that read its files. */
export const ROOT = path.resolve(__dirname, "../..");
