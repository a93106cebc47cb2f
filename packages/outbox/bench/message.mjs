/** The benchmark's message: a 2 KB text body, encrypted to the reader, under its own key. */
export function benchMessage(access, idempotencyKey) {
  return {
    to: access.to,
    subject: "bench",
    text: "x".repeat(2048),
    encrypt: true,
    idempotencyKey,
  };
}
