// Python as a test peer: the runner (/usr/bin/python3), Python's `email` as an independent MIME
// reader, and the platform's Python SDK (PGPy) model. Loads nothing of the SDK's packages.
export { header, type PythonMessage, type PythonPart, parseWithPython } from "./email.js";
export { PYTHON, runPython, spawnPython } from "./run.js";
export * from "./sdk.js";
