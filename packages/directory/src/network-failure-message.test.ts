// What a user reads when the directory cannot be reached: the host and port it tried and the
// cause code, never the token. Against a real closed loopback port.

import { AgentMailError } from "@assmbl/core";
import { closedPort } from "@assmbl/testing/ports";
import { describe, expect, it } from "vitest";
import { createDirectory } from "./directory.js";

const TOKEN = "am_directory_network_token_0123456789";

describe("a refused connection names the host and the cause", () => {
  it("createDirectory(...).lookup()", async () => {
    const port = await closedPort();
    const directory = createDirectory({
      baseUrl: `http://127.0.0.1:${port}`,
      token: TOKEN,
      retry: { limit: 0 },
    });
    const error = await directory.lookup("other-agent").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
    expect(error.code).toBe("directory_unavailable");
    expect(error.message).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(error.message).not.toContain(TOKEN);
    expect(error.cause).toBeInstanceOf(Error);
  });
});
