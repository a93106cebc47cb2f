// pgp.py PGPKey.parse: packets are grouped behind the last key, user ID or subkey packet; trust
// packets are dropped; only the first primary key is loaded (the others are returned aside).
import type { Packet } from "../openpgp/packets.js";
import { readKey } from "./key-packets.js";
import type { KeyBlock, KeyNode, SignatureNode, UserNode } from "./model.js";
import { Report } from "./report.js";
import { readSignature, requireIssuerAndCreation } from "./signatures.js";

/**
 * Groups the packets of a key block as PGPy does, adding to `report` every packet PGPy refuses;
 * `undefined` when there is no primary key PGPy can read.
 *
 * @example
 * const block = readKeyBlock(packets, report);
 */
export function readKeyBlock(packets: readonly Packet[], report: Report): KeyBlock | undefined {
  let primary: KeyNode | undefined;
  let secret = false;
  let owner: KeyNode | UserNode | undefined;
  let blocks = 0;
  const users: UserNode[] = [];
  const subkeys: KeyNode[] = [];
  for (const [index, { tag, body }] of packets.entries()) {
    if (tag === 12) continue; // Trust packets: PGPy filters them out.
    if (tag === 5 || tag === 6) {
      blocks++;
      secret = tag === 5;
      const label = blocks === 1 ? "the primary key" : `primary key ${blocks}`;
      const node = readKey(body, secret, label, report);
      if (blocks === 1) primary = node;
      owner = blocks === 1 ? node : undefined;
    } else if (tag === 7 || tag === 14) {
      if (index === 0) report.add("the key block starts with a subkey, not a primary key");
      if ((tag === 7) !== secret) {
        report.add(
          `a ${tag === 7 ? "secret" : "public"} subkey sits in a ${secret ? "secret" : "public"} key block, which PGPy refuses (TypeError)`,
        );
      }
      const node = readKey(body, tag === 7, `subkey ${subkeys.length + 1}`, report);
      owner = blocks === 1 ? node : undefined;
      if (node && blocks === 1) subkeys.push(node);
    } else if (tag === 13 || tag === 17) {
      if (index === 0) report.add("the key block starts with a user ID, not a primary key");
      const user = {
        label: tag === 13 ? `user ID "${userIdText(body)}"` : "a user attribute",
        isUserId: tag === 13,
        signatures: [],
      };
      owner = blocks === 1 ? user : undefined;
      if (blocks === 1) users.push(user);
    } else if (tag === 2) {
      if (index === 0) report.add("the key block starts with a signature, not a primary key");
      const node = readSignature(
        body,
        `a signature on ${owner?.label ?? "the key"}`,
        report,
        false,
      );
      if (node) requireIssuerAndCreation(node, report);
      if (node && owner) owner.signatures.push(node, ...embeddedOf(node, owner, report));
    } else {
      report.add(`the key block holds a packet of tag ${tag}, which does not belong in a key`);
    }
  }
  return primary ? { primary, users, subkeys } : undefined;
}

// PGPKey.__or__: the embedded signatures (primary-key binding signatures) of a subkey binding
// signature join the key it sits on, where PGPy sorts and verifies them like any other. An
// embedded signature anywhere else is only parsed.
function embeddedOf(
  node: SignatureNode,
  owner: KeyNode | UserNode,
  report: Report,
): SignatureNode[] {
  if (node.signature.type !== 0x18 || !("keyId" in owner)) return [];
  const embedded: SignatureNode[] = [];
  for (const sub of [...node.signature.hashed, ...node.signature.unhashed]) {
    if (sub.type !== 32) continue;
    // Its parse problems were reported with the signature it sits in.
    const inner = readSignature(
      sub.body,
      `the embedded signature of ${node.where}`,
      new Report(),
      true,
    );
    if (!inner) continue;
    requireIssuerAndCreation(inner, report);
    embedded.push(inner);
  }
  return embedded;
}

function userIdText(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
