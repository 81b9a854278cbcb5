// The local stack's reaper: a small process that outlives the stack's Node process if that one dies without
// cleaning up (SIGKILL, a crash). The stack tells it on stdin what to clean: "group <pid>" (a process group to
// stop: the boot path and llama-server) and "path <dir>" (a temporary directory). "done" means the stack cleaned
// up itself. When stdin ends without "done", the stack is gone: stop the groups (SIGTERM, SIGKILL after 5 s),
// remove the directories, exit. Plain JavaScript so it starts in milliseconds without a TypeScript loader.
import { rmSync } from "node:fs";

const groups = new Set();
const paths = new Set();
let done = false;
let buffered = "";

// The stack's own terminal signals are not for the reaper: it exits when its stdin ends.
for (const sig of ["SIGINT", "SIGHUP", "SIGTERM"]) process.on(sig, () => undefined);

const alive = (pid) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
const signal = (pid, sig) => {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
};

async function reap() {
  for (const pid of groups) signal(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while ([...groups].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of groups) if (alive(pid)) signal(pid, "SIGKILL");
  for (const p of paths) rmSync(p, { recursive: true, force: true });
  process.exit(0);
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    const [verb, ...rest] = line.split(" ");
    const arg = rest.join(" ");
    if (verb === "group" && /^\d+$/.test(arg)) groups.add(Number(arg));
    else if (verb === "path" && arg.startsWith("/")) paths.add(arg);
    else if (verb === "done") done = true;
  }
});
process.stdin.on("close", () => (done ? process.exit(0) : void reap()));
process.stdin.on("end", () => (done ? process.exit(0) : void reap()));
