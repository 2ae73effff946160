#!/usr/bin/env python3
"""Checks that a Hearth server still works with the original Python chat client
(loijilai/Python-Chat-Room, docs/PROTOCOL.md section 8).

That client writes each request as `{"type": T, "data": D}` with Python's default
JSON separators and no id, and reads every frame into a pydantic model of `type`,
`status`, `message` and `data` (its utils.Message, restated below) whose default
configuration ignores keys it does not know, such as Hearth's `code`. Its
dispatcher then looks handlers up by `type` and drops the rest. This script runs
that client's conversation against a real `hearth-server` and validates every frame
the server sends with that model.

Usage: scripts/python-compat.py PATH/TO/hearth-server
Needs pydantic 2 (`python3 -m pip install pydantic`).
"""

import json
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
from typing import Any, Dict, Optional

from pydantic import BaseModel


class Message(BaseModel):
    """The original client's frame model: extra keys are ignored (pydantic's default)."""

    type: str
    status: Optional[str] = None
    message: Optional[str] = None
    data: Optional[Dict[str, Any]] = None


def fail(why):
    print(f"python-compat: FAILED: {why}", file=sys.stderr)
    sys.exit(1)


class OriginalClient:
    """Speaks like the original client: TLS without verification, length-prefixed JSON."""

    def __init__(self, port):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.seen = []

    def send(self, kind, data=None):
        body = json.dumps({"type": kind, "data": data}).encode("utf-8")
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _exactly(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                fail("the server closed the connection")
            buf += chunk
        return buf

    def recv(self):
        (length,) = struct.unpack(">I", self._exactly(4))
        frame = json.loads(self._exactly(length).decode("utf-8"))
        msg = Message.model_validate(frame)  # raises if the original client could not read it
        self.seen.append(frame)
        return msg

    def until(self, kind, status=None):
        """Reads frames (as the client's receive loop would) until one of `kind`."""
        for _ in range(200):
            msg = self.recv()
            if msg.type == kind and (status is None or msg.status == status):
                return msg
        fail(f"no {kind} frame")


def main():
    if len(sys.argv) != 2:
        fail("usage: python-compat.py PATH/TO/hearth-server")
    with tempfile.TemporaryDirectory() as data_dir:
        server = subprocess.Popen(
            [sys.argv[1], "--listen", "127.0.0.1:0", "--data-dir", data_dir,
             "--argon2-memory-kib", "1024", "--argon2-iterations", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            line = server.stdout.readline()
            if not line.startswith("listening on "):
                fail(f"unexpected first line from the server: {line!r}")
            port = int(line.rsplit(":", 1)[1])
            run(port)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("python-compat: the original client's conversation works; every frame fits its model")


def run(port):
    alice, bob = OriginalClient(port), OriginalClient(port)

    alice.send("register", {"username": "alice", "password": "pw1234"})
    reply = alice.until("register")
    if (reply.status, reply.message) != ("ok", "Register successfully! You can now login"):
        fail(f"register: {reply}")
    alice.send("register", {"username": "alice", "password": "pw1234"})
    taken = alice.until("register")
    if (taken.status, taken.message) != ("error", "Username already in use, try another one"):
        fail(f"a taken name: {taken}")

    alice.send("login", {"username": "alice", "password": "pw1234"})
    reply = alice.until("login")
    if reply.status != "ok" or reply.data.get("username") != "alice" or reply.data.get("chatroom") != "lobby":
        fail(f"login: {reply}")

    alice.send("list")
    reply = alice.until("list", "ok")
    if "lobby" not in reply.data:
        fail(f"list: {reply}")

    alice.send("create", {"room": "den"})
    if alice.until("create").message != "den created successfully":
        fail("create")
    alice.send("enter", {"room": "den"})
    if alice.until("enter").message != "Welcome to den":
        fail("enter")

    bob.send("register", {"username": "bob", "password": "pw1234"})
    bob.until("register", "ok")
    bob.send("login", {"username": "bob", "password": "pw1234"})
    bob.until("login", "ok")
    bob.send("enter", {"room": "den"})
    bob.until("enter", "ok")

    # The original client sends `from` itself; the server uses the real sender.
    alice.send("msg", {"from": "mallory", "to": "public", "text": "hi from the original client"})
    push = bob.until("msg")
    if (push.data.get("from"), push.data.get("to"), push.data.get("text")) != (
        "alice", "public", "hi from the original client"
    ):
        fail(f"msg push: {push}")
    alice.until("msg")

    # Errors it may provoke still fit its model (they carry Hearth's `code` too).
    bob.send("msg", {"to": "public", "text": ""})
    bob.until("msg", "error")
    bob.send("enter", ["den"])
    bob.until("enter", "error")

    bob.send("list")
    if bob.until("list_room").data.get("den") is None:
        fail("list inside a room is answered as list_room")
    bob.send("exit")
    if bob.until("exit").message != "Exit den, back to lobby":
        fail("exit")
    bob.send("logout")
    if bob.until("logout").message != "bob logout successfully":
        fail("logout")

    errors = [f for f in alice.seen + bob.seen if f.get("status") == "error"]
    if not errors or not all("code" in f for f in errors):
        fail("every error reply carries a code")
    print(f"python-compat: {len(alice.seen) + len(bob.seen)} frames read, {len(errors)} errors")


if __name__ == "__main__":
    main()
