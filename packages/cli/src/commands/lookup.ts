import { inspectPublicKey } from "@assmbl/crypto";
import type { Command } from "commander";
import { directoryFor } from "../config.js";
import type { CommandContext } from "../context.js";
import { printResult } from "../io.js";

/**
 * `agentmail lookup AGENT`: an agent's directory record, fresh (never from a cache): key
 * version and status, the OpenPGP fingerprint and algorithm, whether it can be encrypted to, and
 * whether agents on the Python SDK (PGPy) can use it (`inspectPublicKey(...).pgpy`: core's
 * `pgpyKeyProblems` plus signature checks). A revoked key or an agent without an OpenPGP key
 * fails with its code (exit 1): nothing can be encrypted to it.
 *
 * @example
 * registerLookup(program, context); // agentmail lookup other-agent --json
 */
export function registerLookup(program: Command, context: CommandContext): void {
  program
    .command("lookup")
    .description(
      "show an agent's key: fingerprint, algorithm, status, and whether the Python SDK can use it",
    )
    .argument("<agent>", "the agent id (the local part of its address)")
    .action(async (agent: string, _options: unknown, command: Command) => {
      const config = context.config(command);
      const record = await directoryFor(config).lookup(agent, { refresh: true });
      const report = record.openpgpPublicKey
        ? await inspectPublicKey(record.openpgpPublicKey)
        : undefined;
      const result = {
        agentId: record.agentId,
        keyVersion: record.keyVersion,
        status: record.keyStatus,
        algorithm: record.algorithm,
        keyFingerprintSha256: record.keyFingerprintSha256,
        openpgp: report && {
          fingerprint: report.fingerprint,
          algorithm: report.algorithm,
          userIds: report.userIds,
          canEncrypt: report.canEncrypt,
          revoked: report.revoked,
          expiresAt: report.expiresAt?.toISOString() ?? null,
          weak: report.weak,
          weakReasons: report.weakReasons,
        },
        pgpy: report?.pgpy ?? { compatible: false, problems: ["no OpenPGP key"] },
      };
      const lines = [
        `agent:       ${result.agentId} (key version ${result.keyVersion}, ${result.status})`,
        `identity:    ${result.algorithm} ${result.keyFingerprintSha256}`,
      ];
      if (report) {
        lines.push(
          `openpgp:     ${report.fingerprint} (${report.algorithm})`,
          `user ids:    ${report.userIds.join(", ")}`,
          `encrypt to:  ${report.canEncrypt ? "yes" : "no"}${report.weak ? ` (weak: ${report.weakReasons.join("; ")})` : ""}`,
          `python sdk:  ${report.pgpy.compatible ? "can use this key" : `cannot use this key: ${report.pgpy.problems.join("; ")}`}`,
        );
      }
      printResult(context.io, config, result, lines.join("\n"));
    });
}
