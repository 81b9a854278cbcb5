import { createServer } from "node:net";

/** The preferred port when it is free on the loopback interface, else one the kernel picks. */
export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(undefined));
      srv.listen(port, "127.0.0.1", () => {
        const addr = srv.address();
        const got = typeof addr === "object" && addr ? addr.port : undefined;
        srv.close(() => resolve(got));
      });
    });
  if (preferred !== undefined) {
    const p = await tryPort(preferred);
    if (p !== undefined) return p;
  }
  const p = await tryPort(0);
  if (p === undefined) throw new Error("no free port on 127.0.0.1");
  return p;
}
