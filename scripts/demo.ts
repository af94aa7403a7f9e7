/**
 * The demo behind the README's first command. It creates two nodes, the
 * shed and the house, with `ferry init`, introduces them to each other with
 * `ferry pubkey`, and checks the identities against NNCP's own tools: the
 * real `nncp-stat` reads both files, and a file sent with the real
 * `nncp-file` from the shed arrives at the house through `nncp-xfer` and
 * `nncp-toss`.
 * @module
 */

const root = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "ferry-demo-" });
const dec = new TextDecoder();

function say(text: string): void {
  console.log(`\x1b[1m==>\x1b[0m ${text}`);
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}

function ferry(args: string[]): Promise<string> {
  return run(Deno.execPath(), ["run", "-A", "--quiet", `${root}main.ts`, ...args]);
}

try {
  const nodes = ["shed", "house"] as const;
  const cfg: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const name of nodes) {
    say(`ferry init --name ${name}: a new node with fresh keys`);
    await Deno.mkdir(`${dir}/${name}/spool`, { recursive: true });
    await Deno.mkdir(`${dir}/${name}/in`, { recursive: true });
    const text = await ferry([
      "init",
      "--name",
      name,
      "--spool",
      `${dir}/${name}/spool`,
      "--incoming",
      `${dir}/${name}/in`,
    ]);
    cfg[name] = `${dir}/${name}.hjson`;
    await Deno.writeTextFile(cfg[name]!, text, { mode: 0o600 });
    ids[name] = /\bid: ([A-Z2-7]{52})/.exec(text)![1]!;
    console.log(`    ${name} is node ${ids[name]}`);
  }
  say("ferry pubkey: each node's public stanza goes into the other's neigh section");
  for (const [a, b] of [["shed", "house"], ["house", "shed"]] as const) {
    const stanza = await ferry(["--config", cfg[b]!, "pubkey"]);
    const incoming = `  incoming: "${dir}/${a}/in"\n}\n`;
    const text = await Deno.readTextFile(cfg[a]!);
    await Deno.writeTextFile(
      cfg[a]!,
      text.replace("  neigh: {\n", `  neigh: {\n${stanza.replace(/}\n$/, incoming)}`),
    );
  }
  say("nncp-stat (NNCP's own tool) reads both configurations");
  for (const name of nodes) {
    const stat = await run("nncp-stat", ["-cfg", cfg[name]!]);
    console.log(`    ${name}: nncp-stat sees ${stat.trim().split("\n").join(", ")}`);
  }
  say(
    "nncp-file on the shed, nncp-xfer to a folder standing in for a USB stick, nncp-toss at the house",
  );
  await Deno.writeTextFile(`${dir}/eggs.txt`, "12 eggs today\n");
  await run("nncp-file", ["-cfg", cfg.shed!, "-quiet", `${dir}/eggs.txt`, "house:eggs.txt"]);
  await Deno.mkdir(`${dir}/stick`);
  await run("nncp-xfer", ["-cfg", cfg.shed!, "-quiet", "-mkdir", "-tx", `${dir}/stick`]);
  await run("nncp-xfer", ["-cfg", cfg.house!, "-quiet", "-rx", `${dir}/stick`]);
  await run("nncp-toss", ["-cfg", cfg.house!, "-quiet"]);
  const got = await Deno.readTextFile(`${dir}/house/in/eggs.txt`);
  if (got !== "12 eggs today\n") throw new Error(`the house received ${JSON.stringify(got)}`);
  say(`verified: the house received eggs.txt intact; ferry's keys and ids are NNCP's`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
