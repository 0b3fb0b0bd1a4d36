"""Bring up the loopback interface of a fresh network namespace (`unshare -rn`), then run a
command in it: `unshare -rn python netns.py -- CMD...`. Ports bound inside (e.g. 8000) are private
to the namespace, so the README snippets' fixed address cannot collide with anything on the host."""

from __future__ import annotations

import fcntl
import socket
import struct
import subprocess
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def main() -> int:
    command = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if "--no-netns" not in sys.argv[1:sys.argv.index("--")]:
        loopback_up()
    rc = subprocess.run(command).returncode
    return 1 if rc == 5 else rc


if __name__ == "__main__":
    sys.exit(main())
