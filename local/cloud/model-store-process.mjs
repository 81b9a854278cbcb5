// The S3 emulator in a process of its own, for measurements: a store served from the measuring process shares that
// process's event loop with whatever it polls, which a real store on other machines never does. Started with one
// JSON argument {port, directory, bucket}; prints "ready" on stdout once it serves; SIGTERM closes it and exits 0.
// Plain JavaScript so it starts in milliseconds without a TypeScript loader.
import S3rver from "s3rver";

const { port, directory, bucket } = JSON.parse(process.argv[2] ?? "{}");
const server = new S3rver({ port, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
await server.run();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
