import type { SuiteTest } from "../framework";
import { chat } from "./chat";
import { completions } from "./completions";
import { health } from "./health";
import { latency } from "./latency";
import { models } from "./models";

export const smoke: SuiteTest[] = [health, models, completions, chat, latency];
