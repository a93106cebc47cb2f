import { runPython } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { attachmentDisposition } from "./content-disposition.js";

// Python's email package reads RFC 2231 parameters (RFC 5987 is a profile of it): an independent
// parser of what the header says.
const PYTHON_PARAMS = `
import email, email.utils, json, sys
out = []
for header in json.load(sys.stdin):
    msg = email.message_from_string("Content-Disposition: " + header + "\\n\\n")
    params = msg.get_params(header="content-disposition")
    out.append({
        "type": params[0][0],
        "plain": [v for k, v in params[1:] if k == "filename" and isinstance(v, str)],
        "extended": [email.utils.collapse_rfc2231_value(v) for k, v in params[1:]
                     if k == "filename" and isinstance(v, tuple)],
    })
print(json.dumps(out))
`;

describe("attachmentDisposition", () => {
  const names = [
    "report.pdf",
    "résumé (1).pdf",
    'a "quoted" \\ name.txt',
    "it's *100%* done;.txt",
    "日本語.txt",
    "emoji 😀.bin",
    "tab\tand=equals,comma.csv",
  ];

  it("is one line of printable ASCII: attachment, an ASCII fallback filename and the exact name as filename*", () => {
    for (const name of names) {
      const header = attachmentDisposition(name);
      expect(header).toMatch(
        /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]+$/,
      );
      expect(header).not.toMatch(/filename\*=UTF-8''.*['()*]/);
    }
    // A lone surrogate (possible in a JSON string) is U+FFFD, as UTF-8 decoding would make it.
    expect(attachmentDisposition("a\ud800b")).toBe(
      `attachment; filename="a_b"; filename*=UTF-8''a%EF%BF%BDb`,
    );
    expect(attachmentDisposition("résumé (1).pdf")).toBe(
      `attachment; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`,
    );
  });

  it("reads back as the exact file name with an RFC 2231 parser (Python's email package)", async () => {
    const headers = names.map(attachmentDisposition);
    const out = await runPython(PYTHON_PARAMS, new TextEncoder().encode(JSON.stringify(headers)));
    const parsed = JSON.parse(out.toString("utf8")) as Array<{
      type: string;
      plain: string[];
      extended: string[];
    }>;
    expect(parsed.map((entry) => entry.type)).toEqual(names.map(() => "attachment"));
    expect(parsed.map((entry) => entry.extended)).toEqual(names.map((name) => [name]));
    // The fallback keeps what ASCII it can, with `_` for the rest.
    expect(parsed.map((entry) => entry.plain)).toEqual([
      ["report.pdf"],
      ["r_sum_ (1).pdf"],
      ["a _quoted_ _ name.txt"],
      ["it's *100%* done;.txt"],
      ["___.txt"],
      ["emoji _.bin"],
      ["tab_and=equals,comma.csv"],
    ]);
  });
});
