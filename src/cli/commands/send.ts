/**
 * `ferry file`, `ferry exec`, `ferry freq` and `ferry ack`: queue packets
 * in the spool for neighbours (like nncp-file, nncp-exec, nncp-freq and
 * nncp-ack).
 * @module
 */

import type { Command } from "../args/mod.ts";

import { humanBytes } from "../../log/humanize.ts";
import type { NodeContext } from "../../node/context.ts";
import type { Queued } from "../../node/send.ts";
import { receivedIds, sendAck } from "../../send/ack.ts";
import { sendExec } from "../../send/exec.ts";
import { sendFile } from "../../send/file.ts";
import { sendFreq } from "../../send/freq.ts";
import type { CliContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import {
  cliArea,
  cliKiB,
  cliNice,
  cliNode,
  cliSendBase,
  loadNodeContext,
  sendingOptions,
  splitArea,
  splitNodePath,
} from "../node.ts";

interface SendOpts {
  nice: string;
  via?: string;
  minsize?: string;
}

async function logQueued(
  node: NodeContext,
  q: Queued,
  what: string,
  fields: [string, string | number][],
) {
  node.log.info("tx", {
    to: q.hop.name,
    pkt: q.id,
    size: q.size,
    what,
    ...(q.areaMsgHash
      ? { "area-msg": q.areaMsgHash, note: "toss sends it to the area's subs" }
      : {}),
  });
  await node.record("tx", [["Node", q.hop.idText], ["Pkt", q.id], ["Size", q.size], ...fields, [
    "Msg",
    `${what} (${humanBytes(q.size)}) is queued for ${q.hop.name}`,
  ]]);
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError || err instanceof CliError) throw err;
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw new CliError((err as Error).message, { cause: err });
  }
}

