import { assert, assertEquals, assertThrows } from "../assert.ts";
import { run } from "../helpers.ts";
import { type Device, evaluate, parseRules } from "./_udev.ts";

const SYSTEMD = new URL("../../systemd/", import.meta.url).pathname;
const RULES = `${SYSTEMD}90-ferry-media.rules`;
const UNIT = `${SYSTEMD}ferry-media@.service`;

Deno.test('the udev rule file is only comments and KEY op "value" lists, with no RUN', async () => {
  const rules = parseRules(await Deno.readTextFile(RULES));
  assert(rules.length >= 5, `${rules.length} rules`);
  const items = rules.flatMap((r) => r.items);
  const keys = new Set(items.map((it) => it.key.replace(/\{.*/, "")));
  for (const forbidden of ["RUN", "PROGRAM", "IMPORT"]) {
    assert(!keys.has(forbidden), `the rule must not run programs (${forbidden})`);
  }
  const labels = items.filter((it) => it.key === "LABEL").map((it) => it.value);
  assertEquals(new Set(labels).size, labels.length, "labels are unique");
  for (const goto of items.filter((it) => it.key === "GOTO")) {
    assert(labels.includes(goto.value), `GOTO ${goto.value} has a LABEL`);
  }
});

Deno.test("the rules reader itself rejects malformed lines (so the check above can fail)", () => {
  assertThrows(() => parseRules('ACTION=="add" SUBSYSTEM=="block"'), SyntaxError, "line 1");
  assertThrows(() => parseRules('ACTION="add"'), SyntaxError, "ACTION cannot be used with =");
  assertThrows(() => parseRules('ENV{X}=="1", GOTO=="x"'), SyntaxError);
  assertThrows(() => parseRules("\n\nKERNEL==sda"), SyntaxError, "line 3");
  assertEquals(parseRules('# c\nKERNEL=="sd*", \\\n  TAG+="x"\n')[0]?.line, 2);
});

function usbStick(over: Partial<Device> = {}, env: Record<string, string> = {}): Device {
  return {
    action: "add",
    subsystem: "block",
    kernel: "sdb1",
    env: {
      ID_BUS: "usb",
      ID_FS_USAGE: "filesystem",
      ID_FS_TYPE: "vfat",
      ID_PATH: "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1.3:1.0-scsi-0:0:0:0",
      ...env,
    },
    ...over,
  };
}

Deno.test("the udev rule asks systemd for ferry-media@NAME only for USB filesystems", async () => {
  const rules = parseRules(await Deno.readTextFile(RULES));
  const wants = (dev: Device) => evaluate(rules, dev).env["SYSTEMD_WANTS"];
  assertEquals(wants(usbStick()), "ferry-media@sdb1.service");
  assert(evaluate(rules, usbStick()).tags!.includes("systemd"));
  assertEquals(wants(usbStick({ kernel: "sdc" })), "ferry-media@sdc.service", "no partition table");
  assertEquals(wants(usbStick({ action: "change" })), "ferry-media@sdb1.service");
  assertEquals(wants(usbStick({}, { ID_BUS: "scsi" })), "ferry-media@sdb1.service", "via ID_PATH");
  const none: [string, Device][] = [
    ["removal", usbStick({ action: "remove" })],
    ["whole disk with partitions", usbStick({ kernel: "sdb" }, { ID_FS_USAGE: "" })],
    ["swap", usbStick({}, { ID_FS_USAGE: "other" })],
    ["encrypted", usbStick({}, { ID_FS_USAGE: "crypto" })],
    ["opted out", usbStick({}, { FERRY_MEDIA_IGNORE: "1" })],
    ["not a block device", usbStick({ subsystem: "usb" })],
    ["SD card", {
      action: "add",
      subsystem: "block",
      kernel: "mmcblk0p1",
      env: { ID_FS_USAGE: "filesystem", ID_PATH: "platform-fe340000.mmc" },
    }],
    [
      "SATA disk",
      usbStick({ kernel: "sda1" }, { ID_BUS: "ata", ID_PATH: "pci-0000:00:17.0-ata-1" }),
    ],
  ];
  for (const [what, dev] of none) assertEquals(wants(dev), undefined, what);
});

/** Reads a unit file into section -> key -> values. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new SyntaxError(`unit line ${i + 1}: ${JSON.stringify(raw)}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

Deno.test("the unit is a oneshot that only calls systemd-mount with safe options", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT));
  assertEquals([...unit.keys()], ["Unit", "Service"]);
  assert(unit.get("Unit")!.get("Description")![0]!.includes("%i"));
  const service = unit.get("Service")!;
  assertEquals(service.get("Type"), ["oneshot"]);
  const exec = service.get("ExecStart")!;
  assertEquals(exec.length, 1);
  const argv = exec[0]!.split(/\s+/);
  assertEquals(argv[0], "/usr/bin/systemd-mount");
  for (const flag of ["--no-block", "--automount=no", "--collect"]) {
    assert(argv.includes(flag), `ExecStart has ${flag}`);
  }
  const options = argv.find((a) => a.startsWith("--options="))!.slice(10).split(",");
  for (const o of ["nosuid", "nodev", "noexec"]) assert(options.includes(o), `mount option ${o}`);
  assertEquals(argv.slice(-2), ["/dev/%i", "/media/ferry-%i"]);
  const allExec = [...service.entries()].filter(([k]) => k.startsWith("Exec")).flatMap(([, v]) =>
    v
  );
  for (const line of allExec) {
    assert(!/\b(ferry|deno)\s/.test(line), `the unit runs no ferry: ${line}`);
  }
  assertEquals(service.get("ExecCondition")?.[0]?.includes("findmnt"), true);
});

const hasAnalyze = (await run("sh", ["-c", "command -v systemd-analyze"])).code === 0;

Deno.test({
  name: "systemd-analyze verify accepts the unit without a warning, and flags a broken copy",
  ignore: !hasAnalyze,
  fn: async () => {
    const good = await run("systemd-analyze", ["verify", UNIT]);
    assertEquals([good.code, good.stderr.trim(), good.stdout.trim()], [0, "", ""]);
    const dir = await Deno.makeTempDir({ prefix: "ferry-unit-" });
    try {
      const text = await Deno.readTextFile(UNIT);
      const broken = text.replace("Type=oneshot", "Type=oneshoot").replace(
        "/usr/bin/systemd-mount",
        "/usr/bin/systemd-mount-missing",
      );
      await Deno.writeTextFile(`${dir}/ferry-media@.service`, broken);
      const bad = await run("systemd-analyze", ["verify", `${dir}/ferry-media@.service`]);
      assert(bad.code !== 0, "a missing program fails verification");
      assert(bad.stderr.includes("oneshoot"), bad.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
