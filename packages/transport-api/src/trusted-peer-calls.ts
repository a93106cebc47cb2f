import {
  PutTrustedPeerRequestSchema,
  parseInput,
  RateCapSchema,
  Routes,
  TrustedPeerListSchema,
  TrustedPeerSchema,
  type TrustedPeer as WireTrustedPeer,
} from "@assmbl/core";
import { z } from "zod";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import { wireDate } from "./dates.js";
import type { ApiHttp } from "./http.js";
import { peerAgentIdOf } from "./ids.js";

/**
 * A trusted peer's rate cap: at most `maxMessages` messages from it in any `windowSeconds`.
 *
 * @example
 * const cap: RateCap = { maxMessages: 10, windowSeconds: 3600 };
 */
export interface RateCap {
  maxMessages: number;
  windowSeconds: number;
}

/**
 * Options of {@link AgentMailClient.putTrustedPeer}.
 *
 * @example
 * await client.putTrustedPeer("report-bot", { rateCap: { maxMessages: 10, windowSeconds: 60 } });
 */
export interface PutTrustedPeerInput {
  /** Absent or `null`: trusted without a cap (a PUT replaces any earlier cap). */
  rateCap?: RateCap | null | undefined;
}

/**
 * A peer agent this agent trusts.
 *
 * @example
 * for (const peer of await client.listTrustedPeers()) console.log(peer.peerAgentId, peer.rateCap);
 */
export interface TrustedPeer {
  peerAgentId: string;
  rateCap: RateCap | null;
  createdAt: Date;
}

// camelCase of the wire's rate cap, each field its own schema (same bounds).
const cap = RateCapSchema.shape;

/** {@link PutTrustedPeerInput}, checked. @internal */
export const PutTrustedPeerInputSchema = z
  .strictObject({
    rateCap: z
      .strictObject({ maxMessages: cap.max_messages, windowSeconds: cap.window_seconds })
      .nullable()
      .optional(),
  })
  .optional();

function toTrustedPeer(wire: WireTrustedPeer): TrustedPeer {
  return {
    peerAgentId: wire.peer_agent_id,
    rateCap: wire.rate_cap
      ? { maxMessages: wire.rate_cap.max_messages, windowSeconds: wire.rate_cap.window_seconds }
      : null,
    createdAt: wireDate(wire.created_at, `trusted peer ${wire.peer_agent_id}: created_at`),
  };
}

/**
 * The trusted-peer calls of the client (see `AgentMailClient`). PUT and DELETE are idempotent:
 * retried like the client's other calls; a DELETE retried after a lost answer that finds the peer
 * gone (the API's own 404, not a proxy's) succeeds.
 *
 * @internal
 * @example
 * const calls = trustedPeerCalls(http);
 * await calls.putTrustedPeer("report-bot", { rateCap: null });
 */
export function trustedPeerCalls(
  http: ApiHttp,
): Pick<AgentMailClient, "putTrustedPeer" | "listTrustedPeers" | "deleteTrustedPeer"> {
  return {
    async putTrustedPeer(peerAgentId, input, callOptions) {
      const what = "putTrustedPeer";
      const signal = signalOf(callOptions, what);
      const peer = peerAgentIdOf(peerAgentId);
      const given = parseInput(PutTrustedPeerInputSchema, input, "putTrustedPeer input");
      const rateCap = given?.rateCap;
      const json = parseInput(
        PutTrustedPeerRequestSchema,
        {
          rate_cap: rateCap
            ? { max_messages: rateCap.maxMessages, window_seconds: rateCap.windowSeconds }
            : null,
        },
        "putTrustedPeer input",
      );
      const { body } = await http.call({
        route: Routes.putTrustedPeer,
        params: { peer_agent_id: peer },
        json,
        schema: TrustedPeerSchema,
        what: `${what}(${peer})`,
        signal,
      });
      return toTrustedPeer(body);
    },
    async listTrustedPeers(callOptions) {
      const what = "listTrustedPeers";
      const signal = signalOf(callOptions, what);
      const { body } = await http.call({
        route: Routes.listTrustedPeers,
        schema: TrustedPeerListSchema,
        what,
        signal,
      });
      return body.items.map(toTrustedPeer);
    },
    async deleteTrustedPeer(peerAgentId, callOptions) {
      const what = "deleteTrustedPeer";
      const signal = signalOf(callOptions, what);
      const peer = peerAgentIdOf(peerAgentId);
      // Gone after an attempt that may have deleted it (and the API's own 404) is done.
      await http.call({
        route: Routes.deleteTrustedPeer,
        params: { peer_agent_id: peer },
        what: `${what}(${peer})`,
        signal,
        goneAfterAmbiguousIsSuccess: true,
      });
    },
  };
}
