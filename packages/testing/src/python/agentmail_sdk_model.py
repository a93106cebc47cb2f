"""A model of the AgentMail platform's Python SDK (agentmail_client), built from its public docs.

The Python SDK does its OpenPGP with PGPy (its "pgpy extra") and its MIME with Python's `email`
package. This module does what the docs say the SDK does, with the same libraries and their
defaults, so that the TypeScript SDK's tests can check both directions against a real peer:

- generate_keypair: an RSA-4096 key made with PGPy's own documented recipe, returned in the
  SDK's camelCase shape (publicKeyArmored, privateKeyArmored, directoryPublicKeyPem).
- inspect_key: whether PGPy loads a key and verifies its self-signatures, and which (sub)key a
  Python agent's encrypt picks (PGPy checks neither revocation nor expiry when it picks).
- pgp_encrypt_utf8: PGPMessage.new(text) with PGPy's defaults (ZIP compression, literal format
  'u'), encrypted to the peer's armored key.
- decrypt: PGPy's decrypt; the result is `.message` as PGPy gives it (str for 'u'/'t' literals,
  bytearray for 'b'), and which keys signed it.
- read_message: the receive side: email.policy.default, `X-AgentMail-Encrypted: body` or an
  armored body, `.asc` / application/pgp-encrypted parts, the manifest via json.loads(str(header)).
- write_message: the custom-email guide's "Option 2": an EmailMessage whose text part is the
  armored body (set_content(ciphertext, subtype="plain", charset="utf-8")), attachments, the
  X-AgentMail-* headers, then as_bytes().

- batch: several of the operations above in one process (tests batch PGPy questions).

It is a test peer, not a product: it runs as `/usr/bin/python3 agentmail_sdk_model.py` with one
JSON request on stdin ({"op": ..., "args": {...}}) and answers one JSON object on stdout. Bytes
travel as base64. PGPy comes from Debian's python3-pgpy, installed for /usr/bin/python3.
"""

import base64
import json
import re
import sys
import warnings
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pgpy
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pgpy.constants import (
    CompressionAlgorithm,
    HashAlgorithm,
    KeyFlags,
    PubKeyAlgorithm,
    SymmetricKeyAlgorithm,
)

# PGPy warns on every key it loads that is not self-signed the way it likes; tests read results.
warnings.simplefilter("ignore")

ARMOR_BEGIN = "-----BEGIN PGP MESSAGE-----"
PGP_ENCRYPTED = "application/pgp-encrypted"


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(text):
    return base64.b64decode(text)


def load_key(armored):
    key, _ = pgpy.PGPKey.from_blob(armored)
    return key


def unlocked(key, passphrase):
    """A context manager that unlocks a protected key (a no-op for an unprotected one)."""
    if key.is_protected:
        return key.unlock(passphrase or "")
    return _Nothing()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- keys ---------------------------------------------------------------------------------------