/** Registers the sending commands. */
export function registerSend(program: Command, ctx: CliContext): void {
  sendingOptions(
    program.command("file")
      .description("queue a file (or standard input) for a neighbour (like nncp-file)")
      .argument("<src>", "file to send, or - for standard input")
      .argument(
        "<node:dst>",
        "neighbour and name at the other end (NODE: keeps the file name), or area:AREA:[DST]",
      ),
    "B",
  )
    .option(
      "--chunked <KiB>",
      "split into chunks of this many KiB (the default is to chunk files over ferry.send.chunk-over)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry file photos.tar house:\n  ferry file --nice F report.txt house:reports/today.txt\n" +
        "  tar -c notes | ferry file - house:notes.tar\n  ferry file --chunked 1024 big.iso house:\n" +
        "  ferry file minutes.txt area:village:\n",
    )
    .action((src: string, target: string, opts: SendOpts & { chunked?: string }) =>
      guard(async () => {
        const node = await loadNodeContext(ctx);
        const areaDst = splitArea(target, true);
        const [nodeName, dstRaw] = areaDst
          ? ["self", areaDst.rest]
          : splitNodePath(target, "the destination");
        const area = areaDst ? cliArea(node, areaDst.name) : undefined;
        if (area && opts.via !== undefined) {
          throw new UsageError("--via does not apply to an area: its messages go to its subs");
        }
        const { to, nice, extra } = cliSendBase(node, nodeName, opts);
        const chunkBytes = cliKiB(opts.chunked, "--chunked");
        const sent = await sendFile(node, {
          src,
          to,
          nice,
          ...(dstRaw !== "" ? { dst: dstRaw } : {}),
          ...(chunkBytes
            ? { chunkBytes }
            : { chunkOverBytes: node.config.ferry.send.chunkOverBytes }),
          ...(area ? { area: area.peer } : {}),
          ...extra,
        });
        if (sent.autoChunkBytes !== undefined) {
          const chunks = sent.packets.length - 1;
          node.log.info("file-chunked", {
            src,
            chunks,
            "chunk-size": humanBytes(sent.autoChunkBytes),
            reason: `the file is over ferry.send.chunk-over (${humanBytes(sent.autoChunkBytes)})`,
            note: `sent as ${chunks} chunks and a .nncp.meta; ferry toss reassembles them ` +
              `by itself, on NNCP run nncp-reass`,
          });
        }
        for (const p of sent.packets) {
          const where = area ? `area ${area.area.name}` : to.name;
          await logQueued(node, p, `File ${src} as ${where}:${p.name}`, [
            ["Type", "file"],
            ["Src", src],
            ["Dst", p.name],
            ["Nice", nice],
          ]);
          ctx.out(`${p.hop.name}/${p.id}\n`);
        }
      })
    );

  sendingOptions(
    program.command("exec")
      .description(
        "queue a command for a neighbour's exec handler; standard input is its body (like nncp-exec)",
      )
      .argument("<node>", "neighbour, or area:AREA for every member of an area")
      .argument("<handle>", "exec handle configured at the neighbour (or in the area's exec)")
      .argument("[args...]", "arguments appended to the handler's command"),
    "P",
  )
    .option("--replynice <nice>", "niceness for replies the handler sends (NNCP_NICE)", "B")
    .option("--nocompress", "send the body as is (exec-fat) instead of zstd-compressed")
    .passThroughOptions()
    .addHelpText(
      "after",
      "\nExamples:\n  echo 'water the tomatoes' | ferry exec shed notify\n" +
        "  ferry exec --nice F shed sendmail root@localhost < mail.txt\n" +
        "  echo 'meeting at 8' | ferry exec area:village notify\n",
    )
    .action((
      nodeName: string,
      handle: string,
      args: string[],
      opts: SendOpts & { replynice: string; nocompress?: boolean },
    ) =>
      guard(async () => {
        const node = await loadNodeContext(ctx);
        const areaDst = splitArea(nodeName, false);
        const area = areaDst ? cliArea(node, areaDst.name) : undefined;
        if (areaDst && areaDst.rest !== "") {
          throw new UsageError(
            `an area destination looks like area:AREA, not ${JSON.stringify(nodeName)}`,
          );
        }
        if (area && opts.via !== undefined) {
          throw new UsageError("--via does not apply to an area: its messages go to its subs");
        }
        const { to, nice, extra } = cliSendBase(node, area ? "self" : nodeName, opts);
        const replyNice = cliNice(opts.replynice, "--replynice");
        const q = await sendExec(node, {
          to,
          handle,
          args,
          body: Deno.stdin,
          nice,
          replyNice,
          compress: !opts.nocompress,
          ...(area ? { area: area.peer } : {}),
          ...extra,
        });
        const where = area ? `area ${area.area.name}` : to.name;
        await logQueued(node, q, `Exec ${where}:${[handle, ...args].join(" ")}`, [
          ["Type", "exec"],
          ["Dst", [handle, ...args].join(" ")],
          ["Nice", nice],
          ["ReplyNice", replyNice],
        ]);
        ctx.out(`${q.hop.name}/${q.id}\n`);
      })
    );

  sendingOptions(
    program.command("freq")
      .description("ask a neighbour to send a file it offers in its freq.path (like nncp-freq)")
      .argument("<node:src>", "neighbour and path in its freq.path")
      .argument("[dst]", "name the file gets here (default: the last part of SRC)"),
    "N",
  )
    .option("--replynice <nice>", "niceness of the reply carrying the file", "B")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry freq house:maps/area.pmtiles\n  ferry freq house:manual.pdf docs/manual.pdf\n",
    )
    .action((target: string, dst: string | undefined, opts: SendOpts & { replynice: string }) =>
      guard(async () => {
        const [nodeName, src] = splitNodePath(target, "the source");
        if (src === "") throw new UsageError("name the file to request: NODE:PATH");
        const node = await loadNodeContext(ctx);
        const { to, nice, extra } = cliSendBase(node, nodeName, opts);
        const replyNice = cliNice(opts.replynice, "--replynice");
        const local = dst ?? src.split("/").filter((p) => p !== "").pop() ?? src;
        const q = await sendFreq(node, {
          to,
          src,
          dst: local,
          nice,
          replyNice,
          ...extra,
        });
        await logQueued(node, q, `File request ${to.name}:${src} to ${local}`, [
          ["Type", "freq"],
          ["Src", src],
          ["Dst", local],
          ["Nice", nice],
          ["ReplyNice", replyNice],
        ]);
        ctx.out(`${q.hop.name}/${q.id}\n`);
      })
    );

  program.command("ack")
    .description(
      "acknowledge packets received from a neighbour so it can delete its copies (like nncp-ack)",
    )
    .requiredOption("--node <node>", "the neighbour whose packets to acknowledge")
    .option("--pkt <id>", "only this packet (default: every packet from NODE waiting in rx)")
    .option("--nice <nice>", "niceness of the acknowledgements", "N")
    .option("--minsize <KiB>", "pad each acknowledgement to at least this size")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry ack --node house\n  ferry ack --node house --pkt 6PZXYTWOXEHDSO27J75CZ3YW2HJCA2TBBSTBGBUFEO34H3IUWK6Q\n",
    )
    .action((opts: { node: string; pkt?: string; nice: string; minsize?: string }) =>
      guard(async () => {
        const node = await loadNodeContext(ctx);
        const from = cliNode(node, opts.node);
        const nice = cliNice(opts.nice);
        const minSize = cliKiB(opts.minsize, "--minsize");
        if (opts.pkt !== undefined && !/^[A-Z2-7]{52}$/.test(opts.pkt)) {
          throw new UsageError(
            `--pkt must be a packet id (52 base32 characters), not ${JSON.stringify(opts.pkt)}`,
          );
        }
        const ids = opts.pkt !== undefined ? [opts.pkt] : await receivedIds(node, from);
        for (const id of ids) {
          const q = await sendAck(node, from, id, nice, minSize);
          await logQueued(node, q, `ACK of ${id}`, [["Type", "ack"], ["Ack", id], ["Nice", nice]]);
          ctx.out(`${q.hop.name}/${q.id}\n`);
        }
        if (ids.length === 0) {
          node.log.info("ack-nothing", { node: from.name, reason: "no packets from it in rx" });
        }
      })
    );
}
