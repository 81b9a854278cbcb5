/**
 * Ports on the loopback interface for the local stack. A stack reserves its port before the boot path starts and
 * holds it while it runs, so two stacks started at once never pick the same one: the reservation is a listening
 * socket in Linux's abstract socket namespace, named for the port, which the kernel releases when the process
 * ends however it ends (no lock file to go stale). Elsewhere only the bind check applies.
 */
import { createServer, type Server } from "node:net";

/** Whether the port can be bound on 127.0.0.1 right now; resolves the bound port (useful for 0), or undefined. */
function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(undefined));
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** The preferred port when it is free on the loopback interface, else one the kernel picks. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined) {
    const p = await tryBind(preferred);
    if (p !== undefined) return p;
  }
  const p = await tryBind(0);
  if (p === undefined) throw new Error("no free port on 127.0.0.1");
  return p;
}

export class PortBusy extends Error {
  override name = "PortBusy";
  constructor(
    readonly port: number,
    readonly by: "local stack" | "process",
  ) {
    super(by === "local stack" ? `port ${port} is reserved by another local stack` : `port ${port} is in use on 127.0.0.1 by another process`);
  }
}

export interface PortReservation {
  port: number;
  release(): Promise<void>;
}

const LOCKS = process.platform === "linux";

/** Holds the stack-wide reservation of a port, or resolves undefined when another process holds it. */
function lock(port: number): Promise<Server | undefined> {
  if (!LOCKS) return Promise.resolve(createServer());
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(undefined));
    srv.listen(`\0hybrid-inference/port/${port}`, () => resolve(srv));
  });
}

const closeServer = (srv: Server) => new Promise<void>((r) => (srv.listening ? srv.close(() => r()) : r()));

async function reserveExactly(port: number): Promise<PortReservation> {
  const held = await lock(port);
  if (!held) throw new PortBusy(port, "local stack");
  if ((await tryBind(port)) === undefined) {
    await closeServer(held);
    throw new PortBusy(port, "process");
  }
  held.unref();
  return { port, release: () => closeServer(held) };
}

/**
 * Reserves a port for a stack: `exact` must be that port (a PortBusy error otherwise); else `preferred` when it is
 * free and unreserved, else any free port.
 */
export async function reservePort(o: { exact?: number; preferred?: number }): Promise<PortReservation> {
  if (o.exact !== undefined) return reserveExactly(o.exact);
  if (o.preferred !== undefined) {
    try {
      return await reserveExactly(o.preferred);
    } catch (e) {
      if (!(e instanceof PortBusy)) throw e;
    }
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    try {
      return await reserveExactly(port);
    } catch (e) {
      if (!(e instanceof PortBusy)) throw e;
    }
  }
  throw new Error("could not reserve a free port on 127.0.0.1 in 20 attempts");
}