def generate_keypair(name, email, passphrase=None):
    """The docs' generate_keypair: RSA-4096 made with PGPy's documented recipe (one primary key
    that signs and encrypts, PGPy's example preferences), returned as the camelCase bundle."""
    key = pgpy.PGPKey.new(PubKeyAlgorithm.RSAEncryptOrSign, 4096)
    uid = pgpy.PGPUID.new(name, email=email)
    key.add_uid(
        uid,
        usage={KeyFlags.Sign, KeyFlags.EncryptCommunications, KeyFlags.EncryptStorage},
        hashes=[HashAlgorithm.SHA256, HashAlgorithm.SHA384, HashAlgorithm.SHA512, HashAlgorithm.SHA224],
        ciphers=[SymmetricKeyAlgorithm.AES256, SymmetricKeyAlgorithm.AES192, SymmetricKeyAlgorithm.AES128],
        compression=[
            CompressionAlgorithm.ZLIB,
            CompressionAlgorithm.BZ2,
            CompressionAlgorithm.ZIP,
            CompressionAlgorithm.Uncompressed,
        ],
    )
    material = key._key.keymaterial
    spki = (
        rsa.RSAPublicNumbers(int(material.e), int(material.n))
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    if passphrase:
        key.protect(passphrase, SymmetricKeyAlgorithm.AES256, HashAlgorithm.SHA256)
    return {
        "publicKeyArmored": str(key.pubkey),
        "privateKeyArmored": str(key),
        "directoryPublicKeyPem": spki,
        "fingerprint": str(key.fingerprint).replace(" ", "").lower(),
    }


def inspect_key(armored, passphrase=None):
    """Whether PGPy loads a key, whether its self-signatures verify, what it prefers, and which
    (sub)key it encrypts to."""
    try:
        key = load_key(armored)
    except Exception as error:  # what a Python agent would see
        return {"loaded": False, "error": f"{type(error).__name__}: {error}"}
    public = key if key.is_public else key.pubkey
    try:
        self_verified = bool(public.verify(public))
        verify_error = None
    except Exception as error:
        self_verified = False
        verify_error = f"{type(error).__name__}: {error}"
    unlocks = None
    if not key.is_public and key.is_protected:
        try:
            with key.unlock(passphrase or ""):
                unlocks = True
        except Exception:
            unlocks = False
    encrypts_to, encrypt_error = _encryption_probe(public)
    uid = next(iter(public.userids), None)
    selfsig = uid.selfsig if uid is not None else None
    return {
        "loaded": True,
        "isPublic": key.is_public,
        "fingerprint": str(key.fingerprint).replace(" ", "").lower(),
        "selfVerified": self_verified,
        "verifyError": verify_error,
        "unlocks": unlocks,
        "userIds": [f"{u.name} <{u.email}>" for u in public.userids],
        "hashPreferences": [int(h) for h in selfsig.hashprefs] if selfsig else [],
        "cipherPreferences": [int(c) for c in selfsig.cipherprefs] if selfsig else [],
        "compressionPreferences": [int(c) for c in selfsig.compprefs] if selfsig else [],
        "subkeys": sorted(k.lower() for k in public.subkeys),
        "encryptsTo": encrypts_to,
        "encryptError": encrypt_error,
    }


def _encryption_probe(public):
    """What a Python agent's encrypt does with this key: the key id PGPy writes in the session
    key packet (the (sub)key it picked; PGPy checks neither revocation nor expiry), or the
    exception it raises."""
    try:
        message = public.encrypt(pgpy.PGPMessage.new("probe"))
        return next(iter(message.encrypters)).lower(), None
    except Exception as error:  # what a Python agent would see
        return None, f"{type(error).__name__}: {error}"


# --- messages -----------------------------------------------------------------------------------


def _sign_into(message, sign_with, passphrase):
    signer = load_key(sign_with)
    with unlocked(signer, passphrase):
        message |= signer.sign(message)
    return message


def pgp_encrypt_utf8(text, recipient, sign_with=None, passphrase=None):
    """The docs' pgp_encrypt_utf8: PGPMessage.new(text) (ZIP, literal 'u'), then encrypt."""
    message = pgpy.PGPMessage.new(text)
    if sign_with:
        message = _sign_into(message, sign_with, passphrase)
    return {"armored": str(load_key(recipient).encrypt(message))}


def encrypt_bytes(data, recipient, sign_with=None, passphrase=None, format=None):
    """An attachment's bytes: PGPMessage.new(bytearray) with PGPy's defaults (ZIP; literal 't' for
    ASCII bytes, 'b' otherwise) unless a format is given."""
    kwargs = {} if format is None else {"format": format}
    message = pgpy.PGPMessage.new(bytearray(unb64(data)), **kwargs)
    if sign_with:
        message = _sign_into(message, sign_with, passphrase)
    return {"armored": str(load_key(recipient).encrypt(message))}


def _decrypt(armored, private_key, passphrase=None, verify_with=None):
    key = load_key(private_key)
    encrypted = pgpy.PGPMessage.from_blob(armored)
    with unlocked(key, passphrase):
        decrypted = key.decrypt(encrypted)
    content = decrypted.message
    out = {
        "encrypters": sorted(k.lower() for k in encrypted.encrypters),
        "format": decrypted._message.format if decrypted.type == "literal" else None,
        "pythonType": type(content).__name__,
        "signers": sorted(s.lower() for s in decrypted.signers),
        "verified": None,
    }
    if isinstance(content, str):
        out["text"] = content
    else:
        out["data"] = b64(content)
    if verify_with and decrypted.is_signed:
        try:
            out["verified"] = bool(load_key(verify_with).verify(decrypted))
        except Exception as error:
            out["verified"] = False
            out["verifyError"] = f"{type(error).__name__}: {error}"
    return out


def decrypt(armored, private_key, passphrase=None, verify_with=None):
    """PGPy's decrypt: `.message` as PGPy returns it (str for 'u'/'t', bytearray for 'b')."""
    try:
        return _decrypt(armored, private_key, passphrase, verify_with)
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


def _is_armored(text):
    return text.strip().startswith(ARMOR_BEGIN)


def read_message(raw, private_key=None, passphrase=None, verify_with=None):
    """The Python SDK's reader, as its docs describe fetch_message on raw MIME."""
    msg = message_from_bytes(unb64(raw), policy=policy.default)
    body = msg.get_body(preferencelist=("plain",))
    body_text = body.get_content() if body is not None else ""
    encrypted = str(msg.get("X-AgentMail-Encrypted", "")).strip().lower() == "body" or _is_armored(body_text)
    out = {
        "subject": str(msg.get("Subject", "")),
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "cc": str(msg.get("Cc", "")) if msg.get("Cc") is not None else None,
        "bcc": str(msg.get("Bcc", "")) if msg.get("Bcc") is not None else None,
        "headers": {k: str(v) for k, v in msg.items()},
        "headerList": [[k, str(v)] for k, v in msg.items()],
        "encrypted": encrypted,
        "bodyText": body_text,
        "defects": [type(d).__name__ for part in msg.walk() for d in part.defects],
    }
    manifest = None
    raw_manifest = msg.get("X-AgentMail-Attachments")
    if raw_manifest is not None:
        try:
            manifest = json.loads(str(raw_manifest))
        except Exception as error:
            out["manifestError"] = f"{type(error).__name__}: {error}"
    out["manifest"] = manifest
    if encrypted and private_key:
        result = decrypt(body_text, private_key, passphrase, verify_with)
        out["bodyDecrypted"] = result
    rows = {row.get("index"): row for row in manifest or [] if isinstance(row, dict)}
    attachments = []
    for index, part in enumerate(msg.iter_attachments()):
        filename = part.get_filename()
        content_type = part.get_content_type()
        row = rows.get(index, {})
        data = part.get_payload(decode=True) or b""
        is_encrypted = (
            bool(row.get("encrypted"))
            or content_type == PGP_ENCRYPTED
            or (filename or "").lower().endswith(".asc")
        )
        item = {
            "index": index,
            "filename": filename,
            "contentType": content_type,
            "encrypted": is_encrypted,
            "data": b64(data),
        }
        if is_encrypted and private_key:
            item["decrypted"] = decrypt(data.decode("ascii", "replace"), private_key, passphrase, verify_with)
        attachments.append(item)
    out["attachments"] = attachments
    return out


def write_message(
    sender,
    to,
    subject,
    body,
    encrypted_body=False,
    attachments=(),
    correlation_id=None,
    idempotency_key=None,
    headers=None,
):
    """The custom-email guide's Option 2: EmailMessage, the armored body via set_content(subtype
    "plain", charset "utf-8"), attachments, the X-AgentMail-* headers, as_bytes().

    Each attachment is {filename, contentType, data (base64), manifestRow (dict, optional)}; the
    manifest is written with json.dumps(rows, separators=(",", ":")) (ensure_ascii) whenever
    there are attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">"))
    if encrypted_body:
        msg["X-AgentMail-Encrypted"] = "body"
    if correlation_id:
        msg["X-AgentMail-Correlation-Id"] = correlation_id
    if idempotency_key:
        msg["X-AgentMail-Idempotency-Key"] = idempotency_key
    for name, value in (headers or {}).items():
        msg[name] = value
    rows = []
    for index, attachment in enumerate(attachments):
        row = {"index": index, "filename": attachment["filename"], "content_type": attachment["contentType"]}
        row.update(attachment.get("manifestRow") or {})
        rows.append(row)
    if rows:
        msg["X-AgentMail-Attachments"] = json.dumps(rows, separators=(",", ":"))
    msg.set_content(body, subtype="plain", charset="utf-8")
    for attachment in attachments:
        maintype, _, subtype = attachment["contentType"].partition("/")
        msg.add_attachment(
            unb64(attachment["data"]), maintype=maintype, subtype=subtype, filename=attachment["filename"]
        )
    return {"raw": b64(msg.as_bytes())}


# --- headers ------------------------------------------------------------------------------------

MANIFEST_HEADER = "X-AgentMail-Attachments"


def _field_bytes(raw, name):
    """The bytes of header `name` as written in raw MIME: everything after "Name:" up to the CRLF
    that ends its last (folded) line."""
    match = re.search(rb"(?im)^" + re.escape(name.encode("ascii")) + rb":((?:[^\r\n]*)(?:\r?\n[ \t][^\r\n]*)*)", raw)
    return match.group(1) if match else None


def _read_back(header):
    """What the Python SDK's reader makes of a header: str(header), then json.loads of it."""
    out = {"value": str(header)}
    try:
        out["json"] = json.loads(out["value"])
    except Exception as error:
        out["jsonError"] = f"{type(error).__name__}: {error}"
    return out


def write_manifests(manifests, ensure_ascii=True):
    """Each manifest (a list of rows) set as X-AgentMail-Attachments the way the SDK's writer sets
    it (json.dumps with compact separators) on an EmailMessage, serialised with as_bytes()
    (email.policy.default folds it, as RFC 2047 encoded words where it sees fit), then read back
    from those bytes as the SDK's reader does: json.loads(str(header))."""
    results = []
    for rows in manifests:
        msg = EmailMessage()
        msg["From"] = "py-agent@agents.example.com"
        msg["To"] = "ts-agent@agents.example.com"
        msg["Subject"] = "manifest"
        msg[MANIFEST_HEADER] = json.dumps(rows, separators=(",", ":"), ensure_ascii=ensure_ascii)
        msg.set_content("body", subtype="plain", charset="utf-8")
        raw = msg.as_bytes()
        read = message_from_bytes(raw, policy=policy.default)
        out = _read_back(read[MANIFEST_HEADER])
        out["raw"] = b64(raw)
        out["field"] = b64(_field_bytes(raw, MANIFEST_HEADER))
        results.append(out)
    return {"results": results}


def read_header_values(values, name="X-Test"):
    """Each value (base64 bytes, folded with CRLF + WSP where it spans lines) as the value of
    header `name` in a message parsed with email.policy.default: str(header), as the SDK reads
    X-AgentMail-Attachments, and json.loads of it."""
    results = []
    for value in values:
        raw = name.encode("ascii") + b": " + unb64(value) + b"\r\n\r\nbody\r\n"
        try:
            results.append(_read_back(message_from_bytes(raw, policy=policy.default)[name]))
        except Exception as error:
            results.append({"error": f"{type(error).__name__}: {error}"})
    return {"results": results}


def batch(calls):
    """Several operations in one process, in order: [{"op": ..., "args": {...}}, ...] -> their
    answers. Tests use it to ask PGPy many questions without starting Python for each."""
    return [OPS[call["op"]](**call.get("args", {})) for call in calls]


OPS = {
    "batch": batch,
    "generate_keypair": generate_keypair,
    "inspect_key": inspect_key,
    "pgp_encrypt_utf8": pgp_encrypt_utf8,
    "encrypt_bytes": encrypt_bytes,
    "decrypt": decrypt,
    "read_message": read_message,
    "write_message": write_message,
    "write_manifests": write_manifests,
    "read_header_values": read_header_values,
}


def main():
    request = json.loads(sys.stdin.buffer.read())
    calls = request if isinstance(request, list) else [request]
    results = [OPS[call["op"]](**call.get("args", {})) for call in calls]
    sys.stdout.write(json.dumps(results if isinstance(request, list) else results[0]))


if __name__ == "__main__":
    main()
