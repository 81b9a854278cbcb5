import type { SuiteTest } from "../framework";
import { authTests } from "./auth";
import { chatSchema } from "./chat-schema";
import { chatStream } from "./chat-stream";
import { completionSchema } from "./completion-schema";
import { completionStream } from "./completion-stream";
import { errorCases, refusedCases } from "./errors";

export const contract: SuiteTest[] = [completionSchema, chatSchema, completionStream, chatStream, ...errorCases, ...refusedCases, ...authTests];
