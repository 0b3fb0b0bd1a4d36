"""Where a running process's resident memory is: per mapping (smaps), and for its own executable
per ELF section and per Swift module (from /proc/PID/pagemap and the symbol table).

Usage: python resident.py PID [TOP]    (run as the process's user or root; needs `nm`, `readelf`)
"""

from __future__ import annotations

import bisect
import os
import re
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def mappings(pid: int) -> list[tuple[int, int, int, str, str]]:
    rows = []
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            path = fields[5] if len(fields) > 5 else ""
            rows.append((start, end, int(fields[2], 16), fields[1], path))
    return rows


def present_pages(pid: int, start: int, end: int) -> list[int]:
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        pagemap.seek(start // PAGE * 8)
        data = pagemap.read((end - start) // PAGE * 8)
    return [start + index * PAGE for index, (entry,) in enumerate(struct.iter_unpack("<Q", data)) if entry >> 63]


def sections(binary: str) -> list[tuple[int, int, str]]:
    """(file offset, size, name) of the allocated sections."""
    output = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    rows = []
    for match in re.finditer(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", output):
        name, _address, offset, size = match.groups()
        if int(size, 16) and not name.startswith(".debug"):
            rows.append((int(offset, 16), int(size, 16), name))
    return sorted(rows)


def symbols(binary: str) -> tuple[list[int], list[str]]:
    output = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True).stdout
    addresses, owners = [], []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        addresses.append(int(parts[0], 16))
        owners.append(owner(parts[2]))
    return addresses, owners


def owner(symbol: str) -> str:
    """The Swift module of a mangled symbol, else a coarse C/C++ group."""
    match = re.match(r"^_?\$s(\d+)", symbol)
    if match:
        length = int(match.group(1))
        start = match.end()
        return symbol[start:start + length]
    if symbol.startswith(("_ZN6icu_", "u_", "ucase", "uprv_", "ubrk", "ucol", "uloc", "ures", "icudt")) or "icu" in symbol.lower():
        return "ICU (C++)"
    if symbol.startswith("sqlite3"):
        return "SQLite (C)"
    if symbol.startswith("swift_") or symbol.startswith("_swift"):
        return "Swift runtime (C++)"
    return "other C/C++"


def main() -> None:
    pid = int(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    binary = os.readlink(f"/proc/{pid}/exe")
    rows = mappings(pid)
    by_path: dict[str, int] = {}
    own: list[tuple[int, int]] = []  # (page address, file offset)
    base = min(start - offset for start, _end, offset, _perm, path in rows if path == binary)
    for start, end, offset, _perm, path in rows:
        pages = present_pages(pid, start, end)
        by_path[path or "[anonymous]"] = by_path.get(path or "[anonymous]", 0) + len(pages)
        if path == binary:
            own += [(page, offset + page - start) for page in pages]
    print(f"resident pages by mapping ({PAGE // 1024} KiB pages):")
    for path, count in sorted(by_path.items(), key=lambda item: -item[1])[:top]:
        print(f"  {count * PAGE / 1048576:7.2f} MB  {path}")
    table = sections(binary)
    starts = [row[0] for row in table]
    per_section: dict[str, int] = {}
    for _page, file_offset in own:
        index = bisect.bisect_right(starts, file_offset) - 1
        name = table[index][2] if index >= 0 and file_offset < table[index][0] + table[index][1] + PAGE else "(no section)"
        per_section[name] = per_section.get(name, 0) + 1
    print(f"{binary} resident by section:")
    for name, count in sorted(per_section.items(), key=lambda item: -item[1])[:top]:
        print(f"  {count * PAGE / 1048576:7.2f} MB  {name}")
    addresses, owners = symbols(binary)
    if addresses:
        per_owner: dict[str, int] = {}
        for page, _offset in own:
            # Attribute a page to the owner of the symbol at its start (or the one before).
            index = bisect.bisect_right(addresses, page - base) - 1
            name = owners[index] if index >= 0 else "(before the first symbol)"
            per_owner[name] = per_owner.get(name, 0) + 1
        print(f"{os.path.basename(binary)} resident by Swift module / library (by the symbol at each page's start):")
        for name, count in sorted(per_owner.items(), key=lambda item: -item[1])[:top]:
            print(f"  {count * PAGE / 1048576:7.2f} MB  {name}")


if __name__ == "__main__":
    main()
